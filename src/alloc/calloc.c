/*
 * calloc.c - calloc(): _int_malloc directly (never the tcache lookup), then
 * zeroing, skipped for memory fresh from the system as glibc skips it.
 */
#include "internal.h"

int alloc_calloc(alloc *a, uint64_t n, uint64_t m, uint64_t *out)
{
	if (a->design) {
		/* the design's malloc, then zeroes (its memory may have been used) */
		unsigned __int128 bytes = (unsigned __int128)n * m;
		*out = 0;
		if (bytes > (unsigned __int128)INT64_MAX)
			return ALLOC_OK;
		int st = alloc_design_call(a, 'm', 0, (uint64_t)bytes, out);
		if (st == ALLOC_OK && *out && !mem_fill(a->mem, *out, 0, (uint64_t)bytes))
			return ALLOC_SEGV;
		if (st == ALLOC_OK && *out)
			alloc_design_stored(a, *out, (uint64_t)bytes);
		return st;
	}
	OP_BEGIN(a);
	unsigned __int128 prod = (unsigned __int128)n * m;
	*out = 0;
	if (prod > (unsigned __int128)INT64_MAX)
		OP_END(a);
	uint64_t sz = (uint64_t)prod;
	alloc_ptmalloc_init(a);
	alloc_tcache_init(a);
	uint64_t oldtop = a->top;
	uint64_t oldtopsize = oldtop ? csize(a, oldtop) : 0;
	if (oldtopsize < a->sbrk_base + a->max_system_mem - oldtop)
		oldtopsize = a->sbrk_base + a->max_system_mem - oldtop;
	uint64_t mem = alloc_int_malloc(a, sz);
	*out = mem;
	if (!mem)
		OP_END(a);
	uint64_t p = mem - HDR;
	if (is_mmapped(a, p)) {
		if (a->mp.perturb && !mem_fill(a->mem, mem, 0, sz))
			alloc_segv(a, a->mem->fault, "write");
		OP_END(a);
	}
	uint64_t csz = csize(a, p);
	if (a->mp.perturb == 0 && p == oldtop && csz > oldtopsize)
		csz = oldtopsize;
	if (!mem_fill(a->mem, mem, 0, csz - SSZ))
		alloc_segv(a, a->mem->fault, "write");
	OP_END(a);
}
