/* addrs.c - prints where a mix of allocations landed, with write() only:
 * the same with and without the recorder, or the recorder changed the heap. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void hex(uintptr_t v)
{
	char b[20];
	int n = 0;
	b[n++] = '\n';
	do
		b[n++] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	for (int i = n - 1; i >= 0; i--)
		if (write(1, &b[i], 1) != 1)
			exit(1);
}

int main(void)
{
	void *p[64];
	for (int i = 0; i < 64; i++) {
		p[i] = malloc((size_t)(i * 37 % 1500) + 1);
		hex((uintptr_t)p[i]);
		if (i % 3 == 0)
			free(p[i / 2]), p[i / 2] = NULL;
	}
	hex((uintptr_t)malloc(200000));
	hex((uintptr_t)calloc(3, 700));
	hex((uintptr_t)sbrk(0));
	return 0;
}
