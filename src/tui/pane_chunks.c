/*
 * pane_chunks.c - the chunk pane: a one-line heap map (one cell per block
 * of bytes, coloured and lettered by the state of the chunk under it), the
 * legend, then every chunk in address order with its size, flags, state,
 * the variables pointing into it and its first user bytes.  The chunk the
 * last operation changed is highlighted and scrolled into view; the last
 * row always shows top and the program break.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "tui_internal.h"

int pane_state_role(int state)
{
	static const int roles[ALLOC_BIN_KIND_COUNT] = {ROLE_INUSE, ROLE_TCACHE, ROLE_FAST, ROLE_UNSORTED,
						  ROLE_SMALL, ROLE_LARGE,  ROLE_TOP,  ROLE_MMAP,
						  ROLE_SMALL, ROLE_DIM};
	return state >= 0 && state < ALLOC_BIN_KIND_COUNT ? roles[state] : ROLE_NORMAL;
}

char pane_state_char(int state)
{
	static const char c[ALLOC_BIN_KIND_COUNT + 1] = "#tfuslTm.|";
	return state >= 0 && state < ALLOC_BIN_KIND_COUNT ? c[state] : '?';
}

size_t pane_chunks_lines(tui *t)
{
	return sess_view(t->sess)->n;
}

/* One cell of the map: the chunks [from, to) share it; it shows the state
 * of the first free one among them (else in use), highlighted when the
 * chunk the last operation changed is there. */
static void map_cell(tui *t, const heapview *v, size_t from, size_t to, int y, int x)
{
	int st = ALLOC_BIN_NONE;
	bool hl = false;
	for (size_t k = from; k < to; k++) {
		if (st == ALLOC_BIN_NONE)
			st = v->chunks[k].state;
		hl |= v->chunks[k].addr == t->hl_chunk;
	}
	attrset(theme_attr(hl ? ROLE_HIGHLIGHT : pane_state_role(st)) | (st == ALLOC_BIN_NONE ? 0 : A_BOLD));
	mvaddch(y, x, (chtype)pane_state_char(st));
}

/* The heap map, drawn to scale: chunks share the width by size, each at
 * least one cell while they fit; top (usually most of the heap) gets at
 * most a quarter, so it never hides the chunks.  Returns the scale note. */
static const char *heap_map(tui *t, const heapview *v, int y, int x, int w)
{
	if (!v->nheap || w <= 0) {
		ui_put(y, x, w, ROLE_DIM, "(no heap yet: the first malloc creates it)");
		return "";
	}
	size_t n = v->nheap;
	bool has_top = v->chunks[n - 1].state == ALLOC_BIN_TOP;
	if (has_top)
		n--;
	int topw = has_top ? (n ? (w / 4 > 1 ? w / 4 : 1) : w) : 0;
	int avail = w - topw;
	const char *note = "";
	if (n && (size_t)avail >= n) {
		/* every chunk gets a cell, the rest of the width goes by size */
		uint64_t total = 0;
		for (size_t k = 0; k < n; k++)
			total += v->chunks[k].size;
		int extra = avail - (int)n, col = 0;
		for (size_t k = 0; k < n; k++) {
			int cells = 1 + (total ? (int)((double)v->chunks[k].size * extra / (double)total) : 0);
			for (int c = 0; c < cells && col < avail; c++)
				map_cell(t, v, k, k + 1, y, x + col++);
		}
		topw = w - col;
		note = "map to scale";
	} else if (n) {
		/* more chunks than cells: each cell stands for several */
		size_t per = (n + (size_t)avail - 1) / (size_t)avail;
		int col = 0;
		for (size_t k = 0; k < n && col < avail; k += per)
			map_cell(t, v, k, k + per < n ? k + per : n, y, x + col++);
		topw = w - col;
		static char buf[48];
		snprintf(buf, sizeof buf, "map: %zu chunks a cell", per);
		note = buf;
	}
	for (int c = 0; has_top && c < topw; c++)
		map_cell(t, v, v->nheap - 1, v->nheap, y, x + w - topw + c);
	attrset(A_NORMAL);
	return note;
}

static void legend(int y, int x, int w, const char *note, bool design)
{
	int c = 0;
	static const int design_states[] = {ALLOC_BIN_NONE, ALLOC_BIN_FREE, ALLOC_BIN_META};
	int n = design ? 3 : ALLOC_BIN_GLIBC_COUNT;
	for (int k = 0; k < n && c < w; k++) {
		int s = design ? design_states[k] : k;
		char buf[32];
		snprintf(buf, sizeof buf, "%c %s", pane_state_char(s), alloc_bin_name(s));
		c += ui_put(y, x + c, w - c, pane_state_role(s), buf);
		c += ui_put(y, x + c, w - c, ROLE_NORMAL, "  ");
	}
	int nl = (int)strlen(note);
	if (w - c >= nl + 2)
		ui_put(y, x + w - nl, nl, ROLE_DIM, note);
}

void pane_chunks_draw(tui *t, rect r)
{
	const heapview *v = sess_view(t->sess);
	alloc *a = eng_heap(t->eng);
	char title[112];
	if (v->design)
		snprintf(title, sizeof title, "blocks of %s (%zu)", v->design, v->n);
	else if (v->arena)
		snprintf(title, sizeof title, "arena %u: chunks (%zu in its heaps, %zu mmapped)", v->arena, v->nheap,
			 v->n - v->nheap);
	else if (eng_heap(t->eng)->nar > 1)
		snprintf(title, sizeof title, "main_arena: chunks (%zu in the heap, %zu mmapped; F4: next arena)", v->nheap,
			 v->n - v->nheap);
	else
		snprintf(title, sizeof title, "chunks (%zu in the heap, %zu mmapped)", v->nheap, v->n - v->nheap);
	ui_box(r, title, t->focus == P_CHUNKS);
	int x = r.x + 1, w = r.w - 2, y = r.y + 1, h = r.h - 2;
	if (h <= 0)
		return;
	const char *note = heap_map(t, v, y, x, w);
	y++, h--;
	if (h >= 6) {
		legend(y, x, w, note, v->design != NULL);
		y++, h--;
	}
	bool showflags = w >= 56, showvars = w >= 40, showdata = w >= 72;
	if (h >= 7) {
		/* column headers; P = previous chunk in use, M = mmapped, A = non-main arena */
		ui_putf(y, x, w, ROLE_TITLE, "%-15s%-9s%s%-13s%s%s", "chunk", "size", showflags ? "PMA " : "", "state",
			showvars ? showdata ? " vars         " : " vars" : "", showdata ? "data" : "");
		y++, h--;
	}
	if (v->corrupt && h > 2) {
		ui_put(y, x, w, ROLE_ERROR, v->corrupt_msg);
		y++, h--;
	}
	int rows = h - 1; /* the last row is for top and brk */
	if (rows <= 0)
		return;
	long n = (long)v->n;
	if (t->follow_hl) {
		long k = t->hl_chunk ? hv_find(v, t->hl_chunk) : -1;
		if (k >= 0 && (k < t->scroll[P_CHUNKS] || k >= t->scroll[P_CHUNKS] + rows))
			t->scroll[P_CHUNKS] = k - rows / 2;
		t->follow_hl = false;
	}
	if (t->scroll[P_CHUNKS] > n - rows)
		t->scroll[P_CHUNKS] = n - rows;
	if (t->scroll[P_CHUNKS] < 0)
		t->scroll[P_CHUNKS] = 0;
	if (showvars)
		report_vars_update(&t->vars, t->eng);
	for (int i = 0; i < rows; i++) {
		long k = t->scroll[P_CHUNKS] + i;
		if (k >= n)
			break;
		const hv_chunk *c = &v->chunks[k];
		int yy = y + i;
		bool hl = c->addr == t->hl_chunk;
		if (hl)
			ui_fill(yy, x, w, ROLE_HIGHLIGHT);
		int col = 0;
		char st[32], fl[4];
		report_flags(fl, c->raw);
		if (v->design) /* a design's tag has an allocated bit, not glibc's flags */
			memcpy(fl, c->state == ALLOC_BIN_NONE ? "a--" : "---", 4);
		sbuf sts = {0};
		report_chunk_state(&sts, a, c);
		snprintf(st, sizeof st, "%s", sts.s ? sts.s : "");
		sb_free(&sts);
		int base = hl ? ROLE_HIGHLIGHT : ROLE_NORMAL;
		col += ui_putf(yy, x + col, w - col, base, "%s0x%llx ", k == (long)v->nheap ? "" : "",
			       (unsigned long long)c->addr);
		col += ui_putf(yy, x + col, w - col, hl ? ROLE_HIGHLIGHT : ROLE_DIM, "0x%-6llx ", (unsigned long long)c->size);
		if (showflags)
			col += ui_putf(yy, x + col, w - col, base, "%s ", fl);
		col += ui_putf(yy, x + col, w - col, hl ? ROLE_HIGHLIGHT : pane_state_role(c->state), "%-12s", st);
		if (showvars) {
			sbuf vs = {0};
			if (a->tcache && c->addr + alloc_hdr(a) == a->tcache)
				sb_printf(&vs, "(tcache)");
			else if (c->state != ALLOC_BIN_TOP)
				report_vars_names(&vs, &t->vars, t->eng, c->addr, c->size, 40);
			int vw = showdata ? 12 : w - col - 1;
			col += ui_putf(yy, x + col, w - col, base, " %-*.*s", vw, vw, vs.s ? vs.s : "");
			sb_free(&vs);
		}
		if (showdata && c->state != ALLOC_BIN_TOP) {
			uint8_t d[8] = {0};
			mem_read(a->mem, c->addr + v->data_off, d, 8);
			col += ui_putf(yy, x + col, w - col, hl ? ROLE_HIGHLIGHT : ROLE_DIM,
				       " %02x%02x%02x%02x %02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
		}
	}
	/* top and the program break stay visible */
	int yy = y + rows;
	char tsz[16];
	ui_size(tsz, sizeof tsz, v->top_size);
	if (a->top)
		ui_putf(yy, x, w, ROLE_TOP, "top %llx %s  brk %llx  %s", (unsigned long long)v->top, tsz,
			(unsigned long long)a->brk, t->scroll[P_CHUNKS] + rows < n ? "(more below)" : "");
	else
		ui_putf(yy, x, w, ROLE_TOP, "brk 0x%llx (the heap starts here)", (unsigned long long)a->brk);
}
