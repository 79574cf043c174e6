/*
 * check.c - the heap checker: every invariant of a healthy heap as code.
 *
 * Chunks tile the heap from its start to top, top ends at the break, every
 * list member has a size that belongs to its list, doubly linked lists link
 * both ways, free chunks in regular bins carry footers and are never
 * adjacent, large bins are sorted, counts and the binmap agree with the
 * lists, and mmapped bookkeeping matches the mappings.  Tests run it after
 * every operation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/heapview.h"

static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

#define X(v) ((unsigned long long)(v))

/* One word of the process (0 on a fault). */
static uint64_t word(alloc *a, uint64_t addr)
{
	uint64_t v = 0;
	alloc_rdword(a, addr, &v);
	return v;
}

/* Arena k's invariants; *tc counts the chunks its walk found in some
 * thread's tcache. */
static int check_arena(alloc *a, unsigned k, char *msg, size_t len, size_t *tc)
{
	heapview v;
	int rc = 0;
	hv_build_arena(&v, a, k);
	alloc_arena ar;
	alloc_arena_get(a, k, &ar);
	if (!ar.top)
		goto done;
	if (v.corrupt) {
		rc = fail(msg, len, "chunk walk: %s", v.corrupt_msg);
		goto done;
	}
	if (v.nheap == 0 || v.chunks[v.nheap - 1].addr != ar.top) {
		rc = fail(msg, len, "arena %u: chunks do not tile the heap up to top 0x%llx", k, X(ar.top));
		goto done;
	}
	const uint64_t W = alloc_ssz(a); /* a word: the size field's offset, fd's is 2 W, bk's 3 W */
	if (k) {
		/* a thread arena: top ends its newest heap; system_mem is its heaps */
		uint64_t sum = 0, hsz = 0;
		for (uint64_t h = ar.heap, n = 0; h && n < 64; n++, h = word(a, h + W))
			sum += word(a, h + 2 * W);
		hsz = word(a, ar.heap + 2 * W);
		if (ar.top + v.top_size != ar.heap + hsz || sum != ar.system_mem) {
			rc = fail(msg, len, "arena %u: top 0x%llx+0x%llx, heap 0x%llx+0x%llx, system_mem 0x%llx of 0x%llx", k,
				  X(ar.top), X(v.top_size), X(ar.heap), X(hsz), X(ar.system_mem), X(sum));
			goto done;
		}
	}
	/* the walk stops at top; check the last chunk ends exactly at top */
	if (v.nheap >= 2 && (k == 0 || v.chunks[v.nheap - 2].addr >= ar.heap)) {
		const hv_chunk *l = &v.chunks[v.nheap - 2];
		uint64_t end = l->addr + l->size;
		for (unsigned g = 0; k == 0 && g < a->ngaps; g++)
			if (end == a->gap_lo[g])
				end = a->gap_hi[g]; /* over the program's own memory */
		if (end != ar.top) {
			rc = fail(msg, len, "arena %u: chunk 0x%llx size 0x%llx does not end at top 0x%llx", k, X(l->addr),
				  X(l->size), X(ar.top));
			goto done;
		}
	}
	/* after the program's own sbrk, the break may lie past top */
	if (k == 0 && a->contiguous && (a->program_moved_brk ? a->top + v.top_size > a->brk : a->top + v.top_size != a->brk)) {
		rc = fail(msg, len, "top 0x%llx+0x%llx does not end at the break 0x%llx", X(a->top), X(v.top_size),
			  X(a->brk));
		goto done;
	}
	if (!(word(a, ar.top + W) & 1) || v.top_size < alloc_minsize(a)) {
		rc = fail(msg, len, "top lacks PREV_INUSE or MINSIZE");
		goto done;
	}
	if (k == 0 && a->contiguous && (a->program_moved_brk ? a->system_mem > a->brk - a->lay.heap
						   : a->system_mem != a->brk - a->lay.heap)) {
		rc = fail(msg, len, "system_mem 0x%llx != heap size 0x%llx", X(a->system_mem),
			  X(a->brk - a->lay.heap));
		goto done;
	}
	/* every chunk once, in the right state */
	size_t listed = 0;
	for (size_t i = 0; i + 1 < v.nheap; i++) {
		const hv_chunk *c = &v.chunks[i];
		const hv_chunk *next = &v.chunks[i + 1];
		bool free_bit = !(next->raw & 1);
		bool regular = c->state == ALLOC_BIN_UNSORTED || c->state == ALLOC_BIN_SMALL || c->state == ALLOC_BIN_LARGE;
		if ((c->size & 15) && c->size != alloc_hdr(a)) /* i386's fenceposts are 8 bytes */
			return hv_free(&v), fail(msg, len, "chunk 0x%llx size 0x%llx not 16-aligned", X(c->addr), X(c->raw));
		if (regular != free_bit) {
			rc = fail(msg, len, "chunk 0x%llx (%s) but next PREV_INUSE is %d", X(c->addr),
				  alloc_bin_name(c->state), !free_bit);
			goto done;
		}
		if (regular) {
			if (word(a, next->addr) != c->size) {
				rc = fail(msg, len, "free chunk 0x%llx footer 0x%llx != size 0x%llx", X(c->addr),
					  X(word(a, next->addr)), X(c->size));
				goto done;
			}
			if (next->state == ALLOC_BIN_UNSORTED || next->state == ALLOC_BIN_SMALL || next->state == ALLOC_BIN_LARGE ||
			    next->state == ALLOC_BIN_TOP) {
				rc = fail(msg, len, "free chunk 0x%llx is followed by free chunk 0x%llx", X(c->addr),
					  X(next->addr));
				goto done;
			}
			listed++;
		}
		if (c->state == ALLOC_BIN_FAST)
			listed++;
		if (c->state == ALLOC_BIN_TCACHE)
			++*tc;
	}
	/* the lists */
	size_t members = 0;
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		const hv_list *l = &v.tcache[i];
		if (l->broken || l->n != v.tcount[i] || l->n > a->mp.tcache_count) {
			rc = fail(msg, len, "tcache[%u]: %u entries, count %u", i, l->n, v.tcount[i]);
			goto done;
		}
		for (uint32_t j = 0; j < l->n; j++) {
			uint64_t s = word(a, l->chunk[j] + W) & ~(uint64_t)7;
			if ((s - alloc_minsize(a)) / 16 != i || word(a, l->chunk[j] + 3 * W) != a->tcache_key) {
				rc = fail(msg, len, "tcache[%u] holds chunk 0x%llx of size 0x%llx", i, X(l->chunk[j]), X(s));
				goto done;
			}
		}
	}
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++) {
		const hv_list *l = &v.fast[i];
		if (l->broken) {
			rc = fail(msg, len, "fastbin[%u] is broken", i);
			goto done;
		}
		for (uint32_t j = 0; j < l->n; j++) {
			uint64_t s = word(a, l->chunk[j] + W) & ~(uint64_t)7;
			if (s != alloc_fast_size(a, i) || s > a->mp.global_max_fast) {
				rc = fail(msg, len, "fastbin[%u] holds chunk 0x%llx of size 0x%llx", i, X(l->chunk[j]), X(s));
				goto done;
			}
		}
		members += l->n;
	}
	for (unsigned i = 1; i < ALLOC_NBINS; i++) {
		const hv_list *l = &v.bins[i];
		uint64_t hdr = alloc_arena_bin_at(a, k, i);
		if (l->broken) {
			rc = fail(msg, len, "bin %u is broken", i);
			goto done;
		}
		if (l->n && i > 1 && !(ar.binmap[i >> 5] & (1u << (i & 31)))) {
			rc = fail(msg, len, "bin %u is not empty but its binmap bit is clear", i);
			goto done;
		}
		uint64_t prev = hdr, lastsize = UINT64_MAX;
		for (uint32_t j = 0; j < l->n; j++) {
			uint64_t c = l->chunk[j];
			uint64_t s = word(a, c + W) & ~(uint64_t)7;
			if (word(a, c + 3 * W) != prev) {
				rc = fail(msg, len, "bin %u: chunk 0x%llx bk does not point back", i, X(c));
				goto done;
			}
			if (i > 1 && alloc_bin_index(a, s) != i) {
				rc = fail(msg, len, "bin %u holds chunk 0x%llx of size 0x%llx", i, X(c), X(s));
				goto done;
			}
			if (i >= 64) {
				if (s > lastsize) {
					rc = fail(msg, len, "large bin %u is not sorted at 0x%llx", i, X(c));
					goto done;
				}
				lastsize = s;
			}
			prev = c;
		}
		if (word(a, hdr + 3 * W) != prev) {
			rc = fail(msg, len, "bin %u: header bk does not point at the last chunk", i);
			goto done;
		}
		members += l->n;
	}
	if (members != listed) {
		rc = fail(msg, len, "arena %u: %zu list entries but %zu free chunks in the heap walk", k, members, listed);
		goto done;
	}
	if (k)
		goto done; /* the mapped chunks are every arena's: checked once */
	/* mmapped chunks */
	uint64_t nmm = 0, mmbytes = 0;
	for (size_t i = v.nheap; i < v.n; i++) {
		nmm++;
		/* the mapping: the chunk and, before it, its prev_size bytes
		 * (what memalign skipped to align it) */
		mmbytes += v.chunks[i].size + word(a, v.chunks[i].addr);
		if (!(v.chunks[i].raw & ALLOC_IS_MMAPPED)) {
			rc = fail(msg, len, "mmapped chunk 0x%llx lacks IS_MMAPPED", X(v.chunks[i].addr));
			goto done;
		}
	}
	if (nmm != a->n_mmaps || mmbytes != a->mmapped_mem) {
		rc = fail(msg, len, "n_mmaps %llu/%llu bytes, mappings %llu/%llu", X(a->n_mmaps), X(a->mmapped_mem),
			  X(nmm), X(mmbytes));
		goto done;
	}
done:
	hv_free(&v);
	return rc;
}

int hv_check(alloc *a, char *msg, size_t len)
{
	if (a->design) {
		/* a textbook design checks its own invariants */
		tb_heap h = a->dh;
		h.m = a->mem;
		const char *why = a->design_started ? a->design->check(&h) : NULL;
		if (why)
			snprintf(msg, len, "%s: %s", a->design->name, why);
		return why ? -1 : 0;
	}
	size_t tc = 0, cached = 0;
	for (unsigned k = 0; k < a->nar; k++)
		if (check_arena(a, k, msg, len, &tc))
			return -1;
	/* every chunk some thread's tcache holds lies in some arena's heap */
	for (unsigned t = 0; t < ALLOC_MAX_THREADS; t++) {
		uint64_t p = t == a->thread ? a->tcache : a->th[t].tcache;
		for (unsigned i = 0; p && a->th[t].alive && i < ALLOC_TCACHE_BINS; i++) {
			uint16_t n = 0;
			mem_read(a->mem, p + 2 * i, &n, 2);
			cached += n;
		}
	}
	if (cached != tc)
		return fail(msg, len, "the tcaches count %zu chunks, the arenas' walks found %zu", cached, tc);
	return 0;
}
