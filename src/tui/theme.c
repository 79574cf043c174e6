/*
 * theme.c - theme files, the built-in default, and their installation as
 * curses colour pairs (256 colours, 8-colour fallback, or attributes only).
 */
#include "theme.h"

#include <ctype.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapscope/xalloc.h"

#ifndef HS_DATADIR
#define HS_DATADIR "/usr/local/share/heapscope"
#endif

static const char *const keys[ROLE_COUNT] = {
#define X(id, key, label) key,
	THEME_ROLES(X)
#undef X
};
static const char *const labels[ROLE_COUNT] = {
#define X(id, key, label) label,
	THEME_ROLES(X)
#undef X
};

/* compiled in so heapscope always has colours, even when not installed */
static const char builtin_default[] = "normal default default\n"
				      "border 244/white default\n"
				      "border_focus 45/cyan default bold\n"
				      "title 231/white default bold\n"
				      "inuse 114/green default\n"
				      "tcache 214/yellow default bold\n"
				      "fastbin 81/cyan default bold\n"
				      "unsorted 213/magenta default bold\n"
				      "smallbin 75/blue default bold\n"
				      "largebin 141/magenta default\n"
				      "top 245/white default dim\n"
				      "mmapped 209/red default\n"
				      "seg_text 110/blue default\n"
				      "seg_data 150/green default\n"
				      "seg_bss 151/green default\n"
				      "seg_heap 114/green default bold\n"
				      "seg_mmap 209/red default\n"
				      "seg_lib 180/yellow default\n"
				      "seg_stack 176/magenta default\n"
				      "gap 240/white default dim\n"
				      "highlight 16/black 226/yellow bold\n"
				      "error 203/red default bold\n"
				      "warning 221/yellow default\n"
				      "info 250/white default\n"
				      "syscall 117/cyan default\n"
				      "fault 231/white 160/red bold\n"
				      "prompt 45/cyan default bold\n"
				      "status 16/black 45/cyan\n"
				      "script_next 16/black 45/cyan bold\n"
				      "dim 243/white default dim\n"
				      "narration 117/cyan default\n"
				      "caption 16/black 229/yellow bold\n"
				      "output 222/yellow default\n";

static theme current;
static bool colour_ok;

const char *theme_role_key(int role)
{
	return role >= 0 && role < ROLE_COUNT ? keys[role] : "?";
}

const char *theme_role_label(int role)
{
	return role >= 0 && role < ROLE_COUNT ? labels[role] : "?";
}

static const char *const colour_names[] = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"};

/* Parse FG or BG: default | name | N | N/name. */
static bool parse_colour(const char *tok, short *c256, short *c8)
{
	if (!strcmp(tok, "default")) {
		*c256 = *c8 = -1;
		return true;
	}
	const char *slash = strchr(tok, '/');
	char first[32];
	size_t n = slash ? (size_t)(slash - tok) : strlen(tok);
	if (n == 0 || n >= sizeof first)
		return false;
	memcpy(first, tok, n);
	first[n] = 0;
	short name = -1;
	for (int i = 0; i < 8; i++)
		if (!strcmp(slash ? slash + 1 : first, colour_names[i]))
			name = (short)i;
	if (isdigit((unsigned char)first[0])) {
		char *end;
		long v = strtol(first, &end, 10);
		if (*end || v < 0 || v > 255)
			return false;
		*c256 = (short)v;
		if (slash && name < 0)
			return false;
		*c8 = slash ? name : (short)(v < 8 ? v : v % 8);
		return true;
	}
	if (slash || name < 0)
		return false;
	*c256 = *c8 = name;
	return true;
}

static bool parse_attr(const char *tok, unsigned *a)
{
	static const struct {
		const char *n;
		unsigned v;
	} t[] = {{"bold", A_BOLD},	   {"dim", A_DIM},	   {"underline", A_UNDERLINE},
		 {"reverse", A_REVERSE},   {"italic", A_ITALIC},   {"standout", A_STANDOUT},
		 {"normal", A_NORMAL}};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (!strcmp(tok, t[i].n)) {
			*a |= t[i].v;
			return true;
		}
	return false;
}

bool theme_parse(theme *t, const char *text, const char *where, char *err, size_t errlen)
{
	theme tmp;
	memset(&tmp, 0, sizeof tmp);
	bool seen[ROLE_COUNT] = {false};
	for (int i = 0; i < ROLE_COUNT; i++)
		tmp.style[i] = (theme_style){-1, -1, -1, -1, 0, false};
	size_t lineno = 0;
	const char *p = text;
	while (*p) {
		lineno++;
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];
		if (len >= sizeof line) {
			snprintf(err, errlen, "%s:%zu: line is too long", where, lineno);
			return false;
		}
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (eol ? 1 : 0);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *tok[8];
		int nt = 0;
		for (char *s = strtok(line, " \t\r"); s; s = strtok(NULL, " \t\r")) {
			if (nt == 8) {
				snprintf(err, errlen, "%s:%zu: too many words", where, lineno);
				return false;
			}
			tok[nt++] = s;
		}
		if (nt == 0)
			continue;
		int role = -1;
		for (int i = 0; i < ROLE_COUNT; i++)
			if (!strcmp(tok[0], keys[i]))
				role = i;
		if (role < 0) {
			/* echo a word only when it could be a role: never a foreign file's contents */
			bool word = strlen(tok[0]) <= 24;
			for (const char *c = tok[0]; *c && word; c++)
				word = isalnum((unsigned char)*c) || *c == '_';
			if (word)
				snprintf(err, errlen, "%s:%zu: unknown role '%s'", where, lineno, tok[0]);
			else
				snprintf(err, errlen, "%s:%zu: expected a role name such as 'tcache'; is this a theme file?", where,
					 lineno);
			return false;
		}
		if (nt < 3) {
			snprintf(err, errlen, "%s:%zu: '%s' needs a foreground and a background colour", where, lineno,
				 tok[0]);
			return false;
		}
		theme_style *st = &tmp.style[role];
		if (!parse_colour(tok[1], &st->fg, &st->fg8)) {
			snprintf(err, errlen, "%s:%zu: bad colour '%s' (use default, a name, 0-255 or N/name)", where,
				 lineno, tok[1]);
			return false;
		}
		if (!parse_colour(tok[2], &st->bg, &st->bg8)) {
			snprintf(err, errlen, "%s:%zu: bad colour '%s' (use default, a name, 0-255 or N/name)", where,
				 lineno, tok[2]);
			return false;
		}
		for (int k = 3; k < nt; k++)
			if (!strcmp(tok[k], "big"))
				st->big = true;
			else if (!parse_attr(tok[k], &st->attrs)) {
				snprintf(err, errlen, "%s:%zu: unknown attribute '%s'", where, lineno, tok[k]);
				return false;
			}
		seen[role] = true;
	}
	/* roles a theme leaves out take the default's style */
	theme def;
	if (text != builtin_default) {
		theme_default(&def);
		for (int i = 0; i < ROLE_COUNT; i++)
			if (!seen[i])
				tmp.style[i] = def.style[i];
	}
	snprintf(tmp.name, sizeof tmp.name, "%s", t->name);
	*t = tmp;
	return true;
}

void theme_default(theme *t)
{
	char err[128];
	snprintf(t->name, sizeof t->name, "default");
	theme_parse(t, builtin_default, "builtin", err, sizeof err);
	snprintf(t->name, sizeof t->name, "default");
}

#define THEME_MAX_BYTES (64u << 10)

/* Read a theme file: a regular text file of at most 64 KiB.  Never blocks
 * (a FIFO is refused before it is read).  False with errno or *why set. */
static bool read_file(const char *path, char **out, const char **why)
{
	*why = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file";
		close(fd);
		return false;
	}
	if (st.st_size > (off_t)THEME_MAX_BYTES) {
		*why = "it is larger than 64 KiB; is this a theme file?";
		close(fd);
		return false;
	}
	char *b = xmalloc(THEME_MAX_BYTES + 1);
	size_t n = 0;
	ssize_t k;
	while (n < THEME_MAX_BYTES && (k = read(fd, b + n, THEME_MAX_BYTES - n)) > 0)
		n += (size_t)k;
	close(fd);
	b[n] = 0;
	if (memchr(b, 0, n)) {
		*why = "it is not a text file";
		free(b);
		return false;
	}
	*out = b;
	return true;
}

/* A theme name: letters, digits, '-' and '_' (anything else is a path). */
static bool is_name(const char *spec)
{
	if (!*spec || strlen(spec) > 64)
		return false;
	for (const char *c = spec; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return false;
	return true;
}

/* the theme folders, most personal first */
static int theme_dirs(char dirs[][512], int max)
{
	int n = 0;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg && n < max)
		snprintf(dirs[n++], 512, "%s/heapscope/themes", xdg);
	else if (home && *home && n < max)
		snprintf(dirs[n++], 512, "%s/.config/heapscope/themes", home);
	char exe[400];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k > 0) {
		exe[k] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			if (n < max)
				snprintf(dirs[n++], 512, "%s/themes", exe);
			if (n < max)
				snprintf(dirs[n++], 512, "%s/../themes", exe);
			if (n < max)
				snprintf(dirs[n++], 512, "%s/../share/heapscope/themes", exe);
		}
	}
	if (n < max)
		snprintf(dirs[n++], 512, "%s/themes", HS_DATADIR);
	return n;
}

bool theme_load(theme *t, const char *spec, char *err, size_t errlen)
{
	char *text = NULL;
	char path[1100];
	const char *why;
	theme_default(t);
	if (!is_name(spec)) {
		/* not a name: a path to a theme file, read only as one */
		if (strlen(spec) >= sizeof path) {
			snprintf(err, errlen, "the theme's path is too long");
			return false;
		}
		snprintf(path, sizeof path, "%s", spec);
		if (!read_file(path, &text, &why)) {
			snprintf(err, errlen, "%.300s: cannot read as a theme: %s", spec, why ? why : strerror(errno));
			return false;
		}
	} else {
		char dirs[6][512];
		int nd = theme_dirs(dirs, 6);
		for (int i = 0; i < nd && !text; i++) {
			snprintf(path, sizeof path, "%.511s/%.200s.theme", dirs[i], spec);
			read_file(path, &text, &why);
		}
		if (!text) {
			if (!strcmp(spec, "default"))
				return true;
			snprintf(err, errlen, "no theme named '%.200s' (themes: default light classroom colorblind mono)", spec);
			return false;
		}
	}
	const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
	snprintf(t->name, sizeof t->name, "%.*s", (int)strcspn(base, "."), base);
	for (char *c = t->name; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	bool ok = theme_parse(t, text, path, err, errlen);
	free(text);
	if (!ok)
		theme_default(t);
	return ok;
}

const char *const *theme_names(void)
{
	static char names[32][64];
	static const char *list[33];
	int n = 0;
	char dirs[6][512];
	int nd = theme_dirs(dirs, 6);
	for (int i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) && n < 32) {
			size_t l = strlen(de->d_name);
			if (l < 7 || strcmp(de->d_name + l - 6, ".theme"))
				continue;
			char nm[64];
			snprintf(nm, sizeof nm, "%.*s", (int)(l - 6), de->d_name);
			bool dup = false;
			for (int k = 0; k < n; k++)
				dup |= !strcmp(names[k], nm);
			if (!dup) {
				snprintf(names[n], 64, "%s", nm);
				list[n] = names[n];
				n++;
			}
		}
		closedir(d);
	}
	if (!n) {
		snprintf(names[0], 64, "default");
		list[n++] = names[0];
	}
	list[n] = NULL;
	return list;
}

void theme_apply(const theme *t)
{
	current = *t;
	colour_ok = has_colors();
	if (!colour_ok)
		return;
	bool many = COLORS >= 256;
	for (int i = 0; i < ROLE_COUNT; i++) {
		const theme_style *s = &t->style[i];
		short fg = many ? s->fg : s->fg8, bg = many ? s->bg : s->bg8;
		if (COLOR_PAIRS > i + 1)
			init_pair((short)(i + 1), fg, bg);
	}
}

bool theme_big(int role)
{
	return role >= 0 && role < ROLE_COUNT && current.style[role].big;
}

int theme_attr(int role)
{
	if (role < 0 || role >= ROLE_COUNT)
		return A_NORMAL;
	const theme_style *s = &current.style[role];
	int a = (int)s->attrs;
	if (colour_ok && COLOR_PAIRS > role + 1)
		a |= COLOR_PAIR(role + 1);
	return a;
}
