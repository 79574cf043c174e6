/*
 * heapview.c - builds the read-only heap snapshot that views draw from.
 */
#include "heapscope/xalloc.h"
#include "heapscope/heapview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tag {
	uint64_t addr;
	uint8_t state;
	uint16_t bin;
} tag;


static void list_push(hv_list *l, uint64_t chunk, uint64_t stored, uint32_t *cap)
{
	if (l->n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		l->chunk = xrealloc(l->chunk, sizeof *l->chunk * *cap);
		l->stored = xrealloc(l->stored, sizeof *l->stored * *cap);
	}
	l->chunk[l->n] = chunk;
	l->stored[l->n] = stored;
	l->n++;
}

static int tag_cmp(const void *x, const void *y)
{
	const tag *a = x, *b = y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

typedef struct tags {
	tag *t;
	size_t n, cap;
} tags;

static void tag_add(tags *ts, uint64_t addr, int state, unsigned bin)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 256;
		ts->t = xrealloc(ts->t, sizeof *ts->t * ts->cap);
	}
	ts->t[ts->n++] = (tag){addr, (uint8_t)state, (uint16_t)bin};
}

static void add_chunk(heapview *v, size_t *cap, uint64_t addr, uint64_t raw, int state)
{
	if (v->n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		v->chunks = xrealloc(v->chunks, sizeof *v->chunks * *cap);
	}
	v->chunks[v->n++] = (hv_chunk){addr, raw & ~(uint64_t)7, raw, (uint8_t)state, 0};
}

/* A textbook design's heap: its blocks from its walk, its free lists. */
static size_t *design_cap;
static void design_block(void *ctx, uint64_t addr, uint64_t size, int state)
{
	heapview *v = ctx;
	int st = state == TB_USED ? ALLOC_BIN_NONE : state == TB_FREE ? ALLOC_BIN_FREE : ALLOC_BIN_META;
	if (v->n < (1u << 24))
		add_chunk(v, design_cap, addr, size | (state == TB_USED), st);
}

static void design_list(void *ctx, unsigned list, const char *name, uint64_t block)
{
	heapview *v = ctx;
	if (list >= 64)
		return;
	v->dname[list] = name;
	hv_list *l = &v->dlist[list];
	if (l->n == 0 || (l->n & (l->n - 1)) == 0) {
		uint32_t c = l->n ? 2 * l->n : 8;
		l->chunk = xrealloc(l->chunk, sizeof *l->chunk * c);
		l->stored = xrealloc(l->stored, sizeof *l->stored * c);
	}
	l->chunk[l->n] = block;
	l->stored[l->n] = block;
	l->n++;
	long k = hv_find(v, block);
	if (k >= 0)
		v->chunks[k].bin = (uint16_t)list;
}

static void build_design(heapview *v, alloc *a)
{
	size_t cap = 0;
	v->design = a->design->name;
	v->data_off = a->mm && !alloc_mm_blocks_known(a) ? 0 : 16;
	v->no_lists = a->mm ? "(not visible: they live in your code)"
		    : a->design->lists ? "(empty)"
				       : "(none: free blocks are found by walking every block)";
	v->heap_start = a->lay.heap;
	v->brk = a->brk;
	if (!a->design_started)
		return;
	tb_heap h = a->dh;
	h.m = a->mem;
	design_cap = &cap;
	a->design->walk(&h, design_block, v);
	v->nheap = v->n;
	if (a->design->lists)
		a->design->lists(&h, design_list, v);
	design_cap = NULL;
}

void hv_build(heapview *v, alloc *a)
{
	hv_build_arena(v, a, 0);
}

/* Tag the chunks every thread's tcache holds (any thread may cache any
 * arena's chunks); the running thread's lists go into v. */
static void tag_tcaches(heapview *v, alloc *a, tags *ts, uint64_t limit)
{
	const uint64_t W = alloc_ssz(a), H = alloc_hdr(a);
	for (unsigned t = 0; t < ALLOC_MAX_THREADS; t++) {
		if (!a->th[t].alive)
			continue;
		bool running = t == a->thread;
		uint64_t tc = running ? a->tcache : a->th[t].tcache;
		if (!tc)
			continue;
		for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
			uint16_t cnt = 0;
			mem_read(a->mem, tc + 2 * i, &cnt, 2);
			hv_list scratch = {0}, *l = running ? &v->tcache[i] : &scratch;
			if (running)
				v->tcount[i] = cnt;
			uint64_t e = 0, stored;
			uint32_t cap = 0;
			if (!alloc_rdword(a, tc + 0x80 + W * i, &e))
				continue;
			stored = e;
			while (e) {
				if ((e & 15) || l->n > limit || l->n > 65536) {
					l->broken = 1;
					break;
				}
				list_push(l, e - H, stored, &cap);
				tag_add(ts, e - H, ALLOC_BIN_TCACHE, i);
				if (!alloc_rdword(a, e, &stored)) {
					l->broken = 1;
					break;
				}
				e = (e >> 12) ^ stored;
			}
			free(scratch.chunk);
			free(scratch.stored);
		}
	}
}

/* Walk one heap of a thread arena from c while below end, stopping after
 * its fencepost (a header of size 0); false when the walk hit corruption. */
static bool walk_heap(heapview *v, alloc *a, size_t *cap, const tags *ts, size_t *ti, uint64_t c, uint64_t end,
		      uint64_t sysmem)
{
	const uint64_t W = alloc_ssz(a);
	uint64_t raw;
	while (c < end) {
		if (!alloc_rdword(a, c + W, &raw)) {
			v->corrupt = 1;
			return false;
		}
		uint64_t size = raw & ~(uint64_t)7;
		if (size == 0)
			return true; /* the fencepost ending an older heap */
		if (size < alloc_hdr(a) || c + size > end || size > sysmem) {
			v->corrupt = 1;
			v->corrupt_at = c;
			snprintf(v->corrupt_msg, sizeof v->corrupt_msg, "chunk at 0x%llx has an impossible size 0x%llx",
				 (unsigned long long)c, (unsigned long long)raw);
			return false;
		}
		while (*ti < ts->n && ts->t[*ti].addr < c)
			(*ti)++;
		int state = ALLOC_BIN_NONE;
		unsigned bin = 0;
		if (*ti < ts->n && ts->t[*ti].addr == c) {
			state = ts->t[*ti].state;
			bin = ts->t[*ti].bin;
		}
		add_chunk(v, cap, c, raw, state);
		v->chunks[v->n - 1].bin = (uint16_t)bin;
		c += size;
	}
	return true;
}

void hv_build_arena(heapview *v, alloc *a, unsigned k)
{
	memset(v, 0, sizeof *v);
	v->arena = k;
	v->data_off = (uint8_t)alloc_hdr(a); /* the user data, past the header */
	if (a->design) {
		build_design(v, a);
		return;
	}
	mem_space *m = a->mem;
	tags ts = {0};
	const uint64_t W = alloc_ssz(a), H = alloc_hdr(a); /* a word; a chunk's header */
	alloc_arena ar;
	if (k >= a->nar)
		k = 0;
	alloc_arena_get(a, k, &ar);
	v->heap_start = a->lay.heap;
	v->brk = a->brk;
	v->top = ar.top;
	uint64_t raw;
	if (ar.top && alloc_rdword(a, ar.top + W, &raw))
		v->top_size = raw & ~(uint64_t)7;
	/* a list can hold at most one entry per 32 bytes of system memory;
	 * a longer walk means a cycle in a corrupted list */
	uint64_t limit = ar.system_mem / 32 + 16;
	if (limit > (1u << 20))
		limit = 1u << 20;

	tag_tcaches(v, a, &ts, limit);
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++) {
		uint64_t c = ar.fastbins[i], stored = c;
		uint32_t cap = 0;
		while (c) {
			if (((c + (H == 16 ? 0 : H)) & 15) || v->fast[i].n > limit) {
				v->fast[i].broken = 1;
				break;
			}
			list_push(&v->fast[i], c, stored, &cap);
			tag_add(&ts, c, ALLOC_BIN_FAST, i);
			if (!alloc_rdword(a, c + H, &stored)) {
				v->fast[i].broken = 1;
				break;
			}
			c = ((c + H) >> 12) ^ stored;
		}
	}
	if (a->initialized) {
		for (unsigned i = 1; i < ALLOC_NBINS; i++) {
			uint64_t hdr = alloc_arena_bin_at(a, k, i), c;
			uint32_t cap = 0;
			if (!alloc_rdword(a, hdr + H, &c))
				continue;
			int kind = i == 1 ? ALLOC_BIN_UNSORTED : i < 64 ? ALLOC_BIN_SMALL : ALLOC_BIN_LARGE;
			while (c != hdr) {
				if (v->bins[i].n > limit) {
					v->bins[i].broken = 1;
					break;
				}
				list_push(&v->bins[i], c, c, &cap);
				tag_add(&ts, c, kind, i);
				if (!alloc_rdword(a, c + H, &c)) {
					v->bins[i].broken = 1;
					break;
				}
			}
		}
	}
	if (ts.n)
		qsort(ts.t, ts.n, sizeof *ts.t, tag_cmp);

	/* walk the heap in address order */
	size_t cap = 0, ti = 0;
	if (k) {
		/* a thread arena: its heaps from the oldest, the first one's
		 * chunks after its malloc_state */
		uint64_t hs[64];
		unsigned nh = 0;
		for (uint64_t h = ar.heap; h && nh < 64; nh++) {
			hs[nh] = h;
			if (!alloc_rdword(a, h + W, &h))
				break;
		}
		v->heap_start = nh ? hs[nh - 1] : 0;
		for (unsigned i = nh; i-- > 0;) {
			uint64_t h = hs[i], size = 0;
			alloc_rdword(a, h + 2 * W, &size);
			uint64_t c = i == nh - 1 ? ar.state + (W == 8 ? 0x898 : 0x45c) : h + alloc_heap_info_size(a);
			if ((c + H) & 15)
				c += 16 - ((c + H) & 15);
			uint64_t end = i == 0 ? ar.top : h + size;
			if (i == 0)
				v->brk = h + size;
			if (!walk_heap(v, a, &cap, &ts, &ti, c, end, ar.system_mem))
				break;
		}
		if (alloc_rdword(a, ar.top + W, &raw))
			add_chunk(v, &cap, ar.top, raw, ALLOC_BIN_TOP);
	} else if (a->top) {
		uint64_t c = alloc_first_chunk(a);
		uint64_t end = a->top;
		if (end < c || end > a->brk)
			end = a->brk;
		while (c < end) {
			bool jumped = false;
			for (unsigned g = 0; g < a->ngaps; g++)
				if (c == a->gap_lo[g] && a->gap_hi[g] > c) {
					c = a->gap_hi[g]; /* the program's own memory */
					jumped = true;
				}
			if (jumped)
				continue;
			if (!alloc_rdword(a, c + W, &raw)) {
				v->corrupt = 1;
				break;
			}
			uint64_t size = raw & ~(uint64_t)7;
			if (size < alloc_hdr(a) || c + size > end || size > a->system_mem) {
				v->corrupt = 1;
				v->corrupt_at = c;
				snprintf(v->corrupt_msg, sizeof v->corrupt_msg,
					 "chunk at 0x%llx has an impossible size 0x%llx", (unsigned long long)c,
					 (unsigned long long)raw);
				break;
			}
			while (ti < ts.n && ts.t[ti].addr < c)
				ti++;
			int state = ALLOC_BIN_NONE;
			unsigned bin = 0;
			if (ti < ts.n && ts.t[ti].addr == c) {
				state = ts.t[ti].state;
				bin = ts.t[ti].bin;
			}
			add_chunk(v, &cap, c, raw, state);
			v->chunks[v->n - 1].bin = (uint16_t)bin;
			c += size;
		}
		if (alloc_rdword(a, a->top + W, &raw))
			add_chunk(v, &cap, a->top, raw, ALLOC_BIN_TOP);
	}
	v->nheap = v->n;
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		if (mp->kind == MEM_CHUNK && alloc_rdword(a, mp->start + mp->aux + W, &raw))
			add_chunk(v, &cap, mp->start + mp->aux, raw, ALLOC_BIN_MMAP);
	}
	free(ts.t);
}

void hv_free(heapview *v)
{
	free(v->chunks);
	for (unsigned i = 0; i < 64; i++) {
		free(v->dlist[i].chunk);
		free(v->dlist[i].stored);
	}
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		free(v->tcache[i].chunk);
		free(v->tcache[i].stored);
	}
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++) {
		free(v->fast[i].chunk);
		free(v->fast[i].stored);
	}
	for (unsigned i = 0; i < ALLOC_NBINS; i++) {
		free(v->bins[i].chunk);
		free(v->bins[i].stored);
	}
	memset(v, 0, sizeof *v);
}

long hv_find(const heapview *v, uint64_t addr)
{
	size_t lo = 0, hi = v->nheap;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v->chunks[mid].addr + v->chunks[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->nheap && v->chunks[lo].addr <= addr)
		return (long)lo;
	for (size_t i = v->nheap; i < v->n; i++)
		if (addr >= v->chunks[i].addr && addr < v->chunks[i].addr + v->chunks[i].size)
			return (long)i;
	return -1;
}
