/*
 * implicit.c - the implicit free list of CS:APP 9.9: every block, free or
 * not, has a header and a footer (size | allocated); finding a free block
 * walks all blocks from the start (first fit), from where the last search
 * stopped (next fit), or through all of them for the smallest that fits
 * (best fit).  A freed block merges at once with free neighbours, so no
 * two free blocks ever touch.
 *
 * The heap (tb_tags_init): 8 bytes of padding, a prologue block (header
 * and footer, 16 bytes, allocated), the blocks, and an epilogue header
 * (size 0, allocated) at the break.
 */
#include "heapscope/textbook.h"

#define MINBLOCK 32
#define CHUNK 4096 /* grow the heap by at least this much */
#define ROVER 0 /* st[]: where next fit goes on */

enum { FIRST, NEXT, BEST };

/* Merge the free block bp with free neighbours; the merged block. */
static uint64_t coalesce(tb_heap *h, uint64_t bp)
{
	bool prev_free = tb_prev_free(h, bp), next_free = !tb_balloc(h, tb_next(h, bp));
	uint64_t size = tb_bsize(h, bp);
	if (next_free) {
		uint64_t n = tb_next(h, bp);
		if (h->st[ROVER] == n)
			h->st[ROVER] = bp;
		size += tb_bsize(h, n);
	}
	if (prev_free) {
		uint64_t p = tb_prev(h, bp);
		if (h->st[ROVER] == bp)
			h->st[ROVER] = p;
		size += tb_bsize(h, p);
		bp = p;
	}
	tb_set(h, bp, size, 0);
	return bp;
}

/* Grow the heap by bytes: a free block where the epilogue was. */
static uint64_t extend(tb_heap *h, uint64_t bytes)
{
	uint64_t size = TB_ALIGN(bytes);
	uint64_t bp = tb_sbrk(h, size);
	if (!bp)
		return 0;
	tb_set(h, bp, size, 0);
	tb_put(h, tb_hdr(tb_next(h, bp)), TB_PACK(0, 1)); /* the new epilogue */
	return coalesce(h, bp);
}

static bool imp_init(tb_heap *h)
{
	if (!tb_tags_init(h))
		return false;
	h->st[ROVER] = tb_first(h);
	return true;
}

static uint64_t find_fit(tb_heap *h, uint64_t asize)
{
	uint64_t best = 0;
	if (h->variant == NEXT) {
		/* from the rover to the end, then from the start to the rover */
		for (uint64_t bp = h->st[ROVER]; tb_bsize(h, bp) > 0; bp = tb_next(h, bp))
			if (!tb_balloc(h, bp) && tb_bsize(h, bp) >= asize)
				return h->st[ROVER] = bp;
		for (uint64_t bp = tb_first(h); bp < h->st[ROVER]; bp = tb_next(h, bp))
			if (!tb_balloc(h, bp) && tb_bsize(h, bp) >= asize)
				return h->st[ROVER] = bp;
		return 0;
	}
	for (uint64_t bp = tb_first(h); tb_bsize(h, bp) > 0 && !h->fault; bp = tb_next(h, bp)) {
		if (tb_balloc(h, bp) || tb_bsize(h, bp) < asize)
			continue;
		if (h->variant == FIRST)
			return bp;
		if (!best || tb_bsize(h, bp) < tb_bsize(h, best))
			best = bp;
	}
	return best;
}

/* Allocate asize bytes at the free block bp, splitting off the rest when
 * it can be a block of its own. */
static void place(tb_heap *h, uint64_t bp, uint64_t asize)
{
	uint64_t size = tb_bsize(h, bp);
	if (size - asize >= MINBLOCK) {
		tb_set(h, bp, asize, 1);
		tb_set(h, bp + asize, size - asize, 0);
	} else {
		tb_set(h, bp, size, 1);
	}
}

static uint64_t imp_malloc(tb_heap *h, uint64_t n)
{
	if (n == 0 || n > (1ull << 40))
		return 0;
	uint64_t asize = TB_ALIGN(n + 2 * TB_WSIZE);
	if (asize < MINBLOCK)
		asize = MINBLOCK;
	uint64_t bp = find_fit(h, asize);
	if (!bp && !(bp = extend(h, asize > CHUNK ? asize : CHUNK)))
		return 0;
	if (tb_bsize(h, bp) < asize) /* the extension merged with a free block still too small */
		return 0;
	place(h, bp, asize);
	return bp;
}

static void imp_free(tb_heap *h, uint64_t bp)
{
	if (!bp)
		return;
	tb_set(h, bp, tb_bsize(h, bp), 0);
	coalesce(h, bp);
}

static uint64_t imp_realloc(tb_heap *h, uint64_t bp, uint64_t n)
{
	if (!bp)
		return imp_malloc(h, n);
	if (!n) {
		imp_free(h, bp);
		return 0;
	}
	uint64_t asize = TB_ALIGN(n + 2 * TB_WSIZE) < MINBLOCK ? MINBLOCK : TB_ALIGN(n + 2 * TB_WSIZE);
	if (asize <= tb_bsize(h, bp))
		return bp; /* it fits where it is */
	const tb_alloc *self = tb_find(h->variant == FIRST ? "implicit-first" : h->variant == NEXT ? "implicit-next"
												      : "implicit-best");
	return tb_realloc_copy(h, self, bp, tb_bsize(h, bp) - 2 * TB_WSIZE, n);
}

/* Header equals footer, sizes are multiples of 16 and at least 32, no two
 * free blocks touch, and the blocks end at the epilogue at the break. */
static const char *imp_check(tb_heap *h)
{
	uint64_t nfree;
	return tb_tags_check(h, MINBLOCK, &nfree);
}

const tb_alloc tb_implicit_first = {"implicit-first", "implicit free list, first fit, boundary tags", FIRST,
				    imp_init, imp_malloc, imp_free, imp_realloc, imp_check, tb_tags_walk, NULL};
const tb_alloc tb_implicit_next = {"implicit-next", "implicit free list, next fit (a roving pointer)", NEXT,
				   imp_init, imp_malloc, imp_free, imp_realloc, imp_check, tb_tags_walk, NULL};
const tb_alloc tb_implicit_best = {"implicit-best", "implicit free list, best fit", BEST,
				   imp_init, imp_malloc, imp_free, imp_realloc, imp_check, tb_tags_walk, NULL};
