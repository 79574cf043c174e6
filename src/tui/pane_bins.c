/*
 * pane_bins.c - the bin pane: tcache bins with their counts out of the
 * limit, fastbins, the unsorted bin, small and large bins with their size
 * ranges, each as a chain.  Empty bins are hidden unless `a` (all) is on;
 * `r` shows the raw safe-linked values next to the decoded targets.
 */
#include <stdio.h>
#include <string.h>

#include "tui_internal.h"

static void chain(styled_lines *out, styled_line *l, const hv_list *lst, int role, uint64_t off, bool raw, int w)
{
	for (uint32_t k = 0; k < lst->n; k++) {
		char item[64];
		int n = snprintf(item, sizeof item, "%s0x%llx", k ? " -> " : "", (unsigned long long)(lst->chunk[k] + off));
		if (raw && k)
			n += snprintf(item + n, sizeof item - (size_t)n, " [0x%llx]", (unsigned long long)lst->stored[k]);
		if ((int)strlen(l->text) + n > w && strlen(l->text) > 8) {
			l = vl_new(out);
			vl_add(l, ROLE_NORMAL, "        ");
		}
		vl_add(l, role, "%s", item);
	}
	if (lst->broken)
		vl_add(l, ROLE_ERROR, " -> !! corrupted");
}

static void build(tui *t, int w)
{
	const heapview *v = sess_view(t->sess);
	alloc *a = eng_heap(t->eng);
	styled_lines *o = &t->bins;
	vl_clear(o);
	bool all = t->bins_all, raw = t->bins_raw;
	styled_line *l;
	if (v->design) {
		/* a design's own free lists */
		vl_add(vl_new(o), ROLE_TITLE, "free lists of %s", v->design);
		int any = 0;
		for (unsigned i = 0; i < 64; i++) {
			if (!v->dlist[i].n)
				continue;
			any = 1;
			l = vl_new(o);
			vl_add(l, ROLE_SMALL, " %s", v->dname[i] ? v->dname[i] : "list");
			vl_add(l, ROLE_DIM, " [%u] ", v->dlist[i].n);
			chain(o, l, &v->dlist[i], ROLE_SMALL, 0, false, w);
		}
		if (!any)
			vl_add(vl_new(o), ROLE_DIM, " %s", v->no_lists);
		return;
	}
	l = vl_new(o);
	vl_add(l, ROLE_TITLE, "tcache (%llu per bin)", (unsigned long long)a->mp.tcache_count);
	int shown = 0;
	for (unsigned i = 0; i < ALLOC_TCACHE_BINS; i++) {
		if (!v->tcache[i].n && !v->tcount[i] && !all)
			continue;
		shown++;
		l = vl_new(o);
		vl_add(l, ROLE_TCACHE, " 0x%-4x", (unsigned)alloc_tcache_size(a, (unsigned)i));
		vl_add(l, ROLE_DIM, "[%u/%llu] ", v->tcount[i], (unsigned long long)a->mp.tcache_count);
		chain(o, l, &v->tcache[i], ROLE_TCACHE, alloc_hdr(a), raw, w);
	}
	if (!shown)
		vl_add(vl_new(o), ROLE_DIM, " (empty)");
	vl_add(vl_new(o), ROLE_TITLE, "fastbins");
	shown = 0;
	for (unsigned i = 0; i < 7; i++) {
		if (!v->fast[i].n && !all)
			continue;
		shown++;
		l = vl_new(o);
		vl_add(l, ROLE_FAST, " 0x%-4x", (unsigned)alloc_fast_size(a, (unsigned)i));
		vl_add(l, ROLE_DIM, "[%u] ", v->fast[i].n);
		chain(o, l, &v->fast[i], ROLE_FAST, 0, raw, w);
	}
	if (!shown)
		vl_add(vl_new(o), ROLE_DIM, " (empty)");
	l = vl_new(o);
	vl_add(l, ROLE_TITLE, "unsorted ");
	vl_add(l, ROLE_DIM, "[%u] ", v->bins[1].n);
	if (v->bins[1].n)
		chain(o, l, &v->bins[1], ROLE_UNSORTED, 0, false, w);
	for (int pass = 0; pass < 2; pass++) {
		vl_add(vl_new(o), ROLE_TITLE, pass ? "large bins" : "small bins");
		shown = 0;
		for (unsigned i = pass ? 64 : 2; i < (pass ? 127u : 64u); i++) {
			if (!v->bins[i].n && !all)
				continue;
			shown++;
			uint64_t lo, hi;
			alloc_bin_range(a, i, &lo, &hi);
			l = vl_new(o);
			int role = pass ? ROLE_LARGE : ROLE_SMALL;
			if (lo == hi)
				vl_add(l, role, " %3u 0x%llx ", i, (unsigned long long)lo);
			else if (hi == UINT64_MAX)
				vl_add(l, role, " %3u 0x%llx+ ", i, (unsigned long long)lo);
			else
				vl_add(l, role, " %3u 0x%llx-0x%llx ", i, (unsigned long long)lo, (unsigned long long)hi);
			vl_add(l, ROLE_DIM, "[%u] ", v->bins[i].n);
			chain(o, l, &v->bins[i], role, 0, false, w);
		}
		if (!shown)
			vl_add(vl_new(o), ROLE_DIM, " (empty)");
	}
}

size_t pane_bins_lines(tui *t)
{
	return t->bins.n;
}

void pane_bins_draw(tui *t, rect r)
{
	char title[112];
	const alloc *hp = eng_heap(t->eng);
	unsigned shown = sess_view(t->sess)->arena;
	if (hp->nar > 1 || hp->thread)
		snprintf(title, sizeof title, "bins of arena %u, tcache of thread %u%s%s", shown, hp->thread,
			 t->bins_all ? " (all)" : "", t->bins_raw ? " (raw links)" : "");
	else
		snprintf(title, sizeof title, "bins%s%s", t->bins_all ? " (all)" : "", t->bins_raw ? " (raw links)" : "");
	ui_box(r, title, t->focus == P_BINS);
	uint64_t key = (eng_generation(t->eng) * 128 + shown) * 4 + (uint64_t)t->bins_all * 2 + (uint64_t)t->bins_raw + 1;
	if (t->gen_bins != key) {
		build(t, r.w - 2);
		t->gen_bins = key;
	}
	int h = r.h - 2;
	long max = (long)t->bins.n - h;
	if (t->scroll[P_BINS] > max)
		t->scroll[P_BINS] = max < 0 ? 0 : max;
	for (int i = 0; i < h; i++) {
		size_t k = (size_t)(t->scroll[P_BINS] + i);
		if (k >= t->bins.n)
			break;
		styled_line *l = &t->bins.l[k];
		vl_draw(l, r.y + 1 + i, r.x + 1, r.w - 2);
	}
}
