/*
 * engine.h - the simulated process plus its history.
 *
 * The engine owns the current allocator state and the program's variables,
 * and records every operation in a compact log (32 bytes each).  Every state
 * is reachable again: checkpoints (copy-on-write clones of the state) are
 * taken at an interval that adapts to what a checkpoint costs, so history
 * stays under ~100 bytes per operation; going to operation N clones the
 * nearest checkpoint at or before N and replays the log from there.
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

typedef enum eng_opkind {
	ENG_MALLOC, /* dst = malloc(x) */
	ENG_FREE, /* free(x) */
	ENG_CALLOC, /* dst = calloc(x, y) */
	ENG_REALLOC, /* dst = realloc(x, y) */
	ENG_TRIM, /* dst = malloc_trim(x) */
	ENG_MALLOPT, /* dst = mallopt(x, y) */
	ENG_POKE, /* store the z low bytes of y at address x */
	ENG_MEMSET, /* memset(x, y, z) */
	ENG_STRCPY, /* copy z bytes of the blob at offset y to address x */
	ENG_SET, /* dst = x */
	ENG_TUNABLE, /* tunable with stable id x (alloc_tunable_id) = y */
	ENG_RESET, /* a fresh process: default tunables, no variable holds a value */
	ENG_PRINT, /* output on stream x (1 stdout, 2 stderr): the z bytes of the blob at y */
	ENG_FOPEN, /* dst = fopen(...) */
	ENG_FILEIO, /* a read or write on FILE x */
	ENG_FCLOSE, /* fclose(x) */
	ENG_SETVBUF, /* setvbuf(stdout, NULL, x, 0) */
	ENG_STDOUT, /* stdout goes to x: 0 a terminal, 1 a pipe, 2 a file (before its first output) */
	ENG_SBRK, /* dst = sbrk(x): the program moves the break itself */
	ENG_BRK, /* dst = brk(x): the program sets the break (0, or -1 when it cannot) */
	ENG_OPKIND_COUNT
} eng_opkind;

enum { ENG_OPF_FAILED = 1 };

typedef struct eng_op {
	uint8_t kind, flags;
	uint16_t pad;
	int32_t dst; /* variable index, or -1 */
	uint64_t x, y, z;
} eng_op;

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
/* Name of an operation kind ("malloc", ...). */
const char *eng_op_name(int kind);

#endif
