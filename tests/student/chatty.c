/* chatty.c - a bump allocator that prints as it works and tries to read
 * its standard input: in batch mode its words reach standard error, in
 * the TUI they must not reach the screen, and reading gets end of file. */
#include <stdio.h>
#include "mm.h"
#include "memlib.h"

team_t team = {"heapscope", "test", "", "", ""};

int mm_init(void)
{
	return 0;
}

void *mm_malloc(size_t size)
{
	printf("CHATTY malloc(%zu)\n", size);
	fflush(stdout);
	if (getchar() != EOF)
		return NULL; /* stdin must be empty */
	char *p = mem_sbrk((intptr_t)(((size + 15) & ~(size_t)15) + 16));
	return p == (void *)-1 ? NULL : p + 16;
}

void mm_free(void *p)
{
	(void)p;
}

void *mm_realloc(void *p, size_t size)
{
	(void)p;
	return mm_malloc(size);
}
