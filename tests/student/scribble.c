/* scribble.c - mm_free clears 32 bytes past the freed payload, into the
 * next block's payload: heapscope must name the live payload it hit. */
#include <string.h>
#include "mm.h"
#include "memlib.h"

team_t team = {"heapscope", "test", "", "", ""};

#define ALIGN(n) (((n) + 15) & ~(size_t)15)
typedef struct blk { size_t size; struct blk *next; } blk; /* 16 bytes before the payload */
static blk *free_list;

int mm_init(void)
{
	free_list = NULL;
	return 0;
}

void *mm_malloc(size_t size)
{
	size_t need = ALIGN(size ? size : 1);
	for (blk **pp = &free_list; *pp; pp = &(*pp)->next)
		if ((*pp)->size >= need) {
			blk *b = *pp;
			*pp = b->next;
			return b + 1;
		}
	blk *b = mem_sbrk((intptr_t)(need + sizeof(blk)));
	if (b == (void *)-1)
		return NULL;
	b->size = need;
	return b + 1;
}

void mm_free(void *p)
{
	if (!p)
		return;
	blk *b = (blk *)p - 1;
	memset((char *)p + b->size, 0, 32); /* the bug */
	b->next = free_list;
	free_list = b;
}

void *mm_realloc(void *p, size_t size)
{
	if (!p)
		return mm_malloc(size);
	blk *b = (blk *)p - 1;
	if (size <= b->size)
		return p;
	void *q = mm_malloc(size);
	if (q) {
		memcpy(q, p, b->size);
		mm_free(p);
	}
	return q;
}
