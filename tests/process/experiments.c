/* experiments.c - the classic first experiments ("Observing Malloc",
 * phase 0): three malloc(1000) after printf's buffer, then two
 * malloc(10); built with gcc -m32 and compared with heapscope
 * --arch=i386 running experiments.hs (tests/process/run.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	printf("Before:%p", sbrk(0));
	void *a = malloc(1000), *b = malloc(1000), *c = malloc(1000);
	printf("\na=%p b=%p c=%p brk=%p\n", a, b, c, sbrk(0));
	void *d = malloc(10), *e = malloc(10);
	printf("d=%p e=%p\n", d, e);
	return 0;
}
