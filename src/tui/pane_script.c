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
	int h = r.h - 2, w = r.w - 2;
	/* keep the next line in view */
	long next = (long)sc->next;
	if (next < t->scroll[P_SCRIPT] || next >= t->scroll[P_SCRIPT] + h)
		t->scroll[P_SCRIPT] = next - h / 3;
	if (t->scroll[P_SCRIPT] > (long)sc->n - h)
		t->scroll[P_SCRIPT] = (long)sc->n - h;
	if (t->scroll[P_SCRIPT] < 0)
		t->scroll[P_SCRIPT] = 0;
	for (int i = 0; i < h; i++) {
		size_t k = (size_t)(t->scroll[P_SCRIPT] + i);
		if (k >= sc->n)
			break;
		bool cur = k == sc->next;
		if (cur)
			ui_fill(r.y + 1 + i, r.x + 1, w, ROLE_SCRIPT_NEXT);
		int c = ui_putf(r.y + 1 + i, r.x + 1, w, cur ? ROLE_SCRIPT_NEXT : ROLE_DIM, "%c%3zu ", cur ? '>' : ' ', k + 1);
		ui_put(r.y + 1 + i, r.x + 1 + c, w - c, cur ? ROLE_SCRIPT_NEXT : (k < sc->next ? ROLE_DIM : ROLE_NORMAL),
		       sc->lines[k]);
	}
}
