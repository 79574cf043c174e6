/*
 * internal.h - chunk layout and helpers shared by the allocator files.
 *
 * A chunk at address c (x86-64):
 *   c+0x00 prev_size   meaningful only when the previous chunk is free in a
 *                      regular bin (or, for mmapped chunks, the lead-in)
 *   c+0x08 size|A|M|P  chunk size (multiple of 16) and the three flag bits
 *   c+0x10 fd          user data starts here (the "user pointer")
 *   c+0x18 bk
 *   c+0x20 fd_nextsize (free large chunks only)
 *   c+0x28 bk_nextsize
 * A tcache entry reuses +0x10 as `next` (safe-linked user pointer) and +0x18
 * as `key`; a fastbin chunk uses +0x10 as a safe-linked chunk address.
 *
 * Every accessor goes through simulated memory; a fault ends the operation
 * with a simulated SIGSEGV (a non-local jump to the operation's entry point:
 * __builtin_setjmp, which saves only what unwinding needs, or the standard
 * setjmp under AddressSanitizer, whose fake stack frames
 * __builtin_longjmp cannot unwind through).
 */
#ifndef HEAPSCOPE_ALLOC_INTERNAL_H
#define HEAPSCOPE_ALLOC_INTERNAL_H

#include <stdnoreturn.h>
#include <string.h>

#include "heapscope/alloc.h"

/* The sizes that depend on the word size, for code that has its process
 * in a variable named a: CHUNK_HDR_SZ, SIZE_SZ, MINSIZE, MIN_LARGE_SIZE,
 * MAX_FAST_SIZE and the mmap threshold's ceiling (x86-64 / i386). */
#define HDR ((uint64_t)2 * a->ssz)
#define SSZ ((uint64_t)a->ssz)
#define MINSIZE (a->ssz == 8 ? 0x20u : 0x10u)
#define MIN_LARGE (a->ssz == 8 ? 0x400u : 0x3f0u)
#define MAX_FAST_SIZE (20u * a->ssz)
#define MMAP_THRESHOLD_MAX (a->ssz == 8 ? 0x2000000u : 0x80000u)
#define PAGE 4096u
#define MMAP_AS_MORECORE 0x100000u
#define FASTBIN_CONSOLIDATION 0x10000u
#define MAX_ITERS 10000
/* The simulated machine refuses any single brk or mmap request above this. */
#define ALLOC_MEMORY_LIMIT (1ull << 36)

#define ALIGN_UP(x, p) (((x) + (p)-1) & ~((uint64_t)(p)-1))
#define ALIGN_DOWN(x, p) ((x) & ~((uint64_t)(p)-1))

/* layout.c: the process image's bases (moved by ASLR when asked) */
void alloc_layout_init(alloc_layout *l, bool aslr, uint64_t seed, bool legacy, alloc_arch arch);
/* layout.c: map every mapping of the process image into m */
void alloc_layout_map(mem_space *m, const alloc_layout *l);
/* sysmem.c: where the kernel puts a new range of len bytes with page
 * offset off (see there), or 0 when there is no room */
uint64_t alloc_place(const alloc *a, uint64_t len, uint64_t off);
/* stack.c: a touch at addr below the stack mapping grows it, as the kernel
 * would; false when it may not (a stack overflow) */
bool alloc_stack_touch(alloc *a, uint64_t addr);
/* stack.c: end the operation with the SIGSEGV of a stack that may not grow */
noreturn void alloc_stack_overflow(alloc *a, uint64_t addr);
/* A step of the seeded generator behind ASLR and the tcache key. */
uint64_t alloc_splitmix(uint64_t *s);

/* End the operation as glibc's malloc_printerr would (abort). */
noreturn void alloc_fail(alloc *a, const char *msg);
/* End the operation with a failed assertion in `fn`. */
noreturn void alloc_assert_fail(alloc *a, const char *fn, const char *expr);
/* End the operation because glibc would loop forever on a cyclic list. */
noreturn void alloc_hang(alloc *a, const char *where);
/* A walk along a list that corruption may have turned into a cycle (glibc
 * does not check: the program would hang).  Brent's cycle detection finds
 * a cycle within about twice its length, however long the walk before it,
 * as long as the walk does not change what it walks (a walk that does calls
 * alloc_walk_changed after each change); a walk longer than any real heap
 * allows also ends. */
#define ALLOC_SPIN_LIMIT 10000000u
typedef struct alloc_walk {
	uint64_t mark, steps, power, lam;
} alloc_walk;
#define ALLOC_WALK_INIT {UINT64_MAX, 0, 1, 0}

/* The walk changed the memory it walks (a revisit is no longer a cycle):
 * start the cycle detection again; the step count goes on. */
static inline void alloc_walk_changed(alloc_walk *w)
{
	w->mark = UINT64_MAX;
	w->power = 1;
	w->lam = 0;
}

/* Count one step of a walk that has reached node. */
static inline void alloc_walk_step(alloc *a, alloc_walk *w, uint64_t node, const char *where)
{
	if (node == w->mark || ++w->steps > ALLOC_SPIN_LIMIT)
		alloc_hang(a, where);
	if (++w->lam == w->power) {
		w->mark = node;
		w->power *= 2;
		w->lam = 0;
	}
}
/* End the operation with a simulated segmentation fault at addr. */
noreturn void alloc_segv(alloc *a, uint64_t addr, const char *what);
/* Grow the event list (slow path of alloc_emit). */
void alloc_ev_grow(alloc *a);

/* Record an event of the current operation. */
static inline void alloc_emit(alloc *a, int kind, int bin, unsigned idx, uint64_t x, uint64_t y, uint64_t z)
{
	if (a->nev == a->evcap)
		alloc_ev_grow(a);
	alloc_ev *e = &a->ev[a->nev++];
	e->kind = (uint8_t)kind;
	e->bin = (uint8_t)bin;
	e->idx = (uint16_t)idx;
	e->a = x;
	e->b = y;
	e->c = z;
	e->d = 0;
}

/* One word (size_t, a pointer) of the process: 8 bytes, or 4 (i386). */
static inline uint64_t rd(alloc *a, uint64_t addr)
{
	uint64_t v;
	if (!alloc_rdword(a, addr, &v))
		alloc_segv(a, a->mem->fault, "read");
	return v;
}

static inline void wr(alloc *a, uint64_t addr, uint64_t v)
{
	if (!(a->ssz == 8 ? mem_wr64(a->mem, addr, v) : mem_wr32(a->mem, addr, (uint32_t)v)))
		alloc_segv(a, a->mem->fault, "write");
}

/* The fields of a chunk, each one word: prev_size, size, fd, bk,
 * fd_nextsize, bk_nextsize (at 0, 8, 16, ... on x86-64; 0, 4, 8, ... on i386). */
static inline uint64_t size_raw(alloc *a, uint64_t c) { return rd(a, c + SSZ); }
static inline uint64_t csize(alloc *a, uint64_t c) { return rd(a, c + SSZ) & ~(uint64_t)ALLOC_SIZE_BITS; }
static inline void set_head(alloc *a, uint64_t c, uint64_t v) { wr(a, c + SSZ, v); }
static inline void set_head_size(alloc *a, uint64_t c, uint64_t s)
{
	wr(a, c + SSZ, (rd(a, c + SSZ) & ALLOC_SIZE_BITS) | s);
}
static inline uint64_t prev_size(alloc *a, uint64_t c) { return rd(a, c); }
static inline void set_foot(alloc *a, uint64_t c, uint64_t s) { wr(a, c + s, s); }
static inline bool prev_inuse(alloc *a, uint64_t c) { return rd(a, c + SSZ) & ALLOC_PREV_INUSE; }
static inline bool is_mmapped(alloc *a, uint64_t c) { return rd(a, c + SSZ) & ALLOC_IS_MMAPPED; }
static inline bool inuse_at(alloc *a, uint64_t c, uint64_t s) { return rd(a, c + s + SSZ) & ALLOC_PREV_INUSE; }
static inline void set_inuse_at(alloc *a, uint64_t c, uint64_t s)
{
	wr(a, c + s + SSZ, rd(a, c + s + SSZ) | ALLOC_PREV_INUSE);
}
static inline void clear_inuse_at(alloc *a, uint64_t c, uint64_t s)
{
	wr(a, c + s + SSZ, rd(a, c + s + SSZ) & ~(uint64_t)ALLOC_PREV_INUSE);
}
static inline uint64_t fd(alloc *a, uint64_t c) { return rd(a, c + 2 * SSZ); }
static inline uint64_t bk(alloc *a, uint64_t c) { return rd(a, c + 3 * SSZ); }
static inline uint64_t fdn(alloc *a, uint64_t c) { return rd(a, c + 4 * SSZ); }
static inline uint64_t bkn(alloc *a, uint64_t c) { return rd(a, c + 5 * SSZ); }
static inline void set_fd(alloc *a, uint64_t c, uint64_t v) { wr(a, c + 2 * SSZ, v); }
static inline void set_bk(alloc *a, uint64_t c, uint64_t v) { wr(a, c + 3 * SSZ, v); }
static inline void set_fdn(alloc *a, uint64_t c, uint64_t v) { wr(a, c + 4 * SSZ, v); }
static inline void set_bkn(alloc *a, uint64_t c, uint64_t v) { wr(a, c + 5 * SSZ, v); }

/* Bin indexes.  i386 has 16-byte alignment with 4-byte words, so its
 * small bins are shifted by one (SMALLBIN_CORRECTION) and its fast bins
 * are 8 bytes apart. */
static inline bool in_smallbin_range(const alloc *a, uint64_t s) { return s < MIN_LARGE; }
static inline unsigned smallbin_index(const alloc *a, uint64_t s) { return (unsigned)(s >> 4) + (a->ssz == 4); }
static inline unsigned fastbin_index(const alloc *a, uint64_t s)
{
	return (unsigned)((s >> (a->ssz == 8 ? 4 : 3)) - 2);
}
static inline uint64_t tidx(const alloc *a, uint64_t s) { return s < MINSIZE ? 0 : (s - MINSIZE + 15) / 16; }
static inline bool misaligned(uint64_t x) { return x & 15; }
/* misaligned_chunk: the chunk itself on x86-64, its user pointer on i386
 * (where the header is 8 bytes and MALLOC_ALIGNMENT 16) */
static inline bool misaligned_chunk(const alloc *a, uint64_t c) { return misaligned(a->ssz == 8 ? c : c + HDR); }
/* (uintptr_t) -x in the process's word size */
static inline uint64_t uneg(const alloc *a, uint64_t x) { return (a->ssz == 8 ? 0 : 1ull << 32) - x; }
static inline uint64_t protect(uint64_t slot, uint64_t ptr) { return (slot >> 12) ^ ptr; }

/* regular bin header i seen as a chunk: the bins follow top and
 * last_remainder in malloc_state (x86-64: 10 fast bins of 8 bytes; i386:
 * 11 of 4) */
static inline uint64_t bin_at(const alloc *a, unsigned i)
{
	uint64_t st = a->av ? a->ar[a->av].state : a->lay.arena;
	return a->ssz == 8 ? st + 0x60 + (uint64_t)(i - 1) * 16 : st + 0x38 + (uint64_t)(i - 1) * 8;
}
/* the A bit of chunks carved in the running arena (NON_MAIN_ARENA) */
#define AFLAG ((uint64_t)(a->av ? ALLOC_NON_MAIN : 0))
static inline uint64_t unsorted(const alloc *a) { return bin_at(a, 1); }
static inline void mark_bin(alloc *a, unsigned i) { a->binmap[i >> 5] |= 1u << (i & 31); }

/* thread.c: threads and arenas */
/* make arena k the running one (its scalars go into alloc's fields) */
void alloc_arena_use(alloc *a, unsigned k);
/* arena_get: the running thread's arena, made (arena_get2) when it has
 * none; -1 when none can be had */
int alloc_arena_get_for(alloc *a, uint64_t bytes);
/* arena_get_retry after a failed call in arena k; -1 when none */
int alloc_arena_retry(alloc *a, unsigned k, uint64_t bytes);
/* heap.c: non-main arenas' heaps */
#define HEAP_MAX (a->ssz == 8 ? 64ull << 20 : 1ull << 20)
/* _int_new_arena: a new arena with room for bytes; its number, or -1 */
int alloc_new_arena(alloc *a, uint64_t bytes);
/* sysmalloc's part for a non-main arena: grow its heap or start another;
 * false when neither worked */
bool alloc_heap_grow(alloc *a, uint64_t nb);
/* heap_trim for the running (non-main) arena */
void alloc_heap_trim(alloc *a, uint64_t pad);
/* calloc's view of a non-main arena's top: bytes up to the end of what was
 * ever made writable (fresh pages there are zero) */
uint64_t alloc_heap_fresh_end(alloc *a, uint64_t top);
/* the mapping helpers heap.c and vm.c share: munmap [addr, addr + len)
 * and mprotect it to prot (MEM_R|MEM_W|MEM_X) */
void alloc_vm_unmap_range(alloc *a, uint64_t addr, uint64_t len);
void alloc_vm_protect_range(alloc *a, uint64_t addr, uint64_t len, int prot);
/* arena.c */
void alloc_ptmalloc_init(alloc *a);
/* malloc_init_state for the running arena: empty bins */
void alloc_init_bins(alloc *a);
void alloc_tcache_init(alloc *a);
void alloc_unlink(alloc *a, uint64_t p);
void alloc_perturb_alloc(alloc *a, uint64_t p, uint64_t n);
void alloc_perturb_free(alloc *a, uint64_t p, uint64_t n);
/* malloc.c */
uint64_t alloc_int_malloc(alloc *a, uint64_t bytes);
uint64_t alloc_libc_malloc(alloc *a, uint64_t bytes);
void alloc_consolidate(alloc *a);
/* free.c */
void alloc_int_free(alloc *a, uint64_t c, bool have_lock);
void alloc_libc_free(alloc *a, uint64_t mem);
/* calloc.c: __libc_calloc inside an operation (pthread_create's dtv) */
uint64_t alloc_libc_calloc(alloc *a, uint64_t n, uint64_t m);
void alloc_munmap_chunk(alloc *a, uint64_t c);
/* sysmem.c */
uint64_t alloc_sysmalloc(alloc *a, uint64_t nb);
/* a chunk of its own for nb bytes (sysmalloc's mmap path); 0 on failure */
uint64_t alloc_sysmalloc_mmap(alloc *a, uint64_t nb);
int alloc_systrim(alloc *a, uint64_t pad);
bool alloc_sbrk(alloc *a, int64_t incr, uint64_t *old);
uint64_t alloc_mmap(alloc *a, uint64_t len, mem_kind kind);
void alloc_munmap(alloc *a, uint64_t addr, uint64_t len);
uint64_t alloc_mremap(alloc *a, uint64_t addr, uint64_t oldlen, uint64_t newlen);

/* tcache_perthread_struct access: counts[] are uint16_t at tcache+2*i,
 * entries[] are user pointers at tcache+0x80+SIZE_SZ*i; an entry's next
 * is its first word, its key the second. */
static inline unsigned alloc_tcount(alloc *a, uint64_t i)
{
	uint16_t v;
	if (!mem_rd16(a->mem, a->tcache + 2 * i, &v))
		alloc_segv(a, a->mem->fault, "read");
	return v;
}

static inline void alloc_set_tcount(alloc *a, uint64_t i, unsigned v)
{
	if (!mem_wr16(a->mem, a->tcache + 2 * i, (uint16_t)v))
		alloc_segv(a, a->mem->fault, "write");
}

static inline uint64_t alloc_tentry(alloc *a, uint64_t i)
{
	return rd(a, a->tcache + 0x80 + SSZ * i);
}

/* tcache_put when the caller already read counts[i] (it is cnt) */
static inline void alloc_tcache_put_n(alloc *a, uint64_t chunk, uint64_t i, unsigned cnt)
{
	uint64_t e = chunk + HDR;
	wr(a, e + SSZ, a->tcache_key);
	wr(a, e, protect(e, alloc_tentry(a, i)));
	wr(a, a->tcache + 0x80 + SSZ * i, e);
	alloc_set_tcount(a, i, cnt + 1);
	alloc_emit(a, ALLOC_EV_TCACHE_PUT, ALLOC_BIN_TCACHE, (unsigned)i, chunk, 0, 0);
}

static inline void alloc_tcache_put(alloc *a, uint64_t chunk, uint64_t i)
{
	alloc_tcache_put_n(a, chunk, i, alloc_tcount(a, i));
}

/* tcache_get when the caller already read counts[i] (it is cnt) */
static inline uint64_t alloc_tcache_get_n(alloc *a, uint64_t i, unsigned cnt)
{
	uint64_t e = alloc_tentry(a, i);
	if (misaligned(e))
		alloc_fail(a, "malloc(): unaligned tcache chunk detected");
	wr(a, a->tcache + 0x80 + SSZ * i, protect(e, rd(a, e)));
	alloc_set_tcount(a, i, cnt - 1);
	wr(a, e + SSZ, 0);
	alloc_emit(a, ALLOC_EV_TCACHE_GET, ALLOC_BIN_TCACHE, (unsigned)i, e - HDR, 0, 0);
	return e;
}

static inline uint64_t alloc_tcache_get(alloc *a, uint64_t i)
{
	return alloc_tcache_get_n(a, i, alloc_tcount(a, i));
}


/* Begin/end of a public operation: events cleared, faults caught. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_STD_SETJMP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_STD_SETJMP 1
#endif

#ifdef ALLOC_STD_SETJMP
#include <setjmp.h>
#define ALLOC_JB_DECL jmp_buf op_jb_
#define ALLOC_JB_SET setjmp(op_jb_)
#define ALLOC_UNWIND(a) longjmp(*(jmp_buf *)(a)->jb, 1)
#define ALLOC_JB_PTR &op_jb_
#else
#define ALLOC_JB_DECL void *op_jb_[5]
#define ALLOC_JB_SET __builtin_setjmp(op_jb_)
#define ALLOC_UNWIND(a) __builtin_longjmp((void **)(a)->jb, 1)
#define ALLOC_JB_PTR op_jb_
#endif

#define OP_BEGIN(a)                       \
	ALLOC_JB_DECL;                    \
	(a)->nev = 0;                     \
	(a)->status = ALLOC_OK;           \
	(a)->msg[0] = 0;                  \
	(a)->jb = ALLOC_JB_PTR;           \
	if (ALLOC_JB_SET) {               \
		if ((a)->av)              \
			alloc_arena_use(a, 0); \
		(a)->jb = NULL;           \
		return (a)->status;       \
	}
#define OP_END(a)                          \
	do {                               \
		if ((a)->av)               \
			alloc_arena_use(a, 0); \
		(a)->jb = NULL;            \
		return ALLOC_OK;           \
	} while (0)

/* A student's allocator's per-state part (mmlab.c): copied with the
 * state, freed with it. */
struct alloc_mm_state *alloc_mm_state_clone(const struct alloc_mm_state *st);
void alloc_mm_state_free(struct alloc_mm_state *st);

#endif
