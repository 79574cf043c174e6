/*
 * report.h - text renderings of the simulated process, shared by batch
 * output, REPL commands and the TUI log.  Reports only read the model.
 */
#ifndef HEAPSCOPE_REPORT_H
#define HEAPSCOPE_REPORT_H

#include <stdbool.h>

#include "heapscope/engine.h"
#include "heapscope/heapview.h"
#include "heapscope/sbuf.h"

/* Every chunk in address order with flags, state, variables and data. */
void report_chunks(sbuf *b, engine *e, const heapview *v);
/* The tcache, fastbins and regular bins; empty ones only when all is set. */
void report_bins(sbuf *b, engine *e, const heapview *v, bool all, bool raw);
/* A /proc/PID/maps-style listing of the simulated process. */
void report_maps(sbuf *b, alloc *a);
/* malloc_stats() and mallinfo2() figures. */
void report_stats(sbuf *b, alloc *a);
/* Every arena, its heaps and threads, and every thread (`arenas`). */
void report_arenas(sbuf *b, alloc *a);
/* Hex and ASCII dump of n bytes at addr. */
void report_hexdump(sbuf *b, alloc *a, uint64_t addr, uint64_t n);
/* One line describing an allocator event, without newline. */
void report_event(sbuf *b, const alloc *a, const alloc_ev *ev);
/* The strace-style line for a system-call event; false if it is not one. */
bool report_syscall(sbuf *b, const alloc_ev *ev);
/* The readable batch line(s) for an operation; text is the source statement. */
void report_op(sbuf *b, engine *e, const eng_result *r, const char *text);
/* One JSON object (and newline) for an operation; id may be NULL; with why,
 * a "why" array holds the narration's lines. */
void report_json(sbuf *b, engine *e, const eng_result *r, const char *id, bool why);
/* The variables sorted by value, so those pointing into a chunk are one
 * range; rebuilt by report_vars_update only when the engine changed. */
typedef struct report_varref {
	uint64_t val;
	int32_t var;
} report_varref;
typedef struct report_vars {
	report_varref *v;
	size_t n, cap;
	uint64_t gen;
	bool built;
} report_vars;
/* Bring the index up to date with the engine. */
void report_vars_update(report_vars *x, const engine *e);
/* Append the names of the variables pointing into [addr, addr+size),
 * comma-separated, stopping once about max bytes were written. */
void report_vars_names(sbuf *b, const report_vars *x, const engine *e, uint64_t addr, uint64_t size, size_t max);
/* Release the index. */
void report_vars_free(report_vars *x);
/* A bin named by the sizes it holds: "tcache bin 0x20", "small bin 0x90",
 * "large bin 0x400-0x430", "the unsorted bin" (kind: alloc_bin_kind). */
void report_bin_name(sbuf *b, const alloc *a, int kind, unsigned idx);
/* The state of a chunk as its row shows it ("tcache 0x20", "small bin 0x90"). */
void report_chunk_state(sbuf *b, const alloc *a, const hv_chunk *c);
/* One sentence for glibc abort MSG: the check, what it guards against, SIGABRT. */
void report_abort_reason(sbuf *b, const char *msg);
/* Why the allocator did what it did in r, in plain words with the numbers:
 * one to three lines, each ending in a newline (narrate.c). */
void report_narrate(sbuf *b, const alloc *a, const eng_result *r);
/* The narration, then every step of the decision path with its reason. */
void report_explain(sbuf *b, const alloc *a, const eng_result *r);
/* Where an address is: "heap+0x2a0", "mmap", "stack", "libc.so.6+0x1d8c60",
 * "bss", "unmapped"... */
void report_region(sbuf *b, alloc *a, uint64_t p);
/* What holds address p: its mapping, permissions and segment, and in the
 * heap the chunk, its state and the offset into it (v may be NULL). */
void report_where(sbuf *b, alloc *a, const heapview *v, uint64_t p);
/* The P, M and A flags of a size word as three characters ("P--"). */
void report_flags(char out[4], uint64_t raw);

#endif
