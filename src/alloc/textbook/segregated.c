/*
 * segregated.c - segregated free lists (CS:APP 9.9.14): one explicit free
 * list per size class (32, 33-64, 65-128, ... up to 2^k and one for the
 * rest), so a search starts with blocks of about the right size: first fit
 * in the request's class, then in each larger class.  Freed blocks go to
 * the front of their class's list and merge at once with free neighbours;
 * a split's remainder goes to its own class.
 */
#include "heapscope/textbook.h"

#define MINBLOCK 32
#define CHUNK 4096
#define NCLASS 16 /* st[0..15]: the list heads */

static uint64_t pred(tb_heap *h, uint64_t bp) { return tb_get(h, bp); }
static uint64_t succ(tb_heap *h, uint64_t bp) { return tb_get(h, bp + TB_WSIZE); }

/* The class of a block size: 0 for 32, then one per power of two. */
static unsigned class_of(uint64_t size)
{
	unsigned c = 0;
	for (uint64_t s = MINBLOCK; s < size && c < NCLASS - 1; s <<= 1)
		c++;
	return c;
}

static void unlink_free(tb_heap *h, uint64_t bp)
{
	uint64_t p = pred(h, bp), s = succ(h, bp);
	if (p)
		tb_put(h, p + TB_WSIZE, s);
	else
		h->st[class_of(tb_bsize(h, bp))] = s;
	if (s)
		tb_put(h, s, p);
}

static void insert_free(tb_heap *h, uint64_t bp)
{
	unsigned c = class_of(tb_bsize(h, bp));
	uint64_t s = h->st[c];
	tb_put(h, bp, 0);
	tb_put(h, bp + TB_WSIZE, s);
	if (s)
		tb_put(h, s, bp);
	h->st[c] = bp;
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

static bool seg_init(tb_heap *h)
{
	for (int c = 0; c < NCLASS; c++)
		h->st[c] = 0;
	return tb_tags_init(h);
}

static uint64_t seg_malloc(tb_heap *h, uint64_t n)
{
	if (n == 0 || n > (1ull << 40))
		return 0;
	uint64_t asize = TB_ALIGN(n + 2 * TB_WSIZE) < MINBLOCK ? MINBLOCK : TB_ALIGN(n + 2 * TB_WSIZE);
	uint64_t bp = 0;
	for (unsigned c = class_of(asize); c < NCLASS && !bp; c++)
		for (uint64_t b = h->st[c]; b && !h->fault; b = succ(h, b))
			if (tb_bsize(h, b) >= asize) {
				bp = b;
				break;
			}
	if (!bp && !(bp = extend(h, asize > CHUNK ? asize : CHUNK)))
		return 0;
	if (tb_bsize(h, bp) < asize)
		return 0;
	uint64_t size = tb_bsize(h, bp);
	unlink_free(h, bp);
	if (size - asize >= MINBLOCK) {
		tb_set(h, bp, asize, 1);
		tb_set(h, bp + asize, size - asize, 0);
		insert_free(h, bp + asize);
	} else {
		tb_set(h, bp, size, 1);
	}
	return bp;
}

static void seg_free(tb_heap *h, uint64_t bp)
{
	if (!bp)
		return;
	tb_set(h, bp, tb_bsize(h, bp), 0);
	coalesce(h, bp);
}

static uint64_t seg_realloc(tb_heap *h, uint64_t bp, uint64_t n)
{
	if (!bp)
		return seg_malloc(h, n);
	if (!n) {
		seg_free(h, bp);
		return 0;
	}
	if (TB_ALIGN(n + 2 * TB_WSIZE) <= tb_bsize(h, bp))
		return bp;
	return tb_realloc_copy(h, tb_find("segregated"), bp, tb_bsize(h, bp) - 2 * TB_WSIZE, n);
}

/* The boundary tags hold; each list holds free blocks of its class only,
 * linked both ways, and all lists together hold every free block. */
static const char *seg_check(tb_heap *h)
{
	uint64_t nfree, n = 0;
	const char *why = tb_tags_check(h, MINBLOCK, &nfree);
	if (why)
		return why;
	for (unsigned c = 0; c < NCLASS; c++)
		for (uint64_t p = 0, bp = h->st[c]; bp; p = bp, bp = succ(h, bp)) {
			if (++n > nfree || bp < h->lo || bp >= h->brk || tb_balloc(h, bp))
				return "a list holds a block that is not free";
			if (class_of(tb_bsize(h, bp)) != c)
				return "a free block is in the list of another size class";
			if (pred(h, bp) != p)
				return "a free block's previous link does not point back";
		}
	return n == nfree ? NULL : "a free block is missing from the lists";
}

static void seg_lists(tb_heap *h, void (*cb)(void *ctx, unsigned list, const char *name, uint64_t block), void *ctx)
{
	static const char *const names[NCLASS] = {
		"class 32",	    "class 33-64",	 "class 65-128",       "class 129-256",	   "class 257-512",
		"class 513-1K",	    "class 1K-2K",	 "class 2K-4K",	       "class 4K-8K",	   "class 8K-16K",
		"class 16K-32K",    "class 32K-64K",	 "class 64K-128K",     "class 128K-256K",  "class 256K-512K",
		"class above 512K"};
	for (unsigned c = 0; c < NCLASS; c++) {
		uint64_t n = 0;
		for (uint64_t bp = h->st[c]; bp && !h->fault && n++ < (1u << 24); bp = succ(h, bp))
			cb(ctx, c, names[c], tb_hdr(bp));
	}
}

const tb_alloc tb_segregated = {"segregated", "segregated free lists by power-of-two size class, first fit", 0,
				seg_init, seg_malloc, seg_free, seg_realloc, seg_check, tb_tags_walk, seg_lists};
