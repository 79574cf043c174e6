/*
 * design.c - a process whose malloc is a textbook design (--allocator):
 * the calls go to the design's functions over the same simulated address
 * space, its heap starting where glibc's would, and each sbrk it makes is
 * an event like glibc's brk, so the log and the panes show it.  The design
 * starts on the first call (its mm_init), as glibc initialises on its first.
 * A student's allocator (mmlab.c) is a design too, whose calls run in its
 * child process.
 */
#include <string.h>

#include "internal.h"

int alloc_set_design(alloc *a, const tb_alloc *d)
{
	if (a->initialized || a->brk != a->lay.heap || a->n_mmaps || a->design_started)
		return -2;
	a->design = d;
	alloc_mm_attach(a, d);
	return 0;
}

/* Start the design if it has not (its init), and note the break. */
static void start(alloc *a)
{
	if (a->design_started)
		return;
	a->design_started = true;
	memset(&a->dh, 0, sizeof a->dh);
	a->dh.m = a->mem;
	a->dh.lo = a->dh.brk = a->lay.heap;
	a->dh.limit = a->lay.heap + ALLOC_MEMORY_LIMIT;
	a->dh.variant = a->design->variant;
	a->dh.ext = a->mm;
	if (a->mm)
		a->dh.limit = a->lay.heap + STUDENT_HEAP_MAX;
	if (!a->design->init(&a->dh))
		alloc_fail(a, a->dh.stop ? a->dh.stop : "the allocator's init failed: no heap");
}

/* After a call: the break it moved, a fault it met. */
static void settle(alloc *a, uint64_t old_brk)
{
	a->dh.m = a->mem;
	if (a->dh.brk != old_brk) {
		a->brk = a->dh.brk;
		alloc_emit(a, ALLOC_EV_BRK, ALLOC_BIN_NONE, 0, old_brk, a->dh.brk, 0);
	}
	if (a->dh.stop) {
		const char *why = a->dh.stop;
		a->dh.stop = NULL;
		alloc_fail(a, why);
	}
	if (a->dh.fault) {
		const char *why = a->dh.fault;
		a->dh.fault = NULL;
		(void)why;
		alloc_segv(a, a->mem->fault, "access");
	}
}

int alloc_design_call(alloc *a, char op, uint64_t p, uint64_t n, uint64_t *out)
{
	OP_BEGIN(a);
	a->dh.m = a->mem; /* a clone has its own space */
	uint64_t old = a->design_started ? a->dh.brk : a->brk; /* the init's sbrk counts too */
	start(a);
	*out = 0;
	switch (op) {
	case 'm':
		*out = a->design->malloc(&a->dh, n);
		break;
	case 'f':
		a->design->free(&a->dh, p);
		break;
	case 'r':
		*out = a->design->realloc(&a->dh, p, n);
		break;
	default:
		break;
	}
	settle(a, old);
	OP_END(a);
}
