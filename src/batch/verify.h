/*
 * verify.h - comparing a replayed recording with the results it recorded.
 */
#ifndef HEAPSCOPE_VERIFY_H
#define HEAPSCOPE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "heapscope/engine.h"

typedef struct verify_state {
	uint64_t checked; /* operations with a recorded result */
	uint64_t mmap_elsewhere; /* mmapped chunks that agree but for their mapping's place */
	uint64_t arena_elsewhere; /* thread arenas' chunks that agree but for their heap's place */
} verify_state;

/* Compare operation r (run from script line `line`) with the result the
 * line records: 1 when they agree, 0 when the line records none, -1 with
 * the difference in msg. */
int verify_op(verify_state *vs, const char *line, const eng_result *r, alloc *a, char *msg, size_t cap);

#endif
