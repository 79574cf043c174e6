/*
 * bump.c - the mini malloc of "Observing Malloc": every request gets fresh
 * memory from sbrk, after an 8-byte header that says its size, and free
 * gives nothing back.  The simplest correct allocator, and the worst for
 * memory: nothing freed is ever used again.
 */
#include "heapscope/textbook.h"

static bool bump_init(tb_heap *h)
{
	/* 8 bytes of padding so that payloads (after their header) are 16-aligned */
	return tb_sbrk(h, 8) != 0;
}

static uint64_t bump_malloc(tb_heap *h, uint64_t n)
{
	if (n > (1ull << 40))
		return 0;
	uint64_t size = TB_ALIGN(n + 8);
	uint64_t block = tb_sbrk(h, size);
	if (!block)
		return 0;
	tb_put(h, block, TB_PACK(size, 1));
	return block + 8;
}

static void bump_free(tb_heap *h, uint64_t p)
{
	(void)h;
	(void)p; /* nothing is ever given back */
}

static uint64_t bump_realloc(tb_heap *h, uint64_t p, uint64_t n)
{
	if (!p)
		return bump_malloc(h, n);
	uint64_t old = TB_SIZE(tb_get(h, p - 8)) - 8;
	return tb_realloc_copy(h, &tb_bump, p, old, n);
}

/* Every block's header, one after the other, ends exactly at the break. */
static const char *bump_check(tb_heap *h)
{
	uint64_t b = h->lo + 8;
	while (b < h->brk) {
		uint64_t w = tb_get(h, b);
		if (!TB_ALLOC(w) || TB_SIZE(w) < 16 || b + TB_SIZE(w) > h->brk)
			return "a block header does not fit in the heap";
		b += TB_SIZE(w);
	}
	return b == h->brk ? NULL : "the blocks do not end at the break";
}

static void bump_walk(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx)
{
	if (h->brk == h->lo)
		return;
	cb(ctx, h->lo, 8, TB_META);
	for (uint64_t b = h->lo + 8; b < h->brk && !h->fault;) {
		uint64_t size = TB_SIZE(tb_get(h, b));
		if (size < 16)
			break;
		cb(ctx, b, size, TB_USED); /* freed or not: nothing comes back */
		b += size;
	}
}

const tb_alloc tb_bump = {"bump", "one sbrk per request; free does nothing", 0, bump_init, bump_malloc, bump_free,
			  bump_realloc, bump_check, bump_walk, NULL};
