/*
 * bigtext.c - large letters for the caption on a projector: a font of 3x5
 * pixels (plus one pixel of spacing each way) drawn with the Unicode
 * quadrant blocks, so that every character takes 2 columns and 3 rows.
 * Letters are shown as capitals; a character outside the font is drawn as
 * '?'.  Needs a UTF-8 terminal: the caller falls back to plain text.
 */
#include <string.h>

#include "tui_internal.h"

/* Each glyph: the character, then its five rows of three pixels. */
static const char font[][17] = {
	"A.#.#.#####.##.#", "B##.#.###.#.###.", "C.###..#..#...##", "D##.#.##.##.###.", "E####..##.#..###",
	"F####..##.#..#..", "G.###..#.##.#.##", "H#.##.#####.##.#", "I###.#..#..#.###", "J..#..#..##.#.#.",
	"K#.##.###.#.##.#", "L#..#..#..#..###", "M#.#####.##.##.#", "N##.#.##.##.##.#", "O.#.#.##.##.#.#.",
	"P##.#.###.#..#..", "Q.#.#.##.###..##", "R##.#.###.#.##.#", "S.###...#...###.", "T###.#..#..#..#.",
	"U#.##.##.##.####", "V#.##.##.##.#.#.", "W#.##.########.#", "X#.##.#.#.#.##.#", "Y#.##.#.#..#..#.",
	"Z###..#.#.#..###", "0####.##.##.####", "1.#.##..#..#.###", "2##...#.#.#..###", "3##...#.#...###.",
	"4#.##.####..#..#", "5####..##...###.", "6.###..####.####", "7###..#.#..#..#.", "8####.#####.####",
	"9####.####..###.", " ...............", "..............#.", ",..........#.#..", ":....#.....#....",
	";....#.....#.#..", "!.#..#..#.....#.", "?##...#.#.....#.", "'.#..#..........", "\"#.##.#.........",
	"-......###......", "+....#.###.#....", "=...###...###...", "(..#.#..#..#...#", ")#...#..#..#.#..",
	"/..#..#.#.#..#..", "\\#..#...#...#..#", "%#.#..#.#.#..#.#", "##.#####.#####.#", "*...#.#.#.#.#...",
	"<..#.#.#...#...#", ">#...#...#.#.#..", "_............###", "[##.#..#..#..##.", "].##..#..#..#.##",
	"&.#.#.#.#.#.#.##", "@####.#####...##", "$.####..#..####.", "^.#.#.#.........", "~....####.......",
	"|.#..#..#..#..#.", "{.##.#.##..#..##", "}##..#..##.#.##.", "`#...#..........",
};

/* The quadrant block for a 2x2 cell: bit 0 top left, 1 top right,
 * 2 bottom left, 3 bottom right. */
static const char *const quad[16] = {
	" ", "\xe2\x96\x98", "\xe2\x96\x9d", "\xe2\x96\x80", "\xe2\x96\x96", "\xe2\x96\x8c",
	"\xe2\x96\x9e", "\xe2\x96\x9b", "\xe2\x96\x97", "\xe2\x96\x9a", "\xe2\x96\x90", "\xe2\x96\x9c",
	"\xe2\x96\x84", "\xe2\x96\x99", "\xe2\x96\x9f", "\xe2\x96\x88",
};

static const char *glyph(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < sizeof font / sizeof *font; i++)
		if (font[i][0] == c && strlen(font[i]) == 16)
			return font[i] + 1;
	return glyph('?');
}

/* Pixel (px, py) of a glyph cell 4 wide and 6 high: the last column and
 * row are the spacing. */
static int pixel(const char *g, int px, int py)
{
	return px < 3 && py < 5 && g[py * 3 + px] == '#';
}

void bigtext_line(int y, int x, int w, int role, const char *text)
{
	size_t n = strlen(text);
	if ((int)n > w / 2)
		n = (size_t)(w / 2);
	char row[4096];
	for (int r = 0; r < 3; r++) {
		size_t o = 0;
		for (size_t i = 0; i < n && o + 8 < sizeof row; i++) {
			const char *g = glyph(text[i]);
			for (int cx = 0; cx < 2; cx++) {
				int b = pixel(g, 2 * cx, 2 * r) | pixel(g, 2 * cx + 1, 2 * r) << 1 |
					pixel(g, 2 * cx, 2 * r + 1) << 2 | pixel(g, 2 * cx + 1, 2 * r + 1) << 3;
				size_t len = strlen(quad[b]);
				memcpy(row + o, quad[b], len);
				o += len;
			}
		}
		row[o] = 0;
		ui_put(y + r, x, w, role, row);
	}
}
