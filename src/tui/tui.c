/*
 * tui.c - the interactive interface: state, the session's callbacks, keys,
 * script stepping and playing, the status bar, the help overlay and the
 * main loop.  The terminal is restored on every exit path (quit, Ctrl-D,
 * SIGTERM, SIGHUP).
 */
#define _GNU_SOURCE
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heapscope/report.h"
#include "tui_internal.h"

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* --- session callbacks ------------------------------------------------ */

static int out_role(int kind)
{
	switch (kind) {
	case SESS_ERR:
		return ROLE_ERROR;
	case SESS_WARN:
		return ROLE_WARN;
	case SESS_FAULT:
		return ROLE_FAULT;
	case SESS_INFO:
		return ROLE_INFO;
	case SESS_SYSCALL:
		return ROLE_SYSCALL;
	default:
		return ROLE_NORMAL;
	}
}

static void t_print(void *ctx, int kind, const char *text)
{
	log_add(ctx, out_role(kind), text);
}

/* the chunk an operation changed, for the highlight */
static uint64_t changed_chunk(const eng_result *r)
{
	for (uint32_t i = 0; i < r->nev; i++) {
		const alloc_ev *e = &r->ev[i];
		if (e->kind == EV_TOP_MERGE || e->kind == EV_UNSORTED_PUT || e->kind == EV_TCACHE_PUT ||
		    e->kind == EV_FAST_PUT)
			if (r->kind == ENG_FREE)
				return e->a;
	}
	if (r->ret && (r->kind == ENG_MALLOC || r->kind == ENG_CALLOC || r->kind == ENG_REALLOC))
		return r->ret - 16;
	return 0;
}

/* one word for how the allocator served the operation */
static const char *path_word(const eng_result *r)
{
	const char *w = NULL;
	for (uint32_t i = 0; i < r->nev; i++) {
		switch (r->ev[i].kind) {
		case EV_TCACHE_GET: w = "from the tcache"; break;
		case EV_FAST_GET: w = "from a fastbin"; break;
		case EV_SMALL_GET: w = "from a small bin"; break;
		case EV_EXACT: w = "exact fit from the unsorted bin"; break;
		case EV_LAST_REMAINDER: w = "split from the last remainder"; break;
		case EV_BEST_FIT: w = "best fit from a large bin"; break;
		case EV_BINMAP: w = "found by the binmap search"; break;
		case EV_TOP_SPLIT: w = "carved from top"; break;
		case EV_MMAP: w = "its own mmap"; break;
		case EV_TCACHE_PUT: if (r->kind == ENG_FREE) w = "into the tcache"; break;
		case EV_FAST_PUT: if (r->kind == ENG_FREE) w = "into a fastbin"; break;
		case EV_UNSORTED_PUT: if (r->kind == ENG_FREE && !w) w = "into the unsorted bin"; break;
		case EV_TOP_MERGE: if (r->kind == ENG_FREE) w = "merged into top"; break;
		case EV_MUNMAP: if (r->kind == ENG_FREE) w = "munmapped"; break;
		case EV_INPLACE: w = "in place"; break;
		case EV_COPY: w = "moved (malloc, copy, free)"; break;
		default: break;
		}
	}
	return w;
}

static void t_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	tui *t = ctx;
	t->hl_chunk = changed_chunk(r);
	t->follow_hl = true;
	t->dirty = true;
	if (t->bulk) {
		t->bulk_ops++;
		if (r->status == ALLOC_OK) {
			for (uint32_t i = 0; i < r->nev; i++) {
				sbuf b = {0};
				if (report_syscall(&b, &r->ev[i]))
					log_add(t, ROLE_SYSCALL, b.s);
				sb_free(&b);
			}
			return;
		}
	}
	sbuf b = {0};
	char stmt[200];
	report_statement(stmt, sizeof stmt, text, id, r->kind);
	sb_printf(&b, "#%llu %s", (unsigned long long)r->seq, stmt);
	if (r->status == ALLOC_OK) {
		if (r->kind == ENG_MALLOC || r->kind == ENG_CALLOC || r->kind == ENG_REALLOC) {
			if (r->ret)
				sb_printf(&b, " = 0x%llx (chunk 0x%llx)", (unsigned long long)r->ret, (unsigned long long)r->chunk);
			else
				sb_printf(&b, " = NULL");
		} else if (r->kind == ENG_TRIM || r->kind == ENG_MALLOPT) {
			sb_printf(&b, " = %llu", (unsigned long long)r->ret);
		}
		const char *w = path_word(r);
		if (w)
			sb_printf(&b, "  %s", w);
	}
	log_add(t, r->status == ALLOC_OK ? ROLE_NORMAL : ROLE_ERROR, b.s);
	sb_free(&b);
	for (uint32_t i = 0; i < r->nev; i++) {
		sbuf s = {0};
		if (report_syscall(&s, &r->ev[i]))
			log_add(t, ROLE_SYSCALL, s.s);
		sb_free(&s);
	}
	if (r->status != ALLOC_OK) {
		char m[400];
		snprintf(m, sizeof m, "%s%s", r->status == ALLOC_SEGV ? "" : "glibc: ", r->msg);
		log_add(t, ROLE_FAULT, m);
		log_add(t, ROLE_INFO, r->status == ALLOC_SEGV
					      ? "(the program would crash here; heapscope kept the state before the call)"
					      : "(the program would abort here; heapscope kept the state before the call)");
	}
}

/* --- running scripts -------------------------------------------------- */

static bool next_is_pause(script *sc)
{
	while (sc->next < sc->n) {
		const char *l = sc->lines[sc->next];
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && *l != '#' && *l != '\r' && !(l[0] == '/' && l[1] == '/'))
			return !strncmp(l, "pause", 5) && (l[5] == 0 || l[5] == ' ' || l[5] == ';' || l[5] == '\r');
		sc->next++;
	}
	return false;
}

/* Remember that the line about to run starts at the current engine position. */
static void record_step(tui *t, size_t line)
{
	size_t pos = t->eng->pos;
	/* records past this point belong to a history that was undone */
	while (t->nsteps && (t->steps[t->nsteps - 1].pos > pos ||
			     (t->steps[t->nsteps - 1].pos == pos && t->steps[t->nsteps - 1].line >= line)))
		t->nsteps--;
	if (t->nsteps == t->capsteps) {
		t->capsteps = t->capsteps ? 2 * t->capsteps : 256;
		t->steps = realloc(t->steps, sizeof *t->steps * t->capsteps);
		if (!t->steps)
			abort();
	}
	t->steps[t->nsteps++] = (struct tui_step){line, pos};
}

/* After undo, redo or goto: the next script line is the first one that ran
 * at or after the engine's new position. */
static void sync_script(tui *t)
{
	script *sc = t->sess->scr;
	if (!sc || !t->nsteps)
		return;
	size_t pos = t->eng->pos;
	for (size_t i = 0; i < t->nsteps; i++)
		if (t->steps[i].pos >= pos) {
			sc->next = t->steps[i].line;
			return;
		}
	sc->next = t->steps[t->nsteps - 1].line + 1;
}

/* Run one line; false when the script is over or stopped with a problem. */
static bool step(tui *t)
{
	script *sc = t->sess->scr;
	if (!sc) {
		log_add(t, ROLE_WARN, "no script is loaded: open one with `heapscope FILE` or `load FILE`");
		return false;
	}
	/* skip blank and comment lines so the record names the line that runs */
	while (sc->next < sc->n) {
		const char *l = sc->lines[sc->next];
		while (*l == ' ' || *l == '\t' || *l == '\r')
			l++;
		if (sc->next >= sc->skip && *l && *l != '#' && !(l[0] == '/' && l[1] == '/'))
			break;
		sc->next++;
	}
	if (sc->next < sc->n)
		record_step(t, sc->next);
	int rc = sess_step(t->sess);
	t->dirty = true;
	if (rc == SESS_QUIT) {
		log_add(t, ROLE_INFO, "end of the script");
		return false;
	}
	return rc == SESS_OK;
}

static void run_to_pause(tui *t)
{
	script *sc = t->sess->scr;
	if (!sc) {
		step(t);
		return;
	}
	t->bulk = true;
	t->bulk_ops = 0;
	size_t lines = 0;
	bool ok = true;
	while (ok && !next_is_pause(sc) && sc->next < sc->n) {
		ok = step(t);
		lines++;
	}
	t->bulk = false;
	char m[160];
	if (next_is_pause(sc)) {
		sc->next++;
		snprintf(m, sizeof m, "ran %zu lines (%zu operations); paused at line %zu", lines, t->bulk_ops, sc->next);
	} else {
		snprintf(m, sizeof m, "ran %zu lines (%zu operations)%s", lines, t->bulk_ops,
			 sc->next >= sc->n ? "; end of the script" : "; stopped");
	}
	log_add(t, ROLE_INFO, m);
}

static void load_script(tui *t, const char *path)
{
	char err[512];
	script *sc = script_load(path, err, sizeof err);
	if (!sc) {
		log_add(t, ROLE_ERROR, err);
		return;
	}
	script_free(t->sess->scr);
	t->sess->scr = sc;
	t->nsteps = 0;
	char m[600];
	snprintf(m, sizeof m, "loaded %s (%zu lines%s): F8 or `step` runs one line, F5 or `continue` runs to the end, "
			      "F6 or `play` plays it",
		 sc->path, sc->n, sc->trace ? ", malloc-lab trace" : "");
	log_add(t, ROLE_INFO, m);
	t->scroll[P_SCRIPT] = 0;
	layout_compute(t);
}

static void set_theme(tui *t, const char *name)
{
	char err[512];
	theme th;
	if (!theme_load(&th, name, err, sizeof err)) {
		log_add(t, ROLE_ERROR, err);
		log_add(t, ROLE_INFO, "using the default theme");
	}
	t->th = th;
	if (!isendwin() && stdscr)
		theme_apply(&t->th);
	t->dirty = true;
}

static int t_ui(void *ctx, int cmd, const char *args)
{
	tui *t = ctx;
	char arg[512];
	while (*args == ' ' || *args == '\t')
		args++;
	snprintf(arg, sizeof arg, "%s", args);
	char *hash = strchr(arg, '#');
	if (hash)
		*hash = 0;
	for (size_t n = strlen(arg); n && (arg[n - 1] == ' ' || arg[n - 1] == '\r' || arg[n - 1] == ';'); n--)
		arg[n - 1] = 0;
	switch (cmd) {
	case UI_STEP:
		step(t);
		return SESS_OK;
	case UI_CONTINUE:
		run_to_pause(t);
		return SESS_OK;
	case UI_PLAY: {
		double secs = 0.5;
		if (*arg) {
			char *end;
			secs = strtod(arg, &end);
			if (*end || secs < 0 || secs > 60) {
				log_add(t, ROLE_ERROR, "usage: play [DELAY], DELAY in seconds from 0 to 60 (default 0.5)");
				return SESS_ERROR;
			}
		}
		if (!t->sess->scr) {
			step(t);
			return SESS_ERROR;
		}
		t->playing = true;
		t->play_ms = (int)(secs * 1000);
		log_add(t, ROLE_INFO, "playing: any key (or Ctrl-C) stops");
		return SESS_OK;
	}
	case UI_THEME:
		if (!*arg) {
			char m[300];
			const char *const *names = theme_names();
			size_t o = (size_t)snprintf(m, sizeof m, "theme %s; available:", t->th.name);
			for (int i = 0; names[i] && o < sizeof m; i++)
				o += (size_t)snprintf(m + o, sizeof m - o, " %s", names[i]);
			log_add(t, ROLE_INFO, m);
			return SESS_OK;
		}
		set_theme(t, arg);
		return SESS_OK;
	case UI_CLEAR:
		log_clear(t);
		return SESS_OK;
	case UI_QUIT:
		t->quit = true;
		return SESS_QUIT;
	case UI_LOAD:
		if (!*arg) {
			log_add(t, ROLE_ERROR, "usage: load FILE");
			return SESS_ERROR;
		}
		load_script(t, arg);
		return SESS_OK;
	}
	return -1;
}

void tui_run_line(tui *t, const char *line)
{
	char echo[300];
	snprintf(echo, sizeof echo, "> %.280s", line);
	log_add(t, ROLE_PROMPT, echo);
	size_t count = eng_count(t->eng), pos = t->eng->pos;
	int rc = sess_exec(t->sess, line, NULL, 0);
	if (eng_count(t->eng) == count && t->eng->pos != pos)
		sync_script(t); /* undo, redo or goto moved the heap */
	if (rc == SESS_QUIT)
		t->quit = true;
	t->dirty = true;
}

/* --- drawing ---------------------------------------------------------- */

static void draw_status(tui *t)
{
	int y = t->rows - 2;
	ui_fill(y, 0, t->cols, ROLE_STATUS);
	char left[200];
	script *sc = t->sess->scr;
	int n = snprintf(left, sizeof left, " heapscope  op %zu/%zu", t->eng->pos, eng_count(t->eng));
	if (sc)
		n += snprintf(left + n, sizeof left - (size_t)n, "  line %zu/%zu", sc->next < sc->n ? sc->next + 1 : sc->n,
			      sc->n);
	if (t->playing)
		n += snprintf(left + n, sizeof left - (size_t)n, "  PLAYING");
	if (t->zoom >= 0)
		snprintf(left + n, sizeof left - (size_t)n, "  ZOOM");
	int c = ui_put(y, 0, t->cols, ROLE_STATUS, left);
	const char *keys = t->cols >= 120 ? "F1 help  Tab panes  F2 zoom  F8 step  F5 continue  F6 play  F9 undo  F10 redo  "
			   : "F1 help  F8 step  F9 undo  ";
	int kw = (int)strlen(keys);
	if (t->cols - c > kw)
		ui_put(y, t->cols - kw, kw, ROLE_STATUS, keys);
}

static const char *const help_keys[] = {
	"  F1, or ? on an empty line   this help (arrows scroll it, other keys close it)",
	"  Tab, Shift-Tab              move between panes (Tab completes when you typed)",
	"  Esc                         back to the prompt",
	"  arrows PgUp PgDn Home End   scroll the focused pane (PgUp/PgDn: the log)",
	"  F2                          zoom the focused pane, and back",
	"  F8  F5  F6                  step one line / continue to a pause / play, stop",
	"  F9  F10                     undo / redo (the script follows)",
	"  Ctrl-C                      cancel the line, or stop playing",
	"  Ctrl-D or quit              leave heapscope",
	"  a, r in the bins pane       show empty bins / raw safe-linked pointers",
	NULL,
};

static void draw_help(tui *t)
{
	int w = t->cols - 4 < 100 ? t->cols - 4 : 100, h = t->rows - 4;
	rect r = {2, (t->cols - w) / 2, h, w};
	for (int i = 0; i < r.h; i++)
		ui_fill(r.y + i, r.x, r.w, ROLE_NORMAL);
	ui_box(r, "help", true);
	/* the lines: keys, legend, commands; scrolled by t->help_scroll */
	int total = 1 + 10 + 2 + 1 + (int)sess_ncmds;
	int rows = r.h - 2;
	if (t->help_scroll > total - rows)
		t->help_scroll = total - rows;
	if (t->help_scroll < 0)
		t->help_scroll = 0;
	int y = r.y + 1, x = r.x + 2, cw = r.w - 4;
	for (int i = t->help_scroll; i < total && y < r.y + r.h - 1; i++, y++) {
		if (i == 0) {
			ui_put(y, x, cw, ROLE_TITLE, "Keys");
		} else if (i <= 10) {
			ui_put(y, x, cw, ROLE_NORMAL, help_keys[i - 1]);
		} else if (i == 11) {
			int c = ui_put(y, x, cw, ROLE_TITLE, "Colours: ");
			for (int st = 0; st < BIN_KIND_COUNT; st++) {
				char b[40];
				snprintf(b, sizeof b, "%c %s  ", pane_state_char(st), alloc_bin_name(st));
				c += ui_put(y, x + c, cw - c, pane_state_role(st), b);
			}
		} else if (i == 12) {
			/* blank */
		} else if (i == 13) {
			ui_put(y, x, cw, ROLE_TITLE, "Commands (help CMD explains one)");
		} else {
			const sess_cmd *c = &sess_cmds[i - 14];
			char line[240];
			snprintf(line, sizeof line, "  %-10s %-14s %s", c->name, c->args, c->help);
			ui_put(y, x, cw, ROLE_NORMAL, line);
		}
	}
	if (t->help_scroll + rows < total)
		ui_put(r.y + r.h - 1, r.x + r.w - 12, 10, ROLE_BORDER_FOCUS, " more... ");
}

void tui_draw(tui *t)
{
	erase();
	if (t->too_small) {
		char m[160];
		snprintf(m, sizeof m, "heapscope needs a terminal of at least %dx%d; this one is %dx%d.", TUI_MIN_W,
			 TUI_MIN_H, t->cols, t->rows);
		ui_put(t->rows / 2 > 0 ? t->rows / 2 - 1 : 0, 0, t->cols, ROLE_WARN, m);
		ui_put(t->rows / 2, 0, t->cols, ROLE_NORMAL, "Enlarge the window, or press Ctrl-D to quit.");
		move(t->rows > 0 ? t->rows - 1 : 0, 0);
		return;
	}
	if (t->visible[P_SPACE])
		pane_space_draw(t, t->pane[P_SPACE]);
	if (t->visible[P_CHUNKS])
		pane_chunks_draw(t, t->pane[P_CHUNKS]);
	if (t->visible[P_BINS])
		pane_bins_draw(t, t->pane[P_BINS]);
	if (t->visible[P_LOG])
		pane_log_draw(t, t->pane[P_LOG]);
	if (t->visible[P_SCRIPT])
		pane_script_draw(t, t->pane[P_SCRIPT]);
	draw_status(t);
	if (t->help)
		draw_help(t);
	prompt_draw(t);
	curs_set(t->focus < 0 && !t->help ? 1 : 0);
}

/* --- keys ------------------------------------------------------------- */

static size_t pane_lines(tui *t, int p)
{
	switch (p) {
	case P_SPACE: return pane_space_lines(t);
	case P_CHUNKS: return pane_chunks_lines(t);
	case P_BINS: return pane_bins_lines(t);
	case P_LOG: return pane_log_lines(t);
	default: return pane_script_lines(t);
	}
}

static void scroll_pane(tui *t, int p, int key)
{
	long page = t->pane[p].h > 4 ? t->pane[p].h - 3 : 1;
	long *s = &t->scroll[p];
	long dir = p == P_LOG ? -1 : 1; /* the log scrolls up from its end */
	switch (key) {
	case KEY_UP: *s -= dir; break;
	case KEY_DOWN: *s += dir; break;
	case KEY_PPAGE: *s -= dir * page; break;
	case KEY_NPAGE: *s += dir * page; break;
	case KEY_HOME: *s = p == P_LOG ? (long)pane_lines(t, p) : 0; break;
	case KEY_END: *s = p == P_LOG ? 0 : (long)pane_lines(t, p); break;
	default: return;
	}
	if (*s < 0)
		*s = 0;
	if (p == P_SCRIPT) {
		/* scrolling the script moves the view only; keep it sane */
		if (*s > (long)pane_lines(t, p))
			*s = (long)pane_lines(t, p);
	}
	t->dirty = true;
}

static void cycle_focus(tui *t, int dir)
{
	int f = t->focus;
	for (int k = 0; k <= P_COUNT; k++) {
		f += dir;
		if (f >= P_COUNT)
			f = -1;
		if (f < -1)
			f = P_COUNT - 1;
		if (f < 0 || t->visible[f])
			break;
	}
	t->focus = f;
	if (f >= 0)
		t->last_pane = f;
	t->dirty = true;
}

static void key(tui *t, int ch)
{
	if (t->help) {
		if (ch == KEY_DOWN || ch == KEY_UP || ch == KEY_NPAGE || ch == KEY_PPAGE) {
			int page = t->rows > 8 ? t->rows - 8 : 1;
			t->help_scroll += ch == KEY_DOWN ? 1 : ch == KEY_UP ? -1 : ch == KEY_NPAGE ? page : -page;
		} else {
			t->help = false;
		}
		t->dirty = true;
		return;
	}
	if (ch == 3) { /* Ctrl-C */
		if (t->playing) {
			t->playing = false;
			log_add(t, ROLE_INFO, "stopped");
		} else {
			prompt_cancel(t);
		}
		t->dirty = true;
		return;
	}
	if (t->playing) {
		t->playing = false;
		log_add(t, ROLE_INFO, "stopped");
		return;
	}
	switch (ch) {
	case KEY_F(1):
		t->help = true;
		t->help_scroll = 0;
		t->dirty = true;
		return;
	case KEY_F(2):
		t->zoom = t->zoom >= 0 ? -1 : (t->focus >= 0 ? t->focus : t->last_pane);
		layout_compute(t);
		t->dirty = true;
		return;
	case KEY_F(5):
		tui_run_line(t, "continue");
		return;
	case KEY_F(6):
		tui_run_line(t, "play");
		return;
	case KEY_F(8):
		tui_run_line(t, "step");
		return;
	case KEY_F(9):
		tui_run_line(t, "undo");
		return;
	case KEY_F(10):
		tui_run_line(t, "redo");
		return;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		t->dirty = true;
		return;
	case KEY_BTAB:
		cycle_focus(t, -1);
		return;
	case 27: /* Esc */
		t->focus = -1;
		t->dirty = true;
		return;
	}
	if (ch == '\t' && (t->focus >= 0 || prompt_empty())) {
		cycle_focus(t, 1);
		return;
	}
	if (t->focus >= 0) {
		if (ch == KEY_UP || ch == KEY_DOWN || ch == KEY_PPAGE || ch == KEY_NPAGE || ch == KEY_HOME || ch == KEY_END) {
			scroll_pane(t, t->focus, ch);
			return;
		}
		if (t->focus == P_BINS && (ch == 'a' || ch == 'r')) {
			if (ch == 'a')
				t->bins_all = !t->bins_all;
			else
				t->bins_raw = !t->bins_raw;
			t->dirty = true;
			return;
		}
		if (ch == KEY_LEFT || ch == KEY_RIGHT)
			return;
		t->focus = -1; /* typing goes back to the prompt */
	}
	if (ch == '?' && prompt_empty()) {
		t->help = true;
		t->help_scroll = 0;
		t->dirty = true;
		return;
	}
	if (ch == KEY_PPAGE || ch == KEY_NPAGE) {
		scroll_pane(t, P_LOG, ch);
		return;
	}
	prompt_key(t, ch);
	t->dirty = true;
}

static void mouse(tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	int p = layout_pane_at(t, ev.y, ev.x);
	if (p < 0)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		scroll_pane(t, p, KEY_UP), scroll_pane(t, p, KEY_UP), scroll_pane(t, p, KEY_UP);
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		scroll_pane(t, p, KEY_DOWN), scroll_pane(t, p, KEY_DOWN), scroll_pane(t, p, KEY_DOWN);
#endif
	else if (ev.bstate & BUTTON1_PRESSED) {
		t->focus = p;
		t->last_pane = p;
		t->dirty = true;
	}
}

/* --- lifecycle -------------------------------------------------------- */

tui *tui_new(const tui_opts *o)
{
	tui *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->eng = eng_new(o->aslr, o->seed);
	sess_frontend fe = {.ctx = t, .print = t_print, .op = t_op, .ui = t_ui};
	t->sess = sess_new(t->eng, &fe);
	t->focus = -1;
	t->last_pane = P_CHUNKS;
	t->zoom = -1;
	t->mouse = o->mouse;
	t->play_ms = 500;
	const char *nc = getenv("NO_COLOR");
	const char *name = o->theme ? o->theme : (nc && *nc ? "mono" : "default");
	char err[512];
	if (!theme_load(&t->th, name, err, sizeof err)) {
		log_add(t, ROLE_ERROR, err);
		log_add(t, ROLE_INFO, "using the default theme");
	}
	return t;
}

void tui_free(tui *t)
{
	if (!t)
		return;
	log_clear(t);
	free(t->log);
	vl_clear(&t->bins);
	vl_clear(&t->space);
	free(t->bins.l);
	free(t->space.l);
	free(t->vref);
	free(t->steps);
	sess_free(t->sess);
	eng_free(t->eng);
	free(t);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int tui_run(const tui_opts *o)
{
	setlocale(LC_ALL, "");
	tui *t = tui_new(o);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGTSTP, SIG_IGN);

	set_escdelay(25);
	if (!initscr()) {
		fprintf(stderr, "heapscope: cannot initialise the terminal\n");
		tui_free(t);
		return 2;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	theme_apply(&t->th);
	if (t->mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
				  | BUTTON5_PRESSED
#endif
			  ,
			  NULL);
		mouseinterval(0);
	}
	getmaxyx(stdscr, t->rows, t->cols);
	prompt_init(t);
	log_add(t, ROLE_INFO, "Welcome to heapscope: a model of glibc 2.36 malloc in a simulated process.");
	log_add(t, ROLE_INFO, "Try:  p = malloc(24)   q = malloc(100)   free(p)   chunks   bins   help   (F1: keys)");
	if (o->script)
		load_script(t, o->script);
	layout_compute(t);
	t->dirty = true;
	double next_play = 0;
	while (!t->quit && !got_term) {
		if (t->dirty) {
			tui_draw(t);
			refresh();
			t->dirty = false;
		}
		int wait = 250;
		if (t->playing) {
			double left = next_play - now_ms();
			wait = left < 0 ? 0 : (int)left;
		}
		timeout(wait);
		int ch = getch();
		if (ch == ERR) {
			if (t->playing && now_ms() >= next_play) {
				if (!step(t))
					t->playing = false;
				next_play = now_ms() + t->play_ms;
			}
			continue;
		}
		if (ch == KEY_RESIZE) {
			getmaxyx(stdscr, t->rows, t->cols);
			layout_compute(t);
			t->dirty = true;
			continue;
		}
		if (ch == KEY_MOUSE) {
			mouse(t);
			continue;
		}
		bool was_playing = t->playing;
		key(t, ch);
		if (t->playing && !was_playing)
			next_play = now_ms();
		if (t->sess->scr && !t->visible[P_SCRIPT] && t->zoom < 0)
			layout_compute(t);
	}
	prompt_done(t);
	endwin();
	tui_free(t);
	return 0;
}
