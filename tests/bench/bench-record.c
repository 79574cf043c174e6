/*
 * bench-record.c - a program for the recorder's benchmark: N calls (argv[1])
 * of malloc, free and realloc with sizes like a compiler's, no output.
 * Run with and without the recorder, its time says what recording costs.
 */
#include <stdint.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	static void *live[4096];
	uint64_t x = 88172645463325252ull;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t k = (size_t)(x % 4096), sz = (size_t)(x >> 20) % (x % 16 ? 200 : 5000) + 1;
		if (!live[k])
			live[k] = malloc(sz);
		else if (x % 8 == 0)
			live[k] = realloc(live[k], sz);
		else {
			free(live[k]);
			live[k] = NULL;
		}
	}
	return 0;
}
