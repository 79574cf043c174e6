/*
 * export.c - the screen, or one pane, written to a file for slides and
 * handouts: .txt plain text, .ans ANSI colours, .html a self-contained
 * coloured page, .svg a vector image with the theme's colours in a
 * monospace font.  The format follows the file's extension.
 *
 * It reads back what curses holds (characters, attributes, colour pairs),
 * maps each cell to the theme role that drew it, and writes runs of cells
 * with one style.  Nothing on screen changes.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "heapscope/xalloc.h"
#include "tui_internal.h"

typedef struct cell {
	wchar_t ch;
	short role;
	bool bold, reverse;
} cell;

typedef enum fmt { FMT_TXT, FMT_ANS, FMT_HTML, FMT_SVG } fmt;

static bool format_of(const char *path, fmt *f)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return false;
	if (!strcmp(dot, ".txt"))
		*f = FMT_TXT;
	else if (!strcmp(dot, ".ans"))
		*f = FMT_ANS;
	else if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		*f = FMT_HTML;
	else if (!strcmp(dot, ".svg"))
		*f = FMT_SVG;
	else
		return false;
	return true;
}

/* The role whose curses attribute a cell carries (the first that matches). */
static short role_of(attr_t attrs, short pair)
{
	attr_t want = (attrs & ~(A_ALTCHARSET | A_CHARTEXT)) | (attr_t)COLOR_PAIR(pair);
	for (int r = 0; r < ROLE_COUNT; r++)
		if ((attr_t)theme_attr(r) == want || (attr_t)theme_attr(r) == (want & ~(attr_t)A_BOLD))
			return (short)r;
	for (int r = 0; r < ROLE_COUNT; r++)
		if (pair && PAIR_NUMBER(theme_attr(r)) == pair)
			return (short)r;
	return ROLE_NORMAL;
}

static wchar_t line_char(wchar_t c)
{
	switch (c) {
	case 'q': return 0x2500;
	case 'x': return 0x2502;
	case 'l': return 0x250c;
	case 'k': return 0x2510;
	case 'm': return 0x2514;
	case 'j': return 0x2518;
	default: return c;
	}
}

static void read_cells(rect r, cell *out)
{
	for (int y = 0; y < r.h; y++)
		for (int x = 0; x < r.w; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1] = {0};
			attr_t attrs = 0;
			short pair = 0;
			cell *c = &out[y * r.w + x];
			c->ch = ' ';
			c->role = ROLE_NORMAL;
			c->bold = c->reverse = false;
			if (mvin_wch(r.y + y, r.x + x, &cc) == ERR || getcchar(&cc, wch, &attrs, &pair, NULL) == ERR)
				continue;
			c->ch = wch[0] ? wch[0] : ' ';
			if (attrs & A_ALTCHARSET)
				c->ch = line_char(c->ch);
			c->role = role_of(attrs, pair);
			c->bold = attrs & A_BOLD;
			c->reverse = attrs & A_REVERSE;
		}
}

/* The RGB of a 256-colour index (xterm's palette). */
static unsigned rgb(int i)
{
	static const unsigned base[16] = {0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
					  0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
					  0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff};
	if (i < 16)
		return base[i < 0 ? 0 : i];
	if (i < 232) {
		static const int steps[6] = {0, 95, 135, 175, 215, 255};
		i -= 16;
		return (unsigned)(steps[i / 36] << 16 | steps[i / 6 % 6] << 8 | steps[i % 6]);
	}
	int g = 8 + 10 * (i - 232);
	return (unsigned)(g << 16 | g << 8 | g);
}

/* The colours a cell is drawn in, defaults resolved for the page. */
static void colours(const tui *t, const cell *c, unsigned *fg, unsigned *bg)
{
	const theme_style *st = &t->th.style[c->role];
	/* a theme whose text is dark is read on a light page */
	short nfg = t->th.style[ROLE_NORMAL].fg;
	bool light = nfg == 0 || nfg == 16 || (nfg >= 232 && nfg <= 240);
	*fg = st->fg >= 0 ? rgb(st->fg) : light ? 0x1c1c1c : 0xd0d0d0;
	*bg = st->bg >= 0 ? rgb(st->bg) : light ? 0xffffff : 0x1c1c1c;
	if (c->reverse) {
		unsigned x = *fg;
		*fg = *bg;
		*bg = x;
	}
}

static bool same_style(const cell *a, const cell *b)
{
	return a->role == b->role && a->bold == b->bold && a->reverse == b->reverse;
}

static void put_utf8(FILE *f, wchar_t c)
{
	char buf[8];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = wcrtomb(buf, c, &st);
	if (n == (size_t)-1)
		fputc('?', f);
	else
		fwrite(buf, 1, n, f);
}

static void put_escaped(FILE *f, wchar_t c)
{
	if (c == '<')
		fputs("&lt;", f);
	else if (c == '>')
		fputs("&gt;", f);
	else if (c == '&')
		fputs("&amp;", f);
	else
		put_utf8(f, c);
}

static void write_txt(FILE *f, rect r, const cell *cells, bool ansi, const tui *t)
{
	for (int y = 0; y < r.h; y++) {
		int end = r.w;
		while (!ansi && end > 0 && cells[y * r.w + end - 1].ch == ' ')
			end--;
		for (int x = 0; x < end; x++) {
			const cell *c = &cells[y * r.w + x];
			if (ansi && (x == 0 || !same_style(c, c - 1))) {
				const theme_style *st = &t->th.style[c->role];
				fputs("\033[0", f);
				if (c->bold)
					fputs(";1", f);
				if (c->reverse)
					fputs(";7", f);
				if (st->fg >= 0)
					fprintf(f, ";38;5;%d", st->fg);
				if (st->bg >= 0)
					fprintf(f, ";48;5;%d", st->bg);
				fputc('m', f);
			}
			put_utf8(f, c->ch);
		}
		fputs(ansi ? "\033[0m\n" : "\n", f);
	}
}

static void write_html(FILE *f, rect r, const cell *cells, const tui *t)
{
	unsigned fg, bg;
	cell blank = {' ', ROLE_NORMAL, false, false};
	colours(t, &blank, &fg, &bg);
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>heapscope</title></head>\n"
		   "<body style=\"margin:0;background:#%06x\"><pre style=\"font-family:'DejaVu Sans Mono',"
		   "monospace;font-size:14px;line-height:1.2;margin:8px;color:#%06x\">",
		bg, fg);
	for (int y = 0; y < r.h; y++) {
		for (int x = 0; x < r.w;) {
			const cell *c = &cells[y * r.w + x];
			colours(t, c, &fg, &bg);
			fprintf(f, "<span style=\"color:#%06x;background:#%06x%s\">", fg, bg, c->bold ? ";font-weight:bold" : "");
			int k = x;
			for (; k < r.w && same_style(&cells[y * r.w + k], c); k++)
				put_escaped(f, cells[y * r.w + k].ch);
			fputs("</span>", f);
			x = k;
		}
		fputc('\n', f);
	}
	fputs("</pre></body></html>\n", f);
}

static void write_svg(FILE *f, rect r, const cell *cells, const tui *t)
{
	const int cw = 9, ch = 18;
	unsigned fg, bg;
	cell blank = {' ', ROLE_NORMAL, false, false};
	colours(t, &blank, &fg, &bg);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans Mono, monospace\" font-size=\"15\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#%06x\"/>\n",
		r.w * cw, r.h * ch, r.w * cw, r.h * ch, bg);
	for (int y = 0; y < r.h; y++)
		for (int x = 0; x < r.w;) {
			const cell *c = &cells[y * r.w + x];
			int k = x;
			while (k < r.w && same_style(&cells[y * r.w + k], c))
				k++;
			unsigned cbg;
			colours(t, c, &fg, &cbg);
			if (cbg != bg)
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n", x * cw,
					y * ch, (k - x) * cw, ch, cbg);
			bool text = false;
			for (int j = x; j < k; j++)
				text |= cells[y * r.w + j].ch != ' ';
			if (text) {
				fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#%06x\"%s textLength=\"%d\" xml:space=\"preserve\">",
					x * cw, y * ch + 14, fg, c->bold ? " font-weight=\"bold\"" : "", (k - x) * cw);
				for (int j = x; j < k; j++)
					put_escaped(f, cells[y * r.w + j].ch);
				fputs("</text>\n", f);
			}
			x = k;
		}
	fputs("</svg>\n", f);
}

bool tui_export(tui *t, rect r, const char *path, char *err, size_t errlen)
{
	fmt f;
	if (!format_of(path, &f)) {
		snprintf(err, errlen, "%.300s: unknown kind of file; use .txt, .ans, .html or .svg", path);
		return false;
	}
	if (r.w <= 0 || r.h <= 0) {
		snprintf(err, errlen, "that pane is not on the screen now");
		return false;
	}
	FILE *out = fopen(path, "w");
	if (!out) {
		snprintf(err, errlen, "%.300s: cannot write: %s", path, strerror(errno));
		return false;
	}
	cell *cells = xcalloc((size_t)r.w * (size_t)r.h, sizeof *cells);
	read_cells(r, cells);
	if (f == FMT_HTML)
		write_html(out, r, cells, t);
	else if (f == FMT_SVG)
		write_svg(out, r, cells, t);
	else
		write_txt(out, r, cells, f == FMT_ANS, t);
	free(cells);
	bool ok = !ferror(out);
	if (fclose(out) != 0)
		ok = false;
	if (!ok)
		snprintf(err, errlen, "%.300s: cannot write: %s", path, strerror(errno ? errno : EIO));
	return ok;
}
