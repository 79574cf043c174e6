/*
 * mmlab.c - a process whose malloc is a student's malloc-lab allocator,
 * run in a child process (heapscope/student.h) with its heap at the
 * simulated heap's address.
 *
 * Each state of the process (the current one, checkpoints, clones) holds
 * its live payloads, the blocks mm_walk last reported, and a node in the
 * history of calls made to the allocator.  The child is at one node; a
 * call on a state whose node is another one (after undo, goto, a failed
 * call) starts a fresh child and replays the history from the root, so
 * the child is always where the state says.  Nodes are shared and never
 * freed before the allocator is: replaying the same calls from the same
 * node reaches the same node.
 *
 * After each call the pages the child wrote are copied into the simulated
 * memory, but only after the checks have compared them with what they
 * were: a live payload whose bytes changed, a realloc that lost bytes,
 * misaligned, overlapping or out-of-heap payloads and a NULL that mem_sbrk
 * never forced each stop the call with a message naming it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "internal.h"

typedef struct mm_node mm_node;
struct mm_node {
	mm_node *parent, *last; /* last: the newest call made from this node */
	char op; /* m f r: a call; w: the program stored bytes */
	uint64_t p, n;
	uint8_t *bytes; /* w: what was stored */
	mm_node *all; /* every node, for freeing */
};

struct alloc_mm {
	tb_alloc desc; /* first: the design the process runs */
	student *s;
	bool cs_app;
	mm_node *at; /* where the child is (NULL with at_root: fresh) */
	bool at_root, alive;
	mm_node *root_last, *nodes;
	char name[64], help[96];
};

typedef struct alloc_mm_state {
	alloc_mm *mm;
	mm_node *at; /* this state's history (NULL: only mm_init) */
	uint64_t (*live)[2]; /* live payloads: address and size, by address */
	size_t nlive, caplive;
	student_block *blocks; /* what mm_walk reported */
	size_t nblocks;
	bool walked;
	bool freed_unknown; /* the last call freed or moved what no call had returned */
	char msg[320];
} mm_state;

static mm_state *state(tb_heap *h) { return h->ext; }

/* The node after at for this call, shared with an earlier identical one. */
static mm_node *step(alloc_mm *mm, mm_node *at, char op, uint64_t p, uint64_t n, const uint8_t *bytes)
{
	mm_node *prev = at ? at->last : mm->root_last;
	if (prev && prev->op == op && prev->p == p && prev->n == n &&
	    (!bytes || (prev->bytes && !memcmp(prev->bytes, bytes, n))))
		return prev;
	mm_node *x = xcalloc(1, sizeof *x);
	x->parent = at;
	x->op = op;
	x->p = p;
	x->n = n;
	if (bytes) {
		x->bytes = xmalloc(n ? n : 1);
		memcpy(x->bytes, bytes, n);
	}
	x->all = mm->nodes;
	mm->nodes = x;
	if (at)
		at->last = x;
	else
		mm->root_last = x;
	return x;
}

static void fail(tb_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(tb_heap *h, const char *fmt, ...)
{
	mm_state *st = state(h);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	h->stop = st->msg;
}

/* Copy the pages the child wrote into the simulated heap, growing it to
 * the child's break first. */
static void sync_pages(tb_heap *h, const student_answer *ans)
{
	alloc_mm *mm = state(h)->mm;
	if (ans->brk > h->brk)
		tb_sbrk(h, ans->brk - h->brk);
	else if (ans->brk < h->brk && ans->brk > h->lo && mem_resize(h->m, h->lo, ans->brk - h->lo))
		h->brk = ans->brk;
	const uint8_t *heap = student_heap(mm->s);
	uint64_t pages = (h->brk - h->lo + STUDENT_PAGE - 1) / STUDENT_PAGE;
	const uint32_t *d = student_dirty(mm->s);
	uint64_t n = ans->all_dirty ? pages : ans->ndirty;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pg = ans->all_dirty ? i : d[i];
		uint64_t a = h->lo + pg * STUDENT_PAGE, e = a + STUDENT_PAGE;
		if (e > h->brk)
			e = h->brk;
		if (a < e)
			mem_write(h->m, a, heap + (a - h->lo), e - a);
	}
}

static void keep_blocks(mm_state *st, const student_answer *ans)
{
	st->walked = ans->walk;
	st->nblocks = ans->walk ? ans->nblocks : 0;
	st->blocks = xreallocarray(st->blocks, st->nblocks ? st->nblocks : 1, sizeof *st->blocks);
	if (st->nblocks)
		memcpy(st->blocks, student_blocks(st->mm->s), st->nblocks * sizeof *st->blocks);
}

/* Put the child where this state is: a fresh one replays the history. */
static bool ensure(tb_heap *h)
{
	mm_state *st = state(h);
	alloc_mm *mm = st->mm;
	if (mm->alive && student_alive(mm->s) && (st->at ? mm->at == st->at : mm->at_root))
		return true;
	student_answer ans;
	char why[256];
	mm->alive = false;
	if (!student_start(mm->s, h->lo, true, &ans, why, sizeof why)) {
		fail(h, "%s", why);
		return false;
	}
	size_t n = 0;
	for (mm_node *x = st->at; x; x = x->parent)
		n++;
	mm_node **path = xreallocarray(NULL, n ? n : 1, sizeof *path);
	size_t k = n;
	for (mm_node *x = st->at; x; x = x->parent)
		path[--k] = x;
	for (size_t i = 0; i < n; i++) {
		mm_node *x = path[i];
		if (x->op == 'w') {
			memcpy(student_heap(mm->s) + (x->p - h->lo), x->bytes, x->n);
			continue;
		}
		if (!student_op(mm->s, x->op, x->p, x->n, 0, -1, &ans, why, sizeof why, "a call replayed")) {
			fail(h, "replaying %zu earlier calls in a fresh process failed at call %zu: %s", n, i + 1, why);
			free(path);
			return false;
		}
	}
	free(path);
	mm->at = st->at;
	mm->at_root = !st->at;
	mm->alive = true;
	return true;
}

/* The first live payload that ends after addr. */
static size_t live_from(const mm_state *st, uint64_t addr)
{
	size_t lo = 0, hi = st->nlive;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (st->live[mid][0] + st->live[mid][1] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long live_find(const mm_state *st, uint64_t p)
{
	size_t i = live_from(st, p);
	return i < st->nlive && st->live[i][0] == p ? (long)i : -1;
}

static void live_del(mm_state *st, uint64_t p)
{
	long i = live_find(st, p);
	if (i < 0)
		return;
	memmove(&st->live[i], &st->live[i + 1], (st->nlive - (size_t)i - 1) * sizeof *st->live);
	st->nlive--;
}

static void live_add(mm_state *st, uint64_t p, uint64_t n)
{
	if (st->nlive == st->caplive)
		st->live = xreallocarray(st->live, st->caplive = st->caplive ? 2 * st->caplive : 64, sizeof *st->live);
	size_t i = live_from(st, p);
	while (i < st->nlive && st->live[i][0] < p)
		i++;
	memmove(&st->live[i + 1], &st->live[i], (st->nlive - i) * sizeof *st->live);
	st->live[i][0] = p;
	st->live[i][1] = n;
	st->nlive++;
}

/* Whether the bytes of [a, a + n) differ between the simulated heap (as
 * before the call) and the child's heap; *off the first that does. */
static bool changed(tb_heap *h, uint64_t a, uint64_t n, uint64_t from, uint64_t *off)
{
	const uint8_t *heap = student_heap(state(h)->mm->s);
	uint8_t buf[4096];
	for (uint64_t done = 0; done < n; done += sizeof buf) {
		size_t k = n - done < sizeof buf ? (size_t)(n - done) : sizeof buf;
		if (!mem_read(h->m, a + done, buf, k))
			return false;
		const uint8_t *now = heap + (from + done - h->lo);
		if (memcmp(buf, now, k)) {
			size_t j = 0;
			while (buf[j] == now[j])
				j++;
			*off = done + j;
			return true;
		}
	}
	return false;
}

/* The lab driver's checks on a call's answer; false (and h->stop) on the
 * first that fails.  skip: the payload the call was given (free, realloc). */
static bool checks(tb_heap *h, const char *fn, const char *what, const student_answer *ans, uint64_t n,
		   uint64_t skip, uint64_t oldn)
{
	mm_state *st = state(h);
	uint64_t r = ans->ret, old_brk = h->brk;
	if (fn[3] != 'f') {
		if (!r && n && !ans->refused) {
			fail(h, "%s returned NULL for %llu bytes during %s, but mem_sbrk never refused it more heap", fn,
			     (unsigned long long)n, what);
			return false;
		}
		if (r % 16) {
			fail(h, "%s returned 0x%llx during %s: the payload is not 16-byte aligned", fn,
			     (unsigned long long)r, what);
			return false;
		}
		if (r && (r < ans->lo || r + n > ans->brk)) {
			fail(h, "%s returned 0x%llx during %s: the payload's %llu bytes lie outside the heap (0x%llx-0x%llx)",
			     fn, (unsigned long long)r, what, (unsigned long long)n, (unsigned long long)ans->lo,
			     (unsigned long long)ans->brk);
			return false;
		}
		for (size_t i = r ? live_from(st, r) : st->nlive; i < st->nlive && st->live[i][0] < r + n; i++)
			if (st->live[i][0] != skip && n && st->live[i][1]) {
				fail(h, "%s returned 0x%llx during %s: its %llu bytes overlap the live payload at 0x%llx", fn,
				     (unsigned long long)r, what, (unsigned long long)n, (unsigned long long)st->live[i][0]);
				return false;
			}
	}
	/* a realloc keeps the old bytes (up to the smaller size) */
	uint64_t off;
	if (fn[3] == 'r' && r && skip && changed(h, skip, oldn < n ? oldn : n, r, &off)) {
		fail(h, "%s moved the payload 0x%llx to 0x%llx during %s but did not keep its bytes (byte %llu differs)",
		     fn, (unsigned long long)skip, (unsigned long long)r, what, (unsigned long long)off);
		return false;
	}
	/* no live payload but the one given may change */
	uint64_t pages = (old_brk - h->lo + STUDENT_PAGE - 1) / STUDENT_PAGE;
	const uint32_t *d = student_dirty(st->mm->s);
	uint64_t nd = ans->all_dirty ? pages : ans->ndirty;
	for (uint64_t i = 0; i < nd; i++) {
		uint64_t a = h->lo + (ans->all_dirty ? i : d[i]) * STUDENT_PAGE, e = a + STUDENT_PAGE;
		if (e > old_brk)
			e = old_brk;
		for (size_t j = live_from(st, a); a < e && j < st->nlive && st->live[j][0] < e; j++) {
			uint64_t p = st->live[j][0], pe = p + st->live[j][1];
			uint64_t x = p > a ? p : a, y = pe < e ? pe : e;
			if (p == skip || x >= y || !changed(h, x, y - x, x, &off))
				continue;
			fail(h, "%s wrote into the live payload at 0x%llx during %s (its byte %llu changed)", fn,
			     (unsigned long long)p, what, (unsigned long long)(x - p + off));
			return false;
		}
	}
	return true;
}

/* One call in the child: the request, the checks, the bytes, the history. */
static uint64_t call(tb_heap *h, char op, uint64_t p, uint64_t n)
{
	mm_state *st = state(h);
	alloc_mm *mm = st->mm;
	static const char *const fns[] = {"mm_malloc", "mm_free", "mm_realloc"};
	const char *fn = fns[op == 'm' ? 0 : op == 'f' ? 1 : 2];
	char what[96];
	if (op == 'm')
		snprintf(what, sizeof what, "malloc(%llu)", (unsigned long long)n);
	else if (op == 'f')
		snprintf(what, sizeof what, "free(0x%llx)", (unsigned long long)p);
	else
		snprintf(what, sizeof what, "realloc(0x%llx, %llu)", (unsigned long long)p, (unsigned long long)n);
	if (!ensure(h))
		return 0;
	long k = p ? live_find(st, p) : -1;
	uint64_t oldn = k >= 0 ? st->live[k][1] : 0;
	st->freed_unknown = op != 'm' && p && k < 0;
	student_answer ans;
	char why[256];
	mm->alive = false; /* until the answer is in */
	if (!student_op(mm->s, op, p, n, 0, -1, &ans, why, sizeof why, what)) {
		fail(h, "%s", why);
		return 0;
	}
	mm->at = step(mm, st->at, op, p, n, NULL);
	mm->at_root = false;
	mm->alive = true;
	if (!checks(h, fn, what, &ans, n, op == 'm' ? 0 : p, oldn))
		return 0; /* the state rolls back; the child stays where it went */
	sync_pages(h, &ans);
	keep_blocks(st, &ans);
	if (op != 'm' && k >= 0 && (op == 'f' || ans.ret || !n))
		live_del(st, p);
	if (op != 'f' && ans.ret)
		live_add(st, ans.ret, n);
	st->at = mm->at;
	return ans.ret;
}

/* mm_init in a fresh child; its first pages. */
static bool mm_init_call(tb_heap *h)
{
	mm_state *st = state(h);
	alloc_mm *mm = st->mm;
	student_answer ans;
	char why[256];
	st->at = NULL;
	st->nlive = 0;
	mm->alive = false;
	if (!student_start(mm->s, h->lo, true, &ans, why, sizeof why)) {
		fail(h, "%s", why);
		return false;
	}
	mm->at = NULL;
	mm->at_root = mm->alive = true;
	sync_pages(h, &ans);
	keep_blocks(st, &ans);
	return true;
}

static uint64_t mm_malloc_call(tb_heap *h, uint64_t n) { return call(h, 'm', 0, n); }
static void mm_free_call(tb_heap *h, uint64_t p) { call(h, 'f', p, 0); }
static uint64_t mm_realloc_call(tb_heap *h, uint64_t p, uint64_t n) { return call(h, 'r', p, n); }

/* CS:APP blocks: after padding words of zero, headers (size | allocated)
 * from one block to the next, up to the zero-sized epilogue. */
static uint64_t cs_first(tb_heap *h)
{
	uint64_t a = h->lo;
	while (a + 8 <= h->brk && a < h->lo + 64 && tb_get(h, a) == 0)
		a += 8;
	return a;
}

/* mm_walk's blocks: in order, apart, inside the heap, and every live
 * payload inside an allocated one. */
static const char *walk_check(tb_heap *h)
{
	mm_state *st = state(h);
	uint64_t end = h->lo;
	size_t j = 0;
	for (size_t i = 0; i < st->nblocks; i++) {
		const student_block *b = &st->blocks[i];
		if (b->addr < end)
			return "mm_walk reported blocks out of address order, or overlapping";
		if (b->addr + b->size > h->brk || b->addr + b->size < b->addr)
			return "mm_walk reported a block that ends past the heap's break";
		end = b->addr + b->size;
		for (; j < st->nlive && st->live[j][0] < end; j++) {
			if (st->live[j][0] < b->addr)
				return "a live payload lies in no block mm_walk reported";
			if (!b->allocated)
				return "a live payload lies in a block mm_walk reports as free";
			if (st->live[j][0] + st->live[j][1] > end)
				return "a live payload runs past the end of its block";
		}
	}
	return j < st->nlive ? "a live payload lies in no block mm_walk reported" : NULL;
}

static const char *mm_check(tb_heap *h)
{
	if (state(h)->walked)
		return walk_check(h);
	if (!state(h)->mm->cs_app)
		return NULL;
	uint64_t a = cs_first(h);
	for (uint64_t k = 0; a + 8 <= h->brk && k < (1u << 24); k++) {
		uint64_t w = tb_get(h, a), size = w & ~(uint64_t)7;
		if (size == 0)
			return a + 8 == h->brk ? NULL : "the epilogue header is not the heap's last word";
		if (size < 16 || a + size > h->brk)
			return "a block's header holds an impossible size";
		if (tb_get(h, a + size - 8) != w)
			return "a block's header and footer differ";
		a += size;
	}
	return "the heap has no epilogue header";
}

static void mm_walk_view(tb_heap *h, void (*cb)(void *ctx, uint64_t addr, uint64_t size, int state), void *ctx)
{
	mm_state *st = state(h);
	uint64_t at = h->lo;
	if (st->walked) {
		/* the student's mm_walk */
		for (size_t i = 0; i < st->nblocks; i++) {
			const student_block *b = &st->blocks[i];
			if (b->addr < at || b->addr >= h->brk || !b->size)
				continue;
			if (b->addr > at)
				cb(ctx, at, b->addr - at, TB_META);
			uint64_t size = b->size < h->brk - b->addr ? b->size : h->brk - b->addr;
			cb(ctx, b->addr, size, b->allocated ? TB_USED : TB_FREE);
			at = b->addr + size;
		}
	} else if (st->mm->cs_app) {
		uint64_t a = cs_first(h);
		if (a > at)
			cb(ctx, at, a - at, TB_META);
		at = a;
		for (uint64_t k = 0; at + 8 <= h->brk && k < (1u << 24); k++) {
			uint64_t w = tb_get(h, at), size = w & ~(uint64_t)7;
			if (size == 0 || size > h->brk - at || size < 16)
				break;
			/* the prologue: the first block, allocated, with no payload */
			cb(ctx, at, size, k == 0 && size == 16 && (w & 1) ? TB_META : (w & 1) ? TB_USED : TB_FREE);
			at += size;
		}
	} else {
		/* only the payloads are known: the rest is the allocator's */
		for (size_t i = 0; i < st->nlive; i++) {
			uint64_t p = st->live[i][0], size = (st->live[i][1] + 7) & ~(uint64_t)7;
			if (p < at || p >= h->brk)
				continue;
			if (i + 1 < st->nlive && p + size > st->live[i + 1][0])
				size = st->live[i + 1][0] - p;
			if (p > at)
				cb(ctx, at, p - at, TB_META);
			cb(ctx, p, size ? size : 8, TB_USED);
			at = p + (size ? size : 8);
		}
	}
	if (at < h->brk)
		cb(ctx, at, h->brk - at, TB_META);
}

alloc_mm *alloc_mm_new(student *s, bool cs_app)
{
	alloc_mm *mm = xcalloc(1, sizeof *mm);
	mm->s = s;
	mm->cs_app = cs_app;
	snprintf(mm->name, sizeof mm->name, "%s", student_name(s));
	snprintf(mm->help, sizeof mm->help, "your allocator, run in its own process%s",
		 cs_app ? "; its blocks read as CS:APP headers and footers" : "");
	mm->desc = (tb_alloc){.name = mm->name, .help = mm->help, .init = mm_init_call, .malloc = mm_malloc_call,
			      .free = mm_free_call, .realloc = mm_realloc_call, .check = mm_check,
			      .walk = mm_walk_view};
	return mm;
}

const tb_alloc *alloc_mm_design(alloc_mm *mm)
{
	return &mm->desc;
}

void alloc_mm_free(alloc_mm *mm)
{
	if (!mm)
		return;
	for (mm_node *x = mm->nodes, *next; x; x = next) {
		next = x->all;
		free(x->bytes);
		free(x);
	}
	student_close(mm->s);
	free(mm);
}

void alloc_mm_attach(alloc *a, const tb_alloc *d)
{
	alloc_mm_state_free(a->mm);
	a->mm = NULL;
	if (d->init != mm_init_call)
		return;
	a->mm = xcalloc(1, sizeof *a->mm);
	a->mm->mm = (alloc_mm *)d; /* the design is the first member */
	a->dh.ext = a->mm;
}

mm_state *alloc_mm_state_clone(const mm_state *st)
{
	if (!st)
		return NULL;
	mm_state *c = xmalloc(sizeof *c);
	*c = *st;
	c->caplive = st->nlive;
	c->live = xreallocarray(NULL, st->nlive ? st->nlive : 1, sizeof *c->live);
	if (st->nlive)
		memcpy(c->live, st->live, st->nlive * sizeof *c->live);
	c->blocks = xreallocarray(NULL, st->nblocks ? st->nblocks : 1, sizeof *c->blocks);
	if (st->nblocks)
		memcpy(c->blocks, st->blocks, st->nblocks * sizeof *c->blocks);
	return c;
}

void alloc_mm_state_free(mm_state *st)
{
	if (!st)
		return;
	free(st->live);
	free(st->blocks);
	free(st);
}

void alloc_design_stored(alloc *a, uint64_t addr, uint64_t n)
{
	if (!a->mm || !a->design_started || !n)
		return;
	tb_heap *h = &a->dh;
	mm_state *st = a->mm;
	alloc_mm *mm = st->mm;
	/* only the heap's bytes are the child's */
	uint64_t lo = addr > h->lo ? addr : h->lo, hi = addr + n < h->brk ? addr + n : h->brk;
	if (lo >= hi)
		return;
	uint8_t *bytes = xmalloc(hi - lo);
	if (mem_read(a->mem, lo, bytes, hi - lo)) {
		/* into this state's history; into the child now if it is here,
		 * else the next call's replay stores them */
		bool here = mm->alive && student_alive(mm->s) && (st->at ? mm->at == st->at : mm->at_root);
		st->at = step(mm, st->at, 'w', lo, hi - lo, bytes);
		if (here) {
			memcpy(student_heap(mm->s) + (lo - h->lo), bytes, hi - lo);
			mm->at = st->at;
			mm->at_root = false;
		}
	}
	free(bytes);
}

bool alloc_mm_blocks_known(const alloc *a)
{
	return a->mm && (a->mm->walked || a->mm->mm->cs_app);
}

bool alloc_mm_freed_unknown(const alloc *a)
{
	return a->mm && a->mm->freed_unknown;
}

bool alloc_mm_cs_app(const alloc *a)
{
	return a->mm && a->mm->mm->cs_app;
}
