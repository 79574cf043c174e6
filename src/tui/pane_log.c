/*
 * pane_log.c - the log pane: the newest lines at the bottom, long lines
 * wrapped; scrolling moves up from the end.
 */
#include <string.h>

#include "tui_internal.h"

size_t pane_log_lines(tui *t)
{
	return t->nlog;
}

void pane_log_draw(tui *t, rect r)
{
	ui_box(r, "log", t->focus == P_LOG);
	int w = r.w - 2, h = r.h - 2;
	if (w <= 0 || h <= 0)
		return;
	if (t->scroll[P_LOG] > (long)t->nlog - 1)
		t->scroll[P_LOG] = t->nlog ? (long)t->nlog - 1 : 0;
	if (t->scroll[P_LOG] < 0)
		t->scroll[P_LOG] = 0;
	/* fill from the bottom, wrapping each line at spaces where possible */
	int y = r.y + r.h - 2;
	long i = (long)t->nlog - 1 - t->scroll[P_LOG];
	for (; i >= 0 && y > r.y; i--) {
		const char *s = t->log[i].text;
		int len = (int)strlen(s);
		int starts[256], nrows = 0, pos = 0;
		do {
			int avail = nrows ? w - 2 : w;
			starts[nrows++] = pos;
			if (len - pos <= avail || avail < 4)
				break;
			int cut = avail;
			for (int k = avail; k > avail / 2; k--)
				if (s[pos + k] == ' ') {
					cut = k + 1;
					break;
				}
			pos += cut;
		} while (nrows < 256);
		for (int k = nrows - 1; k >= 0 && y > r.y; k--, y--) {
			int end = k + 1 < nrows ? starts[k + 1] : len;
			char seg[1024];
			int n = end - starts[k] < (int)sizeof seg - 1 ? end - starts[k] : (int)sizeof seg - 1;
			memcpy(seg, s + starts[k], (size_t)n);
			seg[n] = 0;
			ui_put(y, r.x + 1 + (k ? 2 : 0), w - (k ? 2 : 0), t->log[i].role, seg);
		}
	}
}
