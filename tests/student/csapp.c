/* csapp.c - the textbook's implicit free list (CS:APP 9.9.12) for 64-bit:
 * 8-byte headers and footers (size | allocated), 16-byte aligned payloads,
 * first fit, immediate coalescing; heapscope draws it with
 * --block-format=cs-app. */
#include <string.h>
#include "mm.h"
#include "memlib.h"

team_t team = {"heapscope", "test", "", "", ""};

#define WSIZE 8
#define DSIZE 16
#define CHUNK 4096
#define PACK(size, alloc) ((size) | (alloc))
#define GET(p) (*(size_t *)(p))
#define PUT(p, v) (*(size_t *)(p) = (v))
#define SIZE(p) (GET(p) & ~(size_t)0xf)
#define ALLOC(p) (GET(p) & 1)
#define HDRP(bp) ((char *)(bp) - WSIZE)
#define FTRP(bp) ((char *)(bp) + SIZE(HDRP(bp)) - DSIZE)
#define NEXT(bp) ((char *)(bp) + SIZE(HDRP(bp)))
#define PREV(bp) ((char *)(bp) - SIZE((char *)(bp) - DSIZE))

static char *heap;

static void *coalesce(void *bp)
{
	size_t prev = ALLOC(FTRP(PREV(bp))), next = ALLOC(HDRP(NEXT(bp))), size = SIZE(HDRP(bp));
	if (!next) {
		size += SIZE(HDRP(NEXT(bp)));
		PUT(HDRP(bp), PACK(size, 0));
		PUT(FTRP(bp), PACK(size, 0));
	}
	if (!prev) {
		size += SIZE(HDRP(PREV(bp)));
		PUT(FTRP(bp), PACK(size, 0));
		PUT(HDRP(PREV(bp)), PACK(size, 0));
		bp = PREV(bp);
	}
	return bp;
}

static void *extend(size_t bytes)
{
	char *bp = mem_sbrk((intptr_t)bytes);
	if (bp == (void *)-1)
		return NULL;
	PUT(HDRP(bp), PACK(bytes, 0));
	PUT(FTRP(bp), PACK(bytes, 0));
	PUT(HDRP(NEXT(bp)), PACK(0, 1));
	return coalesce(bp);
}

int mm_init(void)
{
	if ((heap = mem_sbrk(4 * WSIZE)) == (void *)-1)
		return -1;
	PUT(heap, 0);
	PUT(heap + WSIZE, PACK(DSIZE, 1));
	PUT(heap + 2 * WSIZE, PACK(DSIZE, 1));
	PUT(heap + 3 * WSIZE, PACK(0, 1));
	heap += 2 * WSIZE;
	return extend(CHUNK) ? 0 : -1;
}

static void place(char *bp, size_t need)
{
	size_t size = SIZE(HDRP(bp));
	if (size - need >= 2 * DSIZE) {
		PUT(HDRP(bp), PACK(need, 1));
		PUT(FTRP(bp), PACK(need, 1));
		bp = NEXT(bp);
		PUT(HDRP(bp), PACK(size - need, 0));
		PUT(FTRP(bp), PACK(size - need, 0));
	} else {
		PUT(HDRP(bp), PACK(size, 1));
		PUT(FTRP(bp), PACK(size, 1));
	}
}

void *mm_malloc(size_t size)
{
	if (size == 0)
		return NULL;
	size_t need = (size + DSIZE + DSIZE - 1) & ~(size_t)(DSIZE - 1);
	for (char *bp = heap; SIZE(HDRP(bp)) > 0; bp = NEXT(bp))
		if (!ALLOC(HDRP(bp)) && SIZE(HDRP(bp)) >= need) {
			place(bp, need);
			return bp;
		}
	char *bp = extend(need > CHUNK ? need : CHUNK);
	if (!bp)
		return NULL;
	place(bp, need);
	return bp;
}

void mm_free(void *bp)
{
	if (!bp)
		return;
	size_t size = SIZE(HDRP(bp));
	PUT(HDRP(bp), PACK(size, 0));
	PUT(FTRP(bp), PACK(size, 0));
	coalesce(bp);
}

void *mm_realloc(void *p, size_t size)
{
	if (!p)
		return mm_malloc(size);
	if (!size) {
		mm_free(p);
		return NULL;
	}
	void *q = mm_malloc(size);
	if (q) {
		size_t old = SIZE(HDRP(p)) - DSIZE;
		memcpy(q, p, old < size ? old : size);
		mm_free(p);
	}
	return q;
}
