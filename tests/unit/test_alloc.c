/*
 * test_alloc.c - every allocator path, with the numbers the reference
 * machine printed for the experiments in shared/glibc-2.36-malloc.md, and
 * glibc's exact messages for the integrity checks.  The heap checker runs
 * after every operation (M and F in check.h).
 */
#include <stdlib.h>

#include "check.h"

static uint64_t raw(alloc *a, uint64_t chunk)
{
	uint64_t v = 0;
	mem_rd64(a->mem, chunk + 8, &v);
	return v;
}

static void poke(alloc *a, uint64_t addr, uint64_t v)
{
	CHECK(alloc_poke(a, addr, &v, 8) == ALLOC_OK);
}

static void e1_first_malloc(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t H = a->lay.heap;
	CHECK_EQ(H, 0x555555559000ull);
	uint64_t p = M(0x18);
	CHECK_EQ(p - H, 0x2a0);
	CHECK_EQ(a->brk - H, 0x21000);
	CHECK_EQ(raw(a, H), 0x291);
	CHECK_EQ(a->top - H, 0x2b0);
	CHECK_EQ(raw(a, a->top), 0x20d51);
	alloc_info in;
	CHECK(alloc_mallinfo(a, &in) == ALLOC_OK);
	CHECK_EQ(in.arena, 0x21000);
	CHECK_EQ(in.uordblks, 0x2b0);
	CHECK_EQ(in.fordblks, 0x20d50);
	CHECK_EQ(in.keepcost, 0x20d50);
	CHECK_EQ(in.ordblks, 1);
	uint64_t q = M(0x1f000);
	CHECK_EQ(q - H, 0x2c0);
	CHECK_EQ(raw(a, q - 16), 0x1f011);
	CHECK_EQ(raw(a, a->top) & ~7ull, 0x1d40);
	uint64_t r = M(0x3000);
	CHECK_EQ(r - H, 0x1f2d0);
	CHECK_EQ(a->brk - H, 0x21000 + 0x22000);
	CHECK_EQ(raw(a, a->top), 0x20d31);
	CHECK_EQ(M(0) - H, 0x222e0);
	CHECK_EQ(M(24) - H, 0x22300);
	uint64_t s = M(25);
	CHECK_EQ(s - H, 0x22320);
	CHECK_EQ(raw(a, s - 16), 0x31);
	uint64_t us;
	CHECK(alloc_usable_size(a, M(24), &us) == ALLOC_OK);
	CHECK_EQ(us, 0x18);
	alloc_free(a);
}

static void e2_tcache_then_fastbin(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t c[10];
	for (int i = 0; i < 10; i++) {
		c[i] = M(0x18);
		CHECK_EQ(c[i] - a->lay.heap, 0x2a0 + 0x20 * (uint64_t)i);
	}
	for (int i = 0; i < 10; i++)
		F(c[i]);
	/* safe-linking: tcache next holds (slot >> 12) ^ next user pointer */
	uint64_t next;
	mem_rd64(a->mem, c[1], &next);
	CHECK_EQ(next, (c[1] >> 12) ^ c[0]);
	mem_rd64(a->mem, c[0], &next);
	CHECK_EQ(next, c[0] >> 12);
	/* fastbin fd protects the chunk address */
	mem_rd64(a->mem, c[9], &next);
	CHECK_EQ(next, (c[9] >> 12) ^ (c[8] - 16));
	int order[10] = {6, 5, 4, 3, 2, 1, 0, 9, 7, 8};
	for (int i = 0; i < 10; i++)
		CHECK_EQ(M(0x18), c[order[i]]);
	alloc_free(a);
}

static void e3_sort_binmap_last_remainder(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t t[7];
	for (int i = 0; i < 7; i++)
		t[i] = M(0xf8);
	uint64_t A = M(0xf8);
	M(0x18);
	uint64_t X = M(0xf8), Y = M(0xf8);
	M(0x18);
	for (int i = 0; i < 7; i++)
		F(t[i]);
	F(A);
	uint64_t fdp;
	mem_rd64(a->mem, A, &fdp);
	CHECK_EQ(fdp, alloc_bin_at(a, 1)); /* alone in the unsorted bin */
	M(0x108);
	mem_rd64(a->mem, A, &fdp);
	CHECK_EQ(fdp, alloc_bin_at(a, 16)); /* sorted into small bin 16 */
	F(X);
	F(Y);
	CHECK_EQ(raw(a, X - 16), 0x201);
	CHECK_EQ(M(0x38), A);
	CHECK_EQ(a->last_remainder, A - 16 + 0x40);
	CHECK_EQ(M(0x38), A + 0x40);
	CHECK_EQ(M(0x38), A + 0x80);
	CHECK_EQ(M(0x38), A + 0xc0);
	CHECK_EQ(M(0x38), X);
	CHECK_EQ(M(0x38), X + 0x40);
	alloc_free(a);
}

static void e4_consolidate(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t t[7], f[3];
	for (int i = 0; i < 7; i++)
		t[i] = M(0x18);
	for (int i = 0; i < 3; i++)
		f[i] = M(0x18);
	uint64_t g1 = M(0x18);
	for (int i = 0; i < 7; i++)
		F(t[i]);
	for (int i = 0; i < 3; i++)
		F(f[i]);
	CHECK_EQ(raw(a, f[0] - 16), 0x21);
	CHECK(a->have_fastchunks);
	M(0x3f8); /* a large request consolidates the fastbins */
	CHECK_EQ(raw(a, f[0] - 16), 0x61);
	CHECK_EQ(raw(a, g1 - 16), 0x20);
	uint64_t ps;
	mem_rd64(a->mem, g1 - 16, &ps);
	CHECK_EQ(ps, 0x60);
	CHECK_EQ(M(0x58), f[0]);
	alloc_free(a);
}

static void e5_exact_fit_and_large_bins(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t t[7], E[3];
	for (int i = 0; i < 7; i++)
		t[i] = M(0xe8);
	for (int i = 0; i < 3; i++) {
		E[i] = M(0xe8);
		M(0x18);
	}
	for (int i = 0; i < 7; i++)
		F(t[i]);
	for (int i = 0; i < 3; i++)
		F(E[i]);
	for (int i = 0; i < 7; i++)
		M(0xe8); /* drain the tcache bin */
	CHECK_EQ(M(0xe8), E[2]);
	CHECK_EQ(M(0xe8), E[1]);
	CHECK_EQ(M(0xe8), E[0]);

	uint64_t L1 = M(0x528);
	M(0x18);
	uint64_t L2 = M(0x508);
	M(0x18);
	uint64_t L3 = M(0x548);
	M(0x18);
	uint64_t L4 = M(0x508);
	M(0x18);
	F(L1);
	F(L2);
	F(L3);
	F(L4);
	M(0x600); /* sorts the unsorted bin without using it */
	heapview v;
	hv_build(&v, a);
	CHECK_EQ(v.bins[68].n, 3);
	if (v.bins[68].n == 3) {
		CHECK_EQ(v.bins[68].chunk[0], L1 - 16);
		CHECK_EQ(v.bins[68].chunk[1], L2 - 16);
		CHECK_EQ(v.bins[68].chunk[2], L4 - 16);
	}
	CHECK_EQ(v.bins[69].n, 1);
	hv_free(&v);
	CHECK_EQ(M(0x4f8), L4);
	CHECK_EQ(M(0x4f8), L2);
	CHECK_EQ(M(0x4f8), L1);
	CHECK_EQ(raw(a, L1 - 16), 0x501);
	CHECK_EQ(raw(a, L1 - 16 + 0x500), 0x31);
	alloc_free(a);
}

static void e6_mmap_threshold(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t H = a->lay.heap;
	uint64_t p = M(0x20000);
	CHECK_EQ(p - H, 0x2a0);
	CHECK_EQ(raw(a, p - 16), 0x20011);
	uint64_t b = M(0x20000);
	CHECK_EQ(raw(a, b - 16), 0x21002);
	CHECK_EQ(b & 0xfff, 0x10);
	CHECK_EQ(a->n_mmaps, 1);
	F(b);
	CHECK_EQ(a->mp.mmap_threshold, 0x21000);
	CHECK_EQ(a->mp.trim_threshold, 0x42000);
	uint64_t c = M(0x20000);
	CHECK_EQ(c - H, 0x202b0);
	CHECK_EQ(a->brk - H, 0x61000);
	/* 32 MiB cap: the IS_MMAPPED bit takes part in the comparison */
	uint64_t big = M(0x2000000 - 0x18);
	CHECK_EQ(raw(a, big - 16), 0x2000002);
	F(big);
	CHECK_EQ(a->mp.mmap_threshold, 0x21000); /* E19: exactly 32 MiB does not raise */
	big = M(0x1fff000 - 0x18);
	CHECK_EQ(raw(a, big - 16), 0x1fff002);
	F(big);
	CHECK_EQ(a->mp.mmap_threshold, 0x1fff000);
	alloc_free(a);
}

static void e7_trim(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t H = a->lay.heap, x[6], r;
	for (int i = 0; i < 6; i++)
		x[i] = M(0xfff0);
	CHECK_EQ(a->brk - H, 0x81000);
	CHECK_EQ(a->top - H, 0x60290);
	CHECK_EQ(raw(a, a->top) & ~7ull, 0x20d70);
	F(x[5]);
	CHECK_EQ(a->brk - H, 0x71000);
	CHECK_EQ(raw(a, a->top) & ~7ull, 0x20d70);
	F(x[4]);
	F(x[3]);
	CHECK_EQ(a->brk - H, 0x51000);
	CHECK(alloc_trim(a, 0x1000, &r) == ALLOC_OK);
	CHECK_EQ(r, 1);
	CHECK_EQ(a->brk - H, 0x32000);
	CHECK_EQ(raw(a, a->top) & ~7ull, 0x1d70);
	CHECK(alloc_trim(a, 0, &r) == ALLOC_OK);
	CHECK_EQ(r, 1);
	CHECK_EQ(raw(a, a->top) & ~7ull, 0xd70);
	CHECK(alloc_trim(a, 0, &r) == ALLOC_OK);
	CHECK_EQ(r, 0);
	heap_ok(a, __LINE__);
	alloc_free(a);
}

static void e9_realloc(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t p = M(0x18), r;
	CHECK(alloc_realloc(a, p, 0x100, &r) == ALLOC_OK);
	CHECK_EQ(r, p);
	CHECK_EQ(raw(a, p - 16), 0x111);
	CHECK(alloc_realloc(a, p, 0x40, &r) == ALLOC_OK);
	CHECK_EQ(r, p);
	CHECK_EQ(raw(a, p - 16), 0x51);
	CHECK_EQ(raw(a, p - 16 + 0x50), 0xc1);
	heap_ok(a, __LINE__);
	CHECK_EQ(M(0xb8), p + 0x50);
	uint64_t big = M(0x40000);
	CHECK_EQ(raw(a, big - 16), 0x41002);
	CHECK(alloc_realloc(a, big, 0x80000, &r) == ALLOC_OK);
	CHECK_EQ(raw(a, r - 16), 0x81002);
	CHECK(alloc_realloc(a, r, 0x100, &r) == ALLOC_OK);
	CHECK_EQ(raw(a, r - 16), 0x1002);
	heap_ok(a, __LINE__);
	uint64_t q = M(0x18);
	CHECK(alloc_realloc(a, q, 0, &r) == ALLOC_OK);
	CHECK_EQ(r, 0);
	heap_ok(a, __LINE__);
	alloc_free(a);
}

static void e10_calloc_bypasses_tcache(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t x = M(0x18), y = M(0x18), c;
	F(x);
	F(y);
	uint16_t cnt;
	mem_read(a->mem, a->tcache, &cnt, 2);
	CHECK_EQ(cnt, 2);
	uint64_t head;
	mem_rd64(a->mem, a->tcache + 0x80, &head);
	CHECK_EQ(head, y);
	CHECK(alloc_calloc(a, 1, 0x18, &c) == ALLOC_OK);
	CHECK(c != x && c != y);
	CHECK_EQ(M(0x18), y);
	/* overflow and PTRDIFF_MAX give NULL and change nothing */
	CHECK(alloc_calloc(a, 1ull << 32, 1ull << 32, &c) == ALLOC_OK);
	CHECK_EQ(c, 0);
	CHECK(alloc_malloc(a, (uint64_t)-1, &c) == ALLOC_OK);
	CHECK_EQ(c, 0);
	heap_ok(a, __LINE__);
	alloc_free(a);
}

static void e20_mallopt_consolidates(void)
{
	alloc *a = alloc_new(false, 1);
	uint64_t t[7], f0, f1, r;
	for (int i = 0; i < 7; i++)
		t[i] = M(0x18);
	f0 = M(0x18);
	f1 = M(0x18);
	M(0x18);
	for (int i = 0; i < 7; i++)
		F(t[i]);
	F(f0);
	F(f1);
	CHECK(alloc_mallopt(a, ALLOC_M_PERTURB, 0, &r) == ALLOC_OK);
	CHECK_EQ(raw(a, f0 - 16), 0x41);
	heap_ok(a, __LINE__);
	CHECK(alloc_mallopt(a, ALLOC_M_MXFAST, 161, &r) == ALLOC_OK);
	CHECK_EQ(r, 0);
	CHECK(alloc_mallopt(a, ALLOC_M_MXFAST, 0, &r) == ALLOC_OK);
	CHECK_EQ(a->mp.global_max_fast, 0x10);
	alloc_free(a);
}

static void tunable_tcache_count_zero(void)
{
	alloc *a = alloc_new(false, 1);
	CHECK(alloc_tunable(a, ALLOC_TUNABLE_TCACHE_COUNT, 0) == 0);
	CHECK(alloc_tunable(a, ALLOC_TUNABLE_TCACHE_COUNT, 70000) != 0);
	uint64_t x = M(0x18), y = M(0x18);
	CHECK_EQ(x - a->lay.heap, 0x2a0);
	F(x);
	F(y);
	CHECK_EQ(a->fastbins[0], y - 16);
	CHECK_EQ(M(0x18), y);
	CHECK(alloc_tunable(a, ALLOC_TUNABLE_TCACHE_COUNT, 3) != 0); /* too late: initialised */
	alloc_free(a);
}

/* A fresh 0x90 chunk freed into the unsorted bin (its tcache bin is full). */
static uint64_t unsorted_victim(alloc *a)
{
	uint64_t t[7];
	for (int i = 0; i < 7; i++)
		t[i] = M(0x88);
	uint64_t p = M(0x88);
	M(0x18);
	for (int i = 0; i < 7; i++)
		F(t[i]);
	F(p);
	return p;
}

/* Expect operation `st` to have failed with exactly msg. */
static void expect_abort(alloc *a, int st, const char *msg, int line)
{
	if (st != ALLOC_ABORT || strcmp(a->msg, msg)) {
		check_fail++;
		fprintf(stderr, "line %d: expected abort \"%s\", got status %d \"%s\"\n", line, msg, st, a->msg);
	} else {
		check_pass++;
	}
}

static void integrity_checks(void)
{
	alloc *a;
	uint64_t p, q, r, t[7];

	a = alloc_new(false, 1);
	p = M(0x18);
	F(p);
	expect_abort(a, alloc_free_ptr(a, p), "free(): double free detected in tcache 2", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	expect_abort(a, alloc_free_ptr(a, p + 8), "free(): invalid pointer", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	poke(a, p - 8, 0x10);
	expect_abort(a, alloc_free_ptr(a, p), "free(): invalid size", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	for (int i = 0; i < 7; i++)
		t[i] = M(0x18);
	p = M(0x18);
	q = M(0x18);
	for (int i = 0; i < 7; i++)
		F(t[i]);
	F(p);
	expect_abort(a, alloc_free_ptr(a, p), "double free or corruption (fasttop)", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = unsorted_victim(a);
	expect_abort(a, alloc_free_ptr(a, p), "double free or corruption (!prev)", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	expect_abort(a, alloc_free_ptr(a, a->top + 16), "double free or corruption (top)", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	poke(a, a->top + 8, 0xffffffffffffff01ull);
	expect_abort(a, alloc_malloc(a, 0x500, &r), "malloc(): corrupted top size", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	poke(a, a->top + 8, 0x11);
	CHECK(alloc_malloc(a, 0x100, &r) == ALLOC_ABORT);
	CHECK(strstr(a->msg, "Fatal glibc error: malloc assertion failure in sysmalloc") == a->msg);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	q = M(0x18);
	F(p);
	F(q);
	poke(a, q, 0x4141414141414141ull); /* tcache next of the head */
	CHECK(alloc_malloc(a, 0x18, &r) == ALLOC_OK && r == q);
	expect_abort(a, alloc_malloc(a, 0x18, &r), "malloc(): unaligned tcache chunk detected", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = unsorted_victim(a);
	poke(a, p - 8, 0x8);
	expect_abort(a, alloc_malloc(a, 0x100, &r), "malloc(): invalid size (unsorted)", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = unsorted_victim(a);
	poke(a, p + 8, p - 16); /* bk points at the chunk itself */
	expect_abort(a, alloc_malloc(a, 0x100, &r), "malloc(): unsorted double linked list corrupted", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	poke(a, p - 8, 0x23);
	expect_abort(a, alloc_free_ptr(a, p), "munmap_chunk(): invalid pointer", __LINE__);
	alloc_free(a);

	a = alloc_new(false, 1);
	p = M(0x18);
	expect_abort(a, alloc_realloc(a, p + 8, 0x40, &r), "realloc(): invalid pointer", __LINE__);
	alloc_free(a);

	/* a wild pointer is a simulated segmentation fault, not a crash */
	a = alloc_new(false, 1);
	p = M(0x18);
	CHECK(alloc_free_ptr(a, 0x4141414141414141ull) == ALLOC_SEGV);
	CHECK(strstr(a->msg, "Segmentation fault") != NULL);
	CHECK(alloc_poke(a, 0x10, &p, 8) == ALLOC_SEGV);
	CHECK(alloc_poke(a, a->lay.text, &p, 8) == ALLOC_SEGV); /* text is read-only */
	alloc_free(a);
}

static void bin_index_table(void)
{
	/* E12: boundary sizes and their bins */
	static const uint64_t t[][2] = {
		{0x20, 2},     {0x90, 9},      {0x3f0, 63},    {0x400, 64},    {0x430, 64},    {0x440, 65},
		{0xc30, 96},   {0xc40, 97},    {0xdf0, 97},    {0xe00, 98},    {0xff0, 98},    {0x1000, 99},
		{0x29f0, 111}, {0x2a00, 112},  {0x9ff0, 119},  {0xa000, 120},  {0xfff0, 120},  {0x10000, 121},
		{0x27ff0, 123}, {0x28000, 124}, {0x3fff0, 124}, {0x40000, 125}, {0x7fff0, 125}, {0x80000, 126},
	};
	alloc *a = alloc_new(false, 1);
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		CHECK_EQ(alloc_bin_index(a, t[i][0]), t[i][1]);
	uint64_t lo, hi;
	alloc_bin_range(a, 97, &lo, &hi);
	CHECK_EQ(lo, 0xc40);
	CHECK_EQ(hi, 0xdf0);
	alloc_bin_range(a, 120, &lo, &hi);
	CHECK_EQ(lo, 0xa000);
	CHECK_EQ(hi, 0xfff0);
	uint64_t nb;
	CHECK(alloc_request2size(a, 0x1ffe8, &nb) && nb == 0x1fff0);
	CHECK(alloc_request2size(a, 0x1ffe9, &nb) && nb == 0x20000);
	CHECK(!alloc_request2size(a, (uint64_t)-1, &nb));
	alloc_free(a);
}

static void aslr_layout(void)
{
	alloc *a = alloc_new(true, 42), *b = alloc_new(true, 42), *c = alloc_new(true, 43);
	CHECK_EQ(a->lay.heap, b->lay.heap);
	CHECK(a->lay.heap != c->lay.heap);
	CHECK_EQ(a->lay.heap & 0xfff, 0);
	uint64_t p = M(0x18);
	CHECK_EQ(p - a->lay.heap, 0x2a0); /* offsets do not depend on ASLR */
	alloc_free(a);
	alloc_free(b);
	alloc_free(c);
}

int main(void)
{
	e1_first_malloc();
	e2_tcache_then_fastbin();
	e3_sort_binmap_last_remainder();
	e4_consolidate();
	e5_exact_fit_and_large_bins();
	e6_mmap_threshold();
	e7_trim();
	e9_realloc();
	e10_calloc_bypasses_tcache();
	e20_mallopt_consolidates();
	tunable_tcache_count_zero();
	integrity_checks();
	bin_index_table();
	aslr_layout();
	return check_done("test_alloc");
}
