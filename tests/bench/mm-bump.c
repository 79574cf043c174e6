/* mm-bump.c - a cheap malloc-lab allocator (exact-size free lists for
 * blocks up to 8 KiB, one sbrk per new block, realloc by copying), so that
 * timing it measures heapscope's round trip to a student's allocator in
 * its child process more than the allocator. */
#include <string.h>
#include "mm.h"
#include "memlib.h"

#define CLASSES 513
static void *lists[CLASSES + 1]; /* the last one: every larger block */

static size_t need_of(size_t size) { return (size + 15) & ~(size_t)15; }
static size_t class_of(size_t need) { return need / 16 < CLASSES ? need / 16 : CLASSES; }

int mm_init(void)
{
	memset(lists, 0, sizeof lists);
	return 0;
}

void *mm_malloc(size_t size)
{
	size_t need = need_of(size ? size : 1);
	for (void **pp = &lists[class_of(need)]; *pp; pp = (void **)*pp)
		if (*(size_t *)((char *)*pp - 16) >= need) {
			void *p = *pp;
			*pp = *(void **)p;
			return p;
		}
	char *b = mem_sbrk((intptr_t)(need + 16));
	if (b == (void *)-1)
		return NULL;
	*(size_t *)b = need;
	return b + 16;
}

void mm_free(void *p)
{
	if (!p)
		return;
	void **head = &lists[class_of(*(size_t *)((char *)p - 16))];
	*(void **)p = *head;
	*head = p;
}

void *mm_realloc(void *p, size_t size)
{
	if (!p)
		return mm_malloc(size);
	size_t old = *(size_t *)((char *)p - 16);
	if (need_of(size) <= old)
		return p;
	void *q = mm_malloc(size);
	if (q) {
		memcpy(q, p, old);
		mm_free(p);
	}
	return q;
}
