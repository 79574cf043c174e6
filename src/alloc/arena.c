/*
 * arena.c - the simulated process and main_arena: layout, initialisation,
 * copying, and the list primitives every path shares (unlink, tcache
 * put/get, perturb fills, failure reporting).
 *
 * The process image (every mapping and where it sits, with or without
 * ASLR) is layout.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "internal.h"

alloc *alloc_new(bool aslr, uint64_t seed)
{
	return alloc_new_layout(aslr, seed, false);
}

alloc *alloc_new_layout(bool aslr, uint64_t seed, bool legacy)
{
	return alloc_new_arch(aslr, seed, legacy, ALLOC_ARCH_X86_64);
}

alloc *alloc_new_arch(bool aslr, uint64_t seed, bool legacy, alloc_arch arch)
{
	alloc *a = xcalloc(1, sizeof *a);
	a->ssz = arch == ALLOC_ARCH_X86_64 ? 8 : 4;
	alloc_layout_init(&a->lay, aslr, seed, legacy, arch);
	a->mem = mem_new();
	alloc_layout_map(a->mem, &a->lay);
	const alloc_layout *l = &a->lay;
	a->brk = l->heap;
	/* main's frame starts about here: argv, envp and auxv lie above */
	a->sp = l->stack_end - 0x2000;
	a->stack_limit = 8ull << 20;

	alloc_params *mp = &a->mp;
	mp->trim_threshold = 0x20000;
	mp->top_pad = 0x20000;
	mp->mmap_threshold = 0x20000;
	mp->n_mmaps_max = 65536;
	mp->global_max_fast = 0; /* set by ptmalloc_init */
	mp->tcache_bins = ALLOC_TCACHE_BINS;
	mp->tcache_count = 7;
	mp->tcache_max_bytes = 63 * 16 + MINSIZE - SSZ; /* tidx2usize(63): 1032, or 1020 on i386 */
	uint64_t s = seed ^ 0x6865617073636f70ull;
	a->tcache_key = alloc_splitmix(&s);
	if (a->ssz == 4)
		a->tcache_key &= 0xffffffffu; /* a uintptr_t */
	a->contiguous = true;
	/* one thread, main, in main_arena; arena_get2's limits */
	mp->arena_test = a->ssz == 8 ? 8 : 2; /* NARENAS_FROM_NCORES (1) */
	a->cores = 2;
	a->dtv_slots = 17;
	a->nar = 1;
	a->free_list = -1;
	a->th[0].alive = true;
	for (unsigned i = 1; i < ALLOC_MAX_THREADS; i++)
		a->th[i].arena = -1;
	for (unsigned i = 0; i < ALLOC_MAX_ARENAS; i++)
		a->ar[i].next_free = -1;
	a->ar[0].attached = 1;
	return a;
}

void alloc_free(alloc *a)
{
	if (!a)
		return;
	mem_free(a->mem);
	alloc_mm_state_free(a->mm);
	free(a->ev);
	free(a);
}

alloc *alloc_clone(const alloc *a)
{
	alloc *c = xmalloc(sizeof *c);
	*c = *a;
	c->mem = mem_clone(a->mem);
	c->dh.m = c->mem;
	c->mm = alloc_mm_state_clone(a->mm);
	c->dh.ext = c->mm;
	c->ev = NULL;
	c->nev = c->evcap = 0;
	c->jb = NULL;
	return c;
}


void alloc_ev_grow(alloc *a)
{
	a->evcap = a->evcap ? 2 * a->evcap : 32;
	a->ev = xreallocarray(a->ev, a->evcap, sizeof *a->ev);
}

noreturn void alloc_fail(alloc *a, const char *msg)
{
	snprintf(a->msg, sizeof a->msg, "%s", msg);
	a->status = ALLOC_ABORT;
	alloc_emit(a, ALLOC_EV_FAIL, 0, 0, 0, 0, 0);
	ALLOC_UNWIND(a);
}

noreturn void alloc_assert_fail(alloc *a, const char *fn, const char *expr)
{
	snprintf(a->msg, sizeof a->msg, "Fatal glibc error: malloc assertion failure in %s: %s", fn, expr);
	a->status = ALLOC_ABORT;
	alloc_emit(a, ALLOC_EV_FAIL, 0, 0, 0, 0, 0);
	ALLOC_UNWIND(a);
}

noreturn void alloc_hang(alloc *a, const char *where)
{
	snprintf(a->msg, sizeof a->msg,
		 "%s would loop forever here: a corrupted list has a cycle (glibc does not check; "
		 "the program would hang)",
		 where);
	a->status = ALLOC_ABORT;
	alloc_emit(a, ALLOC_EV_FAIL, 0, 0, 0, 0, 0);
	ALLOC_UNWIND(a);
}

noreturn void alloc_segv(alloc *a, uint64_t addr, const char *what)
{
	/* say what is there: nothing, or a mapping that does not allow it */
	const mem_map *m = mem_find(a->mem, addr);
	if (!m)
		snprintf(a->msg, sizeof a->msg, "Segmentation fault: invalid %s at address 0x%llx (no mapping there)",
			 what, (unsigned long long)addr);
	else
		snprintf(a->msg, sizeof a->msg,
			 "Segmentation fault: invalid %s at address 0x%llx: %llx-%llx %c%c%cp %s is not %s", what,
			 (unsigned long long)addr, (unsigned long long)m->start, (unsigned long long)m->end,
			 m->prot & MEM_R ? 'r' : '-', m->prot & MEM_W ? 'w' : '-', m->prot & MEM_X ? 'x' : '-',
			 m->name[0] ? m->name : "(anonymous)", strcmp(what, "write") ? "readable" : "writable");
	a->status = ALLOC_SEGV;
	alloc_emit(a, ALLOC_EV_FAIL, 0, 0, addr, 0, 0);
	ALLOC_UNWIND(a);
}

void alloc_ptmalloc_init(alloc *a)
{
	if (a->initialized)
		return;
	a->initialized = true;
	alloc_init_bins(a);
	if (a->mp.global_max_fast == 0) /* not set by a tunable: DEFAULT_MXFAST */
		a->mp.global_max_fast = (16 * SSZ + SSZ) & ~(uint64_t)15;
	a->have_fastchunks = false;
	a->top = 0; /* the fake initial top, size 0 */
}

/* malloc_init_state: every bin points at itself */
void alloc_init_bins(alloc *a)
{
	for (unsigned i = 1; i < ALLOC_NBINS; i++) {
		uint64_t b = bin_at(a, i);
		set_fd(a, b, b);
		set_bk(a, b, b);
	}
}

void alloc_tcache_init(alloc *a)
{
	if (a->tcache || a->th[a->thread].tcache_off)
		return;
	/* tcache_perthread_struct: 64 uint16_t counts, 64 pointers, from the
	 * thread's arena (a new thread's first call makes one) */
	uint64_t bytes = 2 * ALLOC_TCACHE_BINS + SSZ * ALLOC_TCACHE_BINS;
	int k = alloc_arena_get_for(a, bytes);
	if (k < 0)
		return;
	alloc_arena_use(a, (unsigned)k);
	uint64_t v = alloc_int_malloc(a, bytes);
	if (!v) {
		k = alloc_arena_retry(a, (unsigned)k, bytes);
		if (k >= 0) {
			alloc_arena_use(a, (unsigned)k);
			v = alloc_int_malloc(a, bytes);
		}
	}
	alloc_arena_use(a, 0);
	if (v) {
		a->tcache = v;
		if (!mem_fill(a->mem, v, 0, bytes))
			alloc_segv(a, a->mem->fault, "write");
	}
}

void alloc_unlink(alloc *a, uint64_t p)
{
	uint64_t size = csize(a, p);
	if (size != prev_size(a, p + size))
		alloc_fail(a, "corrupted size vs. prev_size");
	uint64_t f = fd(a, p), b = bk(a, p);
	if (bk(a, f) != p || fd(a, b) != p)
		alloc_fail(a, "corrupted double-linked list");
	set_bk(a, f, b);
	set_fd(a, b, f);
	if (!in_smallbin_range(a, size_raw(a, p)) && fdn(a, p) != 0) {
		uint64_t pn = fdn(a, p), pp = bkn(a, p);
		if (bkn(a, pn) != p || fdn(a, pp) != p)
			alloc_fail(a, "corrupted double-linked list (not small)");
		if (fdn(a, f) == 0) {
			if (pn == p) {
				set_fdn(a, f, f);
				set_bkn(a, f, f);
			} else {
				set_fdn(a, f, pn);
				set_bkn(a, f, pp);
				set_bkn(a, pn, f);
				set_fdn(a, pp, f);
			}
		} else {
			set_bkn(a, pn, pp);
			set_fdn(a, pp, pn);
		}
	}
}

void alloc_perturb_alloc(alloc *a, uint64_t p, uint64_t n)
{
	if (a->mp.perturb && !mem_fill(a->mem, p, (a->mp.perturb ^ 0xff) & 0xff, n))
		alloc_segv(a, a->mem->fault, "write");
}

void alloc_perturb_free(alloc *a, uint64_t p, uint64_t n)
{
	if (a->mp.perturb && !mem_fill(a->mem, p, a->mp.perturb & 0xff, n))
		alloc_segv(a, a->mem->fault, "write");
}

bool alloc_request2size(const alloc *a, uint64_t n, uint64_t *nb)
{
	/* PTRDIFF_MAX of the process */
	if (n > (a->ssz == 8 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX))
		return false;
	*nb = n + SSZ + 15 < MINSIZE ? MINSIZE : (n + SSZ + 15) & ~(uint64_t)15;
	return true;
}

/* largebin_index_64 on x86-64; on i386 (16-byte alignment)
 * largebin_index_32_big, whose first class is wider */
static unsigned largebin_index(const alloc *a, uint64_t s)
{
	if (a->ssz == 4 && (s >> 6) <= 45)
		return 49 + (unsigned)(s >> 6);
	if (a->ssz == 8 && (s >> 6) <= 48)
		return 48 + (unsigned)(s >> 6);
	if ((s >> 9) <= 20)
		return 91 + (unsigned)(s >> 9);
	if ((s >> 12) <= 10)
		return 110 + (unsigned)(s >> 12);
	if ((s >> 15) <= 4)
		return 119 + (unsigned)(s >> 15);
	if ((s >> 18) <= 2)
		return 124 + (unsigned)(s >> 18);
	return 126;
}

unsigned alloc_bin_index(const alloc *a, uint64_t size)
{
	return in_smallbin_range(a, size) ? smallbin_index(a, size) : largebin_index(a, size);
}

/* smallest chunk size (multiple of 16) whose large-bin index is >= idx */
static uint64_t first_size_of(const alloc *a, unsigned idx)
{
	uint64_t lo = MIN_LARGE, hi = 1ull << 62;
	while (lo < hi) {
		uint64_t mid = ((lo + hi) / 2) & ~(uint64_t)15;
		if (largebin_index(a, mid) >= idx)
			hi = mid;
		else
			lo = mid + 16;
	}
	return lo;
}

void alloc_bin_range(const alloc *a, unsigned idx, uint64_t *lo, uint64_t *hi)
{
	/* small bin idx holds one size (i386's are shifted by one) */
	if (idx < 64) {
		*lo = *hi = (uint64_t)(idx - (a->ssz == 4)) << 4;
		return;
	}
	*lo = first_size_of(a, idx);
	*hi = idx >= 126 ? UINT64_MAX : first_size_of(a, idx + 1) - 16;
}

uint64_t alloc_bin_at(const alloc *a, unsigned idx)
{
	return bin_at(a, idx);
}

const char *alloc_ev_name(int kind)
{
	static const char *names[ALLOC_EV_KIND_COUNT] = {
		"tcache_get", "tcache_put", "fastbin_get", "fastbin_put", "stash", "smallbin_get",
		"bin_miss", "sort", "exact_fit", "last_remainder", "best_fit", "binmap", "split",
		"top_split", "merge", "top_merge", "unsorted_put", "consolidate", "brk", "mmap",
		"munmap", "mremap", "madvise", "trim", "threshold", "in_place", "copy", "align",
		"align_tail", "stack_grow", "frame", "mprotect", "arena", "thread", "fail",
	};
	return kind >= 0 && kind < ALLOC_EV_KIND_COUNT ? names[kind] : "?";
}

const char *alloc_bin_name(int kind)
{
	static const char *names[ALLOC_BIN_KIND_COUNT] = {
		"in use", "tcache", "fastbin", "unsorted", "smallbin", "largebin", "top", "mmapped", "free", "metadata",
	};
	return kind >= 0 && kind < ALLOC_BIN_KIND_COUNT ? names[kind] : "?";
}
