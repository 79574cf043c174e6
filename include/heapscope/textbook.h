/*
 * textbook.h - the textbook allocators of the lectures (bump, implicit
 * free list, explicit free list, segregated lists, binary buddy), each in
 * its own file, written to be read by students.
 *
 * They all run over a region of the simulated process that grows with
 * sbrk (tb_sbrk), keep their state in simulated memory and in a few words
 * of tb_heap (their "static variables"), and hand out 16-byte aligned
 * payloads.  Blocks carry CS:APP-style boundary tags: an 8-byte header
 * (size | allocated bit) right before the payload and, where the design
 * needs one, the same word as a footer at the block's end.
 */
#ifndef HEAPSCOPE_TEXTBOOK_H
#define HEAPSCOPE_TEXTBOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "heapscope/mem.h"

typedef struct tb_heap {
	mem_space *m;
	uint64_t lo, brk, limit; /* [lo, brk) is the heap; brk never passes limit */
	int variant; /* the design's option: fit policy, list order */
	uint64_t st[64]; /* the allocator's own variables (list heads, rovers) */
	const char *fault; /* the last violated invariant or refused access */
	const char *stop; /* a failure that ends the call as an abort (an allocator run elsewhere) */
	void *ext; /* the state of an allocator run elsewhere (mmlab.c), or NULL */
} tb_heap;

typedef struct tb_alloc {
	const char *name; /* bump, implicit-first, ... */
	const char *help;
	int variant;
	bool (*init)(tb_heap *h);
	uint64_t (*malloc)(tb_heap *h, uint64_t n); /* 0 when out of memory */
	void (*free)(tb_heap *h, uint64_t p);
	uint64_t (*realloc)(tb_heap *h, uint64_t p, uint64_t n);
	const char *(*check)(tb_heap *h); /* NULL, or the first invariant that does not hold */
	/* every block in address order, for the views: its first byte, its
	 * size and TB_USED, TB_FREE or TB_META (padding, prologue, epilogue) */
	void (*walk)(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx);
	/* every free list's blocks in list order, for the views (NULL: none) */
	void (*lists)(tb_heap *h, void (*cb)(void *ctx, unsigned list, const char *name, uint64_t block), void *ctx);
} tb_alloc;

enum { TB_USED, TB_FREE, TB_META };

/* The designs, one file each. */
extern const tb_alloc tb_bump, tb_implicit_first, tb_implicit_next, tb_implicit_best, tb_explicit_lifo,
	tb_explicit_addr, tb_segregated, tb_buddy;
/* Every textbook allocator, NULL-terminated; tb_find by name. */
extern const tb_alloc *const tb_allocs[];
const tb_alloc *tb_find(const char *name);
/* A design by family and policy: implicit first|next|best, explicit
 * lifo|addr (NULL variant: first, lifo), or any design by its full name
 * when variant is NULL; NULL when there is none. */
const tb_alloc *tb_find_variant(const char *name, const char *variant);

/* Grow the heap by incr bytes; the old break, or 0 when the limit is hit. */
uint64_t tb_sbrk(tb_heap *h, uint64_t incr);
/* A word of simulated memory (0 and h->fault set on a bad address). */
uint64_t tb_get(tb_heap *h, uint64_t addr);
void tb_put(tb_heap *h, uint64_t addr, uint64_t v);
/* realloc as malloc, copy, free: what every design here does when the
 * block cannot stay. */
uint64_t tb_realloc_copy(tb_heap *h, const tb_alloc *a, uint64_t p, uint64_t old_payload, uint64_t n);

/* boundary tags: size | allocated */
#define TB_PACK(size, alloc) ((size) | (alloc))
#define TB_SIZE(w) ((w) & ~(uint64_t)15)
#define TB_ALLOC(w) ((w) & 1)
#define TB_ALIGN(n) (((n) + 15) & ~(uint64_t)15)

/* Boundary-tag blocks (implicit, explicit, segregated): bp is the
 * payload; its header is the word before it, its footer the word before
 * the next block's header. */
#define TB_WSIZE 8
static inline uint64_t tb_hdr(uint64_t bp) { return bp - TB_WSIZE; }
static inline uint64_t tb_bsize(tb_heap *h, uint64_t bp) { return TB_SIZE(tb_get(h, tb_hdr(bp))); }
static inline bool tb_balloc(tb_heap *h, uint64_t bp) { return TB_ALLOC(tb_get(h, tb_hdr(bp))); }
static inline uint64_t tb_next(tb_heap *h, uint64_t bp) { return bp + tb_bsize(h, bp); }
static inline uint64_t tb_prev(tb_heap *h, uint64_t bp) { return bp - TB_SIZE(tb_get(h, bp - 2 * TB_WSIZE)); }
static inline bool tb_prev_free(tb_heap *h, uint64_t bp) { return !TB_ALLOC(tb_get(h, bp - 2 * TB_WSIZE)); }
static inline void tb_set(tb_heap *h, uint64_t bp, uint64_t size, int alloc)
{
	tb_put(h, tb_hdr(bp), TB_PACK(size, alloc));
	tb_put(h, bp + size - 2 * TB_WSIZE, TB_PACK(size, alloc));
}
/* The heap of a boundary-tag design: padding, a prologue block and the
 * epilogue header; the first block's payload. */
bool tb_tags_init(tb_heap *h);
static inline uint64_t tb_first(tb_heap *h) { return h->lo + 4 * TB_WSIZE; }
/* Check the boundary tags of every block up to the epilogue: NULL, or
 * what is wrong; *nfree counts the free blocks. */
const char *tb_tags_check(tb_heap *h, uint64_t minblock, uint64_t *nfree);
/* The views' walk of a boundary-tag heap: padding and prologue, the
 * blocks (from their headers), the epilogue. */
void tb_tags_walk(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx);

#endif
