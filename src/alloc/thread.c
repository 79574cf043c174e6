/*
 * thread.c - threads and arenas as glibc 2.36 keeps them: which arena a
 * call runs in (arena_get, arena_get2 with its limit, reused_arena, the
 * free list, arena_get_retry), what pthread_create and pthread_join do to
 * the heap (a thread's stack mapping or a cached one, its dtv), and a
 * thread's exit (its tcache emptied into the arenas, its arena put on the
 * free list when no thread is attached to it any more).
 *
 * Invariants: between operations av is 0 and alloc's fields top,
 * fastbins, ... are main_arena's; ar[k] holds arena k's scalars whenever k
 * is not the running arena.  The ring main -> newest -> ... -> oldest ->
 * main is ar[].next, as _int_new_arena links it.  The running thread's
 * tcache is alloc.tcache; th[t].tcache holds every other thread's.
 */
#include <stdio.h>

#include "internal.h"

#define STACK_GUARD PAGE
#define STACK_CACHE_MAX (40ull << 20) /* nptl's stack_cache_maxsize */

/* The scalars of malloc_state that alloc keeps for the running arena. */
#define ARENA_SCALARS(X) X(top) X(last_remainder) X(system_mem) X(max_system_mem) X(have_fastchunks) X(contiguous)

/* Copy the running arena's scalars from alloc's fields into *to. */
static void save(const alloc *a, alloc_arena *to)
{
#define SAVE(f) to->f = a->f;
	ARENA_SCALARS(SAVE)
#undef SAVE
	memcpy(to->fastbins, a->fastbins, sizeof to->fastbins);
	memcpy(to->binmap, a->binmap, sizeof to->binmap);
}

void alloc_arena_use(alloc *a, unsigned k)
{
	if (k == a->av)
		return;
	save(a, &a->ar[a->av]);
	const alloc_arena *d = &a->ar[k];
#define LOAD(f) a->f = d->f;
	ARENA_SCALARS(LOAD)
#undef LOAD
	memcpy(a->fastbins, d->fastbins, sizeof d->fastbins);
	memcpy(a->binmap, d->binmap, sizeof d->binmap);
	a->av = (uint8_t)k;
}

void alloc_arena_get(const alloc *a, unsigned k, alloc_arena *out)
{
	*out = a->ar[k];
	if (k == a->av)
		save(a, out);
	if (k == 0)
		out->state = a->lay.arena;
}

uint64_t alloc_arena_bin_at(const alloc *a, unsigned k, unsigned idx)
{
	uint64_t st = k ? a->ar[k].state : a->lay.arena;
	return a->ssz == 8 ? st + 0x60 + (uint64_t)(idx - 1) * 16 : st + 0x38 + (uint64_t)(idx - 1) * 8;
}

/* detach_arena: the running thread leaves arena k */
static void detach(alloc *a, int k)
{
	if (k >= 0 && a->ar[k].attached > 0)
		a->ar[k].attached--;
}

/* get_free_list: an arena whose threads have all exited, or -1 */
static int get_free_list(alloc *a)
{
	int k = a->free_list;
	if (k < 0)
		return -1;
	a->free_list = a->ar[k].next_free;
	a->ar[k].next_free = -1;
	a->ar[k].attached = 1;
	detach(a, a->th[a->thread].arena);
	a->th[a->thread].arena = (int8_t)k;
	alloc_emit(a, ALLOC_EV_ARENA, ALLOC_BIN_NONE, 1, a->ar[k].state, (uint64_t)k, 0);
	return k;
}

/* reused_arena: with every arena unlocked (one call runs at a time), the
 * next one in the ring after the last one handed out */
static int reused_arena(alloc *a)
{
	int k = a->next_to_use;
	detach(a, a->th[a->thread].arena);
	/* remove_from_free_list */
	for (int8_t *pp = &a->free_list; *pp >= 0; pp = &a->ar[*pp].next_free)
		if (*pp == k) {
			*pp = a->ar[k].next_free;
			a->ar[k].next_free = -1;
			break;
		}
	a->ar[k].attached++;
	a->th[a->thread].arena = (int8_t)k;
	a->next_to_use = a->ar[k].next;
	alloc_emit(a, ALLOC_EV_ARENA, ALLOC_BIN_NONE, 2, k ? a->ar[k].state : a->lay.arena, (uint64_t)k,
		   a->narenas_limit);
	return k;
}

/* arena_get2 */
static int arena_get2(alloc *a, uint64_t bytes)
{
	int k = get_free_list(a);
	if (k >= 0)
		return k;
	if (a->narenas_limit == 0) {
		if (a->mp.arena_max)
			a->narenas_limit = a->mp.arena_max;
		else if (a->nar > a->mp.arena_test)
			a->narenas_limit = (uint64_t)(a->ssz == 8 ? 8 : 2) * a->cores; /* NARENAS_FROM_NCORES */
	}
	/* limit 0 means none yet: (size_t) 0 - 1 lets every thread have one */
	if ((uint64_t)a->nar <= a->narenas_limit - 1 && a->nar < ALLOC_MAX_ARENAS) {
		k = alloc_new_arena(a, bytes);
		if (k < 0)
			return -1;
		detach(a, a->th[a->thread].arena);
		a->th[a->thread].arena = (int8_t)k;
		return k;
	}
	return reused_arena(a);
}

int alloc_arena_get_for(alloc *a, uint64_t bytes)
{
	int k = a->th[a->thread].arena;
	return k >= 0 ? k : arena_get2(a, bytes);
}

int alloc_arena_retry(alloc *a, unsigned k, uint64_t bytes)
{
	/* a thread arena that failed falls back to main_arena (it may be out
	 * of mmaps); main_arena's failure (brk) tries another arena */
	return k ? 0 : arena_get2(a, bytes);
}

/* Make thread n the running one (its tcache into alloc.tcache). */
static void run_thread(alloc *a, unsigned n)
{
	if (n == a->thread)
		return;
	a->th[a->thread].tcache = a->tcache;
	a->tcache = a->th[n].tcache;
	a->thread = (uint8_t)n;
}

/* The oldest cached stack is freed: its dtv, then its mapping. */
static void drop_oldest_stack(alloc *a)
{
	alloc_cached_stack *o = &a->cstack[--a->ncached];
	a->stack_cache_size -= o->len;
	alloc_libc_free(a, o->dtv);
	alloc_vm_unmap_range(a, o->stack, o->len);
	alloc_emit(a, ALLOC_EV_MUNMAP, ALLOC_BIN_NONE, 0, o->stack, o->len, 0);
}

/* A returned thread is joined by the running thread (__nptl_free_stack):
 * its stack goes to the cache, newest first; past 40 MiB the oldest are
 * unmapped and their dtv freed, by the joiner. */
static void queue_stack(alloc *a, alloc_thread *t)
{
	t->unjoined = false;
	if (a->ncached == ALLOC_STACK_CACHE) /* more than the model keeps: the oldest goes now */
		drop_oldest_stack(a);
	memmove(&a->cstack[1], &a->cstack[0], sizeof *a->cstack * a->ncached);
	a->cstack[0] = (alloc_cached_stack){t->stack, t->stack_len, t->dtv};
	a->ncached++;
	a->stack_cache_size += t->stack_len;
	while (a->stack_cache_size > STACK_CACHE_MAX && a->ncached)
		drop_oldest_stack(a);
}

/* pthread_create, called by thread creator: a stack from the cache (the
 * newest of the best-fitting size), or a new mapping whose guard page
 * stays PROT_NONE, then the dtv calloc'd for the new thread's TLS. */
static bool create(alloc *a, unsigned n, unsigned creator)
{
	run_thread(a, creator);
	a->multi = true;
	uint64_t len = ALIGN_UP(a->stack_limit, PAGE) + STACK_GUARD;
	alloc_thread *t = &a->th[n];
	if (t->unjoined) /* its number is reused: the creator joins it first */
		queue_stack(a, t);
	int best = -1;
	for (unsigned i = 0; i < a->ncached; i++) {
		if (a->cstack[i].len < len)
			continue;
		if (a->cstack[i].len == len) {
			best = (int)i;
			break;
		}
		if (best < 0 || a->cstack[best].len > a->cstack[i].len)
			best = (int)i;
	}
	if (best >= 0 && a->cstack[best].len > 4 * len)
		best = -1;
	memset(t, 0, sizeof *t);
	t->arena = -1;
	if (best >= 0) {
		alloc_cached_stack c = a->cstack[best];
		memmove(&a->cstack[best], &a->cstack[best + 1], sizeof c * (a->ncached - (unsigned)best - 1));
		a->ncached--;
		a->stack_cache_size -= c.len;
		t->stack = c.stack;
		t->stack_len = c.len;
		t->dtv = c.dtv;
		t->alive = true;
		mem_space *m = a->mem;
		for (size_t i = 0; i < m->n; i++) /* its guard page and the rest say whose it is now */
			if (m->maps[i].kind == MEM_TSTACK && m->maps[i].start >= c.stack && m->maps[i].start < c.stack + c.len)
				m->maps[i].aux = n;
		alloc_emit(a, ALLOC_EV_THREAD, ALLOC_BIN_NONE, 0, t->stack, n, 1);
		return true;
	}
	uint64_t at = alloc_place(a, len, 0);
	if (!at || !mem_map_file(a->mem, at, len, MEM_TSTACK, 0, "", at)) {
		snprintf(a->msg, sizeof a->msg, "pthread_create: no room for a %llu-byte thread stack (EAGAIN)",
			 (unsigned long long)len);
		a->status = ALLOC_ABORT;
		alloc_emit(a, ALLOC_EV_FAIL, 0, 0, 0, 0, 0);
		ALLOC_UNWIND(a);
	}
	mem_map_at(a->mem, at)->aux = n;
	alloc_emit(a, ALLOC_EV_MMAP, ALLOC_BIN_NONE, 0, at, len, 2);
	alloc_vm_protect_range(a, at + STACK_GUARD, len - STACK_GUARD, MEM_R | MEM_W);
	t->stack = at;
	t->stack_len = len;
	t->alive = true;
	/* _dl_allocate_tls: calloc (dtv_length + 2, sizeof (dtv_t)): one slot
	 * per TLS module (libc's only, by default) and 14 spare */
	t->dtv = alloc_libc_calloc(a, a->dtv_slots, 2 * SSZ);
	alloc_emit(a, ALLOC_EV_THREAD, ALLOC_BIN_NONE, 0, t->stack, n, 0);
	return false;
}

int alloc_thread_switch(alloc *a, unsigned n, bool *created)
{
	OP_BEGIN(a);
	*created = false;
	if (n < ALLOC_MAX_THREADS && n != a->thread) {
		if (!a->th[n].alive) {
			create(a, n, 0);
			*created = true;
		}
		run_thread(a, n);
	}
	OP_END(a);
}

int alloc_thread_create(alloc *a, unsigned n, unsigned dtv_slots, uint64_t *dtv)
{
	OP_BEGIN(a);
	*dtv = 0;
	if (dtv_slots)
		a->dtv_slots = (uint16_t)dtv_slots;
	if (n < ALLOC_MAX_THREADS && !a->th[n].alive) {
		unsigned creator = a->thread;
		/* a cached stack keeps its dtv: no call was made */
		bool cached = create(a, n, creator);
		run_thread(a, creator);
		*dtv = cached ? 0 : a->th[n].dtv;
	}
	OP_END(a);
}

int alloc_thread_exit(alloc *a, unsigned n, bool join)
{
	OP_BEGIN(a);
	if (n == 0 || n >= ALLOC_MAX_THREADS || !a->th[n].alive)
		OP_END(a);
	run_thread(a, n);
	alloc_thread *t = &a->th[n];
	/* tcache_thread_shutdown: no tcache from here on; every cached chunk
	 * and then the tcache itself go back to their arenas */
	t->tcache_off = true;
	uint64_t tc = a->tcache;
	if (tc) {
		a->tcache = 0;
		for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
			uint64_t slot = tc + 0x80 + SSZ * i, e;
			alloc_walk walk = ALLOC_WALK_INIT;
			while ((e = rd(a, slot)) != 0) {
				if (misaligned(e))
					alloc_fail(a, "tcache_thread_shutdown(): unaligned tcache chunk detected");
				alloc_walk_step(a, &walk, e, "tcache_thread_shutdown()");
				wr(a, slot, protect(e, rd(a, e)));
				alloc_libc_free(a, e);
				alloc_walk_changed(&walk);
			}
		}
		alloc_libc_free(a, tc);
	}
	/* __malloc_arena_thread_freeres */
	int k = t->arena;
	t->arena = -1;
	if (k >= 0 && a->ar[k].attached > 0 && --a->ar[k].attached == 0) {
		a->ar[k].next_free = a->free_list;
		a->free_list = (int8_t)k;
		alloc_emit(a, ALLOC_EV_ARENA, ALLOC_BIN_NONE, 3, k ? a->ar[k].state : a->lay.arena, (uint64_t)k, 0);
	}
	t->alive = false;
	t->unjoined = !join;
	alloc_emit(a, ALLOC_EV_THREAD, ALLOC_BIN_NONE, 1, t->stack, n, !join);
	run_thread(a, 0);
	if (join)
		queue_stack(a, t);
	OP_END(a);
}

int alloc_thread_join(alloc *a, unsigned n)
{
	OP_BEGIN(a);
	if (n == 0 || n >= ALLOC_MAX_THREADS || !a->th[n].unjoined)
		OP_END(a);
	alloc_emit(a, ALLOC_EV_THREAD, ALLOC_BIN_NONE, 2, a->th[n].stack, n, a->thread);
	queue_stack(a, &a->th[n]);
	OP_END(a);
}

int alloc_set_cores(alloc *a, unsigned n)
{
	if (n < 1 || n > 64)
		return -1;
	a->cores = (uint8_t)n;
	return 0;
}

int alloc_arena_of(alloc *a, uint64_t chunk)
{
	uint64_t raw, st;
	if (!alloc_rdword(a, chunk + a->ssz, &raw) || !(raw & ALLOC_NON_MAIN))
		return 0;
	if (!alloc_rdword(a, alloc_heap_of(a, chunk), &st))
		return -1;
	for (unsigned k = 1; k < a->nar; k++)
		if (a->ar[k].state == st)
			return (int)k;
	return -1;
}
