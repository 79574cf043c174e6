/*
 * sysmem.c - the allocator's side of the system: sysmalloc (grow the heap
 * with brk, or give a large request its own mmap), systrim (shrink the heap
 * with a negative brk) and the simulated brk/mmap/munmap/mremap calls.
 *
 * The simulated kernel refuses a request that would collide with another
 * mapping or exceed ALLOC_MEMORY_LIMIT bytes; glibc then falls back exactly
 * as it does on a real failure.
 */
#include "internal.h"

bool alloc_sbrk(alloc *a, int64_t incr, uint64_t *old)
{
	uint64_t cur = a->brk, heap = a->lay.heap;
	uint64_t nb = cur + (uint64_t)incr;
	*old = cur;
	if (incr == 0)
		return true;
	if (incr < 0 ? nb < heap || nb > cur : nb < cur || nb - heap > ALLOC_MEMORY_LIMIT)
		return false;
	if (cur == heap) {
		if (!mem_map_add(a->mem, heap, nb - heap, MEM_HEAP, MEM_R | MEM_W, "[heap]"))
			return false;
	} else if (nb == heap) {
		mem_unmap(a->mem, heap, cur - heap);
	} else if (!mem_resize(a->mem, heap, nb - heap)) {
		return false;
	}
	a->brk = nb;
	alloc_emit(a, ALLOC_EV_BRK, ALLOC_BIN_NONE, 0, cur, nb, 0);
	return true;
}

/* Where the kernel puts a new anonymous range of len bytes whose page
 * offset is off (0 for mmap; for mremap, the offset the mapping was born
 * with): top-down into the highest hole that fits (bottom-up into the
 * lowest in the legacy layout); and, as Linux does since 6.7 for a length
 * that is a multiple of 2 MiB, aligned for transparent huge pages: it
 * searches for len + 2 MiB and puts the range where its offset matches off
 * modulo 2 MiB (top-down: the upper end when the hole's start already
 * does). */
uint64_t alloc_place(const alloc *a, uint64_t len, uint64_t off)
{
	const uint64_t pmd = 2ull << 20;
	const alloc_layout *l = &a->lay;
	/* x86-64 keeps room for the heap to grow; i386 has none to spare */
	uint64_t floor = a->brk + (a->ssz == 8 ? ALLOC_MEMORY_LIMIT : 0), ceiling = l->stack - (128ull << 20);
	bool thp = false;
	/* (not for a 32-bit process: Linux 6.8 stopped it there) */
	if (len % pmd == 0 && a->ssz == 8) {
		uint64_t off_end = off + len, off_align = ALIGN_UP(off, pmd);
		thp = off_end > off_align && off_end - off_align >= pmd;
	}
	if (l->legacy) {
		/* bottom-up: the padded range's start rounded up to off's place */
		uint64_t at = thp ? mem_find_gap_above(a->mem, l->mmap_top, len + pmd, ceiling) : 0;
		if (at)
			return at + ((off - at) & (pmd - 1));
		return mem_find_gap_above(a->mem, l->mmap_top, len, ceiling);
	}
	if (thp) {
		uint64_t at = mem_find_gap_below(a->mem, l->mmap_top, len + pmd, floor);
		if (at) {
			uint64_t sub = (off - at) & (pmd - 1);
			return sub ? at + sub : at + pmd;
		}
	}
	return mem_find_gap_below(a->mem, l->mmap_top, len, floor);
}

uint64_t alloc_mmap(alloc *a, uint64_t len, mem_kind kind)
{
	if (len == 0 || len > ALLOC_MEMORY_LIMIT)
		return 0;
	uint64_t at = alloc_place(a, len, 0);
	/* an anonymous mapping's page offset is its birth address (it stays
	 * with it through mremap; neighbours with continuous offsets merge) */
	if (!at || !mem_map_file(a->mem, at, len, kind, MEM_R | MEM_W, "", at))
		return 0;
	mem_vma_merge(a->mem, at);
	alloc_emit(a, ALLOC_EV_MMAP, ALLOC_BIN_MMAP, 0, at, len, 0);
	return at;
}

void alloc_munmap(alloc *a, uint64_t addr, uint64_t len)
{
	mem_unmap(a->mem, addr, len);
	alloc_emit(a, ALLOC_EV_MUNMAP, ALLOC_BIN_MMAP, 0, addr, len, 0);
}

uint64_t alloc_mremap(alloc *a, uint64_t addr, uint64_t oldlen, uint64_t newlen)
{
	const mem_map *mp = mem_find(a->mem, addr);
	if (!mp || mp->start != addr || mp->end - mp->start != oldlen || newlen > ALLOC_MEMORY_LIMIT)
		return 0;
	uint64_t to = addr;
	if (!mem_resize(a->mem, addr, newlen)) {
		/* cannot grow in place: move it to a fresh range */
		to = alloc_place(a, newlen, mp->off);
		if (!to || !mem_move(a->mem, addr, to))
			return 0;
		if (!mem_resize(a->mem, to, newlen))
			return 0;
	}
	alloc_emit(a, ALLOC_EV_MREMAP, ALLOC_BIN_MMAP, 0, addr, oldlen, to);
	a->ev[a->nev - 1].d = newlen;
	return to;
}

uint64_t alloc_sysmalloc_mmap(alloc *a, uint64_t nb)
{
	/* one word more than a chunk in the heap (no next chunk lends its
	 * prev_size); on i386 room to move the chunk to 16-byte alignment too */
	uint64_t size = ALIGN_UP(nb + SSZ + (HDR == 16 ? 0 : 15), PAGE);
	if (size <= nb)
		return 0;
	uint64_t mm = alloc_mmap(a, size, MEM_CHUNK);
	if (!mm)
		return 0;
	/* the user pointer must be 16-aligned: on i386 (an 8-byte header) the
	 * chunk starts 8 bytes in, and prev_size says so */
	uint64_t correction = (mm + HDR) & 15 ? 16 - ((mm + HDR) & 15) : 0;
	wr(a, mm + correction, correction);
	set_head(a, mm + correction, (size - correction) | ALLOC_IS_MMAPPED);
	mem_map *mp = correction ? mem_map_at(a->mem, mm) : NULL;
	if (mp) /* the views find the chunk by its mapping */
		mp->aux = correction;
	if (++a->n_mmaps > a->max_n_mmaps)
		a->max_n_mmaps = a->n_mmaps;
	a->mmapped_mem += size;
	if (a->mmapped_mem > a->max_mmapped_mem)
		a->max_mmapped_mem = a->mmapped_mem;
	return mm + correction + HDR;
}

uint64_t alloc_sysmalloc(alloc *a, uint64_t nb)
{
	bool tried_mmap = false;
	if (nb >= a->mp.mmap_threshold && (int64_t)a->n_mmaps < a->mp.n_mmaps_max) {
		tried_mmap = true;
		uint64_t p = alloc_sysmalloc_mmap(a, nb);
		if (p)
			return p;
	}
	uint64_t old_top = a->top;
	uint64_t old_size = old_top ? csize(a, old_top) : 0;
	uint64_t old_end = old_top + old_size;
	if (!((old_top == 0 && old_size == 0) ||
	      (old_size >= MINSIZE && prev_inuse(a, old_top) && (old_end & (PAGE - 1)) == 0)))
		alloc_assert_fail(a, "sysmalloc",
				  "(old_top == initial_top (av) && old_size == 0) || ((unsigned long) "
				  "(old_size) >= MINSIZE && prev_inuse (old_top) && ((unsigned long) "
				  "old_end & (pagesize - 1)) == 0)");
	if (old_size >= nb + MINSIZE)
		alloc_assert_fail(a, "sysmalloc", "(unsigned long) (old_size) < (unsigned long) (nb + MINSIZE)");

	if (a->av) {
		/* a thread arena grows its heap or starts another; failing both,
		 * the request may still get its own mapping */
		if (!alloc_heap_grow(a, nb))
			return tried_mmap ? 0 : alloc_sysmalloc_mmap(a, nb);
		if (a->system_mem > a->max_system_mem)
			a->max_system_mem = a->system_mem;
		uint64_t p = a->top, psize = csize(a, p);
		if (psize < nb + MINSIZE)
			return 0;
		a->top = p + nb;
		set_head(a, p, nb | ALLOC_PREV_INUSE | AFLAG);
		set_head(a, a->top, (psize - nb) | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_TOP_SPLIT, ALLOC_BIN_TOP, 0, p, nb, a->top);
		return p + HDR;
	}

	uint64_t size = nb + a->mp.top_pad + MINSIZE;
	if (a->contiguous)
		size -= old_size;
	size = ALIGN_UP(size, PAGE);
	uint64_t brk = 0, snd_brk = 0;
	bool got = false, mmapped_core = false;
	if ((int64_t)size > 0 && alloc_sbrk(a, (int64_t)size, &brk))
		got = true;
	if (!got) {
		/* brk failed: an mmap becomes the new top, the arena non-contiguous */
		uint64_t msize = size;
		if (a->contiguous)
			msize = ALIGN_UP(msize + old_size, PAGE);
		if (msize < MMAP_AS_MORECORE)
			msize = MMAP_AS_MORECORE;
		if (msize > nb) {
			uint64_t mb = alloc_mmap(a, msize, MEM_ANON);
			if (mb) {
				size = msize;
				a->contiguous = false;
				brk = mb;
				snd_brk = mb + size;
				got = mmapped_core = true;
			}
		}
	}
	if (got) {
		if (a->sbrk_base == 0)
			a->sbrk_base = brk;
		a->system_mem += size;
		if (brk == old_end && !mmapped_core) {
			set_head(a, old_top, (size + old_size) | ALLOC_PREV_INUSE);
			alloc_emit(a, ALLOC_EV_TOP_MERGE, ALLOC_BIN_TOP, 0, old_top, 0, size + old_size);
		} else if (a->contiguous && old_size && brk < old_end) {
			alloc_fail(a, "break adjusted to free malloc space");
		} else {
			uint64_t aligned = brk, correction = 0;
			if (a->contiguous) {
				if (old_size)
					a->system_mem += brk - old_end;
				uint64_t front = (brk + HDR) & 15;
				if (front) {
					correction = 16 - front;
					aligned += correction;
				}
				correction += old_size;
				/* make the end of the second request page-aligned */
				uint64_t end = brk + size + correction;
				correction += ALIGN_UP(end, PAGE) - end;
				uint64_t sb;
				if (alloc_sbrk(a, (int64_t)correction, &sb)) {
					snd_brk = sb;
				} else {
					correction = 0;
					snd_brk = a->brk;
				}
			} else if (!snd_brk) {
				snd_brk = a->brk;
			}
			/* what lies between malloc's old memory and its new top is not
			 * malloc's: remember it so that walks can step over it */
			uint64_t gap_from = old_size ? old_top + ((old_size - 2 * HDR) & ~(uint64_t)15) + 2 * HDR
						     : a->lay.heap;
			if (a->contiguous && !mmapped_core && gap_from < aligned && a->ngaps < 8) {
				a->gap_lo[a->ngaps] = gap_from;
				a->gap_hi[a->ngaps++] = aligned;
			}
			a->top = aligned;
			set_head(a, aligned, (snd_brk - aligned + correction) | ALLOC_PREV_INUSE);
			a->system_mem += correction;
			if (old_size != 0) {
				/* fence off the old top and free what is left of it */
				old_size = (old_size - 2 * HDR) & ~(uint64_t)15;
				set_head(a, old_top, old_size | ALLOC_PREV_INUSE);
				set_head(a, old_top + old_size, HDR | ALLOC_PREV_INUSE);
				set_head(a, old_top + old_size + HDR, HDR | ALLOC_PREV_INUSE);
				if (old_size >= MINSIZE)
					alloc_int_free(a, old_top, true);
			}
		}
	}
	if (a->system_mem > a->max_system_mem)
		a->max_system_mem = a->system_mem;
	uint64_t p = a->top;
	uint64_t psize = p ? csize(a, p) : 0;
	if (p && psize >= nb + MINSIZE) {
		a->top = p + nb;
		set_head(a, p, nb | ALLOC_PREV_INUSE);
		set_head(a, a->top, (psize - nb) | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_TOP_SPLIT, ALLOC_BIN_TOP, 0, p, nb, a->top);
		return p + HDR;
	}
	return 0;
}

int alloc_systrim(alloc *a, uint64_t pad)
{
	uint64_t top_size = csize(a, a->top);
	uint64_t area = top_size - MINSIZE - 1;
	if (top_size < MINSIZE + 1 || area <= pad)
		return 0;
	uint64_t extra = ALIGN_DOWN(area - pad, PAGE);
	if (extra == 0)
		return 0;
	if (a->brk != a->top + top_size)
		return 0;
	uint64_t cur = a->brk, dummy;
	alloc_sbrk(a, -(int64_t)extra, &dummy);
	uint64_t released = cur - a->brk;
	if (released) {
		a->system_mem -= released;
		set_head(a, a->top, (top_size - released) | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_TRIM, ALLOC_BIN_TOP, 0, a->top, released, 0);
		return 1;
	}
	return 0;
}
