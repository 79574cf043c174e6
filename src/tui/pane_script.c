/*
 * pane_script.c - the script pane: the loaded script with line numbers,
 * the next line to run highlighted and kept in view.
 */
#include <stdio.h>
#include <string.h>

#include "tui_internal.h"

size_t pane_script_lines(tui *t)
{
	sess_script_view v;
	return sess_script(t->sess, &v) ? v.n : 0;
}

/* Where each row of a script line starts: a comment line wraps at blanks
 * (up to four rows) so a lecture's prose can be read at 80 columns; code
 * stays on one row.  Returns the number of rows; ends[i] is where row i
 * stops. */
static int line_rows(const char *l, int w, size_t starts[4], size_t ends[4])
{
	size_t len = strlen(l);
	const char *p = l;
	while (*p == ' ' || *p == '\t')
		p++;
	starts[0] = 0;
	ends[0] = len;
	if (!*p || sess_code_len(l) > 0 || w <= 10 || (int)len <= w)
		return 1;
	int n = 0;
	size_t at = 0;
	while (at < len && n < 4) {
		size_t end = at + (size_t)w;
		if (end >= len || n == 3) {
			end = end < len ? end : len;
		} else {
			size_t b = end;
			while (b > at + (size_t)w / 2 && l[b] != ' ')
				b--;
			if (l[b] == ' ')
				end = b;
		}
		starts[n] = at;
		ends[n++] = end;
		at = end;
		while (at < len && l[at] == ' ')
			at++;
	}
	return n;
}

void pane_script_draw(tui *t, rect r)
{
	sess_script_view view, *sc = &view;
	if (!sess_script(t->sess, sc))
		return;
	char title[120];
	const char *base = strrchr(sc->path, '/') ? strrchr(sc->path, '/') + 1 : sc->path;
	/* the position first, so it survives a narrow pane */
	snprintf(title, sizeof title, "%zu/%zu %s%s", sc->next < sc->n ? sc->next + 1 : sc->n, sc->n, base,
		 t->playing ? " playing" : "");
	ui_box(r, title, t->focus == P_SCRIPT);
	int h = r.h - 2, w = r.w - 2, tw = w - 5;
	if (h <= 0 || w <= 0)
		return;
	/* keep the next line in view, a third of the way down */
	long next = (long)sc->next;
	long start = t->scroll[P_SCRIPT];
	if (next < start || next >= start + h)
		start = next - h / 3;
	if (start < 0)
		start = 0;
	for (;;) {
		int used = 0;
		size_t st[4], en[4];
		for (long k = start; k <= next && k < (long)sc->n; k++)
			used += line_rows(sc->lines[k], tw, st, en);
		if (used <= h || start >= next)
			break;
		start++;
	}
	t->scroll[P_SCRIPT] = start;
	int y = r.y + 1;
	for (size_t k = (size_t)start; k < sc->n && y < r.y + 1 + h; k++) {
		bool cur = k == sc->next;
		int role = cur ? ROLE_SCRIPT_NEXT : (k < sc->next ? ROLE_DIM : ROLE_NORMAL);
		const char *l = sc->lines[k];
		size_t st[4], en[4];
		int rows = line_rows(l, tw, st, en);
		for (int i = 0; i < rows && y < r.y + 1 + h; i++, y++) {
			if (cur)
				ui_fill(y, r.x + 1, w, ROLE_SCRIPT_NEXT);
			int c = i ? ui_put(y, r.x + 1, w, role, "     ")
				  : ui_putf(y, r.x + 1, w, cur ? ROLE_SCRIPT_NEXT : ROLE_DIM, "%c%3zu ", cur ? '>' : ' ', k + 1);
			int room = (int)(en[i] - st[i]) < w - c ? (int)(en[i] - st[i]) : w - c;
			ui_putf(y, r.x + 1 + c, w - c, role, "%.*s", room, l + st[i]);
		}
	}
}
