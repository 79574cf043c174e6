/*
 * tune.c - the allocator's control surface: mallopt, GLIBC_TUNABLES-style
 * settings, malloc_trim, malloc_usable_size, mallinfo2, and the stores a
 * simulated program makes into its own memory.
 */
#include <string.h>

#include "internal.h"

/* set_max_fast: up to MALLOC_ALIGN_MASK - SIZE_SZ it is MIN_CHUNK_SIZE / 2 */
static void set_max_fast(alloc *a, uint64_t v)
{
	a->mp.global_max_fast = v <= 15 - SSZ ? 2 * SSZ : ((v + SSZ) & ~(uint64_t)15);
}

static uint64_t do_mallopt(alloc *a, int param, int64_t value)
{
	alloc_ptmalloc_init(a);
	alloc_consolidate(a);
	switch (param) {
	case ALLOC_M_MXFAST:
		if (value < 0 || (uint64_t)value > MAX_FAST_SIZE)
			return 0;
		set_max_fast(a, (uint64_t)value);
		return 1;
	case ALLOC_M_TRIM_THRESHOLD:
		a->mp.trim_threshold = (uint64_t)value;
		a->mp.no_dyn_threshold = true;
		return 1;
	case ALLOC_M_TOP_PAD:
		a->mp.top_pad = (uint64_t)value;
		a->mp.no_dyn_threshold = true;
		return 1;
	case ALLOC_M_MMAP_THRESHOLD:
		a->mp.mmap_threshold = (uint64_t)value;
		a->mp.no_dyn_threshold = true;
		return 1;
	case ALLOC_M_MMAP_MAX:
		a->mp.n_mmaps_max = (int32_t)value;
		a->mp.no_dyn_threshold = true;
		return 1;
	case ALLOC_M_PERTURB:
		a->mp.perturb = (int)value;
		return 1;
	case ALLOC_M_ARENA_TEST:
		if (value > 0)
			a->mp.arena_test = (uint64_t)value;
		return 1;
	case ALLOC_M_ARENA_MAX:
		if (value > 0)
			a->mp.arena_max = (uint64_t)value;
		return 1;
	default:
		return 1;
	}
}

int alloc_mallopt(alloc *a, int param, int64_t value, uint64_t *out)
{
	if (a->design) {
		*out = 0; /* glibc's parameters mean nothing to a textbook design */
		a->nev = 0;
		return ALLOC_OK;
	}
	OP_BEGIN(a);
	*out = do_mallopt(a, param, value);
	OP_END(a);
}

static const struct tunable {
	const char *name;
	uint64_t max;
} tunables[ALLOC_TUNABLE_COUNT] = {
#define TUNABLE_ROW(id, name, max) [ALLOC_TUNABLE_##id] = {name, max},
	ALLOC_TUNABLES(TUNABLE_ROW)
#undef TUNABLE_ROW
};

static const struct param {
	const char *name;
	int num;
} params[] = {
#define PARAM_ROW(name, num) {#name, num},
	ALLOC_MALLOPT_PARAMS(PARAM_ROW)
#undef PARAM_ROW
};

int alloc_tunable_find(const char *name)
{
	for (int i = 0; i < ALLOC_TUNABLE_COUNT; i++)
		if (!strcmp(tunables[i].name, name))
			return i;
	return -1;
}

const char *alloc_tunable_name(int id)
{
	return id >= 0 && id < ALLOC_TUNABLE_COUNT ? tunables[id].name : NULL;
}

bool alloc_tunable_valid(int id, uint64_t v)
{
	return id >= 0 && id < ALLOC_TUNABLE_COUNT && v <= tunables[id].max;
}

bool alloc_mallopt_find(const char *name, int *param)
{
	for (size_t i = 0; i < sizeof params / sizeof *params; i++)
		if (!strcmp(params[i].name, name)) {
			*param = params[i].num;
			return true;
		}
	return false;
}

const char *alloc_mallopt_name_at(unsigned i)
{
	return i < sizeof params / sizeof *params ? params[i].name : NULL;
}

int alloc_tunable(alloc *a, int id, uint64_t v)
{
	if (id < 0 || id >= ALLOC_TUNABLE_COUNT)
		return -1;
	if (a->initialized)
		return -2;
	if (!alloc_tunable_valid(id, v))
		return -3;
	/* an i386 process's limits are lower: MAX_FAST_SIZE 80, tcache_max 1020 */
	if (a->ssz == 4 && ((id == ALLOC_TUNABLE_MXFAST && v > MAX_FAST_SIZE) ||
			    (id == ALLOC_TUNABLE_TCACHE_MAX && v > 63 * 16 + MINSIZE - SSZ)))
		return -3;
	alloc_params *mp = &a->mp;
	switch ((alloc_tunable_id)id) {
	case ALLOC_TUNABLE_TCACHE_COUNT:
		mp->tcache_count = v;
		break;
	case ALLOC_TUNABLE_TCACHE_MAX: {
		uint64_t nb;
		alloc_request2size(a, v, &nb);
		mp->tcache_max_bytes = v;
		mp->tcache_bins = tidx(a, nb) + 1;
		break;
	}
	case ALLOC_TUNABLE_TCACHE_UNSORTED_LIMIT:
		mp->tcache_unsorted_limit = v;
		break;
	case ALLOC_TUNABLE_MXFAST:
		set_max_fast(a, v);
		if (a->mp.global_max_fast == 0)
			a->mp.global_max_fast = 0x10;
		break;
	case ALLOC_TUNABLE_TOP_PAD:
		mp->top_pad = v;
		mp->no_dyn_threshold = true;
		break;
	case ALLOC_TUNABLE_MMAP_THRESHOLD:
		mp->mmap_threshold = v;
		mp->no_dyn_threshold = true;
		break;
	case ALLOC_TUNABLE_TRIM_THRESHOLD:
		mp->trim_threshold = v;
		mp->no_dyn_threshold = true;
		break;
	case ALLOC_TUNABLE_MMAP_MAX:
		mp->n_mmaps_max = (int64_t)v;
		mp->no_dyn_threshold = true;
		break;
	case ALLOC_TUNABLE_PERTURB:
		mp->perturb = (int)v;
		break;
	case ALLOC_TUNABLE_ARENA_MAX:
		if (v == 0) /* below the tunable's minimum: ignored */
			return -3;
		mp->arena_max = v;
		break;
	case ALLOC_TUNABLE_ARENA_TEST:
		if (v == 0)
			return -3;
		mp->arena_test = v;
		break;
	case ALLOC_TUNABLE_COUNT:
		return -1;
	}
	return 0;
}

static uint64_t mtrim(alloc *a, uint64_t pad)
{
	alloc_consolidate(a);
	uint64_t result = 0;
	unsigned psindex = alloc_bin_index(a, PAGE);
	for (unsigned i = 1; i < ALLOC_NBINS; i++) {
		if (i != 1 && i < psindex)
			continue;
		uint64_t bin = bin_at(a, i);
		alloc_walk walk = ALLOC_WALK_INIT;
		for (uint64_t p = bk(a, bin); p != bin; p = bk(a, p)) {
			alloc_walk_step(a, &walk, p, "malloc_trim()");
			uint64_t size = csize(a, p);
			/* sizeof (struct malloc_chunk): six words */
			if (size > PAGE - 1 + 6 * SSZ) {
				uint64_t pal = (p + 6 * SSZ + PAGE - 1) & ~(uint64_t)(PAGE - 1);
				size -= pal - p;
				if (size > PAGE - 1) {
					if (mem_discard(a->mem, pal, size & ~(uint64_t)(PAGE - 1)))
						alloc_walk_changed(&walk);
					alloc_emit(a, ALLOC_EV_MADVISE, ALLOC_BIN_NONE, i, pal, size & ~(uint64_t)(PAGE - 1), 0);
					result = 1;
				}
			}
		}
	}
	/* only main_arena gives memory back with brk */
	if (!a->top || a->av)
		return result;
	return result | (uint64_t)alloc_systrim(a, pad);
}

/* malloc_trim: every arena, main_arena first, then along the ring */
static uint64_t trim_all(alloc *a, uint64_t pad)
{
	alloc_ptmalloc_init(a);
	uint64_t result = 0;
	unsigned k = 0;
	do {
		alloc_arena_use(a, k);
		result |= mtrim(a, pad);
		k = a->ar[k].next;
	} while (k != 0);
	alloc_arena_use(a, 0);
	return result;
}

int alloc_trim(alloc *a, uint64_t pad, uint64_t *out)
{
	if (a->design) {
		*out = 0;
		a->nev = 0;
		return ALLOC_OK;
	}
	OP_BEGIN(a);
	*out = trim_all(a, pad);
	OP_END(a);
}

int alloc_usable_size(alloc *a, uint64_t mem, uint64_t *out)
{
	OP_BEGIN(a);
	*out = 0;
	if (mem) {
		uint64_t p = mem - HDR;
		uint64_t raw = size_raw(a, p);
		if (raw & ALLOC_IS_MMAPPED)
			*out = csize(a, p) - HDR;
		else if (inuse_at(a, p, csize(a, p)))
			*out = csize(a, p) - SSZ;
	}
	OP_END(a);
}

int alloc_poke(alloc *a, uint64_t addr, const void *src, uint64_t n)
{
	OP_BEGIN(a);
	if (n && !alloc_stack_touch(a, addr))
		alloc_stack_overflow(a, addr);
	if (!mem_write(a->mem, addr, src, n))
		alloc_segv(a, a->mem->fault, "write");
	alloc_design_stored(a, addr, n);
	OP_END(a);
}

int alloc_memset(alloc *a, uint64_t addr, int byte, uint64_t n)
{
	OP_BEGIN(a);
	if (n && !alloc_stack_touch(a, addr))
		alloc_stack_overflow(a, addr);
	if (!mem_fill(a->mem, addr, byte, n))
		alloc_segv(a, a->mem->fault, "write");
	alloc_design_stored(a, addr, n);
	OP_END(a);
}

/* int_mallinfo: arena k's figures added into o */
static void int_mallinfo(alloc *a, unsigned k, alloc_info *o)
{
	alloc_arena_use(a, k);
	uint64_t avail = a->top ? csize(a, a->top) : 0, fastavail = 0, nblocks = 1, nfast = 0;
	for (unsigned i = 0; i < ALLOC_NFASTBINS; i++) {
		alloc_walk walk = ALLOC_WALK_INIT;
		for (uint64_t p = a->fastbins[i]; p; p = protect(p + HDR, fd(a, p))) {
			alloc_walk_step(a, &walk, p, "mallinfo2()");
			if (misaligned_chunk(a, p))
				alloc_fail(a, "int_mallinfo(): unaligned fastbin chunk detected");
			nfast++;
			fastavail += csize(a, p);
		}
	}
	avail += fastavail;
	for (unsigned i = 1; i < ALLOC_NBINS; i++) {
		uint64_t b = bin_at(a, i);
		alloc_walk walk = ALLOC_WALK_INIT;
		for (uint64_t p = bk(a, b); p != b; p = bk(a, p)) {
			alloc_walk_step(a, &walk, p, "mallinfo2()");
			nblocks++;
			avail += csize(a, p);
		}
	}
	o->smblks += nfast;
	o->ordblks += nblocks;
	o->fordblks += avail;
	o->uordblks += a->system_mem - avail;
	o->arena += a->system_mem;
	o->fsmblks += fastavail;
	if (k == 0) {
		o->hblks = a->n_mmaps;
		o->hblkhd = a->mmapped_mem;
		o->keepcost = a->top ? csize(a, a->top) : 0;
	}
	o->max_mmapped_mem = a->max_mmapped_mem;
	o->max_n_mmaps = a->max_n_mmaps;
	alloc_arena_use(a, 0);
}

int alloc_mallinfo(alloc *a, alloc_info *o)
{
	OP_BEGIN(a);
	memset(o, 0, sizeof *o);
	if (!a->initialized)
		OP_END(a);
	/* every arena along the ring, main_arena first */
	unsigned k = 0;
	do {
		int_mallinfo(a, k, o);
		k = a->ar[k].next;
	} while (k != 0);
	OP_END(a);
}

int alloc_arena_info(alloc *a, unsigned k, alloc_info *o)
{
	OP_BEGIN(a);
	memset(o, 0, sizeof *o);
	if (a->initialized && k < a->nar)
		int_mallinfo(a, k, o);
	OP_END(a);
}
