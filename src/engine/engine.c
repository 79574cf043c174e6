/*
 * engine.c - runs operations on the simulated process and keeps history.
 *
 * Invariants: checkpoint 0 is the fresh process; checkpoints are sorted by
 * position and none lies beyond nlog; the current state equals checkpoint k
 * plus replay of log[k.pos, pos) with failed entries skipped. Checkpoints
 * are spent where replay is longest: when history is over its budget, the
 * one whose loss leaves the shortest replay goes, so the gaps stay even.
 */
#include "heapscope/engine.h"
#include "heapscope/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CP_MIN_INTERVAL 256
#define CP_REPLAY_NS 4000000 /* replay between checkpoints, so goto stays under 10 ms */
#define CP_BYTES_PER_OP 300 /* history budget for checkpoints per operation */
#define CP_BUDGET_FLOOR (8u << 20)
#define OP_SAMPLE 8 /* operations timed together, */
#define OP_PERIOD 256 /* in every this many (a power of two) */
#define RUNG_MAX 40 /* temporary clones kept for undo */
#define RUNG_MIN 16 /* the shortest replay worth a rung */

typedef struct eng_checkpoint eng_checkpoint;

struct engine {
	alloc *heap; /* current state */
	bool legacy; /* the process's layout (a reset keeps it) */
	uint64_t code; /* the error number of the last memalign-family call */
	uint64_t *vars;
	uint8_t *vset; /* whether each variable holds a value */
	uint32_t nvars, capvars;
	char **names;
	uint32_t nnames;
	int32_t *htab; /* open-addressing index of names */
	uint32_t hcap;
	eng_op *log;
	size_t nlog, caplog;
	size_t pos; /* operations applied to the current state */
	eng_checkpoint *cps;
	size_t ncps, capcps;
	eng_checkpoint *rungs; /* temporary clones near where goto/undo went */
	size_t nrungs;
	size_t interval; /* operations between checkpoints */
	size_t cp_bytes; /* bytes held by checkpoints (estimate, exact after thinning) */
	size_t cp_mark; /* cp_bytes when the newest checkpoint was taken */
	size_t cp_cost; /* what a checkpoint costs, averaged */
	size_t cp_pend; /* bytes detached since history was last packed */
	uint32_t pack_ratio; /* what packing left of them, in 1/1024ths */
	uint64_t op_ns; /* an operation's time, averaged over samples */
	uint64_t sample_ns; /* the sample being timed so far */
	uint64_t clock; /* estimated replay time of log[0, nlog), in ns */
	size_t budget_per_op, budget_floor; /* checkpoint memory allowed */
	uint8_t *blob;
	size_t nblob, capblob;
	bool aslr;
	uint64_t seed;
	eng_result last; /* the last operation's result, when has_last */
	bool has_last;
	alloc_ev *lastev; /* events of a failed operation, saved before rollback */
	uint32_t nlastev, caplastev;
	bool ev_saved, no_events;
	uint64_t generation; /* bumps on every state change, for views */
	alloc_mm *mms[ENG_MAX_STUDENT]; /* students' allocators */
	bool mm_owned[ENG_MAX_STUDENT]; /* freed with the engine */
	unsigned nmms;
};


struct eng_checkpoint {
	size_t pos;
	uint64_t clock; /* the engine's clock at pos */
	alloc *heap;
	uint64_t *vars;
	uint8_t *vset;
	uint32_t nvars;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copy the variables into c. */
static void vars_save(const engine *e, eng_checkpoint *c)
{
	c->nvars = e->nvars;
	c->vars = xreallocarray(NULL, e->nvars ? e->nvars : 1, sizeof *c->vars);
	c->vset = xmalloc(e->nvars ? e->nvars : 1);
	if (e->nvars) {
		memcpy(c->vars, e->vars, sizeof *c->vars * e->nvars);
		memcpy(c->vset, e->vset, e->nvars);
	}
}

static void vars_reserve(engine *e, uint32_t n);

/* Put back the variables saved in c. */
static void vars_load(engine *e, const eng_checkpoint *c)
{
	vars_reserve(e, c->nvars);
	if (c->nvars) {
		memcpy(e->vars, c->vars, sizeof *e->vars * c->nvars);
		memcpy(e->vset, c->vset, c->nvars);
	}
	e->nvars = c->nvars;
}

/* A clone of the current state and its position. */
static void snapshot(const engine *e, eng_checkpoint *c)
{
	c->pos = e->pos;
	c->clock = e->clock;
	c->heap = alloc_clone(e->heap);
	vars_save(e, c);
}

static void cp_take(engine *e)
{
	if (e->ncps == e->capcps) {
		e->capcps = e->capcps ? 2 * e->capcps : 16;
		e->cps = xreallocarray(e->cps, e->capcps, sizeof *e->cps);
	}
	snapshot(e, &e->cps[e->ncps++]);
}

static void cp_drop(eng_checkpoint *c)
{
	alloc_free(c->heap);
	free(c->vars);
	free(c->vset);
}

engine *eng_new(bool aslr, uint64_t seed)
{
	return eng_new_layout(aslr, seed, false, NULL);
}

engine *eng_new_layout(bool aslr, uint64_t seed, bool legacy, const tb_alloc *design)
{
	return eng_new_arch(aslr, seed, legacy, design, ALLOC_ARCH_X86_64);
}

engine *eng_new_arch(bool aslr, uint64_t seed, bool legacy, const tb_alloc *design, alloc_arch arch)
{
	engine *e = xcalloc(1, sizeof *e);
	e->aslr = aslr;
	e->seed = seed;
	e->legacy = legacy;
	e->heap = alloc_new_arch(aslr, seed, legacy, arch);
	if (design)
		alloc_set_design(e->heap, design);
	e->interval = CP_MIN_INTERVAL;
	e->budget_per_op = CP_BYTES_PER_OP;
	e->budget_floor = CP_BUDGET_FLOOR;
	e->pack_ratio = 1024;
	cp_take(e);
	return e;
}

static size_t tb_count(void)
{
	size_t n = 0;
	while (tb_allocs[n])
		n++;
	return n;
}

const tb_alloc *eng_design(const engine *e, uint64_t x)
{
	size_t ntb = tb_count();
	if (x >= 1 && x <= ntb)
		return tb_allocs[x - 1];
	if (x > ntb && x - ntb - 1 < e->nmms)
		return alloc_mm_design(e->mms[x - ntb - 1]);
	return NULL;
}

int64_t eng_add_allocator(engine *e, alloc_mm *mm, bool own)
{
	if (e->nmms == ENG_MAX_STUDENT) {
		if (own)
			alloc_mm_free(mm);
		return -1;
	}
	e->mm_owned[e->nmms] = own;
	e->mms[e->nmms++] = mm;
	return (int64_t)(tb_count() + e->nmms);
}

void eng_free(engine *e)
{
	if (!e)
		return;
	alloc_free(e->heap);
	for (size_t i = 0; i < e->ncps; i++)
		cp_drop(&e->cps[i]);
	free(e->cps);
	for (size_t i = 0; i < e->nrungs; i++)
		cp_drop(&e->rungs[i]);
	free(e->rungs);
	for (uint32_t i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	free(e->htab);
	free(e->vars);
	free(e->vset);
	free(e->log);
	free(e->blob);
	free(e->lastev);
	for (unsigned i = 0; i < e->nmms; i++)
		if (e->mm_owned[i])
			alloc_mm_free(e->mms[i]);
	free(e);
}

static void vars_reserve(engine *e, uint32_t n)
{
	if (n <= e->capvars)
		return;
	uint32_t c = e->capvars ? e->capvars : 16;
	while (c < n)
		c *= 2;
	e->vars = xrealloc(e->vars, sizeof *e->vars * c);
	e->vset = xrealloc(e->vset, c);
	e->capvars = c;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void names_rehash(engine *e)
{
	uint32_t cap = e->hcap ? 2 * e->hcap : 64;
	int32_t *t = xrealloc(NULL, sizeof *t * cap);
	for (uint32_t i = 0; i < cap; i++)
		t[i] = -1;
	for (uint32_t i = 0; i < e->nnames; i++) {
		uint32_t h = name_hash(e->names[i]) & (cap - 1);
		while (t[h] >= 0)
			h = (h + 1) & (cap - 1);
		t[h] = (int32_t)i;
	}
	free(e->htab);
	e->htab = t;
	e->hcap = cap;
}

int32_t eng_var(engine *e, const char *name, bool create)
{
	if (e->hcap) {
		uint32_t h = name_hash(name) & (e->hcap - 1);
		while (e->htab[h] >= 0) {
			if (!strcmp(e->names[e->htab[h]], name))
				return e->htab[h];
			h = (h + 1) & (e->hcap - 1);
		}
	}
	if (!create)
		return -1;
	e->names = xrealloc(e->names, sizeof *e->names * (e->nnames + 1));
	e->names[e->nnames] = xstrdup(name);
	e->nnames++;
	if (2 * e->nnames > e->hcap)
		names_rehash(e);
	else {
		uint32_t h = name_hash(name) & (e->hcap - 1);
		while (e->htab[h] >= 0)
			h = (h + 1) & (e->hcap - 1);
		e->htab[h] = (int32_t)(e->nnames - 1);
	}
	return (int32_t)(e->nnames - 1);
}

const char *eng_var_name(const engine *e, int32_t i)
{
	return i >= 0 && (uint32_t)i < e->nnames ? e->names[i] : "";
}

bool eng_var_get(const engine *e, int32_t i, uint64_t *v)
{
	if (i < 0 || (uint32_t)i >= e->nvars || !e->vset[i])
		return false;
	*v = e->vars[i];
	return true;
}

static void var_set(engine *e, int32_t i, uint64_t v)
{
	if (i < 0)
		return;
	if ((uint32_t)i >= e->nvars) {
		vars_reserve(e, (uint32_t)i + 1);
		memset(e->vset + e->nvars, 0, (uint32_t)i + 1 - e->nvars);
		e->nvars = (uint32_t)i + 1;
	}
	e->vars[i] = v;
	e->vset[i] = 1;
}

uint64_t eng_blob_add(engine *e, const void *p, size_t n)
{
	if (e->nblob + n > e->capblob) {
		size_t c = e->capblob ? e->capblob : 256;
		while (c < e->nblob + n)
			c *= 2;
		e->blob = xrealloc(e->blob, c);
		e->capblob = c;
	}
	memcpy(e->blob + e->nblob, p, n);
	e->nblob += n;
	return e->nblob - n;
}

/* Apply op to the current state; fills ret/status only. */
/* Replace the process by a fresh one on the same machine and layout
 * (ASLR and its seed as given), running design (NULL: glibc); the
 * variables are unset. */
static void fresh_process(engine *e, bool aslr, uint64_t seed, const tb_alloc *design)
{
	alloc *old = e->heap;
	e->heap = alloc_new_arch(aslr, seed, old->lay.legacy, (alloc_arch)old->lay.arch);
	alloc_free(old);
	if (design)
		alloc_set_design(e->heap, design);
	e->heap->nev = 0;
	if (e->nvars)
		memset(e->vset, 0, e->nvars);
}

static int apply(engine *e, const eng_op *op_in, uint64_t *ret)
{
	alloc *a = e->heap;
	e->no_events = false;
	int st = ALLOC_OK;
	*ret = 0;
	const eng_op *op = op_in;
	eng_op narrow;
	if (alloc_ssz(a) == 4 && (eng_op_allocates(op->kind) || op->kind == ENG_FREE || op->kind == ENG_TRIM ||
				  op->kind == ENG_MMAP || op->kind == ENG_MUNMAP || op->kind == ENG_MPROTECT)) {
		/* an i386 process: sizes and pointers are 32-bit size_t */
		narrow = *op;
		narrow.x &= 0xffffffffu;
		narrow.y &= 0xffffffffu;
		op = &narrow;
	}
	switch (op->kind) {
	case ENG_MALLOC:
		st = alloc_malloc(a, op->x, ret);
		break;
	case ENG_FREE:
		st = alloc_free_ptr(a, op->x);
		break;
	case ENG_CALLOC:
		st = alloc_calloc(a, op->x, op->y, ret);
		break;
	case ENG_MEMALIGN:
	case ENG_ALIGNED_ALLOC:
	case ENG_POSIX_MEMALIGN:
	case ENG_VALLOC:
	case ENG_PVALLOC: {
		static const int fn[] = {[ENG_MEMALIGN] = ALLOC_FN_MEMALIGN,
					 [ENG_ALIGNED_ALLOC] = ALLOC_FN_ALIGNED_ALLOC,
					 [ENG_POSIX_MEMALIGN] = ALLOC_FN_POSIX_MEMALIGN,
					 [ENG_VALLOC] = ALLOC_FN_VALLOC,
					 [ENG_PVALLOC] = ALLOC_FN_PVALLOC};
		st = alloc_memalign(a, fn[op->kind], op->x, op->y, ret, &e->code);
		/* posix_memalign leaves *memptr alone when it fails */
		if (st == ALLOC_OK && op->kind == ENG_POSIX_MEMALIGN && e->code)
			return st;
		break;
	}
	case ENG_REALLOC:
		st = alloc_realloc(a, op->x, op->y, ret);
		break;
	case ENG_TRIM:
		st = alloc_trim(a, op->x, ret);
		break;
	case ENG_MALLOPT:
		st = alloc_mallopt(a, (int)(int64_t)op->x, (int64_t)(int32_t)op->y, ret);
		break;
	case ENG_POKE: {
		uint64_t v = op->y;
		st = alloc_poke(a, op->x, &v, op->z > 8 ? 8 : op->z);
		break;
	}
	case ENG_MEMSET:
		st = alloc_memset(a, op->x, (int)op->y, op->z);
		break;
	case ENG_STRCPY:
		st = alloc_poke(a, op->x, e->blob + op->y, op->z);
		break;
	case ENG_SET:
		a->nev = 0;
		*ret = op->x;
		break;
	case ENG_RESET:
		/* a fresh process with the same layout, or (x bit 0) the one asked:
		 * ASLR when bit 1, seeded with y */
		fresh_process(e, op->x & 1 ? (op->x & 2) != 0 : a->lay.aslr, op->x & 1 ? op->y : a->lay.seed,
			      a->design);
		break;
	case ENG_DESIGN:
		/* a fresh process with the same layout, running another allocator */
		fresh_process(e, a->lay.aslr, a->lay.seed, op->x ? eng_design(e, op->x) : NULL);
		break;
	case ENG_PRINT:
		st = alloc_output(a, (int)op->x);
		break;
	case ENG_FOPEN:
		st = alloc_fopen(a, ret);
		break;
	case ENG_FILEIO:
		st = alloc_file_io(a, op->x);
		break;
	case ENG_FCLOSE:
		st = alloc_fclose(a, op->x);
		break;
	case ENG_SETVBUF:
		st = alloc_setvbuf_stdout(a, (int)op->x);
		break;
	case ENG_SBRK:
		st = alloc_program_sbrk(a, (int64_t)op->x, ret);
		break;
	case ENG_BRK:
		st = alloc_program_sbrk(a, (int64_t)(op->x - a->brk), ret);
		if (st == ALLOC_OK)
			*ret = *ret == (uint64_t)-1 ? (uint64_t)-1 : 0;
		break;
	case ENG_STDOUT:
		a->nev = 0;
		a->stdout_mode = (uint8_t)op->x;
		break;
	case ENG_MMAP:
		st = alloc_vm_mmap(a, op->x, op->y, op->z & 0xff, op->z >> 8, NULL, ret);
		break;
	case ENG_MMAP_FILE:
		st = alloc_vm_mmap(a, 0, op->y, op->z & 0xff, op->z >> 8, (const char *)e->blob + op->x, ret);
		break;
	case ENG_MUNMAP:
		st = alloc_vm_munmap(a, op->x, op->y, ret);
		break;
	case ENG_MPROTECT:
		st = alloc_vm_mprotect(a, op->x, op->y, op->z, ret);
		break;
	case ENG_CALL:
		st = alloc_call(a, (const char *)e->blob + op->y, op->x, ret);
		break;
	case ENG_RET:
		st = alloc_ret(a, ret);
		break;
	case ENG_ALLOCA:
		st = alloc_alloca(a, op->x, ret);
		break;
	case ENG_ULIMIT:
		a->nev = 0;
		*ret = alloc_set_stack_limit(a, op->x) == 0;
		break;
	case ENG_GLOBAL: {
		eng_global_record rec;
		memcpy(&rec, e->blob + op->x, sizeof rec);
		const uint8_t *init = e->blob + op->x + sizeof rec;
		a->nev = 0;
		*ret = alloc_global_add(a, &rec.g, init, rec.initlen, (const char *)init + rec.initlen) == 0;
		break;
	}
	case ENG_HEAP_START:
	case ENG_MMAP_BASE:
		a->nev = 0;
		*ret = (op->kind == ENG_HEAP_START ? alloc_set_heap_start(a, op->x) : alloc_set_mmap_base(a, op->x)) == 0;
		break;
	case ENG_TUNABLE:
		a->nev = 0;
		if (op->x < ALLOC_TUNABLE_COUNT && alloc_tunable(a, (int)op->x, op->y) == 0)
			*ret = 1;
		break;
	case ENG_THREAD: {
		bool created;
		st = alloc_thread_switch(a, (unsigned)op->x, &created);
		*ret = created;
		break;
	}
	case ENG_THREAD_EXIT:
		st = alloc_thread_exit(a, (unsigned)op->x, op->y == 0);
		break;
	case ENG_THREAD_JOIN:
		st = alloc_thread_join(a, (unsigned)op->x);
		break;
	case ENG_THREAD_CREATE:
		st = alloc_thread_create(a, (unsigned)op->x, (unsigned)op->y, ret);
		break;
	case ENG_CORES:
		a->nev = 0;
		*ret = alloc_set_cores(a, (unsigned)op->x) == 0;
		break;
	}
	if (st == ALLOC_OK && op->dst >= 0)
		var_set(e, op->dst, *ret);
	return st;
}

/* Re-run log[from, to) on the current state, skipping failed entries. */
static void replay(engine *e, size_t from, size_t to)
{
	uint64_t ret;
	for (size_t i = from; i < to; i++)
		if (!(e->log[i].flags & ENG_OPF_FAILED))
			apply(e, &e->log[i], &ret);
	e->pos = to;
	e->generation++;
	e->no_events = true;
}

/* The clone (checkpoint or rung) closest below or at position n. */
static const eng_checkpoint *base_for(const engine *e, size_t n)
{
	size_t k = e->ncps;
	while (k > 1 && e->cps[k - 1].pos > n)
		k--;
	const eng_checkpoint *best = &e->cps[k - 1];
	for (size_t i = 0; i < e->nrungs; i++)
		if (e->rungs[i].pos <= n && e->rungs[i].pos > best->pos)
			best = &e->rungs[i];
	return best;
}

/* Keep a clone of the current state as a rung; past RUNG_MAX the rung
 * farthest from here goes. */
static void rung_take(engine *e)
{
	if (!e->rungs)
		e->rungs = xreallocarray(NULL, RUNG_MAX, sizeof *e->rungs);
	if (e->nrungs == RUNG_MAX) {
		size_t far = 0, dist = 0;
		for (size_t i = 0; i < e->nrungs; i++) {
			size_t d = e->rungs[i].pos > e->pos ? e->rungs[i].pos - e->pos : e->pos - e->rungs[i].pos;
			if (d >= dist)
				dist = d, far = i;
		}
		cp_drop(&e->rungs[far]);
		e->rungs[far] = e->rungs[--e->nrungs];
	}
	snapshot(e, &e->rungs[e->nrungs++]);
}

/* Forget rungs past position n (their history was replaced). */
static void rungs_drop_after(engine *e, size_t n)
{
	for (size_t i = 0; i < e->nrungs;)
		if (e->rungs[i].pos > n) {
			cp_drop(&e->rungs[i]);
			e->rungs[i] = e->rungs[--e->nrungs];
		} else {
			i++;
		}
}

/* Rebuild the current state as it is after n operations: clone the
 * nearest clone below and replay; with ladder, leave rungs at n - d/2,
 * n - d/4, ... so that the positions just below n are cheap to reach next
 * (each rung costs a clone and the copies after it, so a far jump, which
 * is not followed by undo as surely, goes without). */
static void rebuild(engine *e, size_t n, bool ladder)
{
	const eng_checkpoint *c = base_for(e, n);
	size_t from = c->pos;
	alloc_free(e->heap);
	e->heap = alloc_clone(c->heap);
	vars_load(e, c);
	e->pos = from;
	size_t d = n - from;
	for (size_t gap = d / 2; ladder && gap >= RUNG_MIN; gap /= 2) {
		size_t p = n - gap;
		if (p <= e->pos)
			continue;
		replay(e, e->pos, p);
		rung_take(e);
	}
	replay(e, e->pos, n);
}

static void keep_events(engine *e)
{
	alloc *a = e->heap;
	if (a->nev > e->caplastev) {
		e->caplastev = a->nev;
		e->lastev = xrealloc(e->lastev, sizeof *e->lastev * a->nev);
	}
	if (a->nev)
		memcpy(e->lastev, a->ev, sizeof *a->ev * a->nev);
	e->nlastev = a->nev;
}

/* Bytes a new checkpoint costs up front: its page tables and variables. */
static size_t cp_fixed_cost(const engine *e)
{
	const mem_space *m = e->heap->mem;
	size_t b = sizeof(alloc) + sizeof(mem_space) + sizeof(eng_checkpoint) + e->nvars * 9 + m->n * sizeof *m->maps;
	for (size_t i = 0; i < m->n; i++) {
		uint64_t pages = (m->maps[i].end - m->maps[i].start + MEM_PAGE - 1) / MEM_PAGE;
		b += (size_t)((pages + MEM_LEAF_PAGES - 1) / MEM_LEAF_PAGES) * sizeof(void *);
	}
	return b;
}

/* Exact bytes the checkpoints hold beyond the current state. */
static size_t cp_exact_bytes(const engine *e)
{
	mem_space **snaps = xreallocarray(NULL, e->ncps ? e->ncps : 1, sizeof *snaps);
	size_t vars = 0;
	for (size_t i = 0; i < e->ncps; i++) {
		snaps[i] = e->cps[i].heap->mem;
		vars += e->cps[i].nvars * 9 + sizeof(alloc) + sizeof(eng_checkpoint);
	}
	size_t pages = mem_extra_bytes(snaps, e->ncps, e->heap->mem);
	free(snaps);
	return vars + pages;
}

/* Count the checkpoints' bytes exactly (what was pending included). */
static size_t cp_recount(engine *e)
{
	mem_take_detached(e->heap->mem);
	e->cp_pend = 0;
	return e->cp_bytes = cp_exact_bytes(e);
}

/* The checkpoint, the first excepted, whose loss lengthens the longest
 * replay least: the one with the shortest span between its neighbours (the
 * newest one's right neighbour is the end of the log). */
static size_t cp_least_missed(const engine *e)
{
	size_t best = 1;
	uint64_t span = UINT64_MAX;
	for (size_t i = 1; i < e->ncps; i++) {
		uint64_t right = i + 1 < e->ncps ? e->cps[i + 1].clock : e->clock;
		if (right - e->cps[i - 1].clock < span)
			span = right - e->cps[i - 1].clock, best = i;
	}
	return best;
}

/* Drop checkpoints where they are least missed until history fits in
 * budget: about as many at a time as the excess pays for, then an exact
 * count (the first checkpoint stays). */
static void cp_thin(engine *e, size_t budget)
{
	while (e->cp_bytes > budget && e->ncps > 1) {
		size_t each = e->cp_bytes / e->ncps + 1;
		size_t k = (e->cp_bytes - budget) / each + 1;
		while (k-- > 0 && e->ncps > 1) {
			size_t i = cp_least_missed(e);
			cp_drop(&e->cps[i]);
			memmove(&e->cps[i], &e->cps[i + 1], (e->ncps - i - 1) * sizeof *e->cps);
			e->ncps--;
		}
		cp_recount(e);
	}
}

/* Pack the pages the newest checkpoint holds and the current state no
 * longer does: history shrinks to about its nonzero words. */
static void cp_pack(engine *e)
{
	mem_space **snaps = xreallocarray(NULL, e->ncps, sizeof *snaps);
	for (size_t i = 0; i < e->ncps; i++)
		snaps[i] = e->cps[i].heap->mem;
	int64_t saved = mem_pack_history(snaps, e->ncps, e->heap->mem);
	free(snaps);
	size_t was = e->cp_bytes + e->cp_pend;
	if (saved >= 0)
		e->cp_bytes = (size_t)saved < was ? was - (size_t)saved : 0;
	else
		e->cp_bytes = was + (size_t)-saved;
	/* how much of what was copied away packing keeps predicts the next */
	if (e->cp_pend >= (64u << 10) && saved >= 0 && (size_t)saved < e->cp_pend)
		e->pack_ratio = (uint32_t)((e->cp_pend - (size_t)saved) * 1024 / e->cp_pend) + 1;
	e->cp_pend = 0;
}

static void maybe_checkpoint(engine *e)
{
	/* look at the budget every 64 operations and when a checkpoint is due */
	if ((e->pos & 63) && e->pos - e->cps[e->ncps - 1].pos < e->interval)
		return;
	/* pages copied away from the checkpoints are history's memory now,
	 * until packing shrinks them */
	e->cp_pend += (size_t)mem_take_detached(e->heap->mem);
	/* the budget scales with the operations recorded; a small floor keeps
	 * short sessions from thinning for a few pages */
	size_t budget = e->budget_per_op * e->pos;
	if (budget < e->budget_floor)
		budget = e->budget_floor;
	if (e->cp_bytes + e->cp_pend / 1024 * e->pack_ratio > budget && e->ncps > 1) {
		/* over budget: pack what the newest checkpoint alone holds, then
		 * thin out until it fits */
		cp_pack(e);
		if (e->cp_bytes > budget)
			cp_recount(e);
		cp_thin(e, budget);
		e->cp_mark = e->cp_bytes;
	}
	if (e->pos - e->cps[e->ncps - 1].pos < e->interval)
		return;
	/* what the newest checkpoint alone holds shrinks to its words first */
	cp_pack(e);
	size_t fixed = cp_fixed_cost(e);
	/* what the last interval cost predicts the next */
	size_t cost = fixed + (e->cp_bytes > e->cp_mark ? e->cp_bytes - e->cp_mark : 0);
	if (e->cp_bytes + fixed > budget) {
		/* make room where a checkpoint is least missed (maybe the newest:
		 * then this one takes its place further on) */
		cp_thin(e, budget > fixed ? budget - fixed : 0);
		if (e->cp_bytes + fixed > budget) {
			e->interval += (e->cp_bytes + fixed - budget) / e->budget_per_op + 1;
			return;
		}
	}
	/* space checkpoints as far apart as replaying CP_REPLAY_NS allows
	 * (fewer checkpoints mean fewer copy-on-write copies on the hot path),
	 * but no closer than the budget pays for */
	e->cp_cost = e->cp_cost ? e->cp_cost - e->cp_cost / 4 + cost / 4 : cost;
	size_t iv = e->cp_cost / e->budget_per_op, tiv = (size_t)(CP_REPLAY_NS / (e->op_ns ? e->op_ns : 1));
	if (iv < tiv)
		iv = tiv;
	e->interval = iv < CP_MIN_INTERVAL ? CP_MIN_INTERVAL : iv;
	e->cp_bytes += fixed;
	e->cp_mark = e->cp_bytes;
	cp_take(e);
}

/* Peek at the chunk a pointer belongs to, without faulting. */
static void peek_chunk(engine *e, uint64_t p, uint64_t *size, bool *mm)
{
	uint64_t raw = 0;
	*size = 0;
	*mm = false;
	if (e->heap->mm && !alloc_mm_cs_app(e->heap))
		return; /* a student's allocator: where its sizes are is not known */
	if (p >= 16 && alloc_rdword(e->heap, p - alloc_ssz(e->heap), &raw)) {
		*size = raw & ~(uint64_t)7;
		*mm = raw & 2;
	}
}

/* What a result says before the operation runs: which one, its arguments. */
static void result_start(const engine *e, const eng_op *op, eng_result *r, size_t seq)
{
	/* every field but the message's text (a memset would cost the hot path) */
	r->msg[0] = 0;
	r->status = ALLOC_OK;
	r->ret = r->req = r->chunk = r->brk = 0;
	r->mmapped = false;
	r->ev = NULL;
	r->nev = 0;
	r->text = NULL;
	r->textlen = 0;
	r->seq = seq;
	r->kind = op->kind;
	r->dst = op->dst;
	r->arg = op->x;
	r->arg2 = op->y;
	if (op->kind == ENG_PRINT) {
		r->text = (const char *)e->blob + op->y;
		r->textlen = (size_t)op->z;
	}
}

int eng_exec(engine *e, const eng_op *op, eng_result *r)
{
	/* a new operation after undo drops the redo tail */
	if (e->pos < e->nlog) {
		e->nlog = e->pos;
		bool dropped = false;
		while (e->ncps > 1 && e->cps[e->ncps - 1].pos > e->pos) {
			cp_drop(&e->cps[--e->ncps]);
			dropped = true;
		}
		if (dropped)
			e->cp_mark = cp_recount(e);
		rungs_drop_after(e, e->pos);
		const eng_checkpoint *c = &e->cps[e->ncps - 1];
		e->clock = c->clock + (uint64_t)(e->pos - c->pos) * e->op_ns;
	}
	if (e->nlog == e->caplog) {
		e->caplog = e->caplog ? 2 * e->caplog : 1024;
		e->log = xrealloc(e->log, sizeof *e->log * e->caplog);
	}
	result_start(e, op, r, e->nlog);
	uint64_t fsize = 0;
	bool fmm = false;
	if (op->kind == ENG_FREE)
		peek_chunk(e, op->x, &fsize, &fmm);
	else if (op->kind == ENG_REALLOC && op->y == 0)
		peek_chunk(e, op->x, &fsize, &fmm);

	e->log[e->nlog] = *op;
	e->log[e->nlog].flags = 0;
	/* time a few operations in every OP_PERIOD: how far apart checkpoints
	 * may be (one alone varies too much to go by) */
	uint64_t t0 = (e->nlog & (OP_PERIOD - 1)) < OP_SAMPLE ? now_ns() : 0;
	int st = apply(e, op, &r->ret);
	if (t0) {
		e->sample_ns += now_ns() - t0;
		if ((e->nlog & (OP_PERIOD - 1)) == OP_SAMPLE - 1) {
			uint64_t d = e->sample_ns / OP_SAMPLE;
			e->op_ns = e->op_ns ? e->op_ns - e->op_ns / 8 + d / 8 : d;
			e->sample_ns = 0;
		}
	}
	e->clock += e->op_ns;
	r->status = st;
	if (st != ALLOC_OK) {
		keep_events(e);
		e->ev_saved = true;
		memcpy(r->msg, e->heap->msg, sizeof r->msg);
		e->log[e->nlog].flags = ENG_OPF_FAILED;
		e->nlog++;
		size_t replayed = e->pos - e->cps[e->ncps - 1].pos;
		rebuild(e, e->pos, false);
		e->pos = e->nlog;
		/* checkpoint here so the next failure does not replay this stretch */
		if (replayed > CP_MIN_INTERVAL)
			cp_take(e);
	} else {
		e->ev_saved = false;
		e->nlog++;
		e->pos = e->nlog;
		e->generation++;
	}
	switch (op->kind) {
	case ENG_FOPEN:
		if (st == ALLOC_OK && r->ret)
			peek_chunk(e, r->ret, &r->chunk, &r->mmapped);
		break;
	case ENG_MEMALIGN:
	case ENG_ALIGNED_ALLOC:
	case ENG_POSIX_MEMALIGN:
	case ENG_VALLOC:
	case ENG_PVALLOC:
		r->code = e->code;
		/* fall through */
	case ENG_MALLOC:
	case ENG_REALLOC:
	case ENG_CALLOC:
		r->req = op->kind == ENG_CALLOC ? op->x * op->y : op->kind == ENG_MALLOC ? op->x : op->y;
		if (st == ALLOC_OK && r->ret)
			peek_chunk(e, r->ret, &r->chunk, &r->mmapped);
		else if (op->kind == ENG_REALLOC && op->y == 0) {
			r->chunk = fsize;
			r->mmapped = fmm;
		}
		break;
	case ENG_FREE:
		r->chunk = fsize;
		r->mmapped = fmm;
		break;
	default:
		break;
	}
	r->brk = e->heap->brk;
	r->ev = eng_last_events(e, &r->nev);
	if (st == ALLOC_OK)
		maybe_checkpoint(e);
	e->last = *r;
	e->has_last = true;
	return st;
}

size_t eng_count(const engine *e)
{
	return e->nlog;
}

bool eng_goto(engine *e, size_t n)
{
	if (n > e->nlog)
		return false;
	if (n == e->pos)
		return true;
	e->has_last = false;
	if (n > e->pos) {
		/* forward: replay from here unless a clone is closer */
		if (base_for(e, n)->pos <= e->pos) {
			replay(e, e->pos, n);
			e->ev_saved = false;
			return true;
		}
	}
	rebuild(e, n, n + 1 == e->pos);
	e->ev_saved = false;
	return true;
}

bool eng_prepare_undo(engine *e)
{
	if (!e->pos)
		return false;
	size_t n = e->pos - 1;
	if (n - base_for(e, n)->pos < RUNG_MIN)
		return false;
	/* lay the ladder on a scratch state; the current one stays as it is */
	eng_checkpoint cur = {.pos = e->pos, .heap = e->heap};
	uint64_t gen = e->generation;
	bool noev = e->no_events;
	vars_save(e, &cur);
	e->heap = alloc_clone(cur.heap);
	rebuild(e, n, true);
	alloc_free(e->heap);
	vars_load(e, &cur);
	e->heap = cur.heap;
	e->pos = cur.pos;
	e->generation = gen;
	e->no_events = noev;
	free(cur.vars);
	free(cur.vset);
	return true;
}

bool eng_undo(engine *e)
{
	if (e->pos == 0)
		return false;
	return eng_goto(e, e->pos - 1);
}

bool eng_redo(engine *e, eng_result *r)
{
	if (e->pos >= e->nlog)
		return false;
	const eng_op *op = &e->log[e->pos];
	result_start(e, op, r, e->pos);
	if (op->flags & ENG_OPF_FAILED) {
		r->status = ALLOC_ABORT;
		snprintf(r->msg, sizeof r->msg, "(operation %zu failed when it ran)", e->pos + 1);
		e->pos++;
		e->no_events = true;
		e->ev_saved = false;
		e->has_last = false;
		return true;
	}
	r->status = apply(e, op, &r->ret);
	e->ev_saved = false;
	e->has_last = r->status == ALLOC_OK;
	r->ev = eng_last_events(e, &r->nev);
	r->brk = e->heap->brk;
	e->pos++;
	e->generation++;
	if (e->has_last)
		e->last = *r;
	return true;
}

const eng_result *eng_last_result(engine *e)
{
	if (!e->has_last)
		return NULL;
	e->last.ev = eng_last_events(e, &e->last.nev);
	return &e->last;
}

const alloc_ev *eng_last_events(engine *e, uint32_t *n)
{
	if (e->ev_saved) {
		*n = e->nlastev;
		return e->lastev;
	}
	*n = e->no_events ? 0 : e->heap->nev;
	return e->heap->ev;
}

void eng_set_history_budget(engine *e, size_t per_op, size_t floor)
{
	e->budget_per_op = per_op ? per_op : 1;
	e->budget_floor = floor;
}

size_t eng_history_bytes(const engine *e)
{
	return e->caplog * sizeof *e->log + e->capblob + e->capcps * sizeof *e->cps + cp_exact_bytes(e);
}

const char *eng_op_name(int kind)
{
	static const char *const names[ENG_OPKIND_COUNT] = {
#define X(id, name) name,
		ENG_OPS(X)
#undef X
	};
	return kind >= 0 && kind < ENG_OPKIND_COUNT ? names[kind] : "?";
}

bool eng_op_allocates(int kind)
{
	switch (kind) {
	case ENG_MALLOC:
	case ENG_CALLOC:
	case ENG_REALLOC:
	case ENG_MEMALIGN:
	case ENG_ALIGNED_ALLOC:
	case ENG_POSIX_MEMALIGN:
	case ENG_VALLOC:
	case ENG_PVALLOC:
		return true;
	default:
		return false;
	}
}

alloc *eng_heap(const engine *e)
{
	return e->heap;
}

size_t eng_pos(const engine *e)
{
	return e->pos;
}

uint64_t eng_generation(const engine *e)
{
	return e->generation;
}

uint32_t eng_nnames(const engine *e)
{
	return e->nnames;
}

size_t eng_checkpoints(const engine *e)
{
	return e->ncps;
}

size_t eng_checkpoint_pos(const engine *e, size_t i)
{
	return i < e->ncps ? e->cps[i].pos : e->nlog;
}
