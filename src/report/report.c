/*
 * report.c - text renderings of chunks, bins, mappings, statistics, memory
 * dumps, events and per-operation lines (readable and JSON).
 */
#include "heapscope/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "heapscope/xalloc.h"

#define X(v) ((unsigned long long)(v))

static int varref_cmp(const void *x, const void *y)
{
	const report_varref *a = x, *b = y;
	if (a->val != b->val)
		return a->val < b->val ? -1 : 1;
	return a->var - b->var;
}

void report_vars_update(report_vars *x, const engine *e)
{
	if (x->built && x->gen == eng_generation(e))
		return;
	uint32_t nv = eng_nnames(e);
	if (x->cap < nv) {
		x->cap = nv;
		x->v = xreallocarray(x->v, x->cap, sizeof *x->v);
	}
	size_t k = 0;
	for (uint32_t i = 0; i < nv; i++) {
		uint64_t val;
		if (eng_var_get(e, (int32_t)i, &val) && val)
			x->v[k++] = (report_varref){val, (int32_t)i};
	}
	if (k)
		qsort(x->v, k, sizeof *x->v, varref_cmp);
	x->n = k;
	x->gen = eng_generation(e);
	x->built = true;
}

void report_vars_names(sbuf *b, const report_vars *x, const engine *e, uint64_t addr, uint64_t size, size_t max)
{
	size_t lo = 0, hi = x->n, start = b->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->v[mid].val < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < x->n && x->v[k].val - addr < size && b->n - start < max; k++)
		sb_printf(b, "%s%s", b->n > start ? "," : "", eng_var_name(e, x->v[k].var));
}

void report_vars_free(report_vars *x)
{
	free(x->v);
	memset(x, 0, sizeof *x);
}

void report_flags(char out[4], uint64_t raw)
{
	out[0] = raw & ALLOC_PREV_INUSE ? 'P' : '-';
	out[1] = raw & ALLOC_IS_MMAPPED ? 'M' : '-';
	out[2] = raw & ALLOC_NON_MAIN ? 'A' : '-';
	out[3] = 0;
}

void report_bin_name(sbuf *b, const alloc *a, int kind, unsigned idx)
{
	uint64_t lo, hi;
	switch (kind) {
	case ALLOC_BIN_TCACHE:
		sb_printf(b, "tcache bin 0x%llx", X(alloc_tcache_size(a, (unsigned)idx)));
		return;
	case ALLOC_BIN_FAST:
		sb_printf(b, "fastbin 0x%llx", X(alloc_fast_size(a, (unsigned)idx)));
		return;
	case ALLOC_BIN_UNSORTED:
		sb_printf(b, "the unsorted bin");
		return;
	default:
		break;
	}
	if (idx <= 1) {
		sb_printf(b, "the unsorted bin");
		return;
	}
	alloc_bin_range(a, idx, &lo, &hi);
	if (idx < 64)
		sb_printf(b, "small bin 0x%llx", X(lo));
	else if (hi == UINT64_MAX)
		sb_printf(b, "large bin 0x%llx and up", X(lo));
	else
		sb_printf(b, "large bin 0x%llx-0x%llx", X(lo), X(hi));
}

void report_chunk_state(sbuf *b, const alloc *a, const hv_chunk *c)
{
	switch (c->state) {
	case ALLOC_BIN_TCACHE:
		sb_printf(b, "tcache 0x%llx", X(alloc_tcache_size(a, (unsigned)c->bin)));
		break;
	case ALLOC_BIN_FAST:
		sb_printf(b, "fastbin 0x%llx", X(alloc_fast_size(a, (unsigned)c->bin)));
		break;
	case ALLOC_BIN_SMALL:
	case ALLOC_BIN_LARGE:
		report_bin_name(b, a, c->state, c->bin);
		break;
	default:
		sb_printf(b, "%s", alloc_bin_name(c->state));
	}
}

void report_chunks(sbuf *b, engine *e, const heapview *v)
{
	alloc *a = eng_heap(e);
	report_vars vr = {0};
	report_vars_update(&vr, e);
	if (v->design && v->n)
		sb_printf(b, "heap 0x%llx-0x%llx (%zu blocks of %s)\n", X(v->heap_start), X(v->brk), v->n, v->design);
	else if (!v->n || (!v->design && !a->top))
		sb_printf(b, "The heap does not exist yet: the first allocation creates it.\n");
	else
		sb_printf(b, "heap 0x%llx-0x%llx (%llu chunks, top 0x%llx size 0x%llx)\n", X(v->heap_start), X(v->brk),
			  X(v->nheap), X(v->top), X(v->top_size));
	if (v->n)
		sb_printf(b, "  %-16s %-9s %-3s %-16s %-12s %s\n", "chunk", "size", "flg", "state", "vars", "data");
	for (size_t i = 0; i < v->n; i++) {
		const hv_chunk *c = &v->chunks[i];
		if (i == v->nheap)
			sb_printf(b, "mmapped chunks:\n");
		char fl[4];
		report_flags(fl, c->raw);
		if (v->design) /* a design's tag has an allocated bit, not glibc's flags */
			memcpy(fl, c->state == ALLOC_BIN_NONE ? "a--" : "---", 4);
		sbuf st = {0}, vs = {0};
		report_chunk_state(&st, a, c);
		if (c->addr == a->tcache - alloc_hdr(a) && a->tcache)
			sb_printf(&vs, "(tcache)");
		report_vars_names(&vs, &vr, e, c->addr, c->size, SIZE_MAX);
		uint8_t data[8] = {0};
		char hex[32] = "";
		if (c->state != ALLOC_BIN_TOP && mem_read(a->mem, c->addr + v->data_off, data, 8))
			for (int k = 0; k < 8; k++)
				sprintf(hex + 3 * k, "%02x ", data[k]);
		sb_printf(b, "  0x%-14llx 0x%-7llx %s %-16s %-12s %s\n", X(c->addr), X(c->size), fl, st.s ? st.s : "",
			  vs.s ? vs.s : "", hex);
		sb_free(&st);
		sb_free(&vs);
	}
	if (v->corrupt)
		sb_printf(b, "  !! heap walk stopped: %s\n", v->corrupt_msg);
	report_vars_free(&vr);
}

static void chain(sbuf *b, const hv_list *l, bool raw, uint64_t show_off)
{
	for (uint32_t k = 0; k < l->n; k++) {
		sb_printf(b, "%s0x%llx", k ? " -> " : "", X(l->chunk[k] + show_off));
		if (raw && k > 0)
			sb_printf(b, " [stored 0x%llx]", X(l->stored[k]));
	}
	if (l->broken)
		sb_printf(b, " -> !! (list corrupted)");
}

void report_bins(sbuf *b, engine *e, const heapview *v, bool all, bool raw)
{
	alloc *a = eng_heap(e);
	int any = 0;
	if (v->design) {
		/* a design's own free lists, in list order */
		sb_printf(b, "free lists of %s:\n", v->design);
		for (unsigned i = 0; i < 64; i++) {
			if (!v->dlist[i].n)
				continue;
			any = 1;
			sb_printf(b, "  %s [%u]: ", v->dname[i] ? v->dname[i] : "list", v->dlist[i].n);
			chain(b, &v->dlist[i], false, 0);
			sb_printf(b, "\n");
		}
		if (!any)
			sb_printf(b, "  %s\n", v->no_lists);
		return;
	}
	sb_printf(b, "tcache (%llu per bin):\n", X(a->mp.tcache_count));
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		if (!v->tcache[i].n && !v->tcount[i] && !all)
			continue;
		any = 1;
		sb_printf(b, "  0x%-5llx [%u]: ", X(alloc_tcache_size(a, (unsigned)i)), v->tcount[i]);
		chain(b, &v->tcache[i], raw, alloc_hdr(a));
		sb_printf(b, "\n");
	}
	if (!any)
		sb_printf(b, "  (empty)\n");
	any = 0;
	sb_printf(b, "fastbins:\n");
	for (unsigned i = 0; i < 7; i++) {
		if (!v->fast[i].n && !all)
			continue;
		any = 1;
		sb_printf(b, "  0x%-5llx [%u]: ", X(alloc_fast_size(a, (unsigned)i)), v->fast[i].n);
		chain(b, &v->fast[i], raw, 0);
		sb_printf(b, "\n");
	}
	if (!any)
		sb_printf(b, "  (empty)\n");
	sb_printf(b, "unsorted [%u]: ", v->bins[1].n);
	if (v->bins[1].n)
		chain(b, &v->bins[1], false, 0);
	else
		sb_printf(b, "(empty)");
	sb_printf(b, "\n");
	for (int pass = 0; pass < 2; pass++) {
		any = 0;
		sb_printf(b, "%s:\n", pass ? "largebins" : "smallbins");
		for (unsigned i = pass ? 64 : 2; i < (pass ? 127u : 64u); i++) {
			if (!v->bins[i].n && !all)
				continue;
			any = 1;
			uint64_t lo, hi;
			alloc_bin_range(a, i, &lo, &hi);
			if (lo == hi)
				sb_printf(b, "  [%3u] 0x%llx [%u]: ", i, X(lo), v->bins[i].n);
			else if (hi == UINT64_MAX)
				sb_printf(b, "  [%3u] 0x%llx+ [%u]: ", i, X(lo), v->bins[i].n);
			else
				sb_printf(b, "  [%3u] 0x%llx-0x%llx [%u]: ", i, X(lo), X(hi), v->bins[i].n);
			chain(b, &v->bins[i], false, 0);
			sb_printf(b, "\n");
		}
		if (!any)
			sb_printf(b, "  (empty)\n");
	}
}

void report_maps(sbuf *b, alloc *a)
{
	mem_space *m = a->mem;
	for (size_t i = 0; i < m->n; i++) {
		const mem_map *mp = &m->maps[i];
		uint64_t end = mp->end;
		/* mappings Linux merged into one area print as one line */
		while (i + 1 < m->n && m->maps[i + 1].vma == mp->vma && m->maps[i + 1].start == m->maps[i].end)
			end = m->maps[++i].end;
		/* as fs/proc/task_mmu.c prints a line: device and inode for a
		 * file (made up here), then the name from column 73; an unnamed
		 * line ends after "0 " */
		bool file = mp->name[0] == '/';
		size_t from = b->n;
		sb_printf(b, "%08llx-%08llx %c%c%cp %08llx %s %s ", X(mp->start), X(end), mp->prot & MEM_R ? 'r' : '-',
			  mp->prot & MEM_W ? 'w' : '-', mp->prot & MEM_X ? 'x' : '-', X(file ? mp->off : 0),
			  file ? "08:01" : "00:00",
			  file ? (mp->kind == MEM_LIB ? "1318" : "1402") : "0");
		if (!mp->name[0]) {
			sb_add(b, "\n", 1);
			continue;
		}
		/* the kernel pads to 25 + 6 * sizeof (void *) columns: its own pointers */
		for (size_t k = b->n - from; k < (a->lay.arch == ALLOC_ARCH_I386 ? 49u : 73u); k++)
			sb_add(b, " ", 1);
		sb_printf(b, "%s\n", mp->name);
	}
}

void report_stats(sbuf *b, alloc *a)
{
	alloc_info in;
	if (alloc_mallinfo(a, &in) != ALLOC_OK) {
		sb_printf(b, "%s%s\nwhy: ", strstr(a->msg, "would loop forever") ? "" : "abort: ", a->msg);
		report_abort_reason(b, a->msg);
		return;
	}
	/* malloc_stats numbers the arenas along the ring: main, then the newest */
	unsigned k = 0, i = 0;
	do {
		alloc_info ai;
		if (alloc_arena_info(a, k, &ai) != ALLOC_OK)
			break;
		sb_printf(b, "Arena %u:%s\nsystem bytes     = %10llu\nin use bytes     = %10llu\n", i++,
			  k ? "" : "", X(ai.arena), X(ai.uordblks));
		if (k)
			sb_printf(b, "  (heapscope's arena %u)\n", k);
		k = a->ar[k].next;
	} while (k != 0);
	sb_printf(b, "Total (incl. mmap):\nsystem bytes     = %10llu\nin use bytes     = %10llu\n",
		  X(in.arena + in.hblkhd), X(in.uordblks + in.hblkhd));
	sb_printf(b, "max mmap regions = %10llu\nmax mmap bytes   = %10llu\n", X(in.max_n_mmaps),
		  X(in.max_mmapped_mem));
	sb_printf(b, "mallinfo2: arena=%llu ordblks=%llu smblks=%llu hblks=%llu hblkhd=%llu fsmblks=%llu "
		     "uordblks=%llu fordblks=%llu keepcost=%llu\n",
		  X(in.arena), X(in.ordblks), X(in.smblks), X(in.hblks), X(in.hblkhd), X(in.fsmblks), X(in.uordblks),
		  X(in.fordblks), X(in.keepcost));
	sb_printf(b, "parameters: mmap_threshold=0x%llx trim_threshold=0x%llx top_pad=0x%llx max_fast=0x%llx "
		     "tcache_count=%llu%s\n",
		  X(a->mp.mmap_threshold), X(a->mp.trim_threshold), X(a->mp.top_pad), X(a->mp.global_max_fast),
		  X(a->mp.tcache_count), a->mp.no_dyn_threshold ? " (dynamic threshold off)" : "");
}

void report_hexdump(sbuf *b, alloc *a, uint64_t addr, uint64_t n)
{
	if (n > 65536)
		n = 65536;
	for (uint64_t off = 0; off < n; off += 16) {
		uint8_t row[16];
		uint64_t k = n - off < 16 ? n - off : 16;
		if (!mem_read(a->mem, addr + off, row, k)) {
			sb_printf(b, "0x%llx: cannot access memory at address 0x%llx\n", X(addr + off), X(a->mem->fault));
			return;
		}
		sb_printf(b, "0x%llx:", X(addr + off));
		for (uint64_t i = 0; i < 16; i++) {
			if (i == 8)
				sb_add(b, " ", 1);
			if (i < k)
				sb_printf(b, " %02x", row[i]);
			else
				sb_add(b, "   ", 3);
		}
		sb_add(b, "  |", 3);
		for (uint64_t i = 0; i < k; i++)
			sb_printf(b, "%c", isprint(row[i]) ? row[i] : '.');
		sb_add(b, "|\n", 2);
	}
}

bool report_syscall(sbuf *b, const alloc_ev *ev)
{
	switch (ev->kind) {
	case ALLOC_EV_BRK:
		sb_printf(b, "brk(0x%llx) = 0x%llx", X(ev->b), X(ev->b));
		return true;
	case ALLOC_EV_MMAP:
		sb_printf(b, "mmap(NULL, %llu, %s, -1, 0) = 0x%llx", X(ev->b),
			  ev->c == 1   ? "PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE"
			  : ev->c == 2 ? "PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK"
				       : "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS",
			  X(ev->a));
		return true;
	case ALLOC_EV_MPROTECT:
		sb_printf(b, "mprotect(0x%llx, %llu, %s) = 0", X(ev->a), X(ev->b),
			  ev->c == (MEM_R | MEM_W) ? "PROT_READ|PROT_WRITE"
			  : ev->c == 0		 ? "PROT_NONE"
			  : ev->c == MEM_R	 ? "PROT_READ"
						 : "PROT_READ|PROT_WRITE|PROT_EXEC");
		return true;
	case ALLOC_EV_MUNMAP:
		sb_printf(b, "munmap(0x%llx, %llu) = 0", X(ev->a), X(ev->b));
		return true;
	case ALLOC_EV_MREMAP:
		sb_printf(b, "mremap(0x%llx, %llu, %llu, MREMAP_MAYMOVE) = 0x%llx", X(ev->a), X(ev->b), X(ev->d),
			  X(ev->c));
		return true;
	case ALLOC_EV_MADVISE:
		sb_printf(b, "madvise(0x%llx, %llu, MADV_DONTNEED) = 0", X(ev->a), X(ev->b));
		return true;
	default:
		return false;
	}
}

void report_event(sbuf *b, const alloc *a, const alloc_ev *ev)
{
	if (report_syscall(b, ev))
		return;
	switch (ev->kind) {
	case ALLOC_EV_TCACHE_GET:
		sb_printf(b, "tcache hit: bin 0x%llx gives chunk 0x%llx", X(alloc_tcache_size(a, (unsigned)ev->idx)), X(ev->a));
		break;
	case ALLOC_EV_TCACHE_PUT:
		sb_printf(b, "chunk 0x%llx goes to tcache bin 0x%llx", X(ev->a), X(alloc_tcache_size(a, (unsigned)ev->idx)));
		break;
	case ALLOC_EV_FAST_GET:
		sb_printf(b, "fastbin hit: bin 0x%llx gives chunk 0x%llx", X(alloc_fast_size(a, (unsigned)ev->idx)), X(ev->a));
		break;
	case ALLOC_EV_FAST_PUT:
		sb_printf(b, "chunk 0x%llx goes to fastbin 0x%llx", X(ev->a), X(alloc_fast_size(a, (unsigned)ev->idx)));
		break;
	case ALLOC_EV_STASH:
		sb_printf(b, "stash: chunk 0x%llx moves from the %s into tcache bin 0x%llx", X(ev->a),
			  alloc_bin_name(ev->bin), X(alloc_tcache_size(a, (unsigned)ev->idx)));
		break;
	case ALLOC_EV_SMALL_GET:
		report_bin_name(b, a, ALLOC_BIN_SMALL, ev->idx);
		sb_printf(b, " hit: gives its oldest chunk 0x%llx", X(ev->a));
		break;
	case ALLOC_EV_BIN_MISS:
		report_bin_name(b, a, ev->bin, ev->idx);
		sb_printf(b, " is empty");
		break;
	case ALLOC_EV_SORT:
		sb_printf(b, "sort: unsorted chunk 0x%llx (size 0x%llx) moves to ", X(ev->a), X(ev->b));
		report_bin_name(b, a, ev->bin, ev->idx);
		break;
	case ALLOC_EV_EXACT:
		sb_printf(b, "exact fit in the unsorted bin: chunk 0x%llx", X(ev->a));
		break;
	case ALLOC_EV_LAST_REMAINDER:
		sb_printf(b, "last remainder 0x%llx split: 0x%llx bytes handed out, remainder 0x%llx stays unsorted",
			  X(ev->a), X(ev->b), X(ev->c));
		break;
	case ALLOC_EV_BEST_FIT:
		sb_printf(b, "best fit in ");
		report_bin_name(b, a, ALLOC_BIN_LARGE, ev->idx);
		sb_printf(b, ": chunk 0x%llx (size 0x%llx)", X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_BINMAP:
		sb_printf(b, "binmap search: ");
		report_bin_name(b, a, ev->bin, ev->idx);
		sb_printf(b, " gives chunk 0x%llx (size 0x%llx)", X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_SPLIT:
		sb_printf(b, "split chunk 0x%llx: keeps 0x%llx, remainder 0x%llx is freed", X(ev->a), X(ev->b), X(ev->c));
		break;
	case ALLOC_EV_TOP_SPLIT:
		sb_printf(b, "carved 0x%llx bytes from top at 0x%llx%s; top is now 0x%llx", X(ev->b), X(ev->a),
			  a->tcache && ev->a + alloc_hdr(a) == a->tcache ? " (the tcache_perthread_struct)" : "", X(ev->c));
		break;
	case ALLOC_EV_MERGE:
		sb_printf(b, "merge: 0x%llx absorbs 0x%llx, size now 0x%llx", X(ev->a), X(ev->b), X(ev->c));
		break;
	case ALLOC_EV_TOP_MERGE:
		sb_printf(b, "top grows: top is 0x%llx with size 0x%llx", X(ev->a), X(ev->c));
		break;
	case ALLOC_EV_UNSORTED_PUT:
		sb_printf(b, "chunk 0x%llx (size 0x%llx) goes to the unsorted bin", X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_CONSOLIDATE:
		if (ev->b)
			sb_printf(b, "malloc_consolidate: %llu fastbin chunk%s merged with free neighbours or top", X(ev->b), ev->b == 1 ? "" : "s");
		else
			sb_printf(b, "malloc_consolidate: the fastbins are empty");
		break;
	case ALLOC_EV_TRIM:
		sb_printf(b, "trim: 0x%llx bytes returned to the system", X(ev->b));
		break;
	case ALLOC_EV_THRESHOLD:
		sb_printf(b, "dynamic threshold: mmap_threshold=0x%llx trim_threshold=0x%llx", X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_INPLACE:
		sb_printf(b, "realloc keeps chunk 0x%llx, size now 0x%llx", X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_COPY:
		sb_printf(b, "realloc moves: copies 0x%llx bytes from 0x%llx to 0x%llx, frees the old chunk", X(ev->b),
			  X(ev->a), X(ev->c));
		break;
	case ALLOC_EV_ALIGN:
		if (ev->bin == ALLOC_BIN_MMAP)
			sb_printf(b, "align: the mmapped chunk starts 0x%llx bytes later, at 0x%llx (kept in its prev_size)",
				  X(ev->b), X(ev->c));
		else
			sb_printf(b, "align: the aligned chunk starts at 0x%llx; the 0x%llx bytes before it are freed",
				  X(ev->c), X(ev->b));
		break;
	case ALLOC_EV_ALIGN_TAIL:
		sb_printf(b, "align: chunk 0x%llx keeps 0x%llx bytes; the tail at 0x%llx is freed", X(ev->a), X(ev->b),
			  X(ev->c));
		break;
	case ALLOC_EV_STACK_GROW:
		sb_printf(b, "the stack mapping grows down from 0x%llx to 0x%llx (a touch below it; the kernel extends it)",
			  X(ev->a), X(ev->b));
		break;
	case ALLOC_EV_FRAME:
		if (ev->idx == 0)
			sb_printf(b, "call: sp 0x%llx -> 0x%llx (return address, saved rbp, %llu bytes of locals, 16-aligned)",
				  X(ev->a), X(ev->b), X(ev->c));
		else if (ev->idx == 1)
			sb_printf(b, "ret: sp 0x%llx -> 0x%llx (the frame is gone; the mapping stays)", X(ev->a), X(ev->b));
		else
			sb_printf(b, "alloca: %llu bytes below sp, which is now 0x%llx", X(ev->b), X(ev->a));
		break;
	case ALLOC_EV_ARENA:
		if (ev->idx == 0)
			sb_printf(b, "arena %llu is new: a heap of its own (heap_info, then its malloc_state at 0x%llx), "
				     "for this thread from now on",
				  X(ev->b), X(ev->a));
		else if (ev->idx == 1)
			sb_printf(b, "arena %llu comes off the free list (the thread it served exited)", X(ev->b));
		else if (ev->idx == 2)
			sb_printf(b, "arena %llu is shared: the limit of %llu arenas is reached, so the next arena in the "
				     "ring takes this thread too",
				  X(ev->b), X(ev->c));
		else
			sb_printf(b, "arena %llu has no thread left: it goes on the free list for the next new thread",
				  X(ev->b));
		break;
	case ALLOC_EV_THREAD:
		if (ev->idx == 0)
			sb_printf(b, "pthread_create: thread %llu %s at 0x%llx", X(ev->b),
				  ev->c ? "reuses a cached stack" : "gets a new stack (a guard page, then 8 MiB)", X(ev->a));
		else if (ev->idx == 1 && ev->c)
			sb_printf(b, "thread %llu has exited; no one has joined it yet, so its stack stays mapped", X(ev->b));
		else if (ev->idx == 1)
			sb_printf(b, "thread %llu has exited; main joins it and its stack goes to the stack cache", X(ev->b));
		else if (ev->c == 0)
			sb_printf(b, "main joins thread %llu: its stack goes to the stack cache", X(ev->b));
		else
			sb_printf(b, "thread %llu joins thread %llu: its stack goes to the stack cache", X(ev->c), X(ev->b));
		break;
	case ALLOC_EV_FAIL:
		sb_printf(b, "%s", a->msg[0] ? a->msg : "check failed");
		break;
	default:
		sb_printf(b, "%s", alloc_ev_name(ev->kind));
	}
}

void report_region(sbuf *b, alloc *a, uint64_t p)
{
	static const char *const kinds[MEM_KIND_COUNT] = {
		[MEM_TEXT] = "text",  [MEM_RODATA] = "rodata", [MEM_DATA] = "data", [MEM_BSS] = "bss",
		[MEM_HEAP] = "heap",  [MEM_CHUNK] = "mmap",    [MEM_ANON] = "mmap", [MEM_LIB] = "lib",
		[MEM_STACK] = "stack", [MEM_KERNEL] = "kernel", [MEM_ARENA] = "arena heap", [MEM_TSTACK] = "thread stack",
	};
	if (p >= a->lay.heap && p < a->brk) {
		sb_printf(b, "heap+0x%llx", X(p - a->lay.heap));
		return;
	}
	const mem_map *m = mem_find(a->mem, p);
	if (!m) {
		sb_printf(b, "unmapped");
		return;
	}
	const alloc_global *g = alloc_global_at(a, p);
	if (g) {
		bool in_str = g->strlen && p >= g->str && p < g->str + g->strlen && g->seg != ALLOC_SEG_RODATA;
		static const char *const seg[] = {"data", "bss", "rodata"};
		uint64_t off = in_str ? p - g->str : p - g->addr;
		if (in_str)
			sb_printf(b, "rodata: the string %s points to", g->name);
		else
			sb_printf(b, "%s: %s%s", seg[g->seg], g->name, g->is_array ? "[]" : "");
		if (off)
			sb_printf(b, " +%llu", X(off));
		return;
	}
	if (m->kind == MEM_LIB && m->name[0]) {
		const char *base = strrchr(m->name, '/');
		sb_printf(b, "%s+0x%llx", base ? base + 1 : m->name, X(p - m->start + m->off));
	} else if (m->kind == MEM_KERNEL)
		sb_printf(b, "%s", m->name);
	else
		sb_printf(b, "%s", kinds[m->kind] ? kinds[m->kind] : "mapped");
}

void report_where(sbuf *b, alloc *a, const heapview *v, uint64_t p)
{
	sb_printf(b, "0x%llx: ", X(p));
	if (p >= 0xffff800000000000ull && !mem_find(a->mem, p)) {
		sb_printf(b, "kernel space: the upper half belongs to the kernel, not accessible from user mode "
			     "(SIGSEGV)\n");
		return;
	}
	if (p >= 0x800000000000ull && p < 0xffff800000000000ull) {
		sb_printf(b, "the non-canonical hole: no address from 0x800000000000 to 0xffff7fffffffffff is valid "
			     "on x86-64 (SIGSEGV, or SIGBUS for some instructions)\n");
		return;
	}
	const mem_map *m = mem_find(a->mem, p);
	if (!m) {
		uint64_t lo = 0, hi = 0x800000000000ull;
		for (size_t i = 0; i < a->mem->n; i++) {
			if (a->mem->maps[i].end <= p && a->mem->maps[i].end > lo)
				lo = a->mem->maps[i].end;
			if (a->mem->maps[i].start > p && a->mem->maps[i].start < hi)
				hi = a->mem->maps[i].start;
		}
		sb_printf(b, "unmapped: nothing is mapped from 0x%llx to 0x%llx (any access is a SIGSEGV)\n", X(lo),
			  X(hi));
		return;
	}
	static const char *const what[MEM_KIND_COUNT] = {
		[MEM_TEXT] = "the program's code (.text)",
		[MEM_RODATA] = "read-only data of the program (ELF headers, .rodata, or relro after relocation)",
		[MEM_DATA] = "the program's .data and .bss",
		[MEM_BSS] = "the program's .bss",
		[MEM_HEAP] = "the heap (brk)",
		[MEM_CHUNK] = "an mmapped malloc chunk",
		[MEM_ANON] = "anonymous memory",
		[MEM_LIB] = "a shared library",
		[MEM_STACK] = "the main thread's stack",
		[MEM_KERNEL] = "mapped by the kernel",
		[MEM_ARENA] = "a thread arena's heap (64 MiB reserved, made writable as it grows)",
		[MEM_TSTACK] = "a thread's stack (its lowest page is the PROT_NONE guard)",
	};
	sb_printf(b, "%llx-%llx %c%c%cp %s, ", X(m->start), X(m->end), m->prot & MEM_R ? 'r' : '-',
		  m->prot & MEM_W ? 'w' : '-', m->prot & MEM_X ? 'x' : '-', m->name[0] ? m->name : "(anonymous)");
	sb_printf(b, "%s, ", what[m->kind] ? what[m->kind] : "mapped");
	report_region(b, a, p);
	/* sizeof (struct malloc_state): 0x898, or 0x450 on i386 */
	if (m->kind == MEM_LIB && p >= a->lay.arena && p < a->lay.arena + (alloc_ssz(a) == 8 ? 0x898 : 0x450))
		sb_printf(b, " (main_arena+0x%llx)", X(p - a->lay.arena));
	long k = v ? hv_find(v, p) : -1;
	if (k >= 0) {
		const hv_chunk *c = &v->chunks[k];
		sbuf st = {0};
		report_chunk_state(&st, a, c);
		sb_printf(b, "\n  in chunk 0x%llx (size 0x%llx, %s), %llu bytes in", X(c->addr), X(c->size),
			  st.s ? st.s : "?", X(p - c->addr));
		/* the fields are words: 8 bytes, or 4 on i386 */
		uint64_t w = alloc_ssz(a), o = p - c->addr;
		if (o < w)
			sb_printf(b, ": its prev_size field (the previous chunk's last %llu bytes when that one is in use)",
				  X(w));
		else if (o < 2 * w)
			sb_printf(b, ": its size field");
		else if (o < 3 * w && c->state == ALLOC_BIN_TCACHE)
			sb_printf(b, ": its tcache next link (safe-linked)");
		else if (o < 4 * w && c->state == ALLOC_BIN_TCACHE)
			sb_printf(b, ": its tcache key");
		else if (o < 3 * w && c->state == ALLOC_BIN_FAST)
			sb_printf(b, ": its fastbin fd link (safe-linked)");
		else if (o < 4 * w && c->state >= ALLOC_BIN_UNSORTED && c->state <= ALLOC_BIN_LARGE)
			sb_printf(b, ": its %s link", o < 3 * w ? "fd" : "bk");
		else if (o < 6 * w && c->state == ALLOC_BIN_LARGE)
			sb_printf(b, ": its %s link", o < 5 * w ? "fd_nextsize" : "bk_nextsize");
		else
			sb_printf(b, ": byte %llu of the user data", X(o - 2 * w));
		sb_free(&st);
	}
	sb_printf(b, "\n");
}

/* The operation's events, a line each (a bin found empty is left out). */
static void event_lines(sbuf *b, engine *e, const eng_result *r)
{
	for (uint32_t i = 0; i < r->nev; i++) {
		if (r->ev[i].kind == ALLOC_EV_BIN_MISS)
			continue;
		sb_printf(b, "   ");
		report_event(b, eng_heap(e), &r->ev[i]);
		sb_printf(b, "\n");
	}
}

void report_op(sbuf *b, engine *e, const eng_result *r, const char *text)
{
	if (r->kind == ENG_THREAD && r->status == ALLOC_OK) {
		/* a tN: prefix: the switch, then the call on its own line */
		sb_printf(b, "#%llu thread %llu runs the calls now%s\n", X(r->seq + 1), X(r->arg),
			  r->ret ? " (main created it first)" : "");
		event_lines(b, e, r);
		return;
	}
	sb_printf(b, "#%llu %.150s", X(r->seq + 1), text);
	if (r->status != ALLOC_OK) {
		sb_printf(b, "\n   %s: %s\n", r->status == ALLOC_SEGV ? "SIGSEGV" : "abort", r->msg);
		return;
	}
	switch (r->kind) {
	case ENG_POSIX_MEMALIGN:
		if (r->code) {
			sb_printf(b, " = %llu (%s)", X(r->code), r->code == EINVAL ? "EINVAL" : "ENOMEM");
			break;
		}
		sb_printf(b, " = 0, *memptr");
		/* fall through */
	case ENG_MALLOC:
	case ENG_CALLOC:
	case ENG_REALLOC:
	case ENG_MEMALIGN:
	case ENG_ALIGNED_ALLOC:
	case ENG_VALLOC:
	case ENG_PVALLOC:
		if (r->ret) {
			sb_printf(b, " = 0x%llx  ", X(r->ret));
			if (r->chunk) /* a student's block sizes are not known */
				sb_printf(b, "chunk 0x%llx  ", X(r->chunk));
			report_region(b, eng_heap(e), r->ret);
		} else {
			sb_printf(b, " = NULL%s", r->code == EINVAL ? " (EINVAL)" : "");
		}
		break;
	case ENG_FREE:
		if (r->chunk)
			sb_printf(b, "  chunk 0x%llx%s", X(r->chunk), r->mmapped ? " (mmapped)" : "");
		break;
	case ENG_TRIM:
	case ENG_MALLOPT:
		sb_printf(b, " = %llu", X(r->ret));
		break;
	case ENG_CALL:
	case ENG_RET:
		sb_printf(b, "  sp = 0x%llx", X(r->ret));
		break;
	case ENG_ALLOCA:
		sb_printf(b, " = 0x%llx  stack", X(r->ret));
		break;
	case ENG_MMAP:
	case ENG_MMAP_FILE:
	case ENG_MUNMAP:
	case ENG_MPROTECT:
		if (r->ret == (uint64_t)-1)
			sb_printf(b, " = %s (%s)", r->kind <= ENG_MMAP_FILE ? "MAP_FAILED" : "-1",
				  eng_heap(e)->vm_errno == EINVAL ? "EINVAL" : "ENOMEM");
		else if (r->kind == ENG_MUNMAP || r->kind == ENG_MPROTECT)
			sb_printf(b, " = 0");
		else
			sb_printf(b, " = 0x%llx", X(r->ret));
		break;
	case ENG_SBRK:
	case ENG_BRK:
		if (r->kind == ENG_BRK && r->ret == 0)
			sb_printf(b, " = 0");
		else if (r->ret == (uint64_t)-1)
			sb_printf(b, " = -1 (ENOMEM)");
		else
			sb_printf(b, " = 0x%llx", X(r->ret));
		break;
	case ENG_FOPEN:
		if (r->ret) {
			sb_printf(b, " = 0x%llx  chunk 0x%llx  ", X(r->ret), X(r->chunk));
			report_region(b, eng_heap(e), r->ret);
		} else {
			sb_printf(b, " = NULL");
		}
		break;
	default:
		break;
	}
	sb_printf(b, "\n");
	if (r->kind == ENG_PRINT && r->textlen) {
		/* what the program printed, one line of the log per line of text */
		sb_printf(b, "   %s: ", r->arg == ALLOC_STDERR ? "stderr" : "stdout");
		for (size_t i = 0; i < r->textlen; i++) {
			char ch = r->text[i];
			if (ch == '\n' && i + 1 < r->textlen)
				sb_printf(b, "\n   %s: ", r->arg == ALLOC_STDERR ? "stderr" : "stdout");
			else if (ch != '\n')
				sb_printf(b, "%c", ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
		sb_printf(b, "\n");
	}
	event_lines(b, e, r);
}

static void json_str(sbuf *b, const char *s)
{
	sb_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(b, "\\u%04x", c);
		else
			sb_add(b, (const char *)&c, 1);
	}
	sb_add(b, "\"", 1);
}

void report_json(sbuf *b, engine *e, const eng_result *r, const char *id, bool why)
{
	alloc *a = eng_heap(e);
	sb_printf(b, "{\"seq\":%llu,\"op\":", X(r->seq + 1));
	json_str(b, eng_op_name(r->kind));
	sb_printf(b, ",\"id\":");
	if (id)
		json_str(b, id);
	else
		sb_printf(b, "null");
	bool alloc_op = eng_op_allocates(r->kind);
	if (alloc_op)
		sb_printf(b, ",\"req\":%llu", X(r->req));
	uint64_t p = r->ret;
	if (r->kind == ENG_FREE)
		p = r->arg;
	if (alloc_op || r->kind == ENG_FREE) {
		if (p && r->status == ALLOC_OK) {
			sb_printf(b, ",\"ptr\":\"0x%llx\"", X(p));
			if (!r->mmapped)
				sb_printf(b, ",\"off\":%llu", X(p - a->lay.heap));
			else
				sb_printf(b, ",\"off\":null");
		} else {
			sb_printf(b, ",\"ptr\":null,\"off\":null");
		}
		sb_printf(b, ",\"chunk\":%llu,\"mmapped\":%s", X(r->chunk), r->mmapped ? "true" : "false");
	} else if (r->kind == ENG_TRIM || r->kind == ENG_MALLOPT) {
		sb_printf(b, ",\"ret\":%llu", X(r->ret));
	}
	if (r->kind == ENG_POSIX_MEMALIGN)
		sb_printf(b, ",\"ret\":%llu", X(r->code));
	if (alloc_op && r->kind != ENG_MALLOC && r->kind != ENG_CALLOC && r->kind != ENG_REALLOC)
		sb_printf(b, ",\"align\":%llu", X(r->arg));
	sb_printf(b, ",\"brk\":%llu", X(r->brk - a->lay.heap));
	if (r->kind == ENG_FOPEN && r->ret)
		sb_printf(b, ",\"ptr\":\"0x%llx\",\"off\":%llu,\"chunk\":%llu", X(r->ret), X(r->ret - a->lay.heap),
			  X(r->chunk));
	if (r->kind == ENG_PRINT) {
		char *t = xmalloc(r->textlen + 1);
		memcpy(t, r->text, r->textlen);
		t[r->textlen] = 0;
		sb_printf(b, ",\"stream\":\"%s\",\"out\":", r->arg == ALLOC_STDERR ? "stderr" : "stdout");
		json_str(b, t);
		free(t);
	}
	if (r->status != ALLOC_OK) {
		sb_printf(b, ",\"error\":");
		json_str(b, r->msg);
	}
	if (why) {
		sbuf w = {0};
		report_narrate(&w, a, r);
		sb_printf(b, ",\"why\":[");
		int k = 0;
		for (char *line = w.s, *nl; line && *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl)
				nl = line + strlen(line) - 1;
			*nl = 0;
			sb_printf(b, "%s", k++ ? "," : "");
			json_str(b, line);
		}
		sb_printf(b, "]");
		sb_free(&w);
	}
	sb_printf(b, "}\n");
}
