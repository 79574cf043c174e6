/*
 * heap.c - what the textbook allocators share: the sbrk-grown region in
 * the simulated process, word access, realloc by copying, the list of
 * designs.
 */
#include <string.h>

#include "heapscope/textbook.h"

const tb_alloc *const tb_allocs[] = {&tb_bump,		&tb_implicit_first, &tb_implicit_next, &tb_implicit_best,
				     &tb_explicit_lifo, &tb_explicit_addr,  &tb_segregated,	&tb_buddy,
				     NULL};

const tb_alloc *tb_find(const char *name)
{
	for (int i = 0; tb_allocs[i]; i++)
		if (!strcmp(tb_allocs[i]->name, name))
			return tb_allocs[i];
	return NULL;
}

const tb_alloc *tb_find_variant(const char *name, const char *variant)
{
	static const struct {
		const char *family, *variant;
		const tb_alloc *design;
	} variants[] = {
		{"implicit", "first", &tb_implicit_first}, {"implicit", "next", &tb_implicit_next},
		{"implicit", "best", &tb_implicit_best},   {"explicit", "lifo", &tb_explicit_lifo},
		{"explicit", "addr", &tb_explicit_addr},
	};
	for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
		if (!strcmp(variants[i].family, name) && (variant ? !strcmp(variants[i].variant, variant)
							       : variants[i].design == &tb_implicit_first ||
									 variants[i].design == &tb_explicit_lifo))
			return variants[i].design;
	return variant ? NULL : tb_find(name);
}

uint64_t tb_sbrk(tb_heap *h, uint64_t incr)
{
	uint64_t old = h->brk;
	if (incr > h->limit - h->brk)
		return 0;
	if (incr && h->brk == h->lo && !mem_map_add(h->m, h->lo, incr, MEM_HEAP, MEM_R | MEM_W, "[heap]"))
		return 0;
	if (incr && h->brk > h->lo && !mem_resize(h->m, h->lo, h->brk + incr - h->lo))
		return 0;
	h->brk += incr;
	return old;
}

uint64_t tb_get(tb_heap *h, uint64_t addr)
{
	uint64_t v = 0;
	if (!mem_rd64(h->m, addr, &v))
		h->fault = "a read outside the heap";
	return v;
}

void tb_put(tb_heap *h, uint64_t addr, uint64_t v)
{
	if (!mem_wr64(h->m, addr, v))
		h->fault = "a write outside the heap";
}

uint64_t tb_realloc_copy(tb_heap *h, const tb_alloc *a, uint64_t p, uint64_t old_payload, uint64_t n)
{
	uint64_t q = a->malloc(h, n);
	if (!q)
		return 0;
	if (!mem_copy(h->m, q, p, old_payload < n ? old_payload : n))
		h->fault = "a copy outside the heap";
	a->free(h, p);
	return q;
}

bool tb_tags_init(tb_heap *h)
{
	uint64_t b = tb_sbrk(h, 4 * TB_WSIZE);
	if (!b)
		return false;
	tb_put(h, b, 0); /* padding: payloads are 16-aligned */
	tb_put(h, b + TB_WSIZE, TB_PACK(2 * TB_WSIZE, 1)); /* prologue header */
	tb_put(h, b + 2 * TB_WSIZE, TB_PACK(2 * TB_WSIZE, 1)); /* and footer */
	tb_put(h, b + 3 * TB_WSIZE, TB_PACK(0, 1)); /* epilogue */
	return true;
}

const char *tb_tags_check(tb_heap *h, uint64_t minblock, uint64_t *nfree)
{
	bool prev_free = false;
	uint64_t bp = tb_first(h);
	*nfree = 0;
	for (; tb_bsize(h, bp) > 0; bp = tb_next(h, bp)) {
		uint64_t w = tb_get(h, tb_hdr(bp));
		if (h->fault)
			return h->fault;
		if (TB_SIZE(w) < minblock || TB_SIZE(w) % 16 || bp + TB_SIZE(w) > h->brk + TB_WSIZE)
			return "a block has an impossible size";
		if (tb_get(h, bp + TB_SIZE(w) - 2 * TB_WSIZE) != w)
			return "a block's header and footer differ";
		if (!TB_ALLOC(w) && prev_free)
			return "two free blocks touch: coalescing was missed";
		prev_free = !TB_ALLOC(w);
		*nfree += prev_free;
	}
	if (tb_hdr(bp) != h->brk - TB_WSIZE || !tb_balloc(h, bp))
		return "the epilogue is not at the break";
	return NULL;
}

void tb_tags_walk(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx)
{
	if (h->brk < h->lo + 4 * TB_WSIZE)
		return;
	cb(ctx, h->lo, 3 * TB_WSIZE, TB_META); /* padding and the prologue */
	uint64_t bp = tb_first(h);
	for (uint64_t n = 0; tb_bsize(h, bp) > 0 && bp < h->brk && n < (1u << 24) && !h->fault; n++) {
		cb(ctx, tb_hdr(bp), tb_bsize(h, bp), tb_balloc(h, bp) ? TB_USED : TB_FREE);
		bp = tb_next(h, bp);
	}
	cb(ctx, h->brk - TB_WSIZE, TB_WSIZE, TB_META); /* the epilogue */
}
