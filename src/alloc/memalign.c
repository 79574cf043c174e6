/*
 * memalign.c - the memalign family of glibc 2.36: memalign, aligned_alloc
 * (the same function in 2.36), posix_memalign, valloc and pvalloc.
 *
 * An alignment of at most 16 is plain malloc (tcache and all).  Otherwise
 * the alignment is raised to at least MINSIZE and to a power of two, and
 * the request goes to _int_malloc directly (never the tcache lookup, and
 * the tcache is not created on this path) with room for the worst
 * misalignment: nb + alignment + MINSIZE.  In the chunk it got, the first
 * aligned spot with at least MINSIZE before it becomes the new chunk; the
 * leader is freed (with have_lock, so the fastbin entry check runs), or for
 * an mmapped chunk only folded into prev_size.  A tail of more than MINSIZE
 * past nb is freed too.
 */
#include <errno.h>

#include "internal.h"

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* _int_memalign: 0 when there is no memory (errno ENOMEM). */
static uint64_t int_memalign(alloc *a, uint64_t align, uint64_t bytes, uint64_t *code)
{
	uint64_t nb;
	if (!alloc_request2size(a, bytes, &nb) || align > (uint64_t)INT64_MAX) {
		*code = ENOMEM;
		return 0;
	}
	uint64_t m = alloc_int_malloc(a, nb + align + MINSIZE);
	if (!m) {
		*code = ENOMEM;
		return 0;
	}
	uint64_t p = m - HDR;
	if (m % align) {
		uint64_t newp = ((m + align - 1) & ~(align - 1)) - HDR;
		if (newp - p < MINSIZE)
			newp += align;
		uint64_t lead = newp - p, newsize = csize(a, p) - lead;
		if (is_mmapped(a, p)) {
			wr(a, newp, prev_size(a, p) + lead);
			set_head(a, newp, newsize | ALLOC_IS_MMAPPED);
			/* the views find the chunk by its mapping: say where it starts */
			mem_map *mp = mem_map_at(a->mem, p - prev_size(a, p));
			if (mp)
				mp->aux = newp - mp->start;
			alloc_emit(a, ALLOC_EV_ALIGN, ALLOC_BIN_MMAP, 0, p, lead, newp);
			return newp + HDR;
		}
		set_head(a, newp, newsize | ALLOC_PREV_INUSE | AFLAG);
		set_inuse_at(a, newp, newsize);
		set_head_size(a, p, lead | AFLAG);
		alloc_emit(a, ALLOC_EV_ALIGN, ALLOC_BIN_NONE, 0, p, lead, newp);
		alloc_int_free(a, p, true);
		p = newp;
	}
	if (!is_mmapped(a, p)) {
		uint64_t size = csize(a, p);
		if (size > nb + MINSIZE) {
			uint64_t rem = p + nb;
			set_head(a, rem, (size - nb) | ALLOC_PREV_INUSE | AFLAG);
			set_head_size(a, p, nb);
			alloc_emit(a, ALLOC_EV_ALIGN_TAIL, ALLOC_BIN_NONE, 0, p, nb, rem);
			alloc_int_free(a, rem, true);
		}
	}
	return p + HDR;
}

/* _mid_memalign */
static uint64_t mid_memalign(alloc *a, uint64_t align, uint64_t bytes, uint64_t *code)
{
	if (align <= 16) {
		uint64_t m = alloc_libc_malloc(a, bytes);
		*code = m ? 0 : ENOMEM;
		return m;
	}
	if (align < MINSIZE)
		align = MINSIZE;
	if (align > (a->ssz == 8 ? UINT64_MAX >> 1 : UINT32_MAX >> 1) + 1) { /* SIZE_MAX / 2 + 1 */
		*code = EINVAL;
		return 0;
	}
	if (!pow2(align)) {
		uint64_t x = 32;
		while (x < align)
			x <<= 1;
		align = x;
	}
	if (!a->multi)
		return int_memalign(a, align, bytes, code);
	/* the thread's arena, as malloc chooses it */
	unsigned prev = a->av;
	int k = alloc_arena_get_for(a, bytes + align + MINSIZE);
	if (k < 0) {
		*code = ENOMEM;
		return 0;
	}
	alloc_arena_use(a, (unsigned)k);
	uint64_t m = int_memalign(a, align, bytes, code);
	if (!m && (k = alloc_arena_retry(a, (unsigned)k, bytes)) >= 0) {
		alloc_arena_use(a, (unsigned)k);
		m = int_memalign(a, align, bytes, code);
	}
	alloc_arena_use(a, prev);
	if (m)
		*code = 0;
	return m;
}

int alloc_memalign(alloc *a, int fn, uint64_t align, uint64_t bytes, uint64_t *out, uint64_t *code)
{
	if (a->design) {
		/* the textbook designs have no memalign: NULL, ENOMEM */
		*out = 0;
		*code = ENOMEM;
		a->nev = 0;
		return ALLOC_OK;
	}
	OP_BEGIN(a);
	*out = 0;
	*code = 0;
	alloc_ptmalloc_init(a);
	switch (fn) {
	case ALLOC_FN_POSIX_MEMALIGN:
		/* a power-of-two multiple of sizeof (void *), checked first */
		if (align % SSZ || !pow2(align / SSZ)) {
			*code = EINVAL;
			OP_END(a);
		}
		*out = mid_memalign(a, align, bytes, code);
		if (!*out)
			*code = ENOMEM; /* whatever the cause, posix_memalign says ENOMEM */
		OP_END(a);
	case ALLOC_FN_VALLOC:
		*out = mid_memalign(a, PAGE, bytes, code);
		OP_END(a);
	case ALLOC_FN_PVALLOC:
		if (bytes > (a->ssz == 8 ? UINT64_MAX : UINT32_MAX) - (PAGE - 1)) {
			*code = ENOMEM;
			OP_END(a);
		}
		/* glibc 2.36 masks with -(pagesize - 1), which keeps bit 0 */
		*out = mid_memalign(a, PAGE,
				    (bytes + PAGE - 1) & (uint64_t)-(int64_t)(PAGE - 1) & (a->ssz == 8 ? UINT64_MAX : UINT32_MAX),
				    code);
		OP_END(a);
	default: /* memalign, aligned_alloc: the same function in 2.36 */
		*out = mid_memalign(a, align, bytes, code);
		OP_END(a);
	}
}
