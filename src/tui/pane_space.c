/*
 * pane_space.c - the address-space pane: the simulated process's mappings
 * in address order, gaps compressed to one labelled line, the program break
 * marked, and every mmapped chunk inside the mmap area.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "tui_internal.h"

static int seg_role(const mem_map *mp)
{
	switch (mp->kind) {
	case MEM_TEXT:
	case MEM_RODATA:
		return ROLE_SEG_TEXT;
	case MEM_KERNEL:
		return ROLE_SEG_LIB;
	case MEM_DATA:
		return ROLE_SEG_DATA;
	case MEM_BSS:
		return ROLE_SEG_BSS;
	case MEM_HEAP:
		return ROLE_SEG_HEAP;
	case MEM_CHUNK:
		return ROLE_MMAP;
	case MEM_ANON:
		return ROLE_SEG_MMAP;
	case MEM_ARENA:
		return ROLE_SEG_HEAP;
	case MEM_LIB:
		return ROLE_SEG_LIB;
	default:
		return ROLE_SEG_STACK;
	}
}

static const char *seg_name(const mem_map *mp)
{
	switch (mp->kind) {
	case MEM_TEXT:
		return "text";
	case MEM_RODATA:
		return "ro";
	case MEM_KERNEL:
		return !strcmp(mp->name, "[vdso]")	   ? "vdso"
		       : !strcmp(mp->name, "[vsyscall]") ? "vsys"
		       : !strcmp(mp->name, "[vvar]")	   ? "vvar"
							   : "vclk";
	case MEM_DATA:
		return "data";
	case MEM_BSS:
		return "bss";
	case MEM_HEAP:
		return "heap";
	case MEM_CHUNK:
		return "chunk";
	case MEM_ANON:
		return "anon";
	case MEM_LIB:
		return strstr(mp->name, "/libc.") ? "libc" : "ld.so";
	default:
		return "stack";
	}
}

/* A bar for a size on a log scale: one cell per factor of 4 above a page,
 * so 4K is one cell, 1M five, 1G ten, 128T eighteen. */
static void scale_bar(styled_line *l, int role, uint64_t size, bool wide)
{
	if (!wide)
		return;
	int cells = 1;
	for (uint64_t s = size >> 12; s >= 4 && cells < 20; s >>= 2)
		cells++;
	char bar[24];
	memset(bar, '#', (size_t)cells);
	bar[cells] = 0;
	vl_add(l, role, " %s", bar);
}

/* A labelled band of addresses no mapping can use. */
static void band(tui *t, int role, const char *fmt, const char *size)
{
	styled_line *g = vl_new(&t->space);
	vl_add(g, role, fmt, size);
}

/* Rows from the top of the address space down, as the classic diagrams
 * draw it: the kernel half, the non-canonical hole, then every mapping
 * from the stack down to the program's text, gaps labelled with their
 * sizes and the program break above the heap. */
static void build(tui *t, int w)
{
	alloc *a = eng_heap(t->eng);
	mem_space *m = a->mem;
	vl_clear(&t->space);
	free(t->space_at);
	t->space_at = xcalloc(3 * m->n + 8 + 2 * ALLOC_MAX_GLOBALS, sizeof *t->space_at);
	char sz[16];
	bool wide = w >= 40;
	uint64_t below = 0; /* start of the row drawn last (0: none yet) */
	bool kernel_done = false;
	/* an i386 process: 8 hex digits; the kernel's gigabyte above
	 * 0xc0000000 (3G/1G), or nothing at all above 4 GiB (a 64-bit kernel) */
	bool i386 = alloc_ssz(a) == 4;
	int digits = i386 ? 8 : 12;
	for (size_t i = m->n; i-- > 0;) {
		const mem_map *mp = &m->maps[i];
		if (!kernel_done && i386) {
			if (a->lay.arch == ALLOC_ARCH_I386) {
				band(t, ROLE_DIM, "  kernel: 1G at c0000000, no access from user mode", "");
				below = 0xc0000000ull;
			} else {
				band(t, ROLE_DIM, "  4G: a 32-bit process ends here (the 64-bit kernel is far above)", "");
				below = 0x100000000ull;
			}
			kernel_done = true;
		}
		if (!kernel_done && mp->start < 0xffff800000000000ull) {
			band(t, ROLE_DIM, "  kernel: 128T, no access from user mode", "");
			band(t, ROLE_GAP, "  ~~~ non-canonical hole: 16E ~~~", "");
			kernel_done = true;
			below = 0x800000000000ull;
		}
		if (below && mp->end < below) {
			ui_size(sz, sizeof sz, below - mp->end);
			band(t, ROLE_GAP, "  ~~~ %s unmapped ~~~", sz);
			scale_bar(&t->space.l[t->space.n - 1], ROLE_GAP, below - mp->end, wide);
		}
		if (mp->kind == MEM_HEAP || (a->brk == a->lay.heap && mp->start < a->lay.heap && below > a->lay.heap)) {
			styled_line *bl = vl_new(&t->space);
			t->space_at[t->space.n - 1] = a->lay.heap;
			vl_add(bl, ROLE_SEG_HEAP, "  brk %0*llx%s", digits, (unsigned long long)a->brk,
			       mp->kind == MEM_HEAP ? "" : " (no heap yet)");
			if (mp->kind == MEM_HEAP && a->top && wide) {
				uint64_t ts = 0;
				alloc_rdword(a, a->top + alloc_ssz(a), &ts);
				ui_size(sz, sizeof sz, ts & ~7ull);
				vl_add(bl, ROLE_TOP, " (top %s)", sz);
			}
		}
		/* a library's mappings (headers, code, rodata, relro, data) make
		 * one row here; `maps` lists them one by one */
		uint64_t start = mp->start;
		while (mp->kind == MEM_LIB && i > 0 && m->maps[i - 1].kind == MEM_LIB &&
		       m->maps[i - 1].end == start && !strcmp(m->maps[i - 1].name, mp->name))
			start = m->maps[--i].start;
		ui_size(sz, sizeof sz, mp->end - start);
		t->space_at[t->space.n] = start;
		styled_line *l = vl_new(&t->space);
		int role = seg_role(mp);
		if (wide && start < 0x800000000000ull)
			vl_add(l, role, "%0*llx-%0*llx", digits, (unsigned long long)start, digits,
			       (unsigned long long)mp->end);
		else if (wide)
			vl_add(l, role, "%016llx%9s", (unsigned long long)start, "");
		else
			vl_add(l, role, "%0*llx", digits, (unsigned long long)start);
		vl_add(l, ROLE_NORMAL, " ");
		if (mp->kind == MEM_ARENA || mp->kind == MEM_TSTACK)
			vl_add(l, role, "%s%-*llu", mp->kind == MEM_ARENA ? "ar" : "th", 3, (unsigned long long)mp->aux);
		else
			vl_add(l, role, "%-5s", seg_name(mp));
		vl_add(l, ROLE_DIM, " %5s", sz);
		scale_bar(l, role, mp->end - start, wide && !(mp->kind == MEM_STACK));
		if (mp->kind == MEM_STACK && a->sp >= mp->start && a->sp < mp->end) {
			ui_size(sz, sizeof sz, a->lay.stack_end - a->sp);
			vl_add(l, ROLE_DIM, " (%s used)", sz);
		}
		if (mp->kind == MEM_ARENA) /* arena N's heap: writable, or still reserved */
			vl_add(l, ROLE_DIM, mp->prot ? " heap" : " reserve");
		if (mp->kind == MEM_TSTACK) {
			/* its thread's while it runs or waits for a join, else the cache's */
			unsigned n = (unsigned)mp->aux;
			bool owned = n < ALLOC_MAX_THREADS && (a->th[n].alive || a->th[n].unjoined) &&
				     a->th[n].stack <= mp->start && mp->start < a->th[n].stack + a->th[n].stack_len;
			vl_add(l, ROLE_DIM, " %s",
			       !mp->prot ? "guard" : !owned ? "cached" : a->th[n].alive ? "stack" : "unjoined");
		}
		/* the program's globals in this mapping, highest first */
		unsigned shown = 0, more = 0;
		uint64_t last = UINT64_MAX;
		for (;;) {
			/* the next lower global in [start, end) */
			const alloc_global *gl = NULL;
			for (unsigned g = 0; g < a->nglobals; g++) {
				const alloc_global *c = &a->globals[g];
				if (c->addr >= start && c->addr < mp->end && c->addr < last && (!gl || c->addr > gl->addr))
					gl = c;
			}
			if (!gl)
				break;
			last = gl->addr;
			if (shown++ == 6) {
				more++;
				continue;
			}
			static const char *const seg[] = {".data", ".bss", ".rodata"};
			styled_line *gv = vl_new(&t->space);
			t->space_at[t->space.n - 1] = gl->addr;
			ui_size(sz, sizeof sz, gl->size);
			vl_add(gv, role, "  %-7s %s%s", seg[gl->seg], gl->name, gl->is_array ? "[]" : "");
			vl_add(gv, ROLE_DIM, " %s @%llx", sz, (unsigned long long)(gl->addr & 0xffffff));
		}
		if (more) {
			styled_line *gv = vl_new(&t->space);
			vl_add(gv, ROLE_DIM, "  ... %u more globals", more);
		}
		below = start;
	}
}

size_t pane_space_lines(tui *t)
{
	return t->space.n;
}

/* The row of the mapping the last operation changed, or -1. */
static long mark_row(const tui *t)
{
	if (!t->space_mark)
		return -1;
	for (size_t i = 0; i < t->space.n; i++)
		if (t->space_at[i] && t->space_at[i] <= t->space_mark)
			return (long)i;
	return -1;
}

void pane_space_draw(tui *t, rect r)
{
	char title[64];
	snprintf(title, sizeof title, r.w >= 48 ? "address space (%zu maps, bars to a log scale)" : r.w >= 36 ? "address space (%zu maps)" : "address space",
		 eng_heap(t->eng)->mem->n);
	ui_box(r, title, t->focus == P_SPACE);
	if (t->gen_space != eng_generation(t->eng) + 1 || t->space.n == 0) {
		build(t, r.w - 2);
		t->gen_space = eng_generation(t->eng) + 1;
	}
	int h = r.h - 2;
	if (t->space_follow) {
		/* the mapping the last operation changed: the last one that starts
		 * at or below its address, kept in view */
		long k = -1;
		for (size_t i = 0; i < t->space.n && k < 0; i++)
			if (t->space_at[i] && t->space_at[i] <= t->space_focus)
				k = (long)i;
		if (k >= 0 && (k < t->scroll[P_SPACE] + 1 || k >= t->scroll[P_SPACE] + h - 1))
			t->scroll[P_SPACE] = k - h / 2;
		t->space_follow = false;
	}
	long max = (long)t->space.n - h;
	if (t->scroll[P_SPACE] > max)
		t->scroll[P_SPACE] = max < 0 ? 0 : max;
	if (t->scroll[P_SPACE] < 0)
		t->scroll[P_SPACE] = 0;
	long above = t->scroll[P_SPACE], below = (long)t->space.n - above - h;
	for (int i = 0; i < h; i++) {
		size_t k = (size_t)(t->scroll[P_SPACE] + i);
		if (k >= t->space.n)
			break;
		if (i == 0 && above > 0)
			ui_putf(r.y + 1, r.x + 1, r.w - 2, ROLE_DIM, "  ^ %ld more above", above + 1);
		else if (i == h - 1 && below > 0)
			ui_putf(r.y + 1 + i, r.x + 1, r.w - 2, ROLE_DIM, "  v %ld more below", below + 1);
		else {
			/* the row the last operation changed: marked */
			if ((long)k == mark_row(t))
				ui_put(r.y + 1 + i, r.x + 1, 1, ROLE_HIGHLIGHT, ">");
			vl_draw(&t->space.l[k], r.y + 1 + i, r.x + 2, r.w - 3);
		}
	}
}
