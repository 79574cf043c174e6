/*
 * batch.h - headless runs: a script or trace in, readable lines or JSON
 * lines out, exit status telling how it ended.
 */
#ifndef HEAPSCOPE_BATCH_H
#define HEAPSCOPE_BATCH_H

#include <stdbool.h>

#include "heapscope/alloc.h"
#include <stdint.h>

typedef struct batch_opts {
	const char *path; /* "-" for stdin */
	bool jsonl;
	bool keep_going;
	bool summary; /* print chunks and bins at the end (text format) */
	bool aslr;
	bool legacy; /* the legacy layout (--layout=legacy) */
	const tb_alloc *design; /* --allocator=NAME: a textbook design in glibc's place, or NULL */
	alloc_mm *mm; /* --allocator=./mm.c: a student's allocator (the engine takes it), or NULL */
	int limit_ms; /* --time-limit: how long a student's call may run (0: 2000) */
	alloc_arch arch; /* --arch, --kernel: the machine */
	uint64_t seed;
	bool check_heap; /* run the heap checker after every operation (tests) */
	bool explain; /* narrate why after every operation (text: "why:" lines; jsonl: "why") */
	bool verify; /* compare every result with the `// => ...` a recording wrote beside it */
} batch_opts;

/* Run a script headless; returns an HS_EXIT_ status (status.h). */
int batch_run(const batch_opts *o);

#endif
