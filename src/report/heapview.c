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

/* The walks of one list into l (empty on entry), tagging its chunks into ts
 * when ts is not NULL; each stops early (broken) at a cycle's length, a
 * misaligned entry or a fault. */
static void walk_tcache_bin(alloc *a, uint64_t tc, unsigned i, hv_list *l, uint64_t limit, tags *ts)
{
	const uint64_t W = alloc_ssz(a), H = alloc_hdr(a);
	uint64_t e = 0, stored;
	uint32_t cap = 0;
	if (!alloc_rdword(a, tc + 0x80 + W * i, &e))
		return;
	stored = e;
	while (e) {
		if ((e & 15) || l->n > limit || l->n > 65536) {
			l->broken = 1;
			break;
		}
		list_push(l, e - H, stored, &cap);
		if (ts)
			tag_add(ts, e - H, ALLOC_BIN_TCACHE, i);
		if (!alloc_rdword(a, e, &stored)) {
			l->broken = 1;
			break;
		}
		e = (e >> 12) ^ stored;
	}
}

static void walk_fastbin(alloc *a, uint64_t head, unsigned i, hv_list *l, uint64_t limit, tags *ts)
{
	const uint64_t H = alloc_hdr(a);
	uint64_t c = head, stored = c;
	uint32_t cap = 0;
	while (c) {
		if (((c + (H == 16 ? 0 : H)) & 15) || l->n > limit) {
			l->broken = 1;
			break;
		}
		list_push(l, c, stored, &cap);
		if (ts)
			tag_add(ts, c, ALLOC_BIN_FAST, i);
		if (!alloc_rdword(a, c + H, &stored)) {
			l->broken = 1;
			break;
		}
		c = ((c + H) >> 12) ^ stored;
	}
}

static int bin_kind(unsigned i)
{
	return i == 1 ? ALLOC_BIN_UNSORTED : i < 64 ? ALLOC_BIN_SMALL : ALLOC_BIN_LARGE;
}

static void walk_bin(alloc *a, unsigned k, unsigned i, hv_list *l, uint64_t limit, tags *ts)
{
	const uint64_t H = alloc_hdr(a);
	uint64_t hdr = alloc_arena_bin_at(a, k, i), c;
	uint32_t cap = 0;
	if (!alloc_rdword(a, hdr + H, &c))
		return;
	while (c != hdr) {
		if (l->n > limit) {
			l->broken = 1;
			break;
		}
		list_push(l, c, c, &cap);
		if (ts)
			tag_add(ts, c, bin_kind(i), i);
		if (!alloc_rdword(a, c + H, &c)) {
			l->broken = 1;
			break;
		}
	}
}

/* Tag the chunks every thread's tcache holds (any thread may cache any
 * arena's chunks); the running thread's lists go into v. */
static void tag_tcaches(heapview *v, alloc *a, tags *ts, uint64_t limit)
{
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
			walk_tcache_bin(a, tc, i, l, limit, ts);
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
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++)
		walk_fastbin(a, ar.fastbins[i], i, &v->fast[i], limit, &ts);
	if (a->initialized)
		for (unsigned i = 1; i < ALLOC_NBINS; i++)
			walk_bin(a, k, i, &v->bins[i], limit, &ts);
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

/* Index of the first heap chunk of v (top included) that ends above addr. */
static size_t first_ending_above(const heapview *v, uint64_t addr)
{
	size_t lo = 0, hi = v->nheap;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v->chunks[mid].addr + v->chunks[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long hv_find(const heapview *v, uint64_t addr)
{
	size_t lo = first_ending_above(v, addr);
	if (lo < v->nheap && v->chunks[lo].addr <= addr)
		return (long)lo;
	for (size_t i = v->nheap; i < v->n; i++)
		if (addr >= v->chunks[i].addr && addr < v->chunks[i].addr + v->chunks[i].size)
			return (long)i;
	return -1;
}

/* --- bringing a snapshot up to date ------------------------------------ */

#define UPDATE_MAX_DIRTY 256 /* more changed pages than this: rebuild */

/* Index of the heap chunk of v starting at addr, or -1. */
static long starting_at(const heapview *v, uint64_t addr)
{
	size_t i = first_ending_above(v, addr);
	return i < v->nheap && v->chunks[i].addr == addr ? (long)i : -1;
}

static bool in_pages(const uint64_t *pages, size_t n, uint64_t lo, uint64_t hi)
{
	/* whether some page of the sorted list overlaps [lo, hi) */
	size_t a = 0, b = n;
	while (a < b) {
		size_t mid = (a + b) / 2;
		if (pages[mid] + MEM_PAGE <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < n && pages[a] < hi;
}

/* Which lists changed: one flag per tcache bin, fast bin and bin. */
typedef struct dirty_lists {
	bool tc[ALLOC_TCACHE_BINS], fast[ALLOC_NFASTBINS], bin[ALLOC_NBINS];
} dirty_lists;

static void mark(dirty_lists *d, int state, unsigned bin)
{
	if (state == ALLOC_BIN_TCACHE && bin < ALLOC_TCACHE_BINS)
		d->tc[bin] = true;
	else if (state == ALLOC_BIN_FAST && bin < ALLOC_NFASTBINS)
		d->fast[bin] = true;
	else if ((state == ALLOC_BIN_UNSORTED || state == ALLOC_BIN_SMALL || state == ALLOC_BIN_LARGE) && bin < ALLOC_NBINS)
		d->bin[bin] = true;
}

static hv_list *list_of(heapview *v, int which, unsigned i)
{
	return which == 0 ? &v->tcache[i] : which == 1 ? &v->fast[i] : &v->bins[i];
}

/* One changed list walked again (relist_walk): the new walk, which old
 * entries it carried over, and which of its entries are new there. */
typedef struct relist {
	hv_list nl;
	uint64_t *covered; /* bitmap over the old entries */
	uint32_t *added, nadded, capadded;
} relist;

static void relist_push(relist *r, uint64_t chunk, uint64_t stored, uint32_t *cap, bool added)
{
	if (added) {
		if (r->nadded == r->capadded)
			r->added = xreallocarray(r->added, r->capadded = r->capadded ? 2 * r->capadded : 8,
						 sizeof *r->added);
		r->added[r->nadded++] = r->nl.n;
	}
	list_push(&r->nl, chunk, stored, cap);
}

/* Walk list (which, i) of a again into r, ol being its walk before: an old
 * entry whose link word lies in a page that did not change still links
 * to the entry after it, so from such an entry on the old walk is copied
 * up to the next entry whose link may have changed (dbits: the changed
 * pages from lo_page; a page outside them counts as changed).  False when
 * the walk meets something the full walk must judge (a fault, a
 * misaligned entry, a list longer than limit). */
static bool relist_walk(alloc *a, int which, unsigned i, const hv_list *ol, const uint64_t *dbits, uint64_t lo_page,
			size_t npages, uint64_t limit, relist *r)
{
	const uint64_t W = alloc_ssz(a), H = alloc_hdr(a);
	uint64_t c, stored, end = 0;
	uint32_t cap = ol->n + 16;
	r->covered = xcalloc(ol->n / 64 + 1, sizeof *r->covered);
	r->nl.chunk = xreallocarray(NULL, cap, sizeof *r->nl.chunk);
	r->nl.stored = xreallocarray(NULL, cap, sizeof *r->nl.stored);
	if (which == 0) {
		if (!alloc_rdword(a, a->tcache + 0x80 + W * i, &stored))
			return false;
		if (!stored)
			return true;
		c = stored - H;
	} else if (which == 1) {
		c = stored = a->fastbins[i];
		if (!c)
			return true;
	} else {
		end = alloc_arena_bin_at(a, 0, i);
		if (!alloc_rdword(a, end + H, &c))
			return false;
		stored = c;
		if (c == end)
			return true;
	}
	/* the changed old entries, in order: where copying must stop */
	uint32_t *chg = NULL, nchg = 0, capchg = 0;
	for (uint32_t j = 0; j < ol->n; j++) {
		/* a link word is aligned to its size: it lies in one page */
		uint64_t pg = (ol->chunk[j] + H - lo_page) / MEM_PAGE;
		if (pg >= npages || (dbits[pg / 64] >> (pg % 64) & 1)) {
			if (nchg == capchg)
				chg = xreallocarray(chg, capchg = capchg ? 2 * capchg : 16, sizeof *chg);
			chg[nchg++] = j;
		}
	}
	size_t exp = 0, ci = 0;
	unsigned misses = 0;
	bool ok = true;
	for (;;) {
		if (r->nl.n > limit || (which == 0 && (((c + H) & 15) || r->nl.n > 65536)) ||
		    (which == 1 && ((c + (H == 16 ? 0 : H)) & 15))) {
			ok = false;
			break;
		}
		/* where the walk is in the old one: next to where it was, or,
		 * once after two entries not found there (a stretch taken out),
		 * anywhere further on */
		long idx = -1;
		size_t far = misses == 2 ? ol->n : exp + 8;
		for (size_t k = exp; k < far && k < ol->n; k++)
			if (ol->chunk[k] == c) {
				idx = (long)k;
				break;
			}
		misses = idx < 0 ? misses + 1 : 0;
		if (idx >= 0) {
			while (ci < nchg && chg[ci] < (uint32_t)idx)
				ci++;
			if (ci == nchg || chg[ci] != (uint32_t)idx) {
				/* unchanged from here to the next changed entry */
				uint32_t to = ci < nchg ? chg[ci] : ol->n;
				relist_push(r, c, stored, &cap, false);
				uint32_t run = to - (uint32_t)idx - 1;
				if (r->nl.n + run > cap) {
					cap = 2 * (r->nl.n + run);
					r->nl.chunk = xreallocarray(r->nl.chunk, cap, sizeof *r->nl.chunk);
					r->nl.stored = xreallocarray(r->nl.stored, cap, sizeof *r->nl.stored);
				}
				memcpy(&r->nl.chunk[r->nl.n], &ol->chunk[idx + 1], sizeof *ol->chunk * run);
				memcpy(&r->nl.stored[r->nl.n], &ol->stored[idx + 1], sizeof *ol->stored * run);
				r->nl.n += run;
				for (uint32_t k = (uint32_t)idx; k < to;) {
					if (!(k % 64) && k + 64 <= to) {
						r->covered[k / 64] = ~0ull;
						k += 64;
					} else {
						r->covered[k / 64] |= 1ull << (k % 64);
						k++;
					}
				}
				if (to == ol->n)
					break; /* the old walk's last link is unchanged: the end */
				c = ol->chunk[to];
				stored = ol->stored[to];
				exp = to;
				continue;
			}
			r->covered[idx / 64] |= 1ull << (idx % 64);
			exp = (size_t)idx + 1;
		}
		relist_push(r, c, stored, &cap, idx < 0);
		uint64_t raw;
		if (!alloc_rdword(a, c + H, &raw)) {
			ok = false;
			break;
		}
		stored = raw;
		if (which == 0) {
			uint64_t e = ((c + H) >> 12) ^ raw;
			if (!e)
				break;
			c = e - H;
		} else if (which == 1) {
			c = ((c + H) >> 12) ^ raw;
			if (!c)
				break;
		} else {
			if (raw == end)
				break;
			c = raw;
		}
	}
	free(chg);
	return ok;
}

bool hv_update(heapview *v, alloc *old, alloc *a)
{
	const uint64_t W = alloc_ssz(a);
	/* the single-threaded glibc heap of main_arena, seen whole before */
	if (a->design || old->design || v->design || v->arena || a->multi || old->multi || v->corrupt ||
	    !a->initialized || !old->initialized || !a->top || !old->top || a->ngaps || old->ngaps ||
	    a->lay.heap != old->lay.heap || a->tcache != old->tcache || !a->tcache || v->nheap == 0 ||
	    v->chunks[v->nheap - 1].addr != old->top || alloc_first_chunk(a) != alloc_first_chunk(old))
		return false;
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++)
		if (v->tcache[i].broken)
			return false;
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++)
		if (v->fast[i].broken)
			return false;
	for (unsigned i = 1; i < ALLOC_NBINS; i++)
		if (v->bins[i].broken)
			return false;
	uint64_t dirty[UPDATE_MAX_DIRTY];
	uint64_t hi = a->brk > old->brk ? a->brk : old->brk;
	size_t nd = mem_dirty_pages(old->mem, a->mem, a->lay.heap, hi, dirty, UPDATE_MAX_DIRTY);
	if (nd > UPDATE_MAX_DIRTY)
		return false;

	/* 1. the lists that may have changed: a head that moved, or a member
	 * lying in a changed page */
	dirty_lists d;
	memset(&d, 0, sizeof d);
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		uint64_t x = 0, y = 0;
		uint16_t cx = 0, cy = 0;
		alloc_rdword(old, old->tcache + 0x80 + W * i, &x);
		alloc_rdword(a, a->tcache + 0x80 + W * i, &y);
		mem_read(old->mem, old->tcache + 2 * i, &cx, 2);
		mem_read(a->mem, a->tcache + 2 * i, &cy, 2);
		d.tc[i] = x != y || cx != cy;
	}
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++)
		d.fast[i] = old->fastbins[i] != a->fastbins[i];
	for (unsigned i = 1; i < ALLOC_NBINS; i++) {
		uint64_t h = alloc_bin_at(a, i), f0 = 0, b0 = 0, f1 = 0, b1 = 0;
		alloc_rdword(old, h + 2 * W, &f0);
		alloc_rdword(old, h + 3 * W, &b0);
		alloc_rdword(a, h + 2 * W, &f1);
		alloc_rdword(a, h + 3 * W, &b1);
		d.bin[i] = f0 != f1 || b0 != b1;
	}
	for (size_t k = 0; k < nd; k++)
		for (size_t i = first_ending_above(v, dirty[k]); i < v->nheap && v->chunks[i].addr < dirty[k] + MEM_PAGE; i++)
			mark(&d, v->chunks[i].state, v->chunks[i].bin);

	/* 2. re-walk the chunks around each changed page, from the last
	 * boundary before it that a clean size field vouches for, to the
	 * first old boundary past it (or to the new top) */
	uint64_t top = a->top;
	size_t cap = v->n, tmpcap = 64, ntmp;
	hv_chunk *tmp = xmalloc(sizeof *tmp * tmpcap);
	for (size_t k = 0; k < nd;) {
		size_t from = first_ending_above(v, dirty[k]);
		if (from >= v->nheap)
			from = v->nheap - 1;
		/* the chunk before must have a clean size field */
		while (from > 0 && in_pages(dirty, nd, v->chunks[from - 1].addr + W, v->chunks[from - 1].addr + 2 * W))
			from--;
		uint64_t c = from ? v->chunks[from - 1].addr + v->chunks[from - 1].size : alloc_first_chunk(a);
		if (from && v->chunks[from].addr != c) {
			free(tmp);
			return false;
		}
		ntmp = 0;
		size_t to = v->nheap; /* old records [from, to) are replaced */
		uint64_t need = dirty[k] + MEM_PAGE; /* the walk must get past this page */
		bool at_top = false;
		for (;;) {
			if (c >= top) {
				at_top = c == top;
				break;
			}
			/* past every changed page met so far, at an old boundary whose
			 * size field is clean: the rest of the old walk still holds */
			while (k < nd && dirty[k] + MEM_PAGE <= c)
				k++;
			long o = starting_at(v, c);
			if (o > (long)from && c >= need && (k >= nd || dirty[k] >= c + 2 * W) &&
			    !in_pages(dirty, nd, c + W, c + 2 * W) && v->chunks[o].state != ALLOC_BIN_TOP) {
				to = (size_t)o;
				break;
			}
			uint64_t raw;
			if (!alloc_rdword(a, c + W, &raw)) {
				free(tmp);
				return false;
			}
			uint64_t size = raw & ~(uint64_t)7;
			if (size < alloc_hdr(a) || c + size > top || size > a->system_mem) {
				free(tmp);
				return false; /* corruption: the full walk says where and why */
			}
			if (ntmp == tmpcap)
				tmp = xrealloc(tmp, sizeof *tmp * (tmpcap *= 2));
			/* a chunk that starts where one did keeps its list state: a
			 * change of list shows in the lists' walks (step 3) */
			hv_chunk rec = {c, size, raw, ALLOC_BIN_NONE, 0};
			if (o >= 0 && v->chunks[o].state != ALLOC_BIN_TOP) {
				rec.state = v->chunks[o].state;
				rec.bin = v->chunks[o].bin;
			}
			tmp[ntmp++] = rec;
			c += size;
		}
		if (at_top) {
			uint64_t raw = 0;
			if (!alloc_rdword(a, top + W, &raw)) {
				free(tmp);
				return false;
			}
			if (ntmp == tmpcap)
				tmp = xrealloc(tmp, sizeof *tmp * (tmpcap *= 2));
			tmp[ntmp++] = (hv_chunk){top, raw & ~(uint64_t)7, raw, ALLOC_BIN_TOP, 0};
			to = v->nheap;
		} else if (c > top) {
			free(tmp);
			return false;
		}
		/* splice: records [from, to) become tmp[0, ntmp) */
		size_t oldn = to - from;
		if (ntmp != oldn) {
			if (v->n - oldn + ntmp > cap) {
				cap = (v->n - oldn + ntmp) * 2;
				v->chunks = xrealloc(v->chunks, sizeof *v->chunks * cap);
			}
			memmove(&v->chunks[from + ntmp], &v->chunks[to], sizeof *v->chunks * (v->n - to));
			v->n = v->n - oldn + ntmp;
			v->nheap = v->nheap - oldn + ntmp;
		}
		memcpy(&v->chunks[from], tmp, sizeof *tmp * ntmp);
		if (at_top)
			break;
		while (k < nd && dirty[k] + MEM_PAGE <= c)
			k++;
	}
	free(tmp);
	if (v->chunks[v->nheap - 1].addr != top || v->chunks[v->nheap - 1].state != ALLOC_BIN_TOP)
		return false;

	/* 3. the changed lists, walked again over what changed only: their
	 * old members that left lose their state, then the new ones get theirs */
	uint64_t limit = a->system_mem / 32 + 16;
	if (limit > (1u << 20))
		limit = 1u << 20;
	static const unsigned counts[3] = {ALLOC_TCACHE_BINS, ALLOC_NFASTBINS, ALLOC_NBINS};
	uint64_t lo_page = a->lay.heap & ~(uint64_t)(MEM_PAGE - 1);
	size_t npages = (size_t)((hi - lo_page + MEM_PAGE - 1) / MEM_PAGE);
	uint64_t *dbits = xcalloc(npages / 64 + 1, sizeof *dbits);
	for (size_t k = 0; k < nd; k++) {
		size_t pg = (size_t)((dirty[k] - lo_page) / MEM_PAGE);
		if (dirty[k] >= lo_page && pg < npages)
			dbits[pg / 64] |= 1ull << (pg % 64);
	}
	relist *rl = xcalloc(3 * ALLOC_NBINS, sizeof *rl);
	bool ok = true;
	for (int which = 0; which < 3 && ok; which++)
		for (unsigned i = which == 2; i < counts[which] && ok; i++) {
			bool dl = which == 0 ? d.tc[i] : which == 1 ? d.fast[i] : d.bin[i];
			if (dl)
				ok = relist_walk(a, which, i, list_of(v, which, i), dbits, lo_page, npages, limit,
						 &rl[which * ALLOC_NBINS + i]);
		}
	free(dbits);
	/* members that left lose their state (all lists first: a chunk may
	 * move from one to another), then members that came get theirs */
	for (int pass = 0; pass < 2 && ok; pass++)
		for (int which = 0; which < 3 && ok; which++)
			for (unsigned i = which == 2; i < counts[which] && ok; i++) {
				bool dl = which == 0 ? d.tc[i] : which == 1 ? d.fast[i] : d.bin[i];
				if (!dl)
					continue;
				const relist *r = &rl[which * ALLOC_NBINS + i];
				const hv_list *ol = list_of(v, which, i);
				int state = which == 0 ? ALLOC_BIN_TCACHE : which == 1 ? ALLOC_BIN_FAST : bin_kind(i);
				if (pass == 0) {
					for (uint32_t j = 0; j < ol->n; j++) {
						if (r->covered[j / 64] == ~0ull) {
							j |= 63;
							continue;
						}
						if (r->covered[j / 64] >> (j % 64) & 1)
							continue;
						long o = starting_at(v, ol->chunk[j]);
						if (o >= 0 && v->chunks[o].state == state && v->chunks[o].bin == i) {
							v->chunks[o].state = ALLOC_BIN_NONE;
							v->chunks[o].bin = 0;
						}
					}
					continue;
				}
				for (uint32_t k = 0; k < r->nadded; k++) {
					long o = starting_at(v, r->nl.chunk[r->added[k]]);
					if (o < 0 || v->chunks[o].state == ALLOC_BIN_TOP)
						continue;
					if (v->chunks[o].state != ALLOC_BIN_NONE &&
					    (v->chunks[o].state != state || v->chunks[o].bin != i)) {
						ok = false; /* in two lists at once: the full walk says which shows */
						break;
					}
					v->chunks[o].state = (uint8_t)state;
					v->chunks[o].bin = (uint16_t)i;
				}
			}
	for (int which = 0; which < 3; which++)
		for (unsigned i = which == 2; i < counts[which]; i++) {
			relist *r = &rl[which * ALLOC_NBINS + i];
			bool dl = which == 0 ? d.tc[i] : which == 1 ? d.fast[i] : d.bin[i];
			if (dl && ok) {
				hv_list *l = list_of(v, which, i);
				free(l->chunk);
				free(l->stored);
				*l = r->nl;
			} else {
				free(r->nl.chunk);
				free(r->nl.stored);
			}
			free(r->covered);
			free(r->added);
		}
	free(rl);
	if (!ok)
		return false;
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		uint16_t cnt = 0;
		mem_read(a->mem, a->tcache + 2 * i, &cnt, 2);
		v->tcount[i] = cnt;
	}

	/* 4. the mmapped chunks after the heap's, and the heap's edges */
	v->n = v->nheap;
	const mem_space *m = a->mem;
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		uint64_t raw;
		if (mp->kind == MEM_CHUNK && alloc_rdword(a, mp->start + mp->aux + W, &raw)) {
			if (v->n == cap)
				v->chunks = xrealloc(v->chunks, sizeof *v->chunks * (cap = cap ? 2 * cap : 256));
			v->chunks[v->n++] = (hv_chunk){mp->start + mp->aux, raw & ~(uint64_t)7, raw, ALLOC_BIN_MMAP, 0};
		}
	}
	v->brk = a->brk;
	v->top = top;
	v->top_size = v->chunks[v->nheap - 1].size;
	return true;
}
