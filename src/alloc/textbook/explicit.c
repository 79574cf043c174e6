/*
 * explicit.c - an explicit free list (CS:APP 9.9.13): the same blocks as
 * the implicit list, but every free block also holds two pointers in its
 * payload, to the previous and the next free block, so a search visits
 * only free blocks.  A freed block goes to the front of the list (LIFO) or
 * to its place by address (address-ordered, which keeps fragmentation
 * lower); the search is first fit.  Free neighbours merge at once.
 *
 * Segregated lists (segregated.c) are this with one list per size class.
 */
#include "heapscope/textbook.h"

#define MINBLOCK 32 /* header, two pointers, footer */
#define CHUNK 4096
#define HEAD 0 /* st[]: the first free block, 0 when none */

enum { LIFO, ADDR };

static uint64_t pred(tb_heap *h, uint64_t bp) { return tb_get(h, bp); }
static uint64_t succ(tb_heap *h, uint64_t bp) { return tb_get(h, bp + TB_WSIZE); }

static void unlink_free(tb_heap *h, uint64_t bp)
{
	uint64_t p = pred(h, bp), s = succ(h, bp);
	if (p)
		tb_put(h, p + TB_WSIZE, s);
	else
		h->st[HEAD] = s;
	if (s)
		tb_put(h, s, p);
}

static void insert_free(tb_heap *h, uint64_t bp)
{
	uint64_t p = 0, s = h->st[HEAD];
	if (h->variant == ADDR) /* after every free block below it */
		while (s && s < bp && !h->fault)
			p = s, s = succ(h, s);
	tb_put(h, bp, p);
	tb_put(h, bp + TB_WSIZE, s);
	if (p)
		tb_put(h, p + TB_WSIZE, bp);
	else
		h->st[HEAD] = bp;
	if (s)
		tb_put(h, s, bp);
}

static uint64_t coalesce(tb_heap *h, uint64_t bp)
{
	uint64_t size = tb_bsize(h, bp);
	if (!tb_balloc(h, tb_next(h, bp))) {
		unlink_free(h, tb_next(h, bp));
		size += tb_bsize(h, tb_next(h, bp));
	}
	if (tb_prev_free(h, bp)) {
		bp = tb_prev(h, bp);
		unlink_free(h, bp);
		size += tb_bsize(h, bp);
	}
	tb_set(h, bp, size, 0);
	insert_free(h, bp);
	return bp;
}

static uint64_t extend(tb_heap *h, uint64_t bytes)
{
	uint64_t size = TB_ALIGN(bytes), bp = tb_sbrk(h, size);
	if (!bp)
		return 0;
	tb_set(h, bp, size, 0);
	tb_put(h, tb_hdr(tb_next(h, bp)), TB_PACK(0, 1));
	return coalesce(h, bp);
}

static bool exp_init(tb_heap *h)
{
	h->st[HEAD] = 0;
	return tb_tags_init(h);
}

static void place(tb_heap *h, uint64_t bp, uint64_t asize)
{
	uint64_t size = tb_bsize(h, bp);
	unlink_free(h, bp);
	if (size - asize >= MINBLOCK) {
		tb_set(h, bp, asize, 1);
		tb_set(h, bp + asize, size - asize, 0);
		insert_free(h, bp + asize);
	} else {
		tb_set(h, bp, size, 1);
	}
}

static uint64_t exp_malloc(tb_heap *h, uint64_t n)
{
	if (n == 0 || n > (1ull << 40))
		return 0;
	uint64_t asize = TB_ALIGN(n + 2 * TB_WSIZE) < MINBLOCK ? MINBLOCK : TB_ALIGN(n + 2 * TB_WSIZE);
	uint64_t bp = h->st[HEAD];
	while (bp && tb_bsize(h, bp) < asize && !h->fault)
		bp = succ(h, bp);
	if (!bp && !(bp = extend(h, asize > CHUNK ? asize : CHUNK)))
		return 0;
	if (tb_bsize(h, bp) < asize)
		return 0;
	place(h, bp, asize);
	return bp;
}

static void exp_free(tb_heap *h, uint64_t bp)
{
	if (!bp)
		return;
	tb_set(h, bp, tb_bsize(h, bp), 0);
	coalesce(h, bp);
}

static uint64_t exp_realloc(tb_heap *h, uint64_t bp, uint64_t n)
{
	if (!bp)
		return exp_malloc(h, n);
	if (!n) {
		exp_free(h, bp);
		return 0;
	}
	if (TB_ALIGN(n + 2 * TB_WSIZE) <= tb_bsize(h, bp))
		return bp;
	return tb_realloc_copy(h, tb_find(h->variant == LIFO ? "explicit-lifo" : "explicit-addr"), bp,
			       tb_bsize(h, bp) - 2 * TB_WSIZE, n);
}

/* The boundary tags hold; the list holds exactly the free blocks, its
 * links agree both ways, and (address-ordered) it is sorted. */
static const char *exp_check(tb_heap *h)
{
	uint64_t nfree, n = 0, p = 0;
	const char *why = tb_tags_check(h, MINBLOCK, &nfree);
	if (why)
		return why;
	for (uint64_t bp = h->st[HEAD]; bp; p = bp, bp = succ(h, bp)) {
		if (++n > nfree || bp < h->lo || bp >= h->brk || tb_balloc(h, bp))
			return "the free list holds a block that is not free";
		if (pred(h, bp) != p)
			return "a free block's previous link does not point back";
		if (h->variant == ADDR && p && p > bp)
			return "the address-ordered list is out of order";
	}
	return n == nfree ? NULL : "a free block is missing from the free list";
}

static void exp_lists(tb_heap *h, void (*cb)(void *ctx, unsigned list, const char *name, uint64_t block), void *ctx)
{
	uint64_t n = 0;
	for (uint64_t bp = h->st[HEAD]; bp && !h->fault && n++ < (1u << 24); bp = succ(h, bp))
		cb(ctx, 0, h->variant == LIFO ? "free list (LIFO)" : "free list (by address)", tb_hdr(bp));
}

const tb_alloc tb_explicit_lifo = {"explicit-lifo", "explicit free list, freed blocks first (LIFO), first fit",
				   LIFO, exp_init, exp_malloc, exp_free, exp_realloc, exp_check, tb_tags_walk, exp_lists};
const tb_alloc tb_explicit_addr = {"explicit-addr", "explicit free list in address order, first fit", ADDR,
				   exp_init, exp_malloc, exp_free, exp_realloc, exp_check, tb_tags_walk, exp_lists};
