/*
 * check.h - the unit tests' helper: CHECK records a failure with its
 * location and goes on; check_done prints "N passed, M failed" and returns
 * the exit status.  Allocator helpers run the heap checker after every
 * operation.
 */
#ifndef HEAPSCOPE_TEST_CHECK_H
#define HEAPSCOPE_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "heapscope/alloc.h"
#include "heapscope/heapview.h"

static int check_pass, check_fail;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (cond)                                                             \
			check_pass++;                                                 \
		else {                                                                \
			check_fail++;                                                 \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

#define CHECK_EQ(a, b)                                                                                  \
	do {                                                                                            \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                        \
		if (a_ == b_)                                                                           \
			check_pass++;                                                                   \
		else {                                                                                  \
			check_fail++;                                                                   \
			fprintf(stderr, "%s:%d: FAILED: %s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", __FILE__, \
				__LINE__, #a, #b, a_, b_);                                              \
		}                                                                                       \
	} while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

/* Run the heap checker; a violation counts as a failure. */
static inline void heap_ok(alloc *a, int line)
{
	char msg[256];
	if (hv_check(a, msg, sizeof msg) == 0)
		check_pass++;
	else {
		check_fail++;
		fprintf(stderr, "line %d: heap check: %s\n", line, msg);
	}
}

static inline uint64_t t_malloc(alloc *a, uint64_t n, int line)
{
	uint64_t p = 0;
	if (alloc_malloc(a, n, &p) != ALLOC_OK) {
		check_fail++;
		fprintf(stderr, "line %d: malloc(%" PRIu64 ") failed: %s\n", line, n, a->msg);
	}
	heap_ok(a, line);
	return p;
}

static inline void t_free(alloc *a, uint64_t p, int line)
{
	if (alloc_free_ptr(a, p) != ALLOC_OK) {
		check_fail++;
		fprintf(stderr, "line %d: free failed: %s\n", line, a->msg);
	}
	heap_ok(a, line);
}

/* The next number of a xorshift64 sequence kept in *state (never 0): the
 * random programs' source, the same on every run. */
static inline uint64_t check_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#define M(n) t_malloc(a, (n), __LINE__)
#define F(p) t_free(a, (p), __LINE__)

static inline int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
	return check_fail ? 1 : 0;
}

#endif
