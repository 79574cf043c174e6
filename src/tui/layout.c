/*
 * layout.c - where the panes go for a terminal size.
 *
 * The bottom two rows are the status bar and the prompt.  Above them the
 * panes sit in two bands; narrow terminals stack fewer columns.  Nothing
 * overlaps: every rectangle lies inside the screen, and below TUI_MIN_W x
 * TUI_MIN_H the TUI shows only a message asking for a larger terminal.
 *
 * When the narration is on, two rows (three from 40 rows up) above the
 * status bar say why the last operation went as it did.
 *
 *   >= 150 cols:  [space | chunks | bins]  /  [log | script]
 *   100..149:     [chunks | bins]          /  [space | log | script]
 *   < 100:        [chunks | bins]          /  [space | script | log]
 */
#include <string.h>

#include "tui_internal.h"

static rect R(int y, int x, int h, int w)
{
	return (rect){y, x, h, w};
}

void layout_compute(tui *t)
{
	int W = t->cols, H = t->rows;
	for (int i = 0; i < P_COUNT; i++) {
		t->visible[i] = false;
		t->pane[i] = R(0, 0, 0, 0);
	}
	t->why_rect = R(0, 0, 0, 0);
	t->caption_rect = R(0, 0, 0, 0);
	t->too_small = W < TUI_MIN_W || H < TUI_MIN_H;
	if (t->too_small)
		return;
	sess_script_view v;
	bool has_script = sess_script(t->sess, &v);
	/* the narration strip sits above the status bar, across the screen */
	int why = t->narrate ? (H >= 40 ? 3 : 2) : 0;
	int cap = pane_caption_rows(t, W, H);
	int area = H - 2 - why - cap;
	t->caption_rect = R(area, 0, cap, W);
	t->why_rect = R(area + cap, 0, why, W);
	if (t->zoom >= 0 && (t->zoom != P_SCRIPT || has_script)) {
		t->pane[t->zoom] = R(0, 0, area, W);
		t->visible[t->zoom] = true;
		return;
	}
	int top = area * 3 / 5;
	int bot = area - top;
	for (int i = 0; i < P_COUNT; i++)
		t->visible[i] = i != P_SCRIPT || has_script;
	if (W >= 150) {
		int ws = W / 4 < 44 ? W / 4 : 44, wb = W * 3 / 10;
		t->pane[P_SPACE] = R(0, 0, top, ws);
		t->pane[P_CHUNKS] = R(0, ws, top, W - ws - wb);
		t->pane[P_BINS] = R(0, W - wb, top, wb);
		int wsc = has_script ? W * 35 / 100 : 0;
		t->pane[P_LOG] = R(top, 0, bot, W - wsc);
		t->pane[P_SCRIPT] = R(top, W - wsc, bot, wsc);
	} else {
		int wc = W * 56 / 100;
		t->pane[P_CHUNKS] = R(0, 0, top, wc);
		t->pane[P_BINS] = R(0, wc, top, W - wc);
		int ws = W >= 100 ? 36 : 28;
		int wsc = !has_script ? 0 : W >= 100 ? W * 3 / 10 : 24;
		t->pane[P_SPACE] = R(top, 0, bot, ws);
		if (W >= 100) {
			t->pane[P_LOG] = R(top, ws, bot, W - ws - wsc);
			t->pane[P_SCRIPT] = R(top, W - wsc, bot, wsc);
		} else {
			t->pane[P_SCRIPT] = R(top, ws, bot, wsc);
			t->pane[P_LOG] = R(top, ws + wsc, bot, W - ws - wsc);
		}
	}
}

int layout_pane_at(const tui *t, int y, int x)
{
	for (int i = 0; i < P_COUNT; i++) {
		const rect *r = &t->pane[i];
		if (t->visible[i] && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
			return i;
	}
	return -1;
}
