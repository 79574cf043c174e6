/*
 * heapview.h - a read-only snapshot of the simulated heap for views.
 *
 * hv_build walks the heap once (chunks in address order, the tcache,
 * fastbins and regular bins) and classifies every chunk by the list it sits
 * in.  Views draw from this snapshot and never touch the allocator; the
 * snapshot is rebuilt only when the engine's state changes, so drawing a
 * frame costs only the visible rows however large the heap is.
 *
 * A corrupted heap does not stop the snapshot: walks stop at the first
 * impossible size or unmapped address, lists stop at cycles (bounded
 * length), and `corrupt` says where and why.
 */
#ifndef HEAPSCOPE_HEAPVIEW_H
#define HEAPSCOPE_HEAPVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapscope/alloc.h"

typedef struct hv_chunk {
	uint64_t addr, size, raw; /* raw = size word with flags */
	uint8_t state; /* alloc_bin_kind */
	uint16_t bin; /* index within its kind */
} hv_chunk;

typedef struct hv_list {
	uint64_t *chunk; /* chunk addresses in list order */
	uint64_t *stored; /* the raw link value stored for each (safe-linked) */
	uint32_t n;
	uint8_t broken; /* the walk stopped early (cycle, fault, misalignment) */
} hv_list;

typedef struct heapview {
	hv_chunk *chunks; /* heap chunks in address order, top last, then mmapped */
	size_t n, nheap;
	hv_list tcache[ALLOC_TCACHE_BINS];
	unsigned tcount[ALLOC_TCACHE_BINS];
	hv_list fast[ALLOC_NFASTBINS];
	hv_list bins[ALLOC_NBINS]; /* 1 = unsorted, 2..63 small, 64..126 large */
	uint64_t heap_start, brk, top, top_size;
	/* a textbook design (--allocator) instead of glibc: its name, its free
	 * lists (block addresses in list order) and their names */
	const char *design;
	/* where a block's first data bytes are, from its address: 16 for
	 * chunks and tagged blocks, 0 when only payloads are known */
	uint8_t data_off;
	const char *no_lists; /* what the bins pane says when a design has no lists */
	hv_list dlist[64];
	const char *dname[64];
	unsigned arena; /* the arena shown: 0 main_arena, or a thread arena */
	int corrupt; /* the chunk walk hit something impossible */
	uint64_t corrupt_at;
	char corrupt_msg[96];
} heapview;

/* Build a snapshot of a's heap into v (v must be zeroed or hv_free'd). */
void hv_build(heapview *v, alloc *a);
/* The same for arena k: its heaps' chunks and its bins; the tcache lists
 * are the running thread's, and every thread's tcache marks the chunks it
 * holds.  heap_start and brk are the arena's first heap and the end of
 * its newest one. */
void hv_build_arena(heapview *v, alloc *a, unsigned k);
/* Bring v, a snapshot of old, up to date with a (old's copy-on-write
 * descendant), walking only the pages that changed and, of the lists that
 * did, only the entries whose links lie in changed pages (the rest of a
 * list is copied from its old walk); false when it cannot (threads, a
 * design, corruption, a chunk in two lists, too many changes): then v must
 * be freed and built again. */
bool hv_update(heapview *v, alloc *old, alloc *a);
/* Release a snapshot. */
void hv_free(heapview *v);
/* Index of the chunk containing addr (header included), or -1. */
long hv_find(const heapview *v, uint64_t addr);

/* Verify every heap invariant of a healthy heap; 0 if all hold, else -1
 * with the first violation described in msg. */
int hv_check(alloc *a, char *msg, size_t len);

#endif
