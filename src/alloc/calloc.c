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
	*out = alloc_libc_calloc(a, n, m);
	OP_END(a);
}

uint64_t alloc_libc_calloc(alloc *a, uint64_t n, uint64_t m)
{
	unsigned __int128 prod = (unsigned __int128)n * m;
	if (prod > (unsigned __int128)INT64_MAX)
		return 0;
	uint64_t sz = (uint64_t)prod;
	alloc_ptmalloc_init(a);
	alloc_tcache_init(a);
	unsigned prev = a->av;
	int k = a->multi ? alloc_arena_get_for(a, sz) : 0;
	uint64_t oldtop = 0, oldtopsize = 0;
	if (k >= 0) {
		alloc_arena_use(a, (unsigned)k);
		oldtop = a->top;
		oldtopsize = oldtop ? csize(a, oldtop) : 0;
		/* fresh memory from the system is zero already */
		if (k == 0 && oldtopsize < a->sbrk_base + a->max_system_mem - oldtop)
			oldtopsize = a->sbrk_base + a->max_system_mem - oldtop;
		if (k > 0 && oldtopsize < alloc_heap_fresh_end(a, oldtop) - oldtop)
			oldtopsize = alloc_heap_fresh_end(a, oldtop) - oldtop;
	}
	uint64_t nb = 0;
	alloc_request2size(a, sz, &nb);
	uint64_t mem = k >= 0 ? alloc_int_malloc(a, sz) : alloc_sysmalloc_mmap(a, nb);
	if (!mem && k >= 0 && a->multi && (k = alloc_arena_retry(a, (unsigned)k, sz)) >= 0) {
		alloc_arena_use(a, (unsigned)k);
		mem = alloc_int_malloc(a, sz);
	}
	alloc_arena_use(a, prev);
	if (!mem)
		return 0;
	uint64_t p = mem - HDR;
	if (is_mmapped(a, p)) {
		if (a->mp.perturb && !mem_fill(a->mem, mem, 0, sz))
			alloc_segv(a, a->mem->fault, "write");
		return mem;
	}
	uint64_t csz = csize(a, p);
	if (a->mp.perturb == 0 && p == oldtop && csz > oldtopsize)
		csz = oldtopsize;
	if (!mem_fill(a->mem, mem, 0, csz - SSZ))
		alloc_segv(a, a->mem->fault, "write");
	return mem;
}
