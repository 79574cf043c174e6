/*
 * tui.c - the interactive interface: state, the session's callbacks, keys,
 * the session's requests (play, theme, clear, quit), the status bar, the
 * help overlay and the main loop.  The terminal is restored on every exit
 * path (quit, Ctrl-D, SIGTERM, SIGHUP, SIGINT: exit status 128 + signal;
 * fatal signals through term.c's crash guard).
 */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heapscope/report.h"
#include "heapscope/status.h"
#include "heapscope/xalloc.h"
#include "tui_internal.h"

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
static uint64_t changed_chunk(const alloc *a, const eng_result *r)
{
	for (uint32_t i = 0; i < r->nev; i++) {
		const alloc_ev *e = &r->ev[i];
		if (e->kind == ALLOC_EV_TOP_MERGE || e->kind == ALLOC_EV_UNSORTED_PUT || e->kind == ALLOC_EV_TCACHE_PUT ||
		    e->kind == ALLOC_EV_FAST_PUT)
			if (r->kind == ENG_FREE)
				return e->a;
	}
	if (r->ret && eng_op_allocates(r->kind))
		return r->ret - alloc_hdr(a);
	return 0;
}

/* one word for how the allocator served the operation */
static const char *path_word(const eng_result *r)
{
	const char *w = NULL;
	for (uint32_t i = 0; i < r->nev; i++) {
		switch (r->ev[i].kind) {
		case ALLOC_EV_TCACHE_GET: w = "from the tcache"; break;
		case ALLOC_EV_FAST_GET: w = "from a fastbin"; break;
		case ALLOC_EV_SMALL_GET: w = "from a small bin"; break;
		case ALLOC_EV_EXACT: w = "exact fit from the unsorted bin"; break;
		case ALLOC_EV_LAST_REMAINDER: w = "split from the last remainder"; break;
		case ALLOC_EV_BEST_FIT: w = "best fit from a large bin"; break;
		case ALLOC_EV_BINMAP: w = "found by the binmap search"; break;
		case ALLOC_EV_TOP_SPLIT: w = "carved from top"; break;
		case ALLOC_EV_MMAP: w = "its own mmap"; break;
		case ALLOC_EV_TCACHE_PUT: if (r->kind == ENG_FREE) w = "into the tcache"; break;
		case ALLOC_EV_FAST_PUT: if (r->kind == ENG_FREE) w = "into a fastbin"; break;
		case ALLOC_EV_UNSORTED_PUT: if (r->kind == ENG_FREE && !w) w = "into the unsorted bin"; break;
		case ALLOC_EV_TOP_MERGE: if (r->kind == ENG_FREE) w = "merged into top"; break;
		case ALLOC_EV_MUNMAP: if (r->kind == ENG_FREE) w = "munmapped"; break;
		case ALLOC_EV_INPLACE: w = "in place"; break;
		case ALLOC_EV_COPY: w = "moved (malloc, copy, free)"; break;
		default: break;
		}
	}
	return w;
}

static void t_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	tui *t = ctx;
	compare_op(t->cmp, r, id, eng_count(t->eng));
	t->hl_chunk = changed_chunk(eng_heap(t->eng), r);
	t->follow_hl = true;
	t->space_mark = 0;
	for (uint32_t i = 0; i < r->nev; i++) {
		int k = r->ev[i].kind;
		if (k == ALLOC_EV_MMAP || k == ALLOC_EV_MUNMAP || k == ALLOC_EV_BRK) {
			t->space_focus = k == ALLOC_EV_BRK ? eng_heap(t->eng)->lay.heap : r->ev[i].a;
			t->space_follow = true;
		} else if (k == ALLOC_EV_MREMAP) {
			t->space_focus = r->ev[i].c;
			t->space_follow = true;
		} else if (k == ALLOC_EV_STACK_GROW) {
			t->space_focus = r->ev[i].b;
			t->space_follow = true;
		} else {
			continue;
		}
		t->space_mark = t->space_focus;
	}
	t->dirty = true;
	if (sess_continuing(t->sess)) {
		t->why_stale = true;
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
	(void)id;
	snprintf(stmt, sizeof stmt, "%.150s", text);
	if (r->kind == ENG_THREAD) /* a tN: prefix: the call follows on its own line */
		snprintf(stmt, sizeof stmt, "thread %llu runs the calls now%s", (unsigned long long)r->arg,
			 r->ret ? " (main created it first)" : "");
	sb_printf(&b, "#%llu %s", (unsigned long long)r->seq + 1, stmt);
	if (r->status == ALLOC_OK) {
		if (eng_op_allocates(r->kind)) {
			if (r->ret && r->chunk)
				sb_printf(&b, " = 0x%llx (chunk 0x%llx)", (unsigned long long)r->ret, (unsigned long long)r->chunk);
			else if (r->ret) /* a student's allocator: its sizes are not known */
				sb_printf(&b, " = 0x%llx", (unsigned long long)r->ret);
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
	if (r->kind == ENG_PRINT && r->textlen) {
		/* what the program printed, in its own colour */
		char out[512];
		snprintf(out, sizeof out, "%s%.*s", r->arg == ALLOC_STDERR ? "stderr: " : "", (int)(r->textlen < 500 ? r->textlen : 500),
			 r->text);
		log_add(t, ROLE_OUTPUT, out);
	}
	for (uint32_t i = 0; i < r->nev; i++) {
		sbuf s = {0};
		if (report_syscall(&s, &r->ev[i]))
			log_add(t, ROLE_SYSCALL, s.s);
		else if (r->ev[i].kind == ALLOC_EV_ARENA || r->ev[i].kind == ALLOC_EV_THREAD) {
			/* what happened to the process's threads and arenas */
			report_event(&s, eng_heap(t->eng), &r->ev[i]);
			log_add(t, ROLE_INFO, s.s);
		}
		sb_free(&s);
	}
	if (r->status != ALLOC_OK) {
		char m[400];
		snprintf(m, sizeof m, "%s%s", r->status == ALLOC_SEGV ? "" : "glibc: ", r->msg);
		log_add(t, ROLE_FAULT, m);
		if (!t->narrate)
			log_add(t, ROLE_INFO, r->status == ALLOC_SEGV
						      ? "(the program would crash here; heapscope kept the state before the call)"
						      : "(the program would abort here; heapscope kept the state before the call)");
	}
	if (t->narrate)
		why_update(t, r);
}

/* --- requests and playback ------------------------------------------- */

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

static void list_themes(tui *t)
{
	char m[300];
	const char *const *names = theme_names();
	size_t o = (size_t)snprintf(m, sizeof m, "theme %s; available:", t->th.name);
	for (int i = 0; names[i] && o < sizeof m; i++)
		o += (size_t)snprintf(m + o, sizeof m - o, " %s", names[i]);
	log_add(t, ROLE_INFO, m);
}

/* export [PANE] FILE: draw a fresh frame, then write it (or the pane). */
static void export_request(tui *t, char *arg)
{
	static const char *const panes[P_COUNT] = {[P_SPACE] = "space", [P_CHUNKS] = "chunks", [P_BINS] = "bins",
						   [P_LOG] = "log", [P_SCRIPT] = "script"};
	char *tab = strchr(arg, '\t');
	const char *path = tab ? tab + 1 : arg;
	if (tab)
		*tab = 0;
	rect r = {0, 0, t->rows, t->cols};
	if (tab && *arg) {
		int p = -1;
		for (int i = 0; i < P_COUNT; i++)
			if (!strcmp(arg, panes[i]))
				p = i;
		if (p < 0) {
			log_add(t, ROLE_ERROR, "export: no pane of that name; the panes are chunks, bins, space, log and script");
			return;
		}
		if (!t->visible[p]) {
			log_add(t, ROLE_ERROR, "export: that pane is not on the screen now");
			return;
		}
		r = t->pane[p];
	}
	tui_draw(t);
	char err[512];
	if (!tui_export(t, r, path, err, sizeof err)) {
		log_add(t, ROLE_ERROR, err);
		return;
	}
	char m[600];
	snprintf(m, sizeof m, "exported %dx%d to %.500s", r.w, r.h, path);
	log_add(t, ROLE_INFO, m);
}

/* Carry out what the session asked of the frontend. */
static void take_requests(tui *t)
{
	sess_req req;
	while (sess_take_request(t->sess, &req)) {
		switch (req.kind) {
		case SESS_REQ_PLAY: {
			sess_script_view v;
			if (!sess_script(t->sess, &v)) {
				log_add(t, ROLE_WARN, "no script is loaded: open one with `heapscope FILE` or `load FILE`");
				break;
			}
			t->playing = true;
			t->play_ms = (int)(req.delay * 1000);
			t->play_started = true;
			log_add(t, ROLE_INFO, "playing: any key (or Ctrl-C) stops");
			break;
		}
		case SESS_REQ_THEME:
			if (req.arg[0])
				set_theme(t, req.arg);
			else
				list_themes(t);
			break;
		case SESS_REQ_CLEAR:
			log_clear(t);
			break;
		case SESS_REQ_QUIT:
			t->quit = true;
			break;
		case SESS_REQ_CAPTION:
			t->captions++;
			free(t->caption);
			t->caption = req.arg[0] ? xstrdup(req.arg) : NULL;
			layout_compute(t);
			break;
		case SESS_REQ_EXPORT:
			export_request(t, req.arg);
			break;
		case SESS_REQ_TITLE:
			snprintf(t->title, sizeof t->title, "%.120s", req.arg);
			break;
		case SESS_REQ_COMPARE:
			if (!strcmp(req.arg, "off")) {
				compare_set(t->cmp, NULL, NULL, NULL);
			} else if (student_file_name(req.arg)) {
				/* a student's allocator: compiled now, run in its own process */
				char *err = NULL;
				student *st = student_open(req.arg, t->limit_ms > 0 ? t->limit_ms : 2000, true, &err);
				if (!st) {
					log_add(t, ROLE_ERROR, err ? err : "compare: it cannot be built");
					free(err);
					break;
				}
				compare_set(t->cmp, student_name(st), NULL, alloc_mm_new(st, false));
				log_add(t, ROLE_INFO, "compare: the same calls run on your allocator in its own process, drawn "
						      "where the bins were (`compare off` ends it)");
			} else {
				compare_set(t->cmp, req.arg, tb_find_variant(req.arg, NULL), NULL);
				log_add(t, ROLE_INFO, "compare: the same calls run on a second allocator, drawn where the "
						      "bins were (`compare off` ends it)");
			}
			t->dirty = true;
			break;
		case SESS_REQ_COUNT:
			break;
		}
	}
	/* after a continue, say why the last operation went as it did */
	if (t->narrate && t->why_stale) {
		why_update(t, eng_last_result(t->eng));
		t->why_stale = false;
	}
	if (sess_script_generation(t->sess) != t->script_gen) {
		t->script_gen = sess_script_generation(t->sess);
		t->scroll[P_SCRIPT] = 0;
		layout_compute(t);
	}
	t->dirty = true;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One line of play; false when playing must stop. */
static bool play_tick(tui *t)
{
	sess_step r = sess_step_script(t->sess);
	take_requests(t);
	switch (r) {
	case SESS_STEP_OK:
		return true;
	case SESS_STEP_PAUSE: {
		sess_script_view v;
		sess_script(t->sess, &v);
		char m[80];
		snprintf(m, sizeof m, "paused at line %zu (F6 plays on)", v.next);
		log_add(t, ROLE_INFO, m);
		return false;
	}
	case SESS_STEP_END:
		log_add(t, ROLE_INFO, "end of the script");
		return false;
	default:
		return false;
	}
}

bool tui_play_frame(tui *t)
{
	/* play faster than the screen is drawn: as many lines as one frame's
	 * time holds, then one draw, so a long recording rebuilds its view at
	 * the frame rate, not once per operation */
	double end = now_ms() + TUI_FRAME_MS;
	do {
		if (!play_tick(t))
			return false;
	} while (t->play_ms < TUI_FRAME_MS && now_ms() < end);
	return true;
}

void tui_run_line(tui *t, const char *line)
{
	char echo[300];
	snprintf(echo, sizeof echo, "> %.280s", line);
	log_add(t, ROLE_PROMPT, echo);
	sess_exec(t->sess, line, NULL, 0);
	take_requests(t);
}

/* --- drawing ---------------------------------------------------------- */

static void draw_status(tui *t)
{
	int y = t->rows - 2;
	ui_fill(y, 0, t->cols, ROLE_STATUS);
	char left[200];
	sess_script_view sc;
	int n = snprintf(left, sizeof left, " heapscope  op %zu/%zu", eng_pos(t->eng), eng_count(t->eng));
	if (sess_script(t->sess, &sc))
		n += snprintf(left + n, sizeof left - (size_t)n, "  line %zu/%zu", sc.next < sc.n ? sc.next + 1 : sc.n,
			      sc.n);
	if (t->title[0])
		n += snprintf(left + n, sizeof left - (size_t)n, "  %.60s", t->title);
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
	"  F3                          hide or show why each operation went as it did",
	"  F4                          show the next arena in the chunk and bin panes (threads)",
	"  F8  F5  F6                  step one line / continue to a pause / play, stop",
	"  F9  F10                     undo / redo (the script follows)",
	"  Ctrl-C                      cancel the line, or stop playing",
	"  Ctrl-D or quit              leave heapscope",
	"  a, r in the bins pane       show empty bins / raw safe-linked pointers",
	"  PMA column of the chunks    P previous chunk in use, M mmapped, A non-main arena",
	NULL,
};

/* The help's rows, wrapped to cw columns: text and role each. */
typedef struct help_rows {
	char text[320][160];
	int role[320];
	int n;
} help_rows;

static void help_add(help_rows *h, int role, const char *text, int cw, int indent)
{
	const char *p = text;
	bool first = true;
	while (h->n < 320) {
		int room = first ? cw : cw - indent;
		size_t len = strlen(p), take = len;
		if ((int)take > room) {
			take = (size_t)room;
			while (take > (size_t)room / 2 && p[take] != ' ')
				take--;
		}
		snprintf(h->text[h->n], sizeof h->text[h->n], "%*s%.*s", first ? 0 : indent, "", (int)take, p);
		h->role[h->n++] = role;
		p += take;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		first = false;
	}
}

static void draw_help(tui *t)
{
	int w = t->cols - 4 < 100 ? t->cols - 4 : 100, h = t->rows - 4;
	rect r = {2, (t->cols - w) / 2, h, w};
	for (int i = 0; i < r.h; i++)
		ui_fill(r.y + i, r.x, r.w, ROLE_NORMAL);
	ui_box(r, "help", true);
	int x = r.x + 2, cw = r.w - 4 < 159 ? r.w - 4 : 159;
	/* the rows: keys, the legend, the commands, wrapped to the overlay */
	static help_rows hr;
	hr.n = 0;
	help_add(&hr, ROLE_TITLE, "Keys", cw, 0);
	for (int i = 0; help_keys[i]; i++)
		help_add(&hr, ROLE_NORMAL, help_keys[i], cw, 30);
	help_add(&hr, ROLE_NORMAL, "", cw, 0);
	int legend_row = hr.n;
	help_add(&hr, ROLE_TITLE, "Colours:", cw, 0);
	int legend_rows = cw >= 90 ? 1 : 2;
	for (int k = 1; k < legend_rows; k++)
		help_add(&hr, ROLE_NORMAL, " ", cw, 0);
	help_add(&hr, ROLE_NORMAL, "", cw, 0);
	help_add(&hr, ROLE_TITLE, "Commands (help CMD explains one, with an example)", cw, 0);
	for (size_t i = 0; i < sess_ncmds; i++) {
		const sess_cmd *c = &sess_cmds[i];
		char line[320];
		snprintf(line, sizeof line, "  %-10s %-14s %s", c->name, c->usage, c->help);
		help_add(&hr, ROLE_NORMAL, line, cw, 28);
	}
	int rows = r.h - 2;
	if (t->help_scroll > hr.n - rows)
		t->help_scroll = hr.n - rows;
	if (t->help_scroll < 0)
		t->help_scroll = 0;
	int y = r.y + 1;
	for (int i = t->help_scroll; i < hr.n && y < r.y + r.h - 1; i++, y++) {
		if (i >= legend_row && i < legend_row + legend_rows) {
			/* the colour legend, each state in its own colour */
			int c = i == legend_row ? ui_put(y, x, cw, ROLE_TITLE, "Colours: ") : 9;
			int half = (ALLOC_BIN_GLIBC_COUNT + legend_rows - 1) / legend_rows;
			int from = (i - legend_row) * half;
			for (int st = from; st < ALLOC_BIN_GLIBC_COUNT && st < from + half; st++) {
				char b[40];
				snprintf(b, sizeof b, "%c %s  ", pane_state_char(st), alloc_bin_name(st));
				c += ui_put(y, x + c, cw - c, pane_state_role(st), b);
			}
			continue;
		}
		ui_put(y, x, cw, hr.role[i], hr.text[i]);
	}
	if (t->help_scroll + rows < hr.n)
		ui_put(r.y + r.h - 1, r.x + r.w - 12, 10, ROLE_BORDER_FOCUS, " more... ");
}

/* Put text (ASCII) from row y on, broken between words to fit width
 * columns; returns the row after it. */
static int put_wrapped(int y, int width, int role, const char *text)
{
	char line[160];
	while (*text && width > 0) {
		size_t n = strlen(text);
		if (n > (size_t)width) {
			n = (size_t)width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = (size_t)width; /* one word longer than the line: cut it */
		}
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		ui_put(y++, 0, width, role, line);
		text += n;
		while (*text == ' ')
			text++;
	}
	return y;
}

void tui_draw(tui *t)
{
	erase();
	if (t->too_small) {
		char m[160];
		snprintf(m, sizeof m, "heapscope needs a terminal of at least %dx%d; this one is %dx%d.", TUI_MIN_W,
			 TUI_MIN_H, t->cols, t->rows);
		int y = t->rows / 2 > 1 ? t->rows / 2 - 2 : 0;
		y = put_wrapped(y, t->cols, ROLE_WARN, m);
		put_wrapped(y, t->cols, ROLE_NORMAL, "Enlarge the window, or press Ctrl-D to quit.");
		move(t->rows > 0 ? t->rows - 1 : 0, 0);
		return;
	}
	if (t->visible[P_SPACE])
		pane_space_draw(t, t->pane[P_SPACE]);
	if (t->visible[P_CHUNKS])
		pane_chunks_draw(t, t->pane[P_CHUNKS]);
	if (t->visible[P_BINS] && compare_on(t->cmp))
		pane_compare_draw(t, t->pane[P_BINS]);
	else if (t->visible[P_BINS])
		pane_bins_draw(t, t->pane[P_BINS]);
	if (t->visible[P_LOG])
		pane_log_draw(t, t->pane[P_LOG]);
	if (t->visible[P_SCRIPT])
		pane_script_draw(t, t->pane[P_SCRIPT]);
	if (t->why_rect.h > 0)
		pane_why_draw(t, t->why_rect);
	if (t->caption_rect.h > 0)
		pane_caption_draw(t, t->caption_rect);
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
	case KEY_F(3):
		t->narrate = !t->narrate;
		if (t->narrate)
			why_update(t, eng_last_result(t->eng));
		layout_compute(t);
		t->dirty = true;
		return;
	case KEY_F(4): {
		/* the next arena in the chunk and bin panes */
		unsigned k = sess_show_arena(t->sess, -1);
		char m[96];
		snprintf(m, sizeof m, "showing arena %u of %u%s", k, eng_heap(t->eng)->nar, k ? "" : " (main_arena)");
		log_add(t, ROLE_INFO, m);
		t->dirty = true;
		return;
	}
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
	tui *t = xcalloc(1, sizeof *t);
	t->eng = eng_new_arch(o->aslr, o->seed, o->legacy, o->mm ? alloc_mm_design(o->mm) : o->design, o->arch);
	if (o->mm)
		eng_add_allocator(t->eng, o->mm, true);
	t->limit_ms = o->limit_ms;
	sess_frontend fe = {.ctx = t, .print = t_print, .op = t_op, .run_programs = true, .limit_ms = o->limit_ms,
			    .quiet_programs = true};
	t->sess = sess_new(t->eng, &fe);
	t->focus = -1;
	t->last_pane = P_CHUNKS;
	t->zoom = -1;
	t->mouse = o->mouse;
	t->play_ms = 500;
	t->narrate = true;
	t->cmp = compare_new();
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
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
	free(t->why);
	free(t->caption);
	compare_free(t->cmp);
	vl_clear(&t->bins);
	vl_clear(&t->space);
	free(t->bins.l);
	free(t->space.l);
	free(t->space_at);
	report_vars_free(&t->vars);
	sess_free(t->sess);
	eng_free(t->eng);
	free(t);
}


static void curses_start(tui *t)
{
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
}

/* Ctrl-Z (a byte in raw mode) or SIGTSTP: give the terminal back, stop,
 * and take it again when the shell continues us. */
static void suspend(tui *t)
{
	endwin();
	term_suspend();
	refresh();
	getmaxyx(stdscr, t->rows, t->cols);
	layout_compute(t);
	clearok(curscr, TRUE);
	t->dirty = true;
}

/* Read the keys already waiting (a paste arrives as thousands) before the
 * next frame, for at most budget_ms. */
static void keys(tui *t, int ch, double budget_ms)
{
	double until = now_ms() + budget_ms;
	for (;;) {
		if (ch == KEY_RESIZE) {
			getmaxyx(stdscr, t->rows, t->cols);
			layout_compute(t);
			/* the terminal may have reflowed the old screen, even at
			 * the same size: redraw every cell, not the difference */
			clearok(curscr, TRUE);
			t->dirty = true;
		} else if (ch == KEY_MOUSE) {
			mouse(t);
		} else if (ch == 26) {
			suspend(t);
		} else {
			key(t, ch);
			sess_script_view v;
			if (sess_script(t->sess, &v) && !t->visible[P_SCRIPT] && t->zoom < 0)
				layout_compute(t);
		}
		if (t->quit || term_signal() || t->playing || now_ms() > until)
			return;
		timeout(0);
		ch = getch();
		if (ch == ERR)
			return;
	}
}

/* Write one frame as DIR/NN.svg and DIR/NN.html; false (said) on failure. */
static bool export_frame(tui *t, const char *dir, int n)
{
	layout_compute(t);
	tui_draw(t);
	rect r = {0, 0, t->rows, t->cols};
	static const char *const ext[] = {"svg", "html"};
	for (int i = 0; i < 2; i++) {
		char path[4200], err[600];
		snprintf(path, sizeof path, "%s/%02d.%s", dir, n, ext[i]);
		if (!tui_export(t, r, path, err, sizeof err)) {
			fprintf(stderr, "heapscope: %s\n", err);
			return false;
		}
		printf("%s\n", path);
	}
	return true;
}

int tui_export_pauses(const tui_opts *o, const char *dir, int cols, int rows)
{
	struct stat st;
	if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
		fprintf(stderr, "heapscope: %s: cannot make the directory: %s\n", dir, strerror(errno));
		return HS_EXIT_OUTPUT;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "heapscope: %s: not a directory\n", dir);
		return HS_EXIT_OUTPUT;
	}
	setlocale(LC_ALL, "");
	tui *t = tui_new(o);
	/* a screen of its own, drawn to nowhere: no terminal is needed */
	FILE *nowhere = fopen("/dev/null", "w+");
	SCREEN *scr = nowhere ? newterm("xterm-256color", nowhere, nowhere) : NULL;
	if (!scr) {
		fprintf(stderr, "heapscope: cannot set up an off-screen terminal (is the xterm-256color description "
				"installed?)\n");
		if (nowhere)
			fclose(nowhere);
		tui_free(t);
		return HS_EXIT_NO_TERMINAL;
	}
	set_term(scr);
	resizeterm(rows, cols);
	curses_start(t);
	t->rows = rows;
	t->cols = cols;
	int status = HS_EXIT_OK, frames = 0;
	if (sess_load(t->sess, o->script) != SESS_OK) {
		status = HS_EXIT_SCRIPT_ERROR;
	} else {
		take_requests(t);
		for (;;) {
			unsigned seen = t->captions;
			sess_step r = sess_step_script(t->sess);
			take_requests(t);
			if (r == SESS_STEP_ERROR) {
				status = HS_EXIT_SCRIPT_ERROR;
				break;
			}
			if ((r == SESS_STEP_PAUSE || t->captions != seen) && !export_frame(t, dir, ++frames)) {
				status = HS_EXIT_OUTPUT;
				break;
			}
			if (r == SESS_STEP_END || r == SESS_STEP_NONE || t->quit)
				break;
		}
	}
	endwin();
	delscreen(scr);
	fclose(nowhere);
	tui_free(t);
	if (status == HS_EXIT_OK && !frames)
		fprintf(stderr, "heapscope: the script has no pause and no say, so no frame was written\n");
	return status;
}

int tui_run(const tui_opts *o)
{
	setlocale(LC_ALL, "");
	tui *t = tui_new(o);
	set_escdelay(25);
	term_signals_install();
	if (!initscr()) {
		fprintf(stderr, "heapscope: cannot initialise the terminal\n");
		tui_free(t);
		return HS_EXIT_NO_TERMINAL;
	}
	term_crash_guard();
	xalloc_on_fatal(term_restore);
	curses_start(t);
	getmaxyx(stdscr, t->rows, t->cols);
	prompt_init(t);
	log_add(t, ROLE_INFO, "Welcome to heapscope: a model of glibc 2.36 malloc in a simulated process.");
	log_add(t, ROLE_INFO, "Try:  p = malloc(24)   q = malloc(100)   free(p)   chunks   bins   help   (F1: keys)");
	if (o->script && sess_load(t->sess, o->script) == SESS_OK)
		log_add(t, ROLE_INFO, "F8 steps one line, F5 continues to the next pause, F6 plays");
	take_requests(t);
	layout_compute(t);
	t->dirty = true;
	double next_play = 0;
	while (!t->quit && !term_signal()) {
		if (term_take_stop())
			suspend(t);
		/* a resize whose SIGWINCH curses missed (a storm of them while a
		 * frame played) would leave the layout at a stale size for good */
		int rows, cols;
		if (term_size(&rows, &cols) && (rows != t->rows || cols != t->cols)) {
			resizeterm(rows, cols);
			getmaxyx(stdscr, t->rows, t->cols);
			layout_compute(t);
			clearok(curscr, TRUE);
			t->dirty = true;
		}
		if (t->dirty) {
			tui_draw(t);
			refresh();
			t->dirty = false;
		}
		int wait = 250;
		if (t->play_started) {
			t->play_started = false;
			next_play = now_ms();
		}
		if (t->playing) {
			double left = next_play - now_ms();
			wait = left < 0 ? 0 : (int)left;
		}
		timeout(wait);
		int ch = getch();
		if (ch == ERR) {
			/* idle: make the next undo cheap (once per position) */
			if (!t->playing)
				eng_prepare_undo(t->eng);
			if (t->playing && now_ms() >= next_play) {
				if (!tui_play_frame(t))
					t->playing = false;
				next_play = now_ms() + t->play_ms;
				t->dirty = true;
			}
			continue;
		}
		keys(t, ch, 30);
	}
	prompt_done(t);
	endwin();
	xalloc_on_fatal(NULL);
	tui_free(t);
	int sig = term_signal();
	return sig ? HS_EXIT_SIGNAL(sig) : HS_EXIT_OK;
}
