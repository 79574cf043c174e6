/*
 * malloc.c - malloc(): the tcache fast path, _int_malloc's search order
 * (fastbin, smallbin, unsorted pass, large best fit, binmap scan, top,
 * consolidate-and-retry, sysmalloc) and malloc_consolidate.
 *
 * The search order and every check follow glibc 2.36; the comments explain
 * why each step matters for where a chunk lands.
 */
#include "internal.h"

uint64_t alloc_libc_malloc(alloc *a, uint64_t bytes)
{
	uint64_t nb;
	if (!a->initialized)
		alloc_ptmalloc_init(a);
	if (!alloc_request2size(a, bytes, &nb))
		return 0;
	uint64_t tc = tidx(a, nb);
	if (!a->tcache)
		alloc_tcache_init(a);
	if (tc < a->mp.tcache_bins && a->tcache) {
		unsigned cnt = alloc_tcount(a, tc);
		if (cnt > 0)
			return alloc_tcache_get_n(a, tc, cnt);
		alloc_emit(a, ALLOC_EV_BIN_MISS, ALLOC_BIN_TCACHE, (unsigned)tc, 0, 0, 0);
	}
	if (!a->multi)
		return alloc_int_malloc(a, bytes);
	/* the thread's arena (a new thread gets one), main_arena's retry */
	unsigned prev = a->av;
	int k = alloc_arena_get_for(a, bytes);
	if (k < 0) /* no arena at all: only a mapping of its own */
		return alloc_sysmalloc_mmap(a, nb);
	alloc_arena_use(a, (unsigned)k);
	uint64_t v = alloc_int_malloc(a, bytes);
	if (!v && (k = alloc_arena_retry(a, (unsigned)k, bytes)) >= 0) {
		alloc_arena_use(a, (unsigned)k);
		v = alloc_int_malloc(a, bytes);
	}
	alloc_arena_use(a, prev);
	return v;
}

/* set_non_main_arena: a chunk handed out by a thread arena says so */
static inline void set_nonmain(alloc *a, uint64_t c)
{
	if (a->av)
		set_head(a, c, size_raw(a, c) | ALLOC_NON_MAIN);
}

/* Hand out victim, splitting off a remainder into the unsorted bin. */
static uint64_t take_split(alloc *a, uint64_t victim, uint64_t size, uint64_t nb, const char *chk, bool lastrem)
{
	uint64_t rsize = size - nb;
	if (rsize < MINSIZE) {
		set_inuse_at(a, victim, size);
		set_nonmain(a, victim);
		return victim + HDR;
	}
	uint64_t r = victim + nb;
	uint64_t bck = unsorted(a), fwd = fd(a, bck);
	if (bk(a, fwd) != bck)
		alloc_fail(a, chk);
	set_bk(a, r, bck);
	set_fd(a, r, fwd);
	set_fd(a, bck, r);
	set_bk(a, fwd, r);
	if (lastrem)
		a->last_remainder = r;
	if (!in_smallbin_range(a, rsize)) {
		set_fdn(a, r, 0);
		set_bkn(a, r, 0);
	}
	set_head(a, victim, nb | ALLOC_PREV_INUSE | AFLAG);
	set_head(a, r, rsize | ALLOC_PREV_INUSE);
	set_foot(a, r, rsize);
	alloc_emit(a, ALLOC_EV_SPLIT, ALLOC_BIN_UNSORTED, 1, victim, nb, r);
	return victim + HDR;
}

/* Insert victim (already off the unsorted list) into its small or large bin. */
static void bin_chunk(alloc *a, uint64_t victim, uint64_t size)
{
	unsigned vi;
	uint64_t bck, fwd;
	if (in_smallbin_range(a, size)) {
		vi = smallbin_index(a, size);
		bck = bin_at(a, vi);
		fwd = fd(a, bck);
	} else {
		vi = alloc_bin_index(a, size);
		bck = bin_at(a, vi);
		fwd = fd(a, bck);
		if (fwd != bck) {
			uint64_t sz = size | ALLOC_PREV_INUSE;
			if (sz < size_raw(a, bk(a, bck))) {
				/* smaller than the smallest: append at the tail */
				fwd = bck;
				bck = bk(a, bck);
				uint64_t first = fd(a, fwd);
				set_fdn(a, victim, first);
				set_bkn(a, victim, bkn(a, first));
				set_bkn(a, first, victim);
				set_fdn(a, bkn(a, victim), victim);
			} else {
				alloc_walk walk = ALLOC_WALK_INIT;
				while (sz < size_raw(a, fwd)) {
					fwd = fdn(a, fwd);
					alloc_walk_step(a, &walk, fwd, "malloc()");
				}
				if (sz == size_raw(a, fwd)) {
					/* same size: second in the group, skip list untouched */
					fwd = fd(a, fwd);
				} else {
					set_fdn(a, victim, fwd);
					set_bkn(a, victim, bkn(a, fwd));
					if (fdn(a, bkn(a, fwd)) != fwd)
						alloc_fail(a, "malloc(): largebin double linked list corrupted (nextsize)");
					set_bkn(a, fwd, victim);
					set_fdn(a, bkn(a, victim), victim);
				}
				bck = bk(a, fwd);
				if (fd(a, bck) != fwd)
					alloc_fail(a, "malloc(): largebin double linked list corrupted (bk)");
			}
		} else {
			set_fdn(a, victim, victim);
			set_bkn(a, victim, victim);
		}
	}
	mark_bin(a, vi);
	set_bk(a, victim, bck);
	set_fd(a, victim, fwd);
	set_bk(a, fwd, victim);
	set_fd(a, bck, victim);
	alloc_emit(a, ALLOC_EV_SORT, vi < 64 ? ALLOC_BIN_SMALL : ALLOC_BIN_LARGE, vi, victim, size, 0);
}

uint64_t alloc_int_malloc(alloc *a, uint64_t bytes)
{
	uint64_t nb;
	if (!alloc_request2size(a, bytes, &nb))
		return 0;
	uint64_t tc = tidx(a, nb);
	bool can_stash = a->tcache && tc < a->mp.tcache_bins;
	unsigned idx;

	/* A. fastbin: exact size class, LIFO */
	if (nb <= a->mp.global_max_fast) {
		unsigned fi = fastbin_index(a, nb);
		uint64_t victim = a->fastbins[fi];
		if (victim) {
			if (misaligned_chunk(a, victim))
				alloc_fail(a, "malloc(): unaligned fastbin chunk detected 2");
			a->fastbins[fi] = protect(victim + HDR, fd(a, victim));
			if (fastbin_index(a, csize(a, victim)) != fi)
				alloc_fail(a, "malloc(): memory corruption (fast)");
			alloc_emit(a, ALLOC_EV_FAST_GET, ALLOC_BIN_FAST, fi, victim, 0, 0);
			if (can_stash) {
				uint64_t t;
				while (alloc_tcount(a, tc) < a->mp.tcache_count && (t = a->fastbins[fi]) != 0) {
					if (misaligned_chunk(a, t))
						alloc_fail(a, "malloc(): unaligned fastbin chunk detected 3");
					a->fastbins[fi] = protect(t + HDR, fd(a, t));
					alloc_tcache_put(a, t, tc);
					a->ev[a->nev - 1].kind = ALLOC_EV_STASH;
					a->ev[a->nev - 1].bin = ALLOC_BIN_FAST;
				}
			}
			alloc_perturb_alloc(a, victim + HDR, bytes);
			return victim + HDR;
		}
		alloc_emit(a, ALLOC_EV_BIN_MISS, ALLOC_BIN_FAST, fi, 0, 0, 0);
	}

	/* B. smallbin: exact size class, oldest first */
	if (in_smallbin_range(a, nb)) {
		idx = smallbin_index(a, nb);
		uint64_t bin = bin_at(a, idx);
		uint64_t victim = bk(a, bin);
		if (victim != bin) {
			uint64_t bck = bk(a, victim);
			if (fd(a, bck) != victim)
				alloc_fail(a, "malloc(): smallbin double linked list corrupted");
			set_inuse_at(a, victim, nb);
			set_bk(a, bin, bck);
			set_fd(a, bck, bin);
			set_nonmain(a, victim);
			alloc_emit(a, ALLOC_EV_SMALL_GET, ALLOC_BIN_SMALL, idx, victim, 0, 0);
			if (can_stash) {
				uint64_t t;
				while (alloc_tcount(a, tc) < a->mp.tcache_count && (t = bk(a, bin)) != bin) {
					if (t) {
						bck = bk(a, t);
						set_inuse_at(a, t, nb);
						set_nonmain(a, t);
						set_bk(a, bin, bck);
						set_fd(a, bck, bin);
						alloc_tcache_put(a, t, tc);
						a->ev[a->nev - 1].kind = ALLOC_EV_STASH;
						a->ev[a->nev - 1].bin = ALLOC_BIN_SMALL;
					}
				}
			}
			alloc_perturb_alloc(a, victim + HDR, bytes);
			return victim + HDR;
		}
		alloc_emit(a, ALLOC_EV_BIN_MISS, ALLOC_BIN_SMALL, idx, 0, 0, 0);
	} else {
		/* C. a large request first merges away fragmentation */
		idx = alloc_bin_index(a, nb);
		if (a->have_fastchunks)
			alloc_consolidate(a);
	}

	uint64_t tcache_nb = can_stash ? nb : 0;
	bool return_cached = false;
	uint64_t unsorted_count = 0;

	for (;;) {
		/* D. sort the unsorted bin, oldest first, stopping at an exact fit */
		int iters = 0;
		uint64_t U = unsorted(a), victim;
		while ((victim = bk(a, U)) != U) {
			uint64_t bck = bk(a, victim);
			uint64_t size = csize(a, victim);
			uint64_t next = victim + size;
			if (size <= HDR || size > a->system_mem)
				alloc_fail(a, "malloc(): invalid size (unsorted)");
			uint64_t nraw = size_raw(a, next);
			if (nraw < HDR || nraw > a->system_mem)
				alloc_fail(a, "malloc(): invalid next size (unsorted)");
			if ((prev_size(a, next) & ~(uint64_t)ALLOC_SIZE_BITS) != size)
				alloc_fail(a, "malloc(): mismatching next->prev_size (unsorted)");
			if (fd(a, bck) != victim || fd(a, victim) != U)
				alloc_fail(a, "malloc(): unsorted double linked list corrupted");
			if (nraw & ALLOC_PREV_INUSE)
				alloc_fail(a, "malloc(): invalid next->prev_inuse (unsorted)");

			/* a small request keeps carving the last remainder */
			if (in_smallbin_range(a, nb) && bck == U && victim == a->last_remainder &&
			    size > nb + MINSIZE) {
				uint64_t rsize = size - nb, r = victim + nb;
				set_fd(a, U, r);
				set_bk(a, U, r);
				a->last_remainder = r;
				set_fd(a, r, U);
				set_bk(a, r, U);
				if (!in_smallbin_range(a, rsize)) {
					set_fdn(a, r, 0);
					set_bkn(a, r, 0);
				}
				set_head(a, victim, nb | ALLOC_PREV_INUSE | AFLAG);
				set_head(a, r, rsize | ALLOC_PREV_INUSE);
				set_foot(a, r, rsize);
				alloc_emit(a, ALLOC_EV_LAST_REMAINDER, ALLOC_BIN_UNSORTED, 1, victim, nb, r);
				alloc_perturb_alloc(a, victim + HDR, bytes);
				return victim + HDR;
			}

			if (fd(a, bck) != victim)
				alloc_fail(a, "malloc(): corrupted unsorted chunks 3");
			set_bk(a, U, bck);
			set_fd(a, bck, U);

			if (size == nb) {
				set_inuse_at(a, victim, size);
				set_nonmain(a, victim);
				if (tcache_nb && alloc_tcount(a, tc) < a->mp.tcache_count) {
					alloc_tcache_put(a, victim, tc);
					a->ev[a->nev - 1].kind = ALLOC_EV_STASH;
					a->ev[a->nev - 1].bin = ALLOC_BIN_UNSORTED;
					return_cached = true;
					continue;
				}
				alloc_emit(a, ALLOC_EV_EXACT, ALLOC_BIN_UNSORTED, 1, victim, size, 0);
				alloc_perturb_alloc(a, victim + HDR, bytes);
				return victim + HDR;
			}

			bin_chunk(a, victim, size);

			++unsorted_count;
			if (return_cached && a->mp.tcache_unsorted_limit > 0 &&
			    unsorted_count > a->mp.tcache_unsorted_limit)
				return alloc_tcache_get(a, tc);
			if (++iters >= MAX_ITERS)
				break;
		}

		if (return_cached)
			return alloc_tcache_get(a, tc);

		/* E. large request: smallest fitting chunk of its own bin */
		if (!in_smallbin_range(a, nb)) {
			uint64_t bin = bin_at(a, idx);
			victim = fd(a, bin);
			if (victim != bin && size_raw(a, victim) >= nb) {
				uint64_t size;
				alloc_walk walk = ALLOC_WALK_INIT;
				victim = bkn(a, victim);
				while ((size = csize(a, victim)) < nb) {
					victim = bkn(a, victim);
					alloc_walk_step(a, &walk, victim, "malloc()");
				}
				if (victim != bk(a, bin) && size_raw(a, victim) == size_raw(a, fd(a, victim)))
					victim = fd(a, victim);
				alloc_unlink(a, victim);
				alloc_emit(a, ALLOC_EV_BEST_FIT, ALLOC_BIN_LARGE, idx, victim, size, 0);
				uint64_t p = take_split(a, victim, size, nb, "malloc(): corrupted unsorted chunks", false);
				alloc_perturb_alloc(a, p, bytes);
				return p;
			}
		}

		/* F. binmap: the smallest non-empty bin above idx */
		unsigned bi = idx + 1;
		unsigned block = bi >> 5;
		uint32_t map = block < 4 ? a->binmap[block] : 0;
		uint32_t bit = bi < ALLOC_NBINS ? 1u << (bi & 31) : 0;
		for (;;) {
			if (block >= 4)
				goto use_top;
			if (bit > map || bit == 0) {
				do {
					if (++block >= 4)
						goto use_top;
				} while ((map = a->binmap[block]) == 0);
				bi = block << 5;
				bit = 1;
			}
			while ((bit & map) == 0) {
				bi++;
				bit <<= 1;
			}
			uint64_t bin = bin_at(a, bi);
			victim = bk(a, bin);
			if (victim == bin) {
				/* a stale bit: clear it and keep looking */
				a->binmap[block] = map &= ~bit;
				bi++;
				bit <<= 1;
				continue;
			}
			uint64_t size = csize(a, victim);
			if (size < nb)
				alloc_assert_fail(a, "_int_malloc", "(unsigned long) (size) >= (unsigned long) (nb)");
			alloc_unlink(a, victim);
			alloc_emit(a, ALLOC_EV_BINMAP, bi < 64 ? ALLOC_BIN_SMALL : ALLOC_BIN_LARGE, bi, victim, size, 0);
			uint64_t p = take_split(a, victim, size, nb, "malloc(): corrupted unsorted chunks 2",
						in_smallbin_range(a, nb));
			alloc_perturb_alloc(a, p, bytes);
			return p;
		}

	use_top:
		/* G. carve the top chunk, which must keep MINSIZE */
		victim = a->top;
		{
			uint64_t size = victim ? csize(a, victim) : 0;
			if (size > a->system_mem)
				alloc_fail(a, "malloc(): corrupted top size");
			if (victim && size >= nb + MINSIZE) {
				a->top = victim + nb;
				set_head(a, victim, nb | ALLOC_PREV_INUSE | AFLAG);
				set_head(a, a->top, (size - nb) | ALLOC_PREV_INUSE);
				alloc_emit(a, ALLOC_EV_TOP_SPLIT, ALLOC_BIN_TOP, 0, victim, nb, a->top);
				alloc_perturb_alloc(a, victim + HDR, bytes);
				return victim + HDR;
			}
		}
		if (a->have_fastchunks) {
			/* H. merge the fastbins and try again */
			alloc_consolidate(a);
			idx = alloc_bin_index(a, nb);
			continue;
		}
		/* I. ask the system */
		uint64_t p = alloc_sysmalloc(a, nb);
		if (p)
			alloc_perturb_alloc(a, p, bytes);
		return p;
	}
}

void alloc_consolidate(alloc *a)
{
	uint64_t U = unsorted(a);
	uint64_t n = 0;
	alloc_walk walk = ALLOC_WALK_INIT;
	uint32_t at = a->nev;
	alloc_emit(a, ALLOC_EV_CONSOLIDATE, ALLOC_BIN_FAST, 0, 0, 0, 0);
	a->have_fastchunks = false;
	for (unsigned fi = 0; fi < ALLOC_NFASTBINS; fi++) {
		uint64_t p = a->fastbins[fi];
		a->fastbins[fi] = 0;
		while (p) {
			if (misaligned_chunk(a, p))
				alloc_fail(a, "malloc_consolidate(): unaligned fastbin chunk detected");
			if (fastbin_index(a, csize(a, p)) != fi)
				alloc_fail(a, "malloc_consolidate(): invalid chunk size");
			/* every step rewrites chunks: a revisit may end differently */
			alloc_walk_changed(&walk);
			alloc_walk_step(a, &walk, p, "malloc_consolidate()");
			uint64_t nextp = protect(p + HDR, fd(a, p));
			uint64_t size = csize(a, p);
			uint64_t next = p + size;
			uint64_t nsize = csize(a, next);
			n++;
			if (!prev_inuse(a, p)) {
				uint64_t ps = prev_size(a, p);
				size += ps;
				uint64_t q = p - ps;
				if (csize(a, q) != ps)
					alloc_fail(a, "corrupted size vs. prev_size in fastbins");
				alloc_unlink(a, q);
				alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_FAST, fi, q, p, size);
				p = q;
			}
			if (next != a->top) {
				if (!inuse_at(a, next, nsize)) {
					size += nsize;
					alloc_unlink(a, next);
					alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_FAST, fi, p, next, size);
				} else {
					clear_inuse_at(a, next, 0);
				}
				uint64_t first = fd(a, U);
				set_fd(a, U, p);
				set_bk(a, first, p);
				if (!in_smallbin_range(a, size)) {
					set_fdn(a, p, 0);
					set_bkn(a, p, 0);
				}
				set_head(a, p, size | ALLOC_PREV_INUSE);
				set_bk(a, p, U);
				set_fd(a, p, first);
				set_foot(a, p, size);
				alloc_emit(a, ALLOC_EV_UNSORTED_PUT, ALLOC_BIN_UNSORTED, 1, p, size, 0);
			} else {
				size += nsize;
				set_head(a, p, size | ALLOC_PREV_INUSE);
				a->top = p;
				alloc_emit(a, ALLOC_EV_TOP_MERGE, ALLOC_BIN_TOP, 0, p, 0, size);
			}
			p = nextp;
		}
	}
	a->ev[at].b = n;
}

int alloc_malloc(alloc *a, uint64_t n, uint64_t *out)
{
	if (a->design)
		return alloc_design_call(a, 'm', 0, n, out);
	OP_BEGIN(a);
	*out = alloc_libc_malloc(a, n);
	OP_END(a);
}
