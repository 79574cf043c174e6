/*
 * gen-trace.c - writes random but valid allocation scripts for the
 * differential test and the benchmark, one scenario per allocator path:
 *
 *   tcache-fast  bursts of one size overflow the tcache into fastbins, and
 *                large requests consolidate them
 *   small        small sizes: unsorted sorting, smallbins, last remainder
 *   large        large-bin sizes between guards: sorted bins, best fit, binmap
 *   mmap         requests around and above the mmap threshold, dynamic raise
 *   trim         blocks freed towards top, automatic trim, malloc_trim, mallopt
 *   realloc      realloc growing, shrinking, moving, to zero
 *   mixed        all of the above, plus calloc, overflows and mallopt
 *   tunable      mixed under a tcache_count tunable
 *   bench        a malloc-lab-like mix for timing (small and medium sizes)
 *   memalign     memalign, aligned_alloc, posix_memalign (now and then with
 *                a bad alignment), valloc and pvalloc, alignments 1 to
 *                65536 and sizes of every bin class, among mallocs, frees
 *                and reallocs
 *   threads      mallocs, frees (of any thread's blocks), reallocs, callocs,
 *                memaligns and trims made by 6 to 12 threads (a tN: prefix),
 *                threads exiting and coming back; seed 2 caps the arenas at
 *                3 (arena_max), seed 3 lowers arena_test to 2
 *   stdio        printf, puts, fprintf(stderr), fopen/fputs/fclose and
 *                setvbuf among small allocations: when stdio's buffers are
 *                malloc'd and freed; now and then the program's own sbrk
 *
 * usage: gen-trace SCENARIO SEED OPS [rep]   ("rep" writes malloc-lab format)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static int chance(int pct)
{
	return (int)(rnd() % 100) < pct;
}

#define MAXLIVE 4096
static unsigned live[MAXLIVE];
static size_t nlive;
static unsigned freeids[1 << 16];
static size_t nfree;
static unsigned nextid;
static int rep;

static unsigned fresh(void)
{
	return nfree ? freeids[--nfree] : nextid++;
}

static void do_malloc(uint64_t size)
{
	if (nlive == MAXLIVE)
		return;
	unsigned v = fresh();
	if (rep)
		printf("a %u %llu\n", v, (unsigned long long)size);
	else
		printf("v%u = malloc(%llu);\n", v, (unsigned long long)size);
	live[nlive++] = v;
}

static void do_calloc(uint64_t n, uint64_t m)
{
	if (nlive == MAXLIVE || rep)
		return;
	unsigned v = fresh();
	printf("v%u = calloc(%llu, %llu);\n", v, (unsigned long long)n, (unsigned long long)m);
	live[nlive++] = v;
}

static void do_free_at(size_t i)
{
	unsigned v = live[i];
	if (rep)
		printf("f %u\n", v);
	else
		printf("free(v%u);\n", v);
	live[i] = live[--nlive];
	freeids[nfree++] = v;
}

static void do_free(void)
{
	if (nlive)
		do_free_at((size_t)(rnd() % nlive));
}

static void do_realloc(uint64_t size)
{
	if (!nlive)
		return;
	size_t i = (size_t)(rnd() % nlive);
	unsigned v = live[i];
	if (rep) {
		printf("r %u %llu\n", v, (unsigned long long)size);
		return;
	}
	printf("v%u = realloc(v%u, %llu);\n", v, v, (unsigned long long)size);
	if (size == 0) {
		live[i] = live[--nlive];
		freeids[nfree++] = v;
	}
}

/* One call of the memalign family with a random alignment and size. */
static void do_memalign(uint64_t size)
{
	if (nlive == MAXLIVE || rep)
		return;
	uint64_t align = 1ull << between(0, 16);
	if (chance(10))
		align = between(1, 300); /* not a power of two: raised to one */
	unsigned v = fresh();
	switch (rnd() % 5) {
	case 0:
		printf("v%u = memalign(%llu, %llu);\n", v, (unsigned long long)align, (unsigned long long)size);
		break;
	case 1:
		printf("v%u = aligned_alloc(%llu, %llu);\n", v, (unsigned long long)align, (unsigned long long)size);
		break;
	case 2:
		/* a power-of-two multiple of 8, or now and then not (EINVAL) */
		if (!chance(10) && (align < 8 || (align & (align - 1))))
			align = 8ull << between(0, 13);
		printf("posix_memalign(&v%u, %llu, %llu);\n", v, (unsigned long long)align, (unsigned long long)size);
		if (align % 8 || (align & (align - 1))) {
			/* EINVAL: v keeps no value */
			freeids[nfree++] = v;
			return;
		}
		break;
	case 3:
		printf("v%u = valloc(%llu);\n", v, (unsigned long long)size);
		break;
	default:
		printf("v%u = pvalloc(%llu);\n", v, (unsigned long long)size);
		break;
	}
	live[nlive++] = v;
}

static uint64_t size_of(int cls)
{
	switch (cls) {
	case 0:
		return between(0, 120);
	case 1:
		return between(1, 1100);
	case 2:
		return between(1000, 70000);
	case 3:
		return between(100000, 600000);
	default:
		return between(1 << 20, 4 << 20);
	}
}

static int pick(const int *w, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	int r = (int)(rnd() % (uint64_t)total);
	for (int i = 0; i < n; i++)
		if ((r -= w[i]) < 0)
			return i;
	return n - 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: gen-trace SCENARIO SEED OPS [rep]\n");
		return 2;
	}
	const char *sc = argv[1];
	rng = strtoull(argv[2], NULL, 0) * 2654435761u + 88172645463325252ull;
	long ops = strtol(argv[3], NULL, 0);
	rep = argc > 4 && !strcmp(argv[4], "rep");
	if (rep)
		printf("0\n%d\n%ld\n1\n", MAXLIVE, ops);
	if (!strcmp(sc, "tunable"))
		printf("tunable tcache_count %llu\n", (unsigned long long)between(0, 3));
	unsigned nthreads = 6;
	bool alive[16] = {true}, unjoined[16] = {false};
	if (!strcmp(sc, "threads")) {
		unsigned long long seed = strtoull(argv[2], NULL, 0);
		if (seed % 3 == 2) {
			printf("tunable arena_max 3\n");
			nthreads = 8;
		} else if (seed % 3 == 0) {
			printf("tunable arena_test 2\n");
			nthreads = 12;
		}
	}
	long n = 0;
	while (n < ops) {
		if (!strcmp(sc, "threads")) {
			unsigned t = (unsigned)(rnd() % nthreads);
			if (t && alive[t] && chance(1)) {
				/* half the threads return unjoined: their stack
				 * stays out of the cache until main joins them */
				unjoined[t] = chance(50);
				printf("thread_exit %u%s\n", t, unjoined[t] ? " unjoined" : "");
				alive[t] = false;
				n++;
				continue;
			}
			if (unjoined[t]) {
				/* its number is free again only after the join */
				if (!chance(30))
					continue;
				printf("t0: thread_join %u\n", t);
				unjoined[t] = false;
				n++;
				continue;
			}
			alive[t] = true;
			int w[] = {40, 35, 20, 4, 1};
			int r = (int)(rnd() % 100);
			printf("t%u: ", t);
			if (nlive < 8 || r < 45)
				do_malloc(size_of(pick(w, 5)));
			else if (r < 50)
				do_calloc(between(1, 100), between(1, 300));
			else if (r < 58)
				do_realloc(size_of(pick(w, 5)));
			else if (r < 60)
				do_memalign(size_of(pick(w, 4)));
			else if (r < 61)
				printf("malloc_trim(%llu);\n", (unsigned long long)between(0, 100000));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "tcache-fast")) {
			uint64_t s = size_of(0);
			int burst = (int)between(8, 20);
			for (int i = 0; i < burst; i++)
				do_malloc(s);
			for (int i = 0; i < burst && nlive; i++)
				do_free_at(nlive - 1 - (size_t)(rnd() % (nlive < 3 ? nlive : 3)));
			n += 2 * burst;
			if (chance(20)) {
				do_malloc(between(1030, 5000));
				n++;
			}
			if (chance(5)) {
				do_malloc(between(0x20000, 0x30000));
				n++;
			}
		} else if (!strcmp(sc, "small")) {
			if (nlive < 20 || chance(55))
				do_malloc(size_of(chance(30) ? 0 : 1));
			else if (chance(8))
				do_calloc(between(1, 16), between(1, 64));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "large")) {
			if (nlive < 10 || chance(55)) {
				do_malloc(size_of(2));
				if (chance(50))
					do_malloc(between(16, 64)); /* a guard */
				n++;
			} else {
				do_free();
			}
			n++;
		} else if (!strcmp(sc, "mmap")) {
			int w[] = {20, 20, 15, 30, 15};
			if (nlive < 5 || chance(50))
				do_malloc(size_of(pick(w, 5)));
			else if (chance(20))
				do_realloc(size_of(pick(w, 5)));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "trim")) {
			int k = (int)between(2, 12);
			for (int i = 0; i < k; i++)
				do_malloc(chance(70) ? size_of(2) : size_of(1));
			while (nlive > 3 && chance(85))
				do_free_at(nlive - 1);
			n += 2 * k;
			if (chance(10)) {
				printf("malloc_trim(%llu);\n", (unsigned long long)between(0, 70000));
				n++;
			}
			if (chance(3)) {
				if (chance(50))
					printf("mallopt(M_TRIM_THRESHOLD, %llu);\n", (unsigned long long)between(4096, 300000));
				else
					printf("mallopt(M_TOP_PAD, %llu);\n", (unsigned long long)between(0, 200000));
				n++;
			}
		} else if (!strcmp(sc, "memalign")) {
			int w[] = {30, 35, 25, 8, 2};
			if (nlive < 8 || chance(45))
				do_memalign(size_of(pick(w, 5)));
			else if (chance(25))
				do_malloc(size_of(pick(w, 5)));
			else if (chance(10))
				do_realloc(size_of(pick(w, 5)));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "realloc")) {
			int w[] = {25, 40, 30, 5, 0};
			if (nlive < 8 || chance(30))
				do_malloc(size_of(pick(w, 5)));
			else if (chance(70))
				do_realloc(chance(3) ? 0 : size_of(pick(w, 5)));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "stdio")) {
			static unsigned files[8];
			static int nfiles;
			if (n == 0 && chance(25))
				printf("setvbuf(stdout, NULL, _IONBF, 0);\n");
			int r = (int)(rnd() % 100);
			if (r < 8)
				printf("printf(\"hi\");\n");
			else if (r < 12)
				printf("puts(\"line\");\n");
			else if (r < 14)
				printf("fprintf(stderr, \"e\");\n");
			else if (r < 15 && chance(30))
				printf("sbrk(%u);\n", (unsigned)(4096 * between(1, 4))); /* the program's own */
			else if (r < 18 && nfiles < 8) {
				unsigned v = fresh();
				files[nfiles++] = v;
				printf("v%u = fopen(\"/dev/null\", \"w\");\n", v);
			} else if (r < 24 && nfiles)
				printf("fputs(\"x\", v%u);\n", files[rnd() % (unsigned)nfiles]);
			else if (r < 27 && nfiles) {
				int k = (int)(rnd() % (unsigned)nfiles);
				printf("fclose(v%u);\n", files[k]);
				freeids[nfree++] = files[k];
				files[k] = files[--nfiles];
			} else if (nlive < 8 || chance(55))
				do_malloc(chance(80) ? size_of(1) : size_of(2));
			else
				do_free();
			n++;
		} else if (!strcmp(sc, "bench")) {
			int w[] = {40, 45, 15, 0, 0};
			if (nlive < 64 || (nlive < 2000 && chance(52)))
				do_malloc(size_of(pick(w, 5)));
			else if (chance(8))
				do_realloc(size_of(pick(w, 5)));
			else
				do_free();
			n++;
		} else { /* mixed, tunable */
			int w[] = {30, 35, 20, 10, 5};
			int r = (int)(rnd() % 1000);
			if (nlive < 16 || r < 450)
				do_malloc(size_of(pick(w, 5)));
			else if (r < 500)
				do_calloc(between(1, 100), between(1, 300));
			else if (r < 600)
				do_realloc(chance(2) ? 0 : size_of(pick(w, 5)));
			else if (r < 993)
				do_free();
			else if (r < 995) {
				printf("malloc_trim(%llu);\n", (unsigned long long)between(0, 100000));
			} else if (r < 997) {
				static const char *ps[] = {"M_MXFAST",	"M_MMAP_THRESHOLD", "M_TRIM_THRESHOLD",
							   "M_TOP_PAD", "M_MMAP_MAX",	    "M_PERTURB"};
				int k = (int)(rnd() % 6);
				uint64_t v = k == 0 ? between(0, 160)
					   : k == 4 ? (chance(50) ? 0 : 65536)
					   : k == 5 ? between(0, 255)
						    : between(0, 1 << 20);
				printf("mallopt(%s, %llu);\n", ps[k], (unsigned long long)v);
			} else if (r < 998) {
				unsigned v = fresh();
				printf("v%u = malloc(-1);\n", v); /* NULL, nothing changes */
				freeids[nfree++] = v;
			} else if (r < 999) {
				unsigned v = fresh();
				printf("v%u = calloc(4294967296, 4294967296);\n", v); /* overflow: NULL */
				freeids[nfree++] = v;
			} else {
				do_malloc(between(20 << 20, 40 << 20));
			}
			n++;
		}
	}
	return 0;
}
