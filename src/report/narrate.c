/*
 * narrate.c - why the allocator did what it did, in plain words and with
 * the numbers: the short narration shown after every operation, and the
 * full decision path of `explain`.  All the wording lives here; frontends
 * only print it.
 *
 * Both read an operation's result and events (engine.h, alloc.h) and the
 * state after it; neither changes anything.  Sizes are chunk sizes in hex,
 * bins are named by the sizes they hold ("small bin 0x90", "large bin
 * 0x400-0x430"), never only by an index.
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "heapscope/report.h"

#define X(v) ((unsigned long long)(v))
/* the process's sizes (x86-64 or i386), for code with its process in a */
#define MINSIZE ((uint64_t)alloc_minsize(a))
#define HDR ((uint64_t)alloc_hdr(a))
#define SSZ ((uint64_t)alloc_ssz(a))

/* What each of glibc's checks guards against: the message's start, then
 * the explanation. */
static const struct check_why {
	const char *msg;
	const char *why;
} checks[] = {
	{"the allocator's init failed: no heap", "a textbook design could not get its first bytes from sbrk (not a glibc "
						"check: the design gives up)"},
	{"free(): double free detected in tcache", "the chunk's key field holds this thread's tcache key, so it is "
						  "already in the tcache: the same pointer was freed twice"},
	{"free(): invalid pointer", "the pointer is not 16-byte aligned, or its size would wrap around memory: it "
				    "cannot be a chunk that malloc handed out"},
	{"free(): invalid size", "the chunk's size field is below MINSIZE (0x20; 0x10 on i386) or not a multiple of 16: the "
				 "header was overwritten"},
	{"free(): invalid next size", "the next chunk's size is impossible (too small, or past the heap): a write "
				      "past the end of this chunk probably overwrote it"},
	{"free(): too many chunks detected in tcache", "the tcache bin holds more chunks than its count says: its "
						       "list was corrupted"},
	{"free(): unaligned chunk detected in tcache", "a tcache entry is not 16-byte aligned: a corrupted "
						       "(safe-linked) next pointer"},
	{"free(): corrupted unsorted chunks", "the unsorted bin's first chunk does not point back at the bin"},
	{"double free or corruption (fasttop)", "the chunk is already at the head of its fastbin: the same pointer "
						"was freed twice in a row"},
	{"double free or corruption (top)", "the pointer is the top chunk itself, which is never handed out"},
	{"double free or corruption (out)", "the next chunk lies outside the heap: the size field is corrupted"},
	{"double free or corruption (!prev)", "the next chunk's P bit says this chunk is already free: a double "
					      "free"},
	{"invalid fastbin entry (free)", "the fastbin's head chunk has a size of another bin: a forged entry"},
	{"corrupted size vs. prev_size", "the chunk's size differs from the prev_size the next chunk stores for "
					 "it: a header was overwritten (guards the unlink attack)"},
	{"corrupted double-linked list", "fd->bk or bk->fd does not point back at the chunk being unlinked: the "
					 "classic unlink check against forged links"},
	{"malloc(): memory corruption (fast)", "the chunk taken from a fastbin has a size of another bin: a forged "
					       "fastbin entry (fastbin dup)"},
	{"malloc(): unaligned fastbin chunk detected", "a fastbin entry is not 16-byte aligned: safe-linking "
						       "decoded a corrupted pointer"},
	{"malloc(): unaligned tcache chunk detected", "a tcache entry is not 16-byte aligned: safe-linking decoded "
						     "a corrupted pointer (tcache poisoning without the right mask)"},
	{"tcache_thread_shutdown(): unaligned tcache chunk detected",
	 "an exiting thread empties its tcache, and one entry is not 16-byte aligned: safe-linking decoded a "
	 "corrupted pointer"},
	{"malloc(): smallbin double linked list corrupted", "the small bin's last chunk does not point back at the "
							    "bin"},
	{"malloc(): largebin double linked list corrupted", "a large bin's links or nextsize links do not point "
							    "back (guards the large bin attack)"},
	{"malloc(): corrupted top size", "top's size is larger than the heap could be: the check that ended the "
					 "House of Force"},
	{"malloc(): invalid size (unsorted)", "an unsorted chunk's size is impossible"},
	{"malloc(): invalid next size (unsorted)", "the chunk after an unsorted chunk has an impossible size"},
	{"malloc(): mismatching next->prev_size (unsorted)", "the next chunk's prev_size differs from the unsorted "
							     "chunk's size"},
	{"malloc(): unsorted double linked list corrupted", "the unsorted chunk's bk->fd does not point back at it"},
	{"malloc(): invalid next->prev_inuse (unsorted)", "the next chunk says this free chunk is in use"},
	{"malloc(): corrupted unsorted chunks", "the unsorted bin's first chunk does not point back at the bin"},
	{"malloc_consolidate(): invalid chunk size", "a fastbin chunk's size belongs to another fastbin"},
	{"malloc_consolidate(): unaligned fastbin chunk detected", "a fastbin entry is misaligned"},
	{"realloc(): invalid", "the old chunk's header or its neighbour's is impossible"},
	{"munmap_chunk(): invalid pointer", "an mmapped chunk whose offset and size are not page-aligned: a forged "
					    "M bit or size"},
	{"mremap_chunk(): invalid pointer", "an mmapped chunk whose offset and size are not page-aligned"},
	{"Fatal glibc error: malloc assertion", "an internal consistency assertion: the heap is corrupted beyond "
						"what the checks catch"},
	{"break adjusted to free malloc space", "the program break moved under malloc's feet"},
	{"int_mallinfo(): unaligned fastbin chunk detected", "mallinfo2 walked a fastbin whose entry is misaligned: "
							      "its list was corrupted"},
};

static const char *check_reason(const char *msg)
{
	for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
		if (!strncmp(msg, checks[i].msg, strlen(checks[i].msg)))
			return checks[i].why;
	if (strstr(msg, "would loop forever"))
		return "glibc does not check for cycles: the real program would hang here";
	return NULL;
}

/* The chunk size glibc uses for a request (request2size). */
static uint64_t chunk_for(const alloc *a, uint64_t req)
{
	uint64_t nb = (req + SSZ + 15) & ~(uint64_t)15;
	return nb < MINSIZE ? MINSIZE : nb;
}

static unsigned tcache_count(const alloc *a, unsigned idx)
{
	uint16_t v = 0;
	if (a->tcache)
		mem_read(a->mem, a->tcache + 2 * idx, &v, 2);
	return v;
}

static const alloc_ev *find(const eng_result *r, int kind)
{
	for (uint32_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == kind)
			return &r->ev[i];
	return NULL;
}

static unsigned count(const eng_result *r, int kind)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == kind;
	return n;
}

/* How the request was sized; for calloc, n x size first. */
static void sizing(sbuf *b, const alloc *a, const eng_result *r)
{
	uint64_t req = r->req;
	if (r->kind == ENG_CALLOC)
		sb_printf(b, "calloc(%llu, %llu) asks for %llu x %llu = %llu bytes (glibc checks the product for "
			     "overflow). ",
			  X(r->arg), X(r->arg2), X(r->arg), X(r->arg2), X(req));
	if (req > (SSZ == 8 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX)) {
		sb_printf(b, "%llu bytes is more than any request can be (above PTRDIFF_MAX): NULL, errno ENOMEM.\n",
			  X(req));
		return;
	}
	uint64_t nb = chunk_for(a, req);
	/* i386 maps 15 bytes more, to move the chunk to 16-byte alignment */
	const char *extra = SSZ == 8 ? "" : " + 15";
	if (r->kind == ENG_REALLOC && find(r, ALLOC_EV_MREMAP)) {
		sb_printf(b, "%llu bytes for an mmapped chunk: %llu + %llu rounded up to a page = chunk 0x%llx (%llu usable "
			     "bytes).\n",
			  X(req), X(nb), X(SSZ), X(r->chunk), X(r->chunk - HDR));
		return;
	}
	if (r->mmapped && r->ret) {
		sb_printf(b, "%llu bytes is at least mmap_threshold: its own mapping of %llu + %llu%s bytes rounded up to "
			     "a page = chunk 0x%llx (%llu usable bytes).\n",
			  X(req), X(nb), X(SSZ), extra, X(r->chunk), X(r->chunk - HDR));
		return;
	}
	sb_printf(b, "%llu bytes + %llu for the size field, rounded up to a multiple of 16%s%s = chunk 0x%llx (%llu "
		     "usable bytes).\n",
		  X(req), X(SSZ), nb == MINSIZE && req + SSZ < MINSIZE ? ", never below " : "",
		  nb == MINSIZE && req + SSZ < MINSIZE ? (SSZ == 8 ? "0x20" : "0x10") : "", X(nb), X(nb - SSZ));
}

/* The heap's birth or growth, and mmap's threshold moving. */
static void system_words(sbuf *b, const alloc *a, const eng_result *r)
{
	const alloc_ev *e = find(r, ALLOC_EV_BRK);
	if (e && e->b > e->a) {
		if (e->a == a->lay.heap) {
			sb_printf(b, "The heap did not exist: brk grew it by request + top_pad (128 KiB) + MINSIZE, "
				     "rounded up to a page = 0x%llx bytes; later requests are carved from top without a "
				     "system call.\n",
				  X(e->b - e->a));
			if (count(r, ALLOC_EV_BRK) > 1 && alloc_first_chunk(a) != a->lay.heap)
				sb_printf(b, "On i386 the first chunk starts %llu bytes in (so that user pointers are "
					     "16-aligned), and a second brk grows the heap by one more page to keep its end "
					     "page-aligned.\n",
					  X(alloc_first_chunk(a) - a->lay.heap));
		}
		else
			sb_printf(b, "Top was too small: brk grew the heap by 0x%llx bytes (what was missing + top_pad, "
				     "page-aligned).\n",
				  X(e->b - e->a));
	}
	if (e && e->b < e->a && r->kind == ENG_TRIM)
		sb_printf(b, "Top shrank to the pad: brk gave 0x%llx bytes back to the kernel.\n", X(e->a - e->b));
	else if (e && e->b < e->a)
		sb_printf(b, "Top grew past trim_threshold (0x%llx): brk gave 0x%llx bytes back to the kernel.\n",
			  X(a->mp.trim_threshold), X(e->a - e->b));
	const alloc_ev *t = find(r, ALLOC_EV_THRESHOLD);
	if (t)
		sb_printf(b, "Freeing an mmapped chunk raised mmap_threshold to 0x%llx (and trim_threshold to 0x%llx), "
			     "so a request of that size comes from the heap next time.\n",
			  X(t->a), X(t->b));
}

static void malloc_words(sbuf *b, const alloc *a, const eng_result *r)
{
	const alloc_ev *e;
	unsigned tc = (unsigned)((chunk_for(a, r->req) - MINSIZE) / 16);
	sbuf bin = {0};
	if ((e = find(r, ALLOC_EV_TCACHE_GET))) {
		report_bin_name(&bin, a, ALLOC_BIN_TCACHE, e->idx);
		sb_printf(b, "%s held %u: its newest chunk is handed out at once (LIFO, no other bin is looked at).\n",
			  bin.s, tcache_count(a, e->idx) + 1);
	} else if ((e = find(r, ALLOC_EV_FAST_GET))) {
		report_bin_name(&bin, a, ALLOC_BIN_FAST, e->idx);
		sb_printf(b, "The tcache bin for it was empty; chunks up to 0x%llx (global_max_fast) live in fastbins, "
			     "and %s had one: taken from its head.\n",
			  X(a->mp.global_max_fast), bin.s);
	} else if ((e = find(r, ALLOC_EV_SMALL_GET))) {
		report_bin_name(&bin, a, ALLOC_BIN_SMALL, e->idx);
		sb_printf(b, "The tcache%s had none; %s had a chunk: its oldest is taken (FIFO).\n",
			  chunk_for(a, r->req) <= a->mp.global_max_fast ? " and the fastbin" : "", bin.s);
	} else if ((e = find(r, ALLOC_EV_EXACT))) {
		sb_printf(b, "No bin of this size had a chunk; sorting the unsorted bin found one of exactly 0x%llx.\n",
			  X(chunk_for(a, r->req)));
	} else if ((e = find(r, ALLOC_EV_LAST_REMAINDER))) {
		sb_printf(b, "A small request, and the unsorted bin's only chunk is the last remainder of an earlier "
			     "split: it is split again, 0x%llx handed out, the rest (at 0x%llx) stays in the unsorted "
			     "bin.\n",
			  X(e->b), X(e->c));
	} else if ((e = find(r, ALLOC_EV_BEST_FIT))) {
		report_bin_name(&bin, a, ALLOC_BIN_LARGE, e->idx);
		sb_printf(b, "%s holds sizes near this one sorted by size: the smallest that fits (0x%llx) is %s.\n",
			  bin.s, X(e->b), e->b - chunk_for(a, r->req) >= MINSIZE ? "split, the rest goes to the unsorted bin"
									      : "handed out whole");
	} else if ((e = find(r, ALLOC_EV_BINMAP))) {
		report_bin_name(&bin, a, e->bin, e->idx);
		sb_printf(b, "No bin of this size had a chunk; the binmap search found the next non-empty bin, %s, and "
			     "took its chunk (0x%llx)%s.\n",
			  bin.s, X(e->b), e->b - chunk_for(a, r->req) >= MINSIZE ? ", splitting off the rest" : "");
	} else if ((e = find(r, ALLOC_EV_MMAP)) && r->mmapped) {
		sb_printf(b, "Requests of at least mmap_threshold (now 0x%llx) skip the bins and top: mmap gave it its "
			     "own 0x%llx bytes.\n",
			  X(a->mp.mmap_threshold), X(e->b));
	} else if ((e = find(r, ALLOC_EV_TOP_SPLIT))) {
		bool tcache_struct = a->tcache && e->a + HDR == a->tcache && r->ret != a->tcache;
		const alloc_ev *last = e;
		for (uint32_t i = 0; i < r->nev; i++)
			if (r->ev[i].kind == ALLOC_EV_TOP_SPLIT)
				last = &r->ev[i];
		if (tcache_struct)
			sb_printf(b, "First call: glibc first carved its 0x%llx-byte tcache_perthread_struct from top. ",
				  X(e->b));
		if (a->tcache && tc < a->mp.tcache_bins)
			sb_printf(b, "No free chunk fits (tcache bin 0x%llx: %u/%llu), so it is carved from top; top "
				     "moves to 0x%llx.\n",
				  X(alloc_tcache_size(a, (unsigned)tc)), tcache_count(a, tc), X(a->mp.tcache_count), X(last->c));
		else
			sb_printf(b, "No free chunk fits (0x%llx is too large for the tcache and no bin holds one), so "
				     "it is carved from top; top moves to 0x%llx.\n",
				  X(chunk_for(a, r->req)), X(last->c));
	} else if (!r->ret) {
		sb_printf(b, "No memory could be had: malloc returns NULL (errno ENOMEM).\n");
	}
	unsigned stashed = count(r, ALLOC_EV_STASH), sorted = count(r, ALLOC_EV_SORT);
	if (stashed)
		sb_printf(b, "%u more chunk%s of this size moved into the tcache on the way (stashing).\n", stashed,
			  stashed == 1 ? "" : "s");
	if (sorted)
		sb_printf(b, "The unsorted pass sorted %u chunk%s into %s bins.\n", sorted, sorted == 1 ? "" : "s",
			  sorted == 1 ? "its" : "their");
	if ((e = find(r, ALLOC_EV_CONSOLIDATE)) && e->b)
		sb_printf(b, "A large request (0x400 or more) first consolidates the fastbins: %llu chunk%s merged with "
			     "free neighbours.\n",
			  X(e->b), e->b == 1 ? "" : "s");
	if (r->kind == ENG_CALLOC && r->ret)
		sb_printf(b, "calloc never looks in the tcache in glibc 2.36; it clears the chunk, unless the memory came "
			     "fresh from the kernel (mmap), which is zero already.\n");
	sb_free(&bin);
}

static void free_words(sbuf *b, const alloc *a, const eng_result *r)
{
	const alloc_ev *e;
	if (!r->arg) {
		sb_printf(b, "free(NULL) does nothing.\n");
		return;
	}
	if ((e = find(r, ALLOC_EV_MUNMAP)) && r->mmapped) {
		sb_printf(b, "An mmapped chunk (M bit set): munmap gives its 0x%llx bytes back to the kernel at once.\n",
			  X(e->b));
		return;
	}
	if ((e = find(r, ALLOC_EV_TCACHE_PUT))) {
		unsigned n = tcache_count(a, e->idx);
		sb_printf(b, "Tcache bin 0x%llx had room (now %u of %llu): the chunk goes there, still marked in use, "
			     "with no merging.\n",
			  X(alloc_tcache_size(a, (unsigned)e->idx)), n, X(a->mp.tcache_count));
		return;
	}
	if ((e = find(r, ALLOC_EV_FAST_PUT))) {
		sb_printf(b, "Its tcache bin is full (or off), and 0x%llx is at most global_max_fast (0x%llx): fastbin "
			     "0x%llx, still marked in use, with no merging.\n",
			  X(r->chunk), X(a->mp.global_max_fast), X(alloc_fast_size(a, (unsigned)e->idx)));
		return;
	}
	unsigned merges = count(r, ALLOC_EV_MERGE);
	sb_printf(b, "Too large for the tcache and fastbins (or their bin is full), so ");
	if (merges)
		sb_printf(b, "it is merged with %u free neighbour%s and ", merges, merges == 1 ? "" : "s");
	if ((e = find(r, ALLOC_EV_TOP_MERGE)))
		sb_printf(b, "%s absorbed into top, which it borders (top is 0x%llx bytes now).\n", merges ? "" : "it is",
			  X(e->c));
	else if ((e = find(r, ALLOC_EV_UNSORTED_PUT)))
		sb_printf(b, "%sput in the unsorted bin as 0x%llx bytes until a malloc sorts it.\n", merges ? "" : "it is ",
			  X(e->b));
	else
		sb_printf(b, "it is released.\n");
	if ((e = find(r, ALLOC_EV_CONSOLIDATE)))
		sb_printf(b, "The freed space reached 64 KiB, so the fastbins are consolidated too (%llu chunk%s).\n",
			  X(e->b), e->b == 1 ? "" : "s");
}

static void realloc_words(sbuf *b, const alloc *a, const eng_result *r)
{
	const alloc_ev *e;
	if (!r->arg) {
		sb_printf(b, "realloc(NULL, n) is malloc(n).\n");
		malloc_words(b, a, r);
		return;
	}
	if (!r->arg2) {
		sb_printf(b, "realloc(p, 0) frees p and returns NULL.\n");
		return;
	}
	if ((e = find(r, ALLOC_EV_MREMAP))) {
		sb_printf(b, "An mmapped chunk: mremap resizes the mapping from 0x%llx to 0x%llx bytes%s.\n", X(e->b),
			  X(e->d), e->c == e->a ? " in place" : ", moving it");
		return;
	}
	if ((e = find(r, ALLOC_EV_COPY))) {
		sb_printf(b, "No room next to the chunk: realloc mallocs a new chunk, copies 0x%llx bytes and frees the "
			     "old one.\n",
			  X(e->b));
		return;
	}
	if (find(r, ALLOC_EV_TOP_SPLIT) || (find(r, ALLOC_EV_INPLACE) && find(r, ALLOC_EV_INPLACE)->bin == ALLOC_BIN_TOP))
		sb_printf(b, "The chunk borders top: it grows in place into top.\n");
	else if (find(r, ALLOC_EV_MERGE))
		sb_printf(b, "The next chunk is free and large enough: the chunk grows in place into it.\n");
	else if (find(r, ALLOC_EV_SPLIT))
		sb_printf(b, "It shrinks in place: the tail is split off and freed.\n");
	else
		sb_printf(b, "The chunk is already large enough: it stays as it is.\n");
}

/* Start every line with a capital, as sentences do. */
static void capitalise(sbuf *b, size_t from)
{
	for (size_t i = from; b->s && i < b->n; i++)
		if ((i == from || b->s[i - 1] == '\n') && b->s[i] >= 'a' && b->s[i] <= 'z')
			b->s[i] = (char)(b->s[i] - 'a' + 'A');
}

static void narrate(sbuf *b, const alloc *a, const eng_result *r);

void report_narrate(sbuf *b, const alloc *a, const eng_result *r)
{
	size_t from = b->n;
	narrate(b, a, r);
	capitalise(b, from);
}

void report_abort_reason(sbuf *b, const char *msg)
{
	const char *why = check_reason(msg);
	if (strstr(msg, "would loop forever")) {
		sb_printf(b, "A corrupted list has a cycle; glibc does not check for one, so a real program would hang "
			     "here.\n");
		return;
	}
	sb_printf(b, "Abort: glibc's check says \"%s\"%s%s. A real program would stop here with SIGABRT.\n", msg,
		  why ? ": " : "", why ? why : "");
}

/* The memalign family: why it went as it did. */
static void memalign_words(sbuf *b, const alloc *a, const eng_result *r)
{
	uint64_t align = r->kind == ENG_VALLOC || r->kind == ENG_PVALLOC ? 4096 : r->arg, req = r->req;
	if (r->kind == ENG_POSIX_MEMALIGN && r->code == EINVAL) {
		sb_printf(b, "The alignment must be a power of two times sizeof (void *) = 8 for posix_memalign; %llu is "
			     "not, so it returns EINVAL (22) and allocates nothing.\n",
			  X(align));
		return;
	}
	if (r->kind == ENG_PVALLOC)
		sb_printf(b, "Whole pages at a page boundary: pvalloc asks for (%llu + 4095) & -4095 = %llu bytes (glibc "
			     "2.36's mask keeps the lowest bit, so pvalloc(0) asks for 1 byte). ",
			  X(req), X((req + 4095) & (uint64_t)-4095));
	else if (r->kind == ENG_VALLOC)
		sb_printf(b, "A page boundary: valloc(%llu) is memalign(4096, %llu). ", X(req), X(req));
	if (align <= 16) {
		sb_printf(b, "An alignment of at most 16 is what malloc gives anyway: this is malloc(%llu).\n", X(req));
		sizing(b, a, r);
		if (r->ret)
			malloc_words(b, a, r);
		return;
	}
	if (r->code == EINVAL) {
		sb_printf(b, "An alignment above 2^%d cannot be a power of two: NULL, errno EINVAL.\n", SSZ == 8 ? 63 : 31);
		return;
	}
	uint64_t al = align < MINSIZE ? MINSIZE : align;
	uint64_t p2 = 32;
	while (p2 < al && p2 < 1ull << 63)
		p2 <<= 1;
	if (req > (SSZ == 8 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX) || !r->ret) {
		sb_printf(b, "No memory for %llu bytes aligned to 0x%llx: NULL, errno ENOMEM%s.\n", X(req), X(p2),
			  r->kind == ENG_POSIX_MEMALIGN ? " (posix_memalign returns 12)" : "");
		return;
	}
	sb_printf(b, "An alignment above 16 skips the tcache%s: glibc asks _int_malloc for chunk 0x%llx + %llu + "
		     "MINSIZE (%llu) = %llu bytes, room for the worst misalignment.\n",
		  al != align ? " (raised to a power of two, at least 32)" : "", X(chunk_for(a, req)), X(p2), X(MINSIZE),
		  X(chunk_for(a, req) + p2 + MINSIZE));
	const alloc_ev *lead = find(r, ALLOC_EV_ALIGN), *tail = find(r, ALLOC_EV_ALIGN_TAIL);
	if (lead && lead->bin == ALLOC_BIN_MMAP)
		sb_printf(b, "That came from its own mmap; the aligned chunk starts 0x%llx bytes into the mapping and "
			     "keeps that offset in its prev_size, so free can munmap the whole mapping.\n",
			  X(lead->b));
	else if (lead)
		sb_printf(b, "The first %llu-aligned spot with at least 32 bytes before it is 0x%llx bytes in: that "
			     "leader is freed as a chunk of its own%s.\n",
			  X(p2), X(lead->b), tail ? ", and so is the tail past the chunk" : "");
	else if (tail)
		sb_printf(b, "The block was aligned already; the tail past the 0x%llx bytes it needs is freed as a chunk "
			     "of its own.\n",
			  X(tail->b));
	else
		sb_printf(b, "The block was aligned already and had no tail worth freeing.\n");
}

/* A textbook design: what it is, and when it asked sbrk for more. */
static bool design_words(sbuf *b, const alloc *a, const eng_result *r)
{
	if (!a->design || r->status != ALLOC_OK || !(eng_op_allocates(r->kind) || r->kind == ENG_FREE))
		return false;
	const alloc_ev *grew = find(r, ALLOC_EV_BRK);
	if (a->mm) {
		/* a student's allocator: heapscope knows what it returned and
		 * what it wrote, not why */
		if (alloc_mm_freed_unknown(a))
			sb_printf(b, "0x%llx was not a live payload (freed already, or never returned by malloc): glibc would "
				     "abort here, but your allocator took it and went on.\n",
				  X(r->arg));
		if (r->kind == ENG_FREE)
			sb_printf(b, "Your allocator's mm_free ran in %s's own process; no live payload changed.\n", a->design->name);
		else if (r->ret)
			sb_printf(b, "Your allocator (%s, in its own process) answered 0x%llx: 16-byte aligned, inside the "
				     "heap, overlapping no live payload, and no other payload changed.\n",
				  a->design->name, X(r->ret));
		else
			sb_printf(b, "Your allocator (%s) answered NULL for %llu bytes, after mem_sbrk refused it more heap.\n",
				  a->design->name, X(r->req));
		if (grew && grew->b > grew->a)
			sb_printf(b, "It called mem_sbrk: the heap grew by 0x%llx bytes.\n", X(grew->b - grew->a));
		return true;
	}
	if (r->kind == ENG_FREE)
		sb_printf(b, "The %s allocator gives the block back: %s.\n", a->design->name,
			  !strcmp(a->design->name, "bump") ? "it does nothing (a bump allocator never reuses memory)"
			  : !strcmp(a->design->name, "buddy")
				  ? "it merges with its buddy while the buddy is free and whole"
				  : "it merges at once with free neighbours (boundary tags say where they start)");
	else if (r->ret)
		sb_printf(b, "The %s allocator (%s) answered with a block of 0x%llx bytes at 0x%llx.\n", a->design->name,
			  a->design->help, X(r->chunk), X(r->ret));
	else
		sb_printf(b, "The %s allocator could not give %llu bytes: NULL.\n", a->design->name, X(r->req));
	const alloc_ev *e = find(r, ALLOC_EV_BRK);
	if (e && e->b > e->a)
		sb_printf(b, "Nothing free was large enough: sbrk grew the heap by 0x%llx bytes.\n", X(e->b - e->a));
	return true;
}

/* Threads: which arena this thread's call ran in, and why that one. */
static void thread_words(sbuf *b, const alloc *a, const eng_result *r)
{
	const alloc_ev *e = find(r, ALLOC_EV_ARENA);
	if (e && e->idx == 0)
		sb_printf(b, "Thread %u had no arena yet and fewer than the limit exist, so arena_get2 made arena %llu: "
			     "a heap of its own (mmap of 128 MiB PROT_NONE, cut to a 64 MiB-aligned reserve, its start made "
			     "writable with mprotect), headed by heap_info and the arena's malloc_state, which is why its "
			     "first chunk is 0x%llx bytes in. Its chunks carry the A bit.\n",
			  a->thread, X(e->b), X(e->a + (SSZ == 8 ? 0x8a0 : 0x46c) - alloc_heap_of(a, e->a)) & ~15ull);
	else if (e && e->idx == 1)
		sb_printf(b, "Thread %u had no arena: arena %llu was on the free list (its last thread exited), so it "
			     "takes that one, with whatever it holds.\n",
			  a->thread, X(e->b));
	else if (e && e->idx == 2)
		sb_printf(b, "Thread %u had no arena and the limit of %llu arenas is reached (8 per core once there are "
			     "more than arena_test, or arena_max): reused_arena hands out the next arena in the ring, "
			     "arena %llu, which this thread now shares.\n",
			  a->thread, X(e->c), X(e->b));
	if (r->kind == ENG_FREE && r->arg && !r->mmapped && a->multi) {
		uint64_t raw = 0;
		alloc_rdword(a, r->arg - SSZ, &raw);
		if (raw & ALLOC_NON_MAIN)
			sb_printf(b, "The chunk's A bit says it is a thread arena's: glibc finds its arena through the "
				     "heap_info at the start of its 64 MiB heap (0x%llx). The tcache, though, is the "
				     "freeing thread's (%u).\n",
				  X(alloc_heap_of(a, r->arg)), a->thread);
	}
}

static void narrate(sbuf *b, const alloc *a, const eng_result *r)
{
	if (design_words(b, a, r))
		return;
	if (r->status == ALLOC_OK && a->multi)
		thread_words(b, a, r);
	if (r->status != ALLOC_OK) {
		if (r->status == ALLOC_SEGV && strstr(r->msg, "stack overflow"))
			sb_printf(b, "The stack would have to grow past RLIMIT_STACK (`ulimit -s`), so the kernel does not "
				     "grow it: the touch is a SIGSEGV, a stack overflow (deep recursion, or a huge local "
				     "array).\n");
		else if (r->status == ALLOC_SEGV)
			sb_printf(b, "The program touched memory that is not mapped, or not writable: a real program gets "
				     "SIGSEGV here.\n");
		else
			report_abort_reason(b, r->msg);
		sb_printf(b, "heapscope kept the state from before the call.\n");
		return;
	}
	switch (r->kind) {
	case ENG_MALLOC:
	case ENG_CALLOC:
		sizing(b, a, r);
		if (r->req <= (uint64_t)INT64_MAX)
			malloc_words(b, a, r);
		break;
	case ENG_REALLOC:
		if (r->arg && r->arg2)
			sizing(b, a, r);
		realloc_words(b, a, r);
		break;
	case ENG_FREE:
		free_words(b, a, r);
		break;
	case ENG_MEMALIGN:
	case ENG_ALIGNED_ALLOC:
	case ENG_POSIX_MEMALIGN:
	case ENG_VALLOC:
	case ENG_PVALLOC:
		memalign_words(b, a, r);
		break;
	case ENG_MMAP:
	case ENG_MMAP_FILE:
		if (r->ret == (uint64_t)-1)
			sb_printf(b, "The kernel refused: %s, so mmap returns MAP_FAILED.\n",
				  a->vm_errno == EINVAL ? "EINVAL (a zero length, or neither MAP_PRIVATE nor MAP_SHARED, "
							  "or an unaligned MAP_FIXED address)"
							: "ENOMEM (no hole is large enough)");
		else
			sb_printf(b, "The kernel rounds the length up to whole pages and puts the mapping in the %s hole "
				     "that fits %s the mmap base (0x%llx); an anonymous neighbour with the same "
				     "permissions merges with it into one area (one line in maps).\n",
				  a->lay.legacy ? "lowest" : "highest", a->lay.legacy ? "above" : "below",
				  X(a->lay.mmap_top));
		break;
	case ENG_CALL:
		sb_printf(b, "A call pushes the return address and the saved rbp, then the function takes %llu bytes "
			     "for its locals (sp stays 16-byte aligned). The stack grows down: sp is now 0x%llx, %llu KiB "
			     "below the top.\n",
			  X(r->arg), X(r->ret), X((a->lay.stack_end - r->ret) >> 10));
		break;
	case ENG_RET:
		sb_printf(b, "The frame is popped: sp goes back to 0x%llx. Its bytes stay where they were (a pointer "
			     "to a local now dangles), and the stack mapping keeps its size: Linux never shrinks it.\n",
			  X(r->ret));
		break;
	case ENG_ALLOCA:
		sb_printf(b, "The space comes from the current frame: sp moves down by %llu bytes (16-aligned) to "
			     "0x%llx; it is given back when the function returns, never by free.\n",
			  X(r->arg), X(r->ret));
		break;
	case ENG_MUNMAP:
	case ENG_MPROTECT:
		if (r->ret == (uint64_t)-1)
			sb_printf(b, "The kernel refused: %s.\n",
				  a->vm_errno == EINVAL ? "EINVAL (the address is not page-aligned, or the length is 0)"
							: "ENOMEM (part of the range is not mapped)");
		else
			sb_printf(b, "This %s splits the areas at the range's page boundaries%s; areas that end up alike "
				     "(permissions, and pages that continue) merge again.\n",
				  r->kind == ENG_MUNMAP ? "munmap" : "mprotect",
				  r->kind == ENG_MUNMAP ? " and removes what is inside (a hole: touching it is a SIGSEGV)"
							: " and gives the inside its new permissions");
		break;
	case ENG_TRIM:
		sb_printf(b, "malloc_trim consolidates the fastbins, gives whole free pages inside free chunks back "
			     "(MADV_DONTNEED, %u range%s) and shrinks top to the pad: %s.\n",
			  count(r, ALLOC_EV_MADVISE), count(r, ALLOC_EV_MADVISE) == 1 ? "" : "s",
			  r->ret ? "memory was released (returns 1)" : "nothing to release (returns 0)");
		break;
	case ENG_MALLOPT:
		sb_printf(b, "mallopt first consolidates the fastbins (every call does), then sets the parameter%s; "
			     "returns %llu.\n",
			  r->ret ? " and turns the dynamic mmap threshold off" : "", X(r->ret));
		break;
	case ENG_PRINT:
		if (r->arg == ALLOC_STDERR)
			sb_printf(b, "stderr is unbuffered: printing on it allocates nothing.\n");
		else if (find(r, ALLOC_EV_TOP_SPLIT) || find(r, ALLOC_EV_TCACHE_GET) || r->nev > 0)
			sb_printf(b, "stdout's first output mallocs its buffer: st_blksize bytes, %s (%s).\n",
				  a->stdout_mode == ALLOC_STDOUT_TTY ? "1024 on a terminal" : "4096 on a pipe or a file",
				  a->stdout_mode == ALLOC_STDOUT_TTY ? "`stdout pipe` makes it 4096"
								     : "`stdout tty` makes it 1024");
		else if (a->stdout_unbuffered)
			sb_printf(b, "stdout is unbuffered (setvbuf _IONBF): printing allocates nothing.\n");
		else
			sb_printf(b, "stdout's buffer exists already (0x%llx): printing allocates nothing more.\n",
				  X(a->stdout_buf));
		break;
	case ENG_SBRK:
	case ENG_BRK: {
		const alloc_ev *e = find(r, ALLOC_EV_BRK);
		if (!e)
			sb_printf(b, "The break stays where it is: %s.\n",
				  r->kind == ENG_SBRK ? "sbrk(0) only reads it" : "brk to the current break changes nothing");
		else if (e->b > e->a)
			sb_printf(b, "The program moves the break up itself: malloc's top no longer ends at the break, so "
				     "its next growth finds the break elsewhere (a foreign sbrk) and fences off the old "
				     "top.\n");
		else
			sb_printf(b, "The program moves the break down by 0x%llx bytes: if malloc's top lay there, its "
				     "next growth finds the break below top's end and glibc aborts (\"break adjusted to "
				     "free malloc space\").\n",
				  X(e->a - e->b));
		return;
	}
	case ENG_FOPEN:
		sb_printf(b, "fopen mallocs the FILE: 0x%llx bytes, a 0x%llx chunk; its buffer waits for the first read "
			     "or write.\n",
			  SSZ == 8 ? 0x1d8ull : 0x13cull, SSZ == 8 ? 0x1e0ull : 0x140ull);
		break;
	case ENG_FILEIO:
		sb_printf(b, "%s\n", r->nev ? "The FILE's first read or write mallocs its buffer: 4096 bytes (a 0x1010 "
					      "chunk)."
					    : "The FILE has its buffer already: nothing is allocated.");
		break;
	case ENG_FCLOSE:
		sb_printf(b, "fclose frees the FILE's buffer (if it had one), then the FILE.\n");
		break;
	case ENG_SETVBUF:
		sb_printf(b, "%s\n", r->arg == ALLOC_IONBF ? "setvbuf(_IONBF): stdout is unbuffered now; a buffer it had "
							      "is freed."
							    : "setvbuf with a NULL buffer: glibc allocates stdout's buffer now.");
		break;
	case ENG_POKE:
	case ENG_MEMSET:
	case ENG_STRCPY:
		sb_printf(b, "The program writes to 0x%llx itself: no allocator call, nothing checks it until malloc "
			     "or free reads what was written.\n",
			  X(r->arg));
		break;
	default:
		break;
	}
	system_words(b, a, r);
}

/* One event of the decision path, with its reason. */
static void path_step(sbuf *b, const alloc *a, const alloc_ev *e)
{
	sbuf bin = {0};
	switch (e->kind) {
	case ALLOC_EV_BIN_MISS:
		report_bin_name(&bin, a, e->bin, e->idx);
		if (e->bin == ALLOC_BIN_TCACHE)
			sb_printf(b, "%s: empty (%u of %llu), look further", bin.s, tcache_count(a, e->idx),
				  X(a->mp.tcache_count));
		else if (e->bin == ALLOC_BIN_FAST)
			sb_printf(b, "%s: empty (the size is at most global_max_fast 0x%llx, so fastbins are tried)",
				  bin.s, X(a->mp.global_max_fast));
		else
			sb_printf(b, "%s: empty", bin.s);
		break;
	default:
		report_event(b, a, e);
		switch (e->kind) {
		case ALLOC_EV_TCACHE_GET: sb_printf(b, " (tcache first: no lock, LIFO)"); break;
		case ALLOC_EV_TCACHE_PUT: sb_printf(b, " (its bin had room; tcache chunks stay marked in use)"); break;
		case ALLOC_EV_FAST_PUT: sb_printf(b, " (tcache full; small enough for a fastbin; no merging)"); break;
		case ALLOC_EV_STASH: sb_printf(b, " (while its tcache bin has room, same-size chunks move there)"); break;
		case ALLOC_EV_SORT: sb_printf(b, " (not an exact fit: sorted into its bin)"); break;
		case ALLOC_EV_EXACT: sb_printf(b, " (exact fits are taken during the unsorted pass)"); break;
		case ALLOC_EV_TOP_SPLIT: sb_printf(b, " (no free chunk fits)"); break;
		case ALLOC_EV_MERGE: sb_printf(b, " (free neighbours are merged to fight fragmentation)"); break;
		case ALLOC_EV_UNSORTED_PUT: sb_printf(b, " (the next malloc will sort it)"); break;
		case ALLOC_EV_TOP_MERGE: sb_printf(b, " (a chunk that borders top becomes part of it)"); break;
		case ALLOC_EV_CONSOLIDATE: sb_printf(b, " (large request, a free of 64 KiB or more, mallopt or malloc_trim)"); break;
		default: break;
		}
	}
	sb_free(&bin);
}

void report_explain(sbuf *b, const alloc *a, const eng_result *r)
{
	report_narrate(b, a, r);
	if (r->nev)
		sb_printf(b, "Step by step:\n");
	for (uint32_t i = 0; i < r->nev; i++) {
		sb_printf(b, "  %u. ", i + 1);
		if (r->ev[i].kind == ALLOC_EV_FAIL)
			sb_printf(b, "%s: \"%s\"", r->status == ALLOC_SEGV ? "the fault" : "the failed check", r->msg);
		else
			path_step(b, a, &r->ev[i]);
		sb_printf(b, "\n");
	}
	if (r->status != ALLOC_OK && r->status != ALLOC_SEGV && !check_reason(r->msg))
		sb_printf(b, "  (heapscope has no explanation written for this check yet)\n");
}
