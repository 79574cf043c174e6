/*
 * stack.c - the main thread's stack: frames pushed by `call` and popped by
 * `ret`, space taken in the current frame (`local`, `alloca`), and the
 * stack mapping growing down on demand as Linux grows it.
 *
 * Invariants: sp is 16-byte aligned and never above main's starting point;
 * every frame records the sp before its call.  A touch below the mapping
 * grows it to the page the touch reaches, as long as the stack (from its
 * top) stays within RLIMIT_STACK (8 MiB unless `ulimit -s` says otherwise)
 * and a gap of 1 MiB (stack_guard_gap) stays free below it; past that the
 * touch is a SIGSEGV, a stack overflow.  The mapping never shrinks when
 * frames are popped: only its use does.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define GUARD_GAP (1ull << 20)
#define RETURN_ADDR 0x555555555189ull /* where main's call returns to (in .text) */

bool alloc_stack_touch(alloc *a, uint64_t addr)
{
	const mem_map *m = mem_find(a->mem, a->lay.stack_end - 1);
	if (!m || addr >= m->start || mem_find(a->mem, addr))
		return true; /* not below the stack, or mapped: an ordinary access */
	/* only a touch in the hole right below the stack grows it */
	for (size_t i = 0; i < a->mem->n; i++)
		if (a->mem->maps[i].start > addr && a->mem->maps[i].start < m->start)
			return true;
	uint64_t want = ALIGN_DOWN(addr, PAGE);
	if (a->lay.stack_end - want > a->stack_limit)
		return false;
	/* the gap to the mapping below must stay free */
	const mem_map *below = NULL;
	for (size_t i = 0; i < a->mem->n; i++)
		if (a->mem->maps[i].end <= m->start)
			below = &a->mem->maps[i];
	if (below && want < below->end + GUARD_GAP)
		return false;
	uint64_t old = m->start;
	if (!mem_grow_down(a->mem, old, want))
		return false;
	alloc_emit(a, ALLOC_EV_STACK_GROW, ALLOC_BIN_NONE, 0, old, want, 0);
	return true;
}

/* A stack overflow: the SIGSEGV the kernel gives when the stack may not grow. */
noreturn void alloc_stack_overflow(alloc *a, uint64_t addr)
{
	snprintf(a->msg, sizeof a->msg,
		 "Segmentation fault: stack overflow at 0x%llx: the stack may not grow past RLIMIT_STACK (%llu KiB)",
		 (unsigned long long)addr, (unsigned long long)(a->stack_limit >> 10));
	a->status = ALLOC_SEGV;
	alloc_emit(a, ALLOC_EV_FAIL, 0, 0, addr, 0, 0);
	ALLOC_UNWIND(a);
}

static void push(alloc *a, uint64_t v)
{
	a->sp -= 8;
	if (!alloc_stack_touch(a, a->sp))
		alloc_stack_overflow(a, a->sp);
	wr(a, a->sp, v);
}

int alloc_call(alloc *a, const char *name, uint64_t frame, uint64_t *out)
{
	OP_BEGIN(a);
	*out = 0;
	if (a->nframes == ALLOC_MAX_FRAMES || frame > a->stack_limit) {
		/* deeper than heapscope keeps: as deep as any stack may go */
		alloc_stack_overflow(a, a->sp - frame);
	}
	alloc_frame *f = &a->frames[a->nframes];
	f->sp = a->sp;
	snprintf(f->name, sizeof f->name, "%s", name);
	push(a, RETURN_ADDR);
	push(a, a->nframes ? a->frames[a->nframes - 1].sp - 16 : a->lay.stack_end - 0x2000); /* saved rbp */
	a->sp = ALIGN_DOWN(a->sp - frame, 16);
	if (a->sp > f->sp) /* wrapped */
		alloc_stack_overflow(a, 0);
	a->nframes++;
	alloc_emit(a, ALLOC_EV_FRAME, ALLOC_BIN_NONE, 0, f->sp, a->sp, frame);
	*out = a->sp;
	OP_END(a);
}

int alloc_ret(alloc *a, uint64_t *out)
{
	OP_BEGIN(a);
	*out = 0;
	if (a->nframes == 0) {
		snprintf(a->msg, sizeof a->msg, "ret with no frame to return from: main is the outermost function");
		a->status = ALLOC_ABORT;
		alloc_emit(a, ALLOC_EV_FAIL, 0, 0, 0, 0, 0);
		ALLOC_UNWIND(a);
	}
	alloc_frame *f = &a->frames[--a->nframes];
	alloc_emit(a, ALLOC_EV_FRAME, ALLOC_BIN_NONE, 1, a->sp, f->sp, 0);
	a->sp = f->sp;
	*out = a->sp;
	OP_END(a);
}

int alloc_alloca(alloc *a, uint64_t n, uint64_t *out)
{
	OP_BEGIN(a);
	*out = 0;
	uint64_t sp = ALIGN_DOWN(a->sp - n, 16);
	if (n > a->stack_limit || sp > a->sp)
		alloc_stack_overflow(a, a->sp - n);
	a->sp = sp;
	alloc_emit(a, ALLOC_EV_FRAME, ALLOC_BIN_NONE, 2, sp, n, 0);
	*out = sp;
	OP_END(a);
}

int alloc_set_stack_limit(alloc *a, uint64_t bytes)
{
	if (bytes < PAGE)
		return -1;
	a->stack_limit = bytes;
	return 0;
}
