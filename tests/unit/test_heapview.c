/*
 * test_heapview.c - the incremental snapshot (hv_update) against the full
 * one (hv_build): random programs of mallocs, frees, callocs, reallocs,
 * memaligns, trims, mallopts and stores into blocks, and after every call
 * the updated snapshot must equal a fresh one field for field.  The
 * incremental path must also be the one mostly taken.
 */
#include <stdlib.h>

#include "check.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	return check_xorshift(&rng);
}

static bool same_list(const hv_list *x, const hv_list *y)
{
	return x->n == y->n && x->broken == y->broken &&
	       (!x->n || (!memcmp(x->chunk, y->chunk, sizeof *x->chunk * x->n) &&
			  !memcmp(x->stored, y->stored, sizeof *x->stored * x->n)));
}

/* Whether two snapshots say the same; the first difference to stderr. */
static bool same(const heapview *v, const heapview *w, int op)
{
	if (v->n != w->n || v->nheap != w->nheap || v->top != w->top || v->top_size != w->top_size || v->brk != w->brk ||
	    v->heap_start != w->heap_start || v->corrupt != w->corrupt) {
		fprintf(stderr, "op %d: n %zu/%zu nheap %zu/%zu top 0x%llx/0x%llx\n", op, v->n, w->n, v->nheap, w->nheap,
			(unsigned long long)v->top, (unsigned long long)w->top);
		return false;
	}
	for (size_t i = 0; i < v->n; i++) {
		const hv_chunk *a = &v->chunks[i], *b = &w->chunks[i];
		if (a->addr != b->addr || a->size != b->size || a->raw != b->raw || a->state != b->state || a->bin != b->bin) {
			fprintf(stderr, "op %d: chunk %zu: 0x%llx %s %u / 0x%llx %s %u\n", op, i, (unsigned long long)a->addr,
				alloc_bin_name(a->state), a->bin, (unsigned long long)b->addr, alloc_bin_name(b->state),
				b->bin);
			return false;
		}
	}
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++)
		if (v->tcount[i] != w->tcount[i] || !same_list(&v->tcache[i], &w->tcache[i])) {
			fprintf(stderr, "op %d: tcache bin %u\n", op, i);
			return false;
		}
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++)
		if (!same_list(&v->fast[i], &w->fast[i])) {
			fprintf(stderr, "op %d: fastbin %u\n", op, i);
			return false;
		}
	for (unsigned i = 1; i < ALLOC_NBINS; i++)
		if (!same_list(&v->bins[i], &w->bins[i])) {
			fprintf(stderr, "op %d: bin %u\n", op, i);
			return false;
		}
	return true;
}

static uint64_t size_of(void)
{
	switch (rnd() % 10) {
	case 0:
	case 1:
	case 2:
	case 3:
		return rnd() % 120;
	case 4:
	case 5:
	case 6:
		return 1 + rnd() % 1100;
	case 7:
	case 8:
		return 1000 + rnd() % 30000;
	default:
		return 100000 + rnd() % 200000;
	}
}

/* After a call: bring v up to date from *prev (or build it again), check
 * it against a full build, and keep a clone of a for the next call. */
static void follow(heapview *v, alloc **prev, alloc *a, int op, unsigned *updated, unsigned *calls)
{
	heapview w;
	if (hv_update(v, *prev, a)) {
		++*updated;
	} else {
		hv_free(v);
		hv_build(v, a);
	}
	++*calls;
	hv_build(&w, a);
	bool ok = same(v, &w, op);
	CHECK(ok);
	hv_free(&w);
	alloc_free(*prev);
	*prev = alloc_clone(a);
	if (!ok) {
		hv_free(v);
		hv_build(v, a);
	}
}

/* A random program of n calls on a fresh process. */
static void program(int n, unsigned *updated, unsigned *calls)
{
	alloc *a = alloc_new(false, 0);
	uint64_t live[512];
	unsigned nlive = 0;
	uint64_t p;
	alloc_malloc(a, 24, &p); /* the heap exists: snapshots have a top */
	live[nlive++] = p;
	heapview v, w;
	hv_build(&v, a);
	alloc *prev = alloc_clone(a);
	for (int op = 0; op < n; op++) {
		unsigned r = (unsigned)(rnd() % 1000);
		int st = ALLOC_OK;
		if (nlive < 8 || r < 420) {
			st = alloc_malloc(a, size_of(), &p);
			if (p && nlive < 512)
				live[nlive++] = p;
		} else if (r < 470) {
			st = alloc_calloc(a, 1 + rnd() % 60, 1 + rnd() % 200, &p);
			if (p && nlive < 512)
				live[nlive++] = p;
		} else if (r < 550) {
			unsigned i = (unsigned)(rnd() % nlive);
			uint64_t sz = size_of();
			st = alloc_realloc(a, live[i], sz, &p);
			if (p)
				live[i] = p;
			else if (sz == 0) /* realloc(p, 0) freed it */
				live[i] = live[--nlive];
		} else if (r < 570) {
			uint64_t code;
			st = alloc_memalign(a, ALLOC_FN_MEMALIGN, 16u << (rnd() % 8), size_of(), &p, &code);
			if (p && nlive < 512)
				live[nlive++] = p;
		} else if (r < 575) {
			st = alloc_trim(a, rnd() % 70000, &p);
		} else if (r < 580) {
			st = alloc_mallopt(a, ALLOC_M_MXFAST, (int64_t)(rnd() % 161), &p);
		} else if (r < 620) {
			unsigned i = (unsigned)(rnd() % nlive);
			st = alloc_memset(a, live[i], 0x41, 1 + rnd() % 24); /* the program's own data */
		} else {
			unsigned i = (unsigned)(rnd() % nlive);
			st = alloc_free_ptr(a, live[i]);
			live[i] = live[--nlive];
		}
		CHECK_EQ(st, ALLOC_OK);
		if (st != ALLOC_OK)
			fprintf(stderr, "op %d (r %u): %s\n", op, r, a->msg);
		follow(&v, &prev, a, op, updated, calls);
	}
	/* a store over a chunk's header: the snapshot follows it (or rebuilds) */
	p = live[0];
	uint64_t bad = 0x31;
	alloc_poke(a, p - 8, &bad, 8);
	if (!hv_update(&v, prev, a)) {
		hv_free(&v);
		hv_build(&v, a);
	}
	hv_build(&w, a);
	CHECK(same(&v, &w, n));
	hv_free(&w);
	hv_free(&v);
	alloc_free(prev);
	alloc_free(a);
}

/* Long lists: every third of 6,000 blocks of 40 sizes freed (an unsorted
 * bin of thousands, then small bins and fastbins of hundreds), then
 * mallocs that sort them and frees that push onto them, and now and then
 * the program's own stores beside free chunks; the update copies the
 * unchanged stretches of each list and must still match. */
static void long_lists(unsigned *updated, unsigned *calls)
{
	alloc *a = alloc_new(false, 0);
	enum { N = 6000 };
	uint64_t *blk = calloc(N, sizeof *blk);
	for (int i = 0; i < N; i++)
		alloc_malloc(a, (uint64_t)(16 + (i % 40) * 24), &blk[i]);
	for (int i = 0; i < N; i += 3) {
		alloc_free_ptr(a, blk[i]);
		blk[i] = 0;
	}
	heapview v;
	hv_build(&v, a);
	alloc *prev = alloc_clone(a);
	for (int op = 0; op < 1500; op++) {
		uint64_t p;
		int k = (int)(rnd() % N);
		if (op % 7 == 6) {
			/* the program's own data next to free chunks: their pages
			 * change, their links do not */
			for (int j = 0; j < N; j++)
				if (blk[(k + j) % N]) {
					CHECK_EQ(alloc_memset(a, blk[(k + j) % N], 0x41, 16), ALLOC_OK);
					break;
				}
		}
		if (op % 2 == 0) {
			CHECK_EQ(alloc_malloc(a, (uint64_t)(16 + (op % 40) * 24), &p), ALLOC_OK);
			for (int j = 0; j < N; j++)
				if (!blk[(k + j) % N]) {
					blk[(k + j) % N] = p;
					break;
				}
		} else {
			for (int j = 0; j < N; j++)
				if (blk[(k + j) % N]) {
					CHECK_EQ(alloc_free_ptr(a, blk[(k + j) % N]), ALLOC_OK);
					blk[(k + j) % N] = 0;
					break;
				}
		}
		follow(&v, &prev, a, op, updated, calls);
	}
	hv_free(&v);
	alloc_free(prev);
	alloc_free(a);
	free(blk);
}

int main(void)
{
	unsigned updated = 0, calls = 0;
	for (int seed = 0; seed < 12; seed++)
		program(1500, &updated, &calls);
	unsigned lu = 0, lc = 0;
	long_lists(&lu, &lc);
	printf("long lists: %u of %u snapshots updated in place\n", lu, lc);
	CHECK(lu * 10 >= lc * 9);
	updated += lu;
	calls += lc;
	/* the point of it: most calls are followed without a full walk */
	printf("incremental: %u of %u snapshots updated in place\n", updated, calls);
	CHECK(updated * 10 >= calls * 6);
	return check_done("test_heapview");
}
