/*
 * heap.c - the heaps of non-main arenas: each a HEAP_MAX-aligned mapping
 * (64 MiB on x86-64) reserved PROT_NONE and made writable from its start
 * as the arena grows, headed by a heap_info (the arena, the previous heap,
 * size, mprotect_size, pagesize).  An arena's first heap holds its
 * malloc_state after the heap_info; a chunk of a non-main arena finds its
 * arena through the heap_info at the start of its heap.  Also
 * _int_new_arena, and heap_trim, which unmaps emptied heaps and gives back
 * the top's pages with madvise.
 *
 * Invariant: ar[k].heap is arena k's newest heap, whose end holds its top;
 * older heaps end in a fencepost.
 */
#include "internal.h"

#define HEAP_MIN (32u * 1024)
#define HEAP_INFO (a->ssz == 8 ? 0x30u : 0x18u)
#define MSTATE_SIZE (a->ssz == 8 ? 0x898u : 0x45cu)

uint64_t alloc_heap_info_size(const alloc *a)
{
	return HEAP_INFO;
}

uint64_t alloc_heap_of(const alloc *a, uint64_t addr)
{
	return addr & ~(HEAP_MAX - 1);
}

/* heap_info's words */
static uint64_t hsize(alloc *a, uint64_t h) { return rd(a, h + 2 * SSZ); }
static uint64_t hprot(alloc *a, uint64_t h) { return rd(a, h + 3 * SSZ); }

/* An anonymous PROT_NONE mapping of len bytes (MAP_NORESERVE) at hint
 * when that range is free, else where the kernel puts it; 0 when no room. */
static uint64_t map_none(alloc *a, uint64_t hint, uint64_t len)
{
	uint64_t at = hint && mem_find_gap_above(a->mem, hint, len, hint + len) == hint ? hint : alloc_place(a, len, 0);
	if (!at || !mem_map_file(a->mem, at, len, MEM_ARENA, 0, "", at))
		return 0;
	mem_vma_merge(a->mem, at);
	alloc_emit(a, ALLOC_EV_MMAP, ALLOC_BIN_NONE, 0, at, len, 1);
	return at;
}

static void unmap(alloc *a, uint64_t addr, uint64_t len)
{
	alloc_vm_unmap_range(a, addr, len);
	alloc_emit(a, ALLOC_EV_MUNMAP, ALLOC_BIN_NONE, 0, addr, len, 0);
}

/* The mappings of heap h (its writable part and its reserve) say arena k. */
static void name_heap(alloc *a, uint64_t h, unsigned k)
{
	mem_space *m = a->mem;
	for (size_t i = 0; i < m->n; i++)
		if (m->maps[i].kind == MEM_ARENA && m->maps[i].start >= h && m->maps[i].start < h + HEAP_MAX)
			m->maps[i].aux = k;
}

/* new_heap: 0 when there is no room */
static uint64_t new_heap(alloc *a, uint64_t size, uint64_t top_pad)
{
	const uint64_t max = HEAP_MAX;
	if (size + top_pad < HEAP_MIN)
		size = HEAP_MIN;
	else if (size + top_pad <= max)
		size += top_pad;
	else if (size > max)
		return 0;
	else
		size = max;
	size = ALIGN_UP(size, PAGE);
	uint64_t p2 = 0;
	if (a->aligned_heap_area) {
		/* the aligned half the last reservation left over */
		p2 = map_none(a, a->aligned_heap_area, max);
		a->aligned_heap_area = 0;
		if (p2 && (p2 & (max - 1))) {
			unmap(a, p2, max);
			p2 = 0;
		}
	}
	if (!p2) {
		/* twice the size, then cut it down to an aligned HEAP_MAX */
		uint64_t p1 = map_none(a, 0, max << 1);
		if (p1) {
			p2 = ALIGN_UP(p1, max);
			uint64_t ul = p2 - p1;
			if (ul)
				unmap(a, p1, ul);
			else
				a->aligned_heap_area = p2 + max;
			unmap(a, p2 + max, max - ul);
		} else {
			p2 = map_none(a, 0, max);
			if (!p2)
				return 0;
			if (p2 & (max - 1)) {
				unmap(a, p2, max);
				return 0;
			}
		}
	}
	alloc_vm_protect_range(a, p2, size, MEM_R | MEM_W);
	wr(a, p2 + 2 * SSZ, size);
	wr(a, p2 + 3 * SSZ, size);
	wr(a, p2 + 4 * SSZ, PAGE);
	return p2;
}

/* grow_heap: -1 when the heap would pass HEAP_MAX */
static int grow_heap(alloc *a, uint64_t h, uint64_t diff)
{
	diff = ALIGN_UP(diff, PAGE);
	uint64_t new_size = hsize(a, h) + diff;
	if (new_size > HEAP_MAX)
		return -1;
	uint64_t mp = hprot(a, h);
	if (new_size > mp) {
		alloc_vm_protect_range(a, h + mp, new_size - mp, MEM_R | MEM_W);
		wr(a, h + 3 * SSZ, new_size);
	}
	wr(a, h + 2 * SSZ, new_size);
	return 0;
}

/* shrink_heap, as on a machine without strict overcommit: the pages are
 * given back with madvise and stay writable */
static int shrink_heap(alloc *a, uint64_t h, uint64_t diff)
{
	uint64_t size = hsize(a, h);
	if (size < diff || size - diff < HEAP_INFO)
		return -1;
	uint64_t new_size = size - diff;
	mem_discard(a->mem, h + new_size, diff);
	alloc_emit(a, ALLOC_EV_MADVISE, ALLOC_BIN_NONE, 0, h + new_size, diff, 0);
	wr(a, h + 2 * SSZ, new_size);
	return 0;
}

int alloc_new_arena(alloc *a, uint64_t bytes)
{
	uint64_t h = new_heap(a, bytes + (HEAP_INFO + MSTATE_SIZE + 16), a->mp.top_pad);
	if (!h) {
		/* maybe too large for one heap: a minimal arena, and the request
		 * goes to mmap */
		h = new_heap(a, HEAP_INFO + MSTATE_SIZE + 16, a->mp.top_pad);
		if (!h)
			return -1;
	}
	unsigned k = a->nar++;
	alloc_arena *ar = &a->ar[k];
	memset(ar, 0, sizeof *ar);
	ar->state = h + HEAP_INFO;
	ar->heap = h;
	ar->next_free = -1;
	ar->attached = 1;
	wr(a, h, ar->state); /* h->ar_ptr */
	wr(a, h + SSZ, 0); /* h->prev */
	name_heap(a, h, k);
	uint64_t size = hsize(a, h);
	ar->system_mem = ar->max_system_mem = size;
	/* the top chunk follows malloc_state, moved so user pointers are aligned */
	uint64_t ptr = ar->state + MSTATE_SIZE;
	uint64_t mis = (ptr + HDR) & 15;
	if (mis)
		ptr += 16 - mis;
	ar->top = ptr;
	ar->contiguous = false; /* malloc_init_state: only main_arena is contiguous */
	unsigned prev = a->av;
	alloc_arena_use(a, k);
	alloc_init_bins(a);
	set_head(a, ptr, (h + size - ptr) | ALLOC_PREV_INUSE);
	alloc_arena_use(a, prev);
	/* linked in right after main_arena */
	ar->next = a->ar[0].next;
	a->ar[0].next = (uint8_t)k;
	alloc_emit(a, ALLOC_EV_ARENA, ALLOC_BIN_NONE, 0, ar->state, k, 0);
	return (int)k;
}

bool alloc_heap_grow(alloc *a, uint64_t nb)
{
	uint64_t old_top = a->top, old_size = csize(a, old_top);
	uint64_t oh = alloc_heap_of(a, old_top), ohs = hsize(a, oh);
	if ((int64_t)(MINSIZE + nb - old_size) > 0 && grow_heap(a, oh, MINSIZE + nb - old_size) == 0) {
		a->system_mem += hsize(a, oh) - ohs;
		uint64_t ns = oh + hsize(a, oh) - old_top;
		set_head(a, old_top, ns | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_TOP_MERGE, ALLOC_BIN_TOP, 0, old_top, 0, ns);
		return true;
	}
	uint64_t h = new_heap(a, nb + MINSIZE + HEAP_INFO, a->mp.top_pad);
	if (!h)
		return false;
	wr(a, h, a->ar[a->av].state);
	wr(a, h + SSZ, oh);
	name_heap(a, h, a->av);
	a->ar[a->av].heap = h;
	a->system_mem += hsize(a, h);
	a->top = h + HEAP_INFO;
	set_head(a, a->top, (hsize(a, h) - HEAP_INFO) | ALLOC_PREV_INUSE);
	/* fence off the old top; what is left of it is freed */
	old_size = (old_size - MINSIZE) & ~(uint64_t)15;
	set_head(a, old_top + old_size + HDR, 0 | ALLOC_PREV_INUSE);
	if (old_size >= MINSIZE) {
		set_head(a, old_top + old_size, HDR | ALLOC_PREV_INUSE);
		set_foot(a, old_top + old_size, HDR);
		set_head(a, old_top, old_size | ALLOC_PREV_INUSE | ALLOC_NON_MAIN);
		alloc_int_free(a, old_top, true);
	} else {
		set_head(a, old_top, (old_size + HDR) | ALLOC_PREV_INUSE);
		set_foot(a, old_top, old_size + HDR);
	}
	return true;
}

void alloc_heap_trim(alloc *a, uint64_t pad)
{
	uint64_t heap = alloc_heap_of(a, a->top), top = a->top;
	/* can the newest heap go away completely? */
	while (top == heap + HEAP_INFO) {
		uint64_t prev = rd(a, heap + SSZ);
		if (!prev)
			break;
		uint64_t ps = hsize(a, prev) - (MINSIZE - HDR);
		uint64_t p = prev + ps;
		uint64_t mis = p & 15;
		p = prev + ps - mis;
		if (size_raw(a, p) != ALLOC_PREV_INUSE)
			alloc_assert_fail(a, "heap_trim", "chunksize_nomask (p) == (0 | PREV_INUSE)");
		p -= prev_size(a, p);
		uint64_t new_size = csize(a, p) + (MINSIZE - HDR) + mis;
		if (new_size == 0 || new_size >= 2 * MINSIZE)
			alloc_assert_fail(a, "heap_trim", "new_size > 0 && new_size < (long) (2 * MINSIZE)");
		if (!prev_inuse(a, p))
			new_size += prev_size(a, p);
		if (new_size >= HEAP_MAX)
			alloc_assert_fail(a, "heap_trim", "new_size > 0 && new_size < max_size");
		if (new_size + (HEAP_MAX - hsize(a, prev)) < pad + MINSIZE + PAGE)
			break;
		a->system_mem -= hsize(a, heap);
		if (heap + HEAP_MAX == a->aligned_heap_area)
			a->aligned_heap_area = 0;
		unmap(a, heap, HEAP_MAX);
		heap = prev;
		a->ar[a->av].heap = heap;
		if (!prev_inuse(a, p)) {
			p -= prev_size(a, p);
			alloc_unlink(a, p);
		}
		if (((p + new_size) & (PAGE - 1)) != 0 || p + new_size != heap + hsize(a, heap))
			alloc_assert_fail(a, "heap_trim", "((char *) p + new_size) == ((char *) heap + heap->size)");
		a->top = top = p;
		set_head(a, top, new_size | ALLOC_PREV_INUSE);
		alloc_emit(a, ALLOC_EV_TOP_MERGE, ALLOC_BIN_TOP, 0, top, 0, new_size);
	}
	uint64_t top_size = csize(a, top);
	if (top_size < a->mp.trim_threshold)
		return;
	int64_t top_area = (int64_t)top_size - (int64_t)MINSIZE - 1;
	if (top_area < 0 || (uint64_t)top_area <= pad)
		return;
	uint64_t extra = ALIGN_DOWN((uint64_t)top_area - pad, PAGE);
	if (extra == 0)
		return;
	if (shrink_heap(a, heap, extra) != 0)
		return;
	a->system_mem -= extra;
	set_head(a, top, (top_size - extra) | ALLOC_PREV_INUSE);
	alloc_emit(a, ALLOC_EV_TRIM, ALLOC_BIN_TOP, 0, top, extra, 0);
}

uint64_t alloc_heap_fresh_end(alloc *a, uint64_t top)
{
	uint64_t h = alloc_heap_of(a, top);
	return h + hprot(a, h);
}
