/*
 * engine.h - the simulated process plus its history.
 *
 * The engine owns the current allocator state and the program's variables,
 * and records every operation in a compact log (32 bytes each).  Every state
 * is reachable again: checkpoints (copy-on-write clones of the state) are
 * taken at an interval that adapts to what a checkpoint costs, so history
 * stays under ~300 bytes per operation; going to operation N clones the
 * nearest checkpoint at or before N and replays the log from there.  Over
 * budget, the checkpoint whose loss lengthens the longest replay least
 * goes, so the replays stay even.
 *
 * Going back from a position far from a checkpoint lays a ladder of
 * temporary clones ("rungs") between the checkpoint and the target, at
 * halving distances, so the undos that follow replay a few operations each
 * instead of all of them again: one long replay, then short ones.
 *
 * A failed operation (a glibc check or a simulated SIGSEGV) is logged with
 * its message but changes nothing: the engine rebuilds the state it had
 * before the operation and skips that entry on every replay.
 */
#ifndef HEAPSCOPE_ENGINE_H
#define HEAPSCOPE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapscope/alloc.h"

/* Every operation the engine logs: its kind, its name (jsonl's "op", the
 * C function where there is one) and what it means. */
#define ENG_OPS(X)                                                                           \
	X(MALLOC, "malloc") /* dst = malloc(x) */                                           \
	X(FREE, "free") /* free(x) */                                                       \
	X(CALLOC, "calloc") /* dst = calloc(x, y) */                                        \
	X(REALLOC, "realloc") /* dst = realloc(x, y) */                                     \
	X(TRIM, "malloc_trim") /* dst = malloc_trim(x) */                                   \
	X(MALLOPT, "mallopt") /* dst = mallopt(x, y) */                                     \
	X(POKE, "store") /* store the z low bytes of y at address x */                      \
	X(MEMSET, "memset") /* memset(x, y, z) */                                           \
	X(STRCPY, "strcpy") /* copy z bytes of the blob at offset y to address x */         \
	X(SET, "set") /* dst = x */                                                         \
	X(TUNABLE, "tunable") /* tunable with stable id x (alloc_tunable_id) = y */         \
	X(RESET, "reset") /* a fresh process (x bit 0: with ASLR as bit 1 says, seed y) */ \
	X(PRINT, "output") /* output on stream x (1 stdout, 2 stderr): z blob bytes at y */ \
	X(FOPEN, "fopen") /* dst = fopen(...) */                                            \
	X(FILEIO, "file_io") /* a read or write on FILE x */                                \
	X(FCLOSE, "fclose") /* fclose(x) */                                                 \
	X(SETVBUF, "setvbuf") /* setvbuf(stdout, NULL, x, 0) */                             \
	X(STDOUT, "stdout") /* stdout goes to x: 0 a terminal, 1 a pipe, 2 a file */        \
	X(SBRK, "sbrk") /* dst = sbrk(x): the program moves the break itself */             \
	X(BRK, "brk") /* dst = brk(x): 0, or -1 when the break cannot move */               \
	X(MEMALIGN, "memalign") /* dst = memalign(x, y) */                                  \
	X(ALIGNED_ALLOC, "aligned_alloc") /* dst = aligned_alloc(x, y) */                   \
	X(POSIX_MEMALIGN, "posix_memalign") /* posix_memalign(&dst, x, y) */                \
	X(VALLOC, "valloc") /* dst = valloc(y) */                                           \
	X(PVALLOC, "pvalloc") /* dst = pvalloc(y) */                                        \
	X(HEAP_START, "heap_start") /* the heap starts at x (before the process starts) */   \
	X(MMAP_BASE, "mmap_base") /* the mmap area starts below x (before it starts) */       \
	X(MMAP, "mmap") /* dst = mmap(x, y, z & 0xff, z >> 8, -1, 0) */                          \
	X(MMAP_FILE, "mmap_file") /* dst = mmap of y bytes of the file named at blob x */       \
	X(MUNMAP, "munmap") /* dst = munmap(x, y) */                                           \
	X(MPROTECT, "mprotect") /* dst = mprotect(x, y, z) */                                  \
	X(CALL, "call") /* push a frame of x bytes named by the blob at y; dst = the new sp */  \
	X(RET, "ret") /* pop the innermost frame */                                            \
	X(ALLOCA, "alloca") /* dst = x bytes taken in the current frame (alloca, local) */      \
	X(ULIMIT, "ulimit") /* RLIMIT_STACK = x bytes */                                     \
	X(GLOBAL, "global") /* declare the global recorded at blob x (eng_global_record) */    \
	X(DESIGN, "allocator") /* a fresh process whose malloc is eng_design(x) (0: glibc) */ \
	X(THREAD, "thread") /* thread x runs the following calls (created by main when new) */ \
	X(THREAD_EXIT, "thread_exit") /* thread x returns; main joins it (y=1: no one yet) */  \
	X(THREAD_CREATE, "thread_create") /* pthread_create(x) in this thread (y: dtv entries); the dtv */ \
	X(CORES, "cores") /* the process sees x cores (arena_get2's limit) */               \
	X(THREAD_JOIN, "thread_join") /* this thread joins thread x, which has returned */

typedef enum eng_opkind {
#define X(id, name) ENG_##id,
	ENG_OPS(X)
#undef X
	ENG_OPKIND_COUNT
} eng_opkind;

enum { ENG_OPF_FAILED = 1 };

typedef struct eng_op {
	uint8_t kind, flags;
	uint16_t pad;
	int32_t dst; /* variable index, or -1 */
	uint64_t x, y, z;
} eng_op;

/* How ENG_GLOBAL keeps a declaration in the blob: this, then initlen
 * bytes of initialiser, then g.strlen bytes of string literal. */
typedef struct eng_global_record {
	alloc_global g;
	uint32_t initlen;
} eng_global_record;

/* What one operation did, for output and views. */
typedef struct eng_result {
	uint64_t seq; /* index in the log */
	int kind;
	int32_t dst;
	int status; /* ALLOC_OK / ALLOC_ABORT / ALLOC_SEGV */
	uint64_t ret; /* returned pointer or value */
	uint64_t arg; /* the first argument (free: the pointer freed) */
	uint64_t arg2; /* the second (calloc: the size; realloc: the new size) */
	const char *text; /* ENG_PRINT: the output (textlen bytes, in the engine's blob) */
	size_t textlen;
	uint64_t req; /* requested bytes (calloc: n*m) */
	uint64_t code; /* posix_memalign's return value (0, EINVAL, ENOMEM) */
	uint64_t chunk; /* chunk size of the result (free: of the chunk freed) */
	bool mmapped;
	uint64_t brk; /* program break after the operation */
	char msg[256]; /* failure message */
	const alloc_ev *ev; /* events (owned by the engine until the next op) */
	uint32_t nev;
} eng_result;

/* The engine is opaque: views and commands read it through the functions
 * below and change it only through eng_exec, eng_goto, eng_undo, eng_redo. */
typedef struct engine engine;

/* A fresh process. */
engine *eng_new(bool aslr, uint64_t seed);
/* The same in the legacy layout (mmap area bottom-up from TASK_SIZE / 3)
 * when legacy is true, and with a textbook design for malloc when design
 * is not NULL. */
engine *eng_new_layout(bool aslr, uint64_t seed, bool legacy, const tb_alloc *design);
/* The same on machine arch (--arch=i386: a 32-bit process). */
engine *eng_new_arch(bool aslr, uint64_t seed, bool legacy, const tb_alloc *design, alloc_arch arch);
/* A student's allocator the engine can run from now on (and frees with
 * itself when own); the value an ENG_DESIGN operation names it by, or -1
 * (and mm freed when own) past ENG_MAX_STUDENT of them. */
#define ENG_MAX_STUDENT 16
int64_t eng_add_allocator(engine *e, alloc_mm *mm, bool own);
/* The design ENG_DESIGN's x names: 1.. the textbook ones, then the
 * students'; NULL for 0 (glibc) or an unknown one. */
const tb_alloc *eng_design(const engine *e, uint64_t x);
/* Release everything. */
void eng_free(engine *e);
/* Index of a variable, creating it when create is set; -1 if unknown. */
int32_t eng_var(engine *e, const char *name, bool create);
/* Name of variable i. */
const char *eng_var_name(const engine *e, int32_t i);
/* Value of variable i; false if it was never assigned. */
bool eng_var_get(const engine *e, int32_t i, uint64_t *v);
/* Store bytes for an ENG_STRCPY operation; returns the blob offset. */
uint64_t eng_blob_add(engine *e, const void *p, size_t n);
/* Run an operation at the current position (dropping any redo tail). */
int eng_exec(engine *e, const eng_op *op, eng_result *r);
/* Number of operations in the log. */
size_t eng_count(const engine *e);
/* Rebuild the state after the first n operations; false if n is past the log. */
bool eng_goto(engine *e, size_t n);
/* Idle work: lay rungs below the current position so that the undos that
 * follow are cheap; the state does not change.  False if nothing was to do. */
bool eng_prepare_undo(engine *e);
/* Step back one operation; false at the start. */
bool eng_undo(engine *e);
/* Re-run the next logged operation; false at the end. */
bool eng_redo(engine *e, eng_result *r);
/* The result of the last operation run (its events included), or NULL
 * after goto or undo; valid until the next call that changes the engine. */
const eng_result *eng_last_result(engine *e);
/* Events of the last operation run (none after goto/undo). */
const alloc_ev *eng_last_events(engine *e, uint32_t *n);
/* Checkpoint memory allowed: per_op bytes per recorded operation, at least
 * floor bytes; over it, checkpoints are thinned (goto replays further). */
void eng_set_history_budget(engine *e, size_t per_op, size_t floor);
/* Bytes of memory the history holds (log, checkpoints, blob). */
size_t eng_history_bytes(const engine *e);
/* The current state of the simulated process (read it; never change it). */
alloc *eng_heap(const engine *e);
/* Operations applied to the current state (it shows the state after them). */
size_t eng_pos(const engine *e);
/* Bumps on every change of the state, so views rebuild only then. */
uint64_t eng_generation(const engine *e);
/* Number of variables ever named (indices 0 .. n-1). */
uint32_t eng_nnames(const engine *e);
/* Checkpoints held (for tests and benchmarks). */
size_t eng_checkpoints(const engine *e);
/* The position of checkpoint i, i < eng_checkpoints() (in position order). */
size_t eng_checkpoint_pos(const engine *e, size_t i);
/* Name of an operation kind ("malloc", ...). */
const char *eng_op_name(int kind);
/* Whether operations of this kind hand out a block (malloc, calloc,
 * realloc and the memalign family). */
bool eng_op_allocates(int kind);

#endif
