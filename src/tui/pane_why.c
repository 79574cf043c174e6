/*
 * pane_why.c - the narration strip: two or three rows above the status bar
 * that say, in plain words and numbers, why the last operation went as it
 * did (report_narrate's text, wrapped to the screen).  F3 hides it; when
 * the text is longer than the strip, the last row points to `explain`.
 * Above it, when a script said something (`say`), the caption.
 */
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "heapscope/xalloc.h"
#include "tui_internal.h"

void why_update(tui *t, const eng_result *r)
{
	free(t->why);
	t->why = NULL;
	if (!r)
		return;
	sbuf w = {0};
	report_narrate(&w, eng_heap(t->eng), r);
	t->why = w.s ? xstrdup(w.s) : NULL;
	sb_free(&w);
	t->dirty = true;
}

/* Break text into rows of at most w columns, at blanks where possible;
 * returns the number of rows written into rows[] (at most max). */
static int wrap(const char *text, int w, char rows[][512], int max)
{
	int n = 0;
	const char *p = text;
	while (*p && n < max) {
		size_t len = strcspn(p, "\n");
		size_t take = len;
		if ((int)take > w) {
			take = (size_t)w;
			while (take > (size_t)w / 2 && p[take] != ' ')
				take--;
			if (p[take] != ' ')
				take = (size_t)w;
		}
		if (take > 511)
			take = 511;
		memcpy(rows[n], p, take);
		rows[n][take] = 0;
		n++;
		p += take;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
	}
	return n;
}

void pane_why_draw(tui *t, rect r)
{
	for (int i = 0; i < r.h; i++)
		ui_fill(r.y + i, r.x, r.w, ROLE_NARRATION);
	if (!t->why) {
		ui_put(r.y, r.x, r.w, ROLE_NARRATION, " why: each operation is explained here (F3 hides this)");
		return;
	}
	char rows[8][512];
	int w = r.w - 6 > 20 ? r.w - 6 : 20;
	int n = wrap(t->why, w, rows, 8);
	for (int i = 0; i < n && i < r.h; i++) {
		bool more = i == r.h - 1 && n > r.h;
		if (more && (int)strlen(rows[i]) > w - 14)
			rows[i][w - 14 > 0 ? w - 14 : 0] = 0;
		ui_putf(r.y + i, r.x, r.w, ROLE_NARRATION, "%s%s%s", i ? "      " : " why: ", rows[i],
			more ? " ... (explain)" : "");
	}
}

/* Whether the caption is drawn in large letters at width w, height h;
 * *lines gets the number of text lines. */
static bool caption_big(const tui *t, int w, int h, int *lines)
{
	if (!t->caption || !t->utf8 || !theme_big(ROLE_CAPTION) || w < 44)
		return false;
	char rows[8][512];
	int max = h / 3 / 3 < 8 ? h / 3 / 3 : 8;
	if (max < 1)
		return false;
	int n = wrap(t->caption, (w - 4) / 2, rows, 8);
	*lines = n;
	return n <= max;
}

int pane_caption_rows(const tui *t, int w, int h)
{
	if (!t->caption)
		return 0;
	int lines;
	if (caption_big(t, w, h, &lines))
		return 3 * lines;
	return h >= 40 && strlen(t->caption) > (size_t)w - 4 ? 2 : 1;
}

void pane_caption_draw(tui *t, rect r)
{
	char rows[8][512];
	int lines;
	bool big = caption_big(t, r.w, t->rows, &lines);
	int n = big ? wrap(t->caption, (r.w - 4) / 2, rows, 8)
		    : wrap(t->caption ? t->caption : "", r.w - 4 > 20 ? r.w - 4 : 20, rows, 4);
	for (int i = 0; i < r.h; i++)
		ui_fill(r.y + i, r.x, r.w, ROLE_CAPTION);
	for (int i = 0; i < n; i++) {
		if (big && 3 * i + 3 <= r.h)
			bigtext_line(r.y + 3 * i, r.x + 2, r.w - 4, ROLE_CAPTION, rows[i]);
		else if (!big && i < r.h)
			ui_putf(r.y + i, r.x, r.w, ROLE_CAPTION, "  %s", rows[i]);
	}
}
