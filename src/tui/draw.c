/*
 * draw.c - small drawing helpers shared by the panes: clipped text, boxes,
 * human-readable sizes, and pre-rendered styled lines.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "tui_internal.h"

void ui_fill(int y, int x, int w, int role)
{
	if (w <= 0)
		return;
	attrset(theme_attr(role));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

/* Copy at most w columns of text into out: control bytes and invalid UTF-8
 * become '?', a valid multi-byte character counts as one column. */
static int clip(const char *text, int w, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0;
	int cols = 0;
	while (*s && cols < w && o + 5 < cap) {
		unsigned c = *s;
		int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = len > 0 && !(len == 1 && (c < 0x20 || c == 0x7f));
		for (int k = 1; ok && k < len; k++)
			ok = (s[k] & 0xc0) == 0x80;
		if (!ok) {
			out[o++] = '?';
			s++;
		} else {
			memcpy(out + o, s, (size_t)len);
			o += (size_t)len;
			s += len;
		}
		cols++;
	}
	out[o] = 0;
	return cols;
}

int ui_put(int y, int x, int w, int role, const char *text)
{
	if (w <= 0)
		return 0;
	char buf[2048];
	int cols = clip(text, w, buf, sizeof buf);
	attrset(theme_attr(role));
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return cols;
}

int ui_putf(int y, int x, int w, int role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return ui_put(y, x, w, role, buf);
}

void ui_box(rect r, const char *title, bool focus)
{
	if (r.h < 2 || r.w < 2)
		return;
	int role = focus ? ROLE_BORDER_FOCUS : ROLE_BORDER;
	attrset(theme_attr(role));
	mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
	mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
	mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
	mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
	mvaddch(r.y, r.x, ACS_ULCORNER);
	mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
	mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
	mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	if (title && r.w > 6) {
		char t[200];
		snprintf(t, sizeof t, " %s ", title);
		ui_put(r.y, r.x + 2, r.w - 4, focus ? ROLE_BORDER_FOCUS : ROLE_TITLE, t);
	}
}

void ui_size(char *buf, size_t n, uint64_t b)
{
	static const char units[] = "BKMGTPE";
	int u = 0;
	double v = (double)b;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lluB", (unsigned long long)b);
	else if (v < 10 && v != (double)(long)v)
		snprintf(buf, n, "%.1f%c", v, units[u]);
	else
		snprintf(buf, n, "%.0f%c", v, units[u]);
}

styled_line *vl_new(styled_lines *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->l = xreallocarray(v->l, v->cap, sizeof *v->l);
	}
	styled_line *l = &v->l[v->n++];
	l->text = xcalloc(1, 1);
	l->roles = NULL;
	return l;
}

void vl_add(styled_line *l, int role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	size_t old = strlen(l->text), add = strlen(buf);
	l->text = xrealloc(l->text, old + add + 1);
	l->roles = xrealloc(l->roles, old + add + 1);
	memcpy(l->text + old, buf, add + 1);
	memset(l->roles + old, role, add);
}

void vl_clear(styled_lines *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->l[i].text);
		free(v->l[i].roles);
	}
	v->n = 0;
}

void vl_draw(const styled_line *l, int y, int x, int w)
{
	int n = (int)strlen(l->text);
	int i = 0;
	while (i < n && i < w) {
		int j = i;
		while (j < n && j < w && l->roles[j] == l->roles[i])
			j++;
		attrset(theme_attr(l->roles[i]));
		mvaddnstr(y, x + i, l->text + i, j - i);
		i = j;
	}
	attrset(A_NORMAL);
}
