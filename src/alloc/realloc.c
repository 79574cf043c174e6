/*
 * realloc.c - realloc(): size 0 frees, NULL allocates, mmapped blocks are
 * resized with mremap and stay mmapped, heap blocks shrink in place (the
 * tail is freed through the full free path), grow into top or into a
 * following binned free chunk, or move with malloc-copy-free.
 */
#include "internal.h"

static bool copy_user(alloc *a, uint64_t dst, uint64_t src, uint64_t n)
{
	return mem_copy(a->mem, dst, src, n);
}

static uint64_t mremap_chunk(alloc *a, uint64_t p, uint64_t nb)
{
	uint64_t off = prev_size(a, p), size = csize(a, p);
	uint64_t block = p - off, mem = p + HDR, total = off + size;
	uint64_t po = mem & (PAGE - 1);
	if (((block | total) & (PAGE - 1)) != 0 || (po & (po - 1)) != 0)
		alloc_fail(a, "mremap_chunk(): invalid pointer");
	uint64_t newsize = ALIGN_UP(nb + off + SSZ, PAGE);
	if (total == newsize)
		return p;
	uint64_t cp = alloc_mremap(a, block, total, newsize);
	if (!cp)
		return 0;
	p = cp + off;
	set_head(a, p, (newsize - off) | ALLOC_IS_MMAPPED);
	a->mmapped_mem += newsize - size - off;
	if (a->mmapped_mem > a->max_mmapped_mem)
		a->max_mmapped_mem = a->mmapped_mem;
	return p;
}

static uint64_t int_realloc(alloc *a, uint64_t oldp, uint64_t oldsize, uint64_t nb)
{
	if (size_raw(a, oldp) <= HDR || oldsize >= a->system_mem)
		alloc_fail(a, "realloc(): invalid old size");
	uint64_t next = oldp + oldsize;
	uint64_t nsize = csize(a, next);
	if (size_raw(a, next) <= HDR || nsize >= a->system_mem)
		alloc_fail(a, "realloc(): invalid next size");
	uint64_t newp, newsize;
	if (oldsize >= nb) {
		newp = oldp;
		newsize = oldsize;
	} else if (next == a->top && (newsize = oldsize + nsize) >= nb + MINSIZE) {
		set_head_size(a, oldp, nb | AFLAG);
		a->top = oldp + nb;
		set_head(a, a->top, (newsize - nb) | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_INPLACE, ALLOC_BIN_TOP, 0, oldp, nb, 0);
		return oldp + HDR;
	} else if (next != a->top && !inuse_at(a, next, nsize) && (newsize = oldsize + nsize) >= nb) {
		newp = oldp;
		alloc_unlink(a, next);
		alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_NONE, 0, oldp, next, newsize);
	} else {
		uint64_t nm = alloc_int_malloc(a, nb - 15);
		if (!nm)
			return 0;
		newp = nm - HDR;
		newsize = csize(a, newp);
		if (newp == next) {
			newsize += oldsize;
			newp = oldp;
			alloc_emit(a, ALLOC_EV_MERGE, ALLOC_BIN_NONE, 0, oldp, next, newsize);
		} else {
			uint64_t n = oldsize - SSZ;
			if (!copy_user(a, nm, oldp + HDR, n))
				alloc_segv(a, a->mem->fault, "access");
			alloc_emit(a, ALLOC_EV_COPY, ALLOC_BIN_NONE, 0, oldp, n, newp);
			alloc_int_free(a, oldp, true);
			return nm;
		}
	}
	uint64_t r = newsize - nb;
	if (r < MINSIZE) {
		set_head_size(a, newp, newsize | AFLAG);
		set_inuse_at(a, newp, newsize);
	} else {
		uint64_t rem = newp + nb;
		set_head_size(a, newp, nb | AFLAG);
		set_head(a, rem, r | ALLOC_PREV_INUSE | AFLAG);
		set_inuse_at(a, rem, r);
		alloc_emit(a, ALLOC_EV_SPLIT, ALLOC_BIN_NONE, 0, newp, nb, rem);
		alloc_int_free(a, rem, true);
	}
	alloc_emit(a, ALLOC_EV_INPLACE, ALLOC_BIN_NONE, 0, newp, csize(a, newp), 0);
	return newp + HDR;
}

static uint64_t libc_realloc(alloc *a, uint64_t oldmem, uint64_t bytes)
{
	alloc_ptmalloc_init(a);
	if (bytes == 0 && oldmem) {
		alloc_libc_free(a, oldmem);
		return 0;
	}
	if (!oldmem)
		return alloc_libc_malloc(a, bytes);
	uint64_t oldp = oldmem - HDR;
	uint64_t oldsize = csize(a, oldp);
	bool mm = is_mmapped(a, oldp);
	if (!mm)
		alloc_tcache_init(a);
	if (oldp > uneg(a, oldsize) || misaligned_chunk(a, oldp))
		alloc_fail(a, "realloc(): invalid pointer");
	uint64_t nb;
	if (!alloc_request2size(a, bytes, &nb))
		return 0;
	if (mm) {
		uint64_t np = mremap_chunk(a, oldp, nb);
		if (np)
			return np + HDR;
		if (oldsize - SSZ >= nb)
			return oldmem;
		uint64_t nm = alloc_libc_malloc(a, bytes);
		if (!nm)
			return 0;
		if (!copy_user(a, nm, oldmem, oldsize - HDR))
			alloc_segv(a, a->mem->fault, "access");
		alloc_munmap_chunk(a, oldp);
		return nm;
	}
	/* the chunk's own arena; when it cannot grow there, malloc anywhere */
	unsigned prev = a->av;
	int k = alloc_arena_of(a, oldp);
	if (k < 0)
		alloc_segv(a, rd(a, alloc_heap_of(a, oldp)), "read");
	alloc_arena_use(a, (unsigned)k);
	uint64_t np = int_realloc(a, oldp, oldsize, nb);
	alloc_arena_use(a, prev);
	if (!np && a->multi) {
		np = alloc_libc_malloc(a, bytes);
		if (np) {
			if (!copy_user(a, np, oldmem, oldsize - SSZ))
				alloc_segv(a, a->mem->fault, "access");
			alloc_arena_use(a, (unsigned)k);
			alloc_int_free(a, oldp, false);
			alloc_arena_use(a, prev);
		}
	}
	return np;
}

int alloc_realloc(alloc *a, uint64_t p, uint64_t n, uint64_t *out)
{
	if (a->design)
		return alloc_design_call(a, 'r', p, n, out);
	OP_BEGIN(a);
	*out = libc_realloc(a, p, n);
	OP_END(a);
}
