/*
 * free.c - free(): mmapped chunks go back to the system (raising the dynamic
 * mmap threshold); heap chunks go to the tcache, a fastbin, or are merged
 * with free neighbours and put in the unsorted bin or into top, which may
 * trigger consolidation and trimming.
 */
#include "internal.h"

void alloc_munmap_chunk(alloc *a, uint64_t c)
{
	uint64_t size = csize(a, c);
	uint64_t mem = c + HDR;
	uint64_t ps = prev_size(a, c);
	uint64_t block = c - ps, total = ps + size;
	uint64_t off = mem & (PAGE - 1);
	if (((block | total) & (PAGE - 1)) != 0 || (off & (off - 1)) != 0)
		alloc_fail(a, "munmap_chunk(): invalid pointer");
	a->n_mmaps--;
	a->mmapped_mem -= total;
	alloc_munmap(a, block, total);
}

void alloc_libc_free(alloc *a, uint64_t mem)
{
	if (mem == 0)
		return;
	uint64_t c = mem - HDR;
	uint64_t raw = size_raw(a, c);
	if (raw & ALLOC_IS_MMAPPED) {
		if (!a->mp.no_dyn_threshold && raw > a->mp.mmap_threshold && raw <= MMAP_THRESHOLD_MAX) {
			a->mp.mmap_threshold = raw & ~(uint64_t)ALLOC_SIZE_BITS;
			a->mp.trim_threshold = 2 * a->mp.mmap_threshold;
			alloc_emit(a, ALLOC_EV_THRESHOLD, ALLOC_BIN_MMAP, 0, a->mp.mmap_threshold, a->mp.trim_threshold, 0);
		}
		alloc_munmap_chunk(a, c);
		return;
	}
	if (!a->tcache)
		alloc_tcache_init(a);
	if (!(raw & ALLOC_NON_MAIN)) {
		alloc_int_free(a, c, false);
		return;
	}
	/* a thread arena's chunk: its heap's heap_info names the arena */
	int k = alloc_arena_of(a, c);
	if (k < 0)
		alloc_segv(a, rd(a, alloc_heap_of(a, c)), "read");
	unsigned prev = a->av;
	alloc_arena_use(a, (unsigned)k);
	alloc_int_free(a, c, false);
	alloc_arena_use(a, prev);
}

void alloc_int_free(alloc *a, uint64_t p, bool have_lock)
{
	uint64_t size = csize(a, p);
	if (p > uneg(a, size) || misaligned_chunk(a, p))
		alloc_fail(a, "free(): invalid pointer");
	if (size < MINSIZE || (size & 15))
		alloc_fail(a, "free(): invalid size");

	/* tcache: probe for a double free, then cache if there is room */
	uint64_t tc = tidx(a, size);
	if (a->tcache && tc < a->mp.tcache_bins) {
		uint64_t e = p + HDR;
		if (rd(a, e + SSZ) == a->tcache_key) { /* the entry's key: its second word */
			uint64_t cnt = 0;
			for (uint64_t t = alloc_tentry(a, tc); t; t = protect(t, rd(a, t)), ++cnt) {
				if (cnt >= a->mp.tcache_count)
					alloc_fail(a, "free(): too many chunks detected in tcache");
				if (misaligned(t))
					alloc_fail(a, "free(): unaligned chunk detected in tcache 2");
				if (t == e)
					alloc_fail(a, "free(): double free detected in tcache 2");
			}
		}
		unsigned cnt = alloc_tcount(a, tc);
		if (cnt < a->mp.tcache_count) {
			alloc_tcache_put_n(a, p, tc, cnt);
			return;
		}
	}

	/* fastbin: no merging, even next to top */
	if (size <= a->mp.global_max_fast) {
		uint64_t nraw = size_raw(a, p + size);
		if (nraw <= HDR || (nraw & ~(uint64_t)ALLOC_SIZE_BITS) >= a->system_mem)
			alloc_fail(a, "free(): invalid next size (fast)");
		alloc_perturb_free(a, p + HDR, size - HDR);
		a->have_fastchunks = true;
		unsigned fi = fastbin_index(a, size);
		uint64_t old = a->fastbins[fi];
		if (old == p)
			alloc_fail(a, "double free or corruption (fasttop)");
		wr(a, p + HDR, protect(p + HDR, old));
		a->fastbins[fi] = p;
		if (have_lock && old && fastbin_index(a, csize(a, old)) != fi)
			alloc_fail(a, "invalid fastbin entry (free)");
		alloc_emit(a, ALLOC_EV_FAST_PUT, ALLOC_BIN_FAST, fi, p, 0, 0);
		return;
	}

	if (is_mmapped(a, p)) {
		alloc_munmap_chunk(a, p);
		return;
	}

	/* normal path: merge with free neighbours */
	uint64_t next = p + size;
	if (p == a->top)
		alloc_fail(a, "double free or corruption (top)");
	if (a->contiguous && next >= a->top + (a->top ? csize(a, a->top) : 0))
		alloc_fail(a, "double free or corruption (out)");
	if (!prev_inuse(a, next))
		alloc_fail(a, "double free or corruption (!prev)");
	uint64_t nsize = csize(a, next);
	if (size_raw(a, next) <= HDR || nsize >= a->system_mem)
		alloc_fail(a, "free(): invalid next size (normal)");
	alloc_perturb_free(a, p + HDR, size - HDR);

	if (!prev_inuse(a, p)) {
		uint64_t ps = prev_size(a, p);
		size += ps;
		uint64_t q = p - ps;
		if (csize(a, q) != ps)
			alloc_fail(a, "corrupted size vs. prev_size while consolidating");
		alloc_unlink(a, q);
		alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_NONE, 0, q, p, size);
		p = q;
	}
	if (next != a->top) {
		if (!inuse_at(a, next, nsize)) {
			alloc_unlink(a, next);
			size += nsize;
			alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_NONE, 0, p, next, size);
		} else {
			clear_inuse_at(a, next, 0);
		}
		uint64_t bck = unsorted(a), fwd = fd(a, bck);
		if (bk(a, fwd) != bck)
			alloc_fail(a, "free(): corrupted unsorted chunks");
		set_fd(a, p, fwd);
		set_bk(a, p, bck);
		if (!in_smallbin_range(a, size)) {
			set_fdn(a, p, 0);
			set_bkn(a, p, 0);
		}
		set_fd(a, bck, p);
		set_bk(a, fwd, p);
		set_head(a, p, size | ALLOC_PREV_INUSE);
		set_foot(a, p, size);
		alloc_emit(a, ALLOC_EV_UNSORTED_PUT, ALLOC_BIN_UNSORTED, 1, p, size, 0);
	} else {
		size += nsize;
		set_head(a, p, size | ALLOC_PREV_INUSE);
		a->top = p;
		alloc_emit(a, ALLOC_EV_TOP_MERGE, ALLOC_BIN_TOP, 0, p, 0, size);
	}

	if (size >= FASTBIN_CONSOLIDATION) {
		if (a->have_fastchunks)
			alloc_consolidate(a);
		if (a->av)
			alloc_heap_trim(a, a->mp.top_pad);
		else if (csize(a, a->top) >= a->mp.trim_threshold)
			alloc_systrim(a, a->mp.top_pad);
	}
}

int alloc_free_ptr(alloc *a, uint64_t p)
{
	if (a->design) {
		uint64_t ignored;
		return alloc_design_call(a, 'f', p, 0, &ignored);
	}
	OP_BEGIN(a);
	alloc_libc_free(a, p);
	OP_END(a);
}
