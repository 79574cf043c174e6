/*
 * globals.c - globals of every kind, printed with their addresses: the
 * real compiler's and linker's layout that tests/process/globals.hs must
 * reproduce (run under setarch -R).  It calls only malloc and printf: the
 * small PIE heapscope's image stands for (more imports move .data).
 */
#include <stdio.h>
#include <stdlib.h>

int counter = 10;
int total;
static char buf[4096];
const char *msg = "hello";
char name[] = "abc";
const int answer = 42;

int main(void)
{
	void *p = malloc(10);
	printf("%p %p %p %p %p %p %p %p\n", (void *)&counter, (void *)buf, (void *)&total, (void *)msg, (void *)&msg,
	       (void *)name, (void *)&answer, p);
	return 0;
}
