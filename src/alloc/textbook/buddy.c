/*
 * buddy.c - the binary buddy system (Knuth, TAOCP 2.5): every block is a
 * power of two in size, aligned (from the arena's start) to its size, with
 * a 16-byte header (its size | allocated).  A request takes the smallest
 * free block of a large enough order, halving a bigger one as often as
 * needed; each half's "buddy" is the other half, found by flipping one
 * address bit.  A freed block merges with its buddy while that buddy is
 * free and whole, so free memory stays in few large blocks; what a request
 * does not fill up to its power of two is lost (internal fragmentation).
 *
 * The arena doubles when nothing fits: the new upper half is the buddy of
 * the whole old arena.  One free list per order, linked through the
 * payload (next at +16, previous at +24).
 */
#include <stdio.h>

#include "heapscope/textbook.h"

#define HDR 16
#define MINORDER 5 /* 32 bytes */
#define MAXORDER 40
#define BASE 60 /* st[]: the arena's start */
#define SPAN 61 /* st[]: its size, a power of two */
/* st[order]: the free list of that order's blocks */

static uint64_t next_free(tb_heap *h, uint64_t b) { return tb_get(h, b + 16); }
static uint64_t prev_free(tb_heap *h, uint64_t b) { return tb_get(h, b + 24); }

static unsigned order_of(uint64_t size)
{
	unsigned o = 0;
	while ((1ull << o) < size)
		o++;
	return o;
}

static void push(tb_heap *h, uint64_t b, unsigned o)
{
	uint64_t head = h->st[o];
	tb_put(h, b, TB_PACK(1ull << o, 0));
	tb_put(h, b + 16, head);
	tb_put(h, b + 24, 0);
	if (head)
		tb_put(h, head + 24, b);
	h->st[o] = b;
}

static void unlink_free(tb_heap *h, uint64_t b, unsigned o)
{
	uint64_t n = next_free(h, b), p = prev_free(h, b);
	if (p)
		tb_put(h, p + 16, n);
	else
		h->st[o] = n;
	if (n)
		tb_put(h, n + 24, p);
}

static uint64_t buddy_of(tb_heap *h, uint64_t b, uint64_t size)
{
	return h->st[BASE] + ((b - h->st[BASE]) ^ size);
}

/* Give back block b of order o, merging with its buddies. */
static void release(tb_heap *h, uint64_t b, unsigned o)
{
	while (o < MAXORDER && (1ull << (o + 1)) <= h->st[SPAN]) {
		uint64_t bud = buddy_of(h, b, 1ull << o), w = tb_get(h, bud);
		if (TB_ALLOC(w) || TB_SIZE(w) != (1ull << o))
			break;
		unlink_free(h, bud, o);
		if (bud < b)
			b = bud;
		o++;
	}
	push(h, b, o);
}

static bool buddy_init(tb_heap *h)
{
	for (int i = 0; i < 64; i++)
		h->st[i] = 0;
	/* the arena starts 16-aligned, so payloads (after 16 bytes) are too */
	uint64_t b = tb_sbrk(h, 4096);
	if (!b)
		return false;
	h->st[BASE] = b;
	h->st[SPAN] = 4096;
	push(h, b, order_of(4096));
	return true;
}

static uint64_t buddy_malloc(tb_heap *h, uint64_t n)
{
	if (n == 0 || n > (1ull << (MAXORDER - 1)))
		return 0;
	unsigned want = order_of(n + HDR);
	if (want < MINORDER)
		want = MINORDER;
	for (;;) {
		unsigned o = want;
		while (o <= MAXORDER && !h->st[o])
			o++;
		if (o <= MAXORDER) {
			uint64_t b = h->st[o];
			unlink_free(h, b, o);
			while (o > want) { /* halve: the upper half stays free */
				o--;
				push(h, b + (1ull << o), o);
			}
			tb_put(h, b, TB_PACK(1ull << o, 1));
			return b + HDR;
		}
		/* double the arena: its new half is the old arena's buddy */
		uint64_t span = h->st[SPAN];
		if (order_of(span) >= MAXORDER || !tb_sbrk(h, span))
			return 0;
		h->st[SPAN] = 2 * span;
		release(h, h->st[BASE] + span, order_of(span));
	}
}

static void buddy_free(tb_heap *h, uint64_t p)
{
	if (!p)
		return;
	uint64_t b = p - HDR;
	release(h, b, order_of(TB_SIZE(tb_get(h, b))));
}

static uint64_t buddy_realloc(tb_heap *h, uint64_t p, uint64_t n)
{
	if (!p)
		return buddy_malloc(h, n);
	if (!n) {
		buddy_free(h, p);
		return 0;
	}
	uint64_t size = TB_SIZE(tb_get(h, p - HDR));
	if (n + HDR <= size)
		return p;
	return tb_realloc_copy(h, tb_find("buddy"), p, size - HDR, n);
}

/* Blocks tile the arena, each a power of two aligned to its size; no free
 * block has a free buddy of its size; the lists hold exactly the free blocks. */
static const char *buddy_check(tb_heap *h)
{
	uint64_t base = h->st[BASE], end = base + h->st[SPAN], nfree = 0, listed = 0;
	if (end != h->brk)
		return "the arena does not end at the break";
	for (uint64_t b = base; b < end;) {
		uint64_t w = tb_get(h, b), size = TB_SIZE(w);
		if (h->fault)
			return h->fault;
		if (size < 32 || (size & (size - 1)) || ((b - base) & (size - 1)) || b + size > end)
			return "a block is not a power of two aligned to its size";
		if (!TB_ALLOC(w)) {
			nfree++;
			uint64_t bud = buddy_of(h, b, size), bw = tb_get(h, bud);
			if (size < h->st[SPAN] && !TB_ALLOC(bw) && TB_SIZE(bw) == size)
				return "two free buddies were not merged";
		}
		b += size;
	}
	for (unsigned o = MINORDER; o <= MAXORDER; o++)
		for (uint64_t b = h->st[o]; b; b = next_free(h, b)) {
			if (++listed > nfree || TB_ALLOC(tb_get(h, b)) || TB_SIZE(tb_get(h, b)) != (1ull << o))
				return "a free list holds a block that is not free, or of another order";
		}
	return listed == nfree ? NULL : "a free block is missing from the lists";
}

static void buddy_walk(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx)
{
	uint64_t base = h->st[BASE], end = base + h->st[SPAN];
	for (uint64_t b = base; b < end && !h->fault;) {
		uint64_t w = tb_get(h, b), size = TB_SIZE(w);
		if (size < 32)
			break;
		cb(ctx, b, size, TB_ALLOC(w) ? TB_USED : TB_FREE);
		b += size;
	}
}

static void buddy_lists(tb_heap *h, void (*cb)(void *ctx, unsigned list, const char *name, uint64_t block), void *ctx)
{
	static char names[MAXORDER + 1][40];
	for (unsigned o = MINORDER; o <= MAXORDER; o++) {
		uint64_t n = 0;
		for (uint64_t b = h->st[o]; b && !h->fault && n++ < (1u << 24); b = next_free(h, b)) {
			if (!names[o][0])
				snprintf(names[o], sizeof names[o], "order %u (0x%llx)", o, 1ull << o);
			cb(ctx, o, names[o], b);
		}
	}
}

const tb_alloc tb_buddy = {"buddy", "binary buddy system: power-of-two blocks that split and merge", 0,
			   buddy_init, buddy_malloc, buddy_free, buddy_realloc, buddy_check, buddy_walk, buddy_lists};
