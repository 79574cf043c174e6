/*
 * runner.c - the child process that runs a student's allocator for
 * heapscope: memlib (mem_sbrk over a heap shared with heapscope) and a
 * loop that runs one request at a time.  heapscope compiles this file with
 * the student's mm.c (or links it with their .so) at run time.
 *
 * Requests arrive on descriptor 3, one line each, answers leave on 4:
 *   i HEAP TRACK       map the heap at HEAP, run mm_init
 *   m 0 SIZE 0 PAT     mm_malloc(SIZE); fill the payload with PAT (>= 0)
 *   f PTR 0 OLD PAT    mm_free(PTR) after checking its OLD bytes hold PAT
 *   r PTR SIZE OLD PAT mm_realloc(PTR, SIZE), the same checks
 *   ok RET LO BRK NDIRTY NBLOCKS FLAGS | crash SIG ADDR FUNCTION | bad WHY
 * The heap is the shared memory on descriptor 5: [0, HEAP_MAX) the heap
 * bytes, then the control area where the answer's lists go (the pages
 * written during the request, and mm_walk's blocks).  With TRACK set, the
 * heap's pages are read-only between requests, and the first write to
 * each is caught, noted and let through, so heapscope copies only the
 * pages that changed.  Pages past the break are not mapped: a write there
 * is a SIGSEGV, as in a real process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memlib.h"
#include "mm.h"

#define PAGE 4096ul
#define HEAP_MAX (1ul << 32)
#define DIRTY_MAX 65536ul
#define BLOCK_MAX 65536ul
#define F_REFUSED 1
#define F_ALL_DIRTY 2
#define F_WALK 4
#define F_MORE_BLOCKS 8

struct block { uint64_t addr, size, allocated; };

static char *lo, *brk_;
static int track, flags;
static uint32_t *dirty, ndirty;
static unsigned char *is_dirty; /* one byte per heap page */
static struct block *blocks;
static uint32_t nblocks;
static const char *volatile where = "the runner";

static char *page_up(char *p) { return lo + ((size_t)(p - lo) + PAGE - 1) / PAGE * PAGE; }

static void mark(size_t page)
{
	if (is_dirty[page])
		return;
	is_dirty[page] = 1;
	if (ndirty < DIRTY_MAX)
		dirty[ndirty++] = (uint32_t)page;
	else
		flags |= F_ALL_DIRTY;
}

/* Make the pages written by the last request read-only again. */
static void rearm(void)
{
	if (!track)
		return;
	if (flags & F_ALL_DIRTY) {
		memset(is_dirty, 0, (size_t)(page_up(brk_) - lo) / PAGE);
		mprotect(lo, (size_t)(page_up(brk_) - lo), PROT_READ);
	} else {
		for (uint32_t i = 0; i < ndirty; i++) {
			is_dirty[dirty[i]] = 0;
			mprotect(lo + dirty[i] * PAGE, PAGE, PROT_READ);
		}
	}
	ndirty = 0;
	flags = 0;
}

void mem_init(void) {}
void mem_deinit(void) {}

void *mem_sbrk(intptr_t incr)
{
	if (incr < 0 || (size_t)incr > HEAP_MAX - (size_t)(brk_ - lo)) {
		errno = ENOMEM;
		flags |= F_REFUSED;
		fprintf(stderr, "mem_sbrk: the heap cannot grow by %ld bytes\n", (long)incr);
		return (void *)-1;
	}
	char *old = brk_, *from = lo + (size_t)(old - lo) / PAGE * PAGE, *to = page_up(old + incr);
	if (to > from && mprotect(from, (size_t)(to - from), PROT_READ | PROT_WRITE) != 0) {
		errno = ENOMEM;
		flags |= F_REFUSED;
		return (void *)-1;
	}
	if (track)
		for (char *p = from; p < to; p += PAGE)
			mark((size_t)(p - lo) / PAGE);
	brk_ += incr;
	return old;
}

void mem_reset_brk(void) { brk_ = lo; }
void *mem_heap_lo(void) { return lo; }
void *mem_heap_hi(void) { return brk_ - 1; }
size_t mem_heapsize(void) { return (size_t)(brk_ - lo); }
size_t mem_pagesize(void) { return PAGE; }

/* mm_walk, when the student's file defines it */
extern void mm_walk(mm_visit visit) __attribute__((weak));

static void visit(void *block, size_t size, int allocated)
{
	if (nblocks < BLOCK_MAX)
		blocks[nblocks++] = (struct block){(uint64_t)(uintptr_t)block, size, allocated != 0};
	else
		flags |= F_MORE_BLOCKS;
}

static void put(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(4, s, n);
		if (w <= 0)
			_exit(91);
		s += w;
		n -= (size_t)w;
	}
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	char *a = si->si_addr;
	if (track && sig == SIGSEGV && lo && a >= lo && a < page_up(brk_) && !is_dirty[(size_t)(a - lo) / PAGE]) {
		/* the first write to a heap page since the last request */
		size_t page = (size_t)(a - lo) / PAGE;
		mark(page);
		if (mprotect(lo + page * PAGE, PAGE, PROT_READ | PROT_WRITE) == 0)
			return;
	}
	char b[160];
	snprintf(b, sizeof b, "crash %d 0x%lx %s\n", sig, (unsigned long)si->si_addr, where);
	put(b);
	_exit(128 + sig);
}

static int kept(const unsigned char *p, size_t n, int byte)
{
	if (byte < 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)byte)
			return 0;
	return 1;
}

static int inside(const void *r, size_t n) { return (const char *)r >= lo && (const char *)r + n <= brk_; }

/* Map the shared heap at heap (nothing past the break yet), and the
 * control area after it. */
static void map_heap(uintptr_t heap)
{
	lo = mmap((void *)heap, HEAP_MAX, PROT_NONE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, 5, 0);
	if (lo == MAP_FAILED || lo != (char *)heap)
		_exit(90);
	brk_ = lo;
	char *ctl = mmap(NULL, DIRTY_MAX * 4 + BLOCK_MAX * sizeof(struct block), PROT_READ | PROT_WRITE, MAP_SHARED, 5,
			 (off_t)HEAP_MAX);
	is_dirty = mmap(NULL, HEAP_MAX / PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ctl == MAP_FAILED || is_dirty == MAP_FAILED)
		_exit(90);
	dirty = (uint32_t *)ctl;
	blocks = (struct block *)(ctl + DIRTY_MAX * 4);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, NULL);
	FILE *in = fdopen(3, "r");
	char line[128], b[200];
	while (in && fgets(line, sizeof line, in)) {
		char op;
		unsigned long long ptr = 0, size = 0, old = 0;
		int pat = 0;
		if (sscanf(line, "%c %llx %llu %llu %d", &op, &ptr, &size, &old, &pat) < 1)
			break;
		void *r = NULL;
		const char *bad = NULL;
		rearm();
		nblocks = 0;
		if (op == 'i') {
			track = size != 0;
			map_heap((uintptr_t)ptr);
			where = "mm_init";
			if (mm_init() < 0)
				bad = "mm_init failed (it returned -1)";
		} else if (op == 'm') {
			where = "mm_malloc";
			r = mm_malloc(size);
			where = "the runner";
			if (r && pat >= 0 && inside(r, size))
				memset(r, pat, size);
		} else if (op == 'f') {
			if (!kept((void *)ptr, old, pat))
				bad = "the payload was overwritten before its free";
			where = "mm_free";
			mm_free((void *)ptr);
		} else if (op == 'r') {
			if (!kept((void *)ptr, old, pat))
				bad = "the payload was overwritten before its realloc";
			where = "mm_realloc";
			r = mm_realloc((void *)ptr, size);
			where = "the runner";
			if (r && !bad && pat >= 0 && inside(r, size)) {
				if (!kept(r, old < size ? old : size, pat))
					bad = "realloc did not keep the old bytes";
				memset(r, pat, size);
			}
		}
		if (track && mm_walk && !bad) {
			flags |= F_WALK;
			where = "mm_walk";
			mm_walk(visit);
		}
		where = "the runner";
		if (bad)
			snprintf(b, sizeof b, "bad %s\n", bad);
		else
			snprintf(b, sizeof b, "ok %llx %llx %llx %u %u %d\n", (unsigned long long)(uintptr_t)r,
				 (unsigned long long)(uintptr_t)lo, (unsigned long long)(uintptr_t)brk_, ndirty, nblocks,
				 flags);
		put(b);
	}
	return 0;
}
