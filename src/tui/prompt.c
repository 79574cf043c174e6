/*
 * prompt.c - GNU readline inside ncurses through the callback interface.
 *
 * Readline never touches the terminal: it gets its bytes from a queue that
 * the main loop fills (curses keys translated back to the escape sequences
 * readline binds), it draws through prompt_draw, and its completion list
 * goes to the log.  Completions come from the command table, the variables,
 * the mallopt parameters and the theme names.  History is kept in
 * $XDG_STATE_HOME/heapscope/history (~/.local/state/heapscope/history).
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "heapscope/xalloc.h"
#include "tui_internal.h"

#define PROMPT "heapscope> "

static tui *T;
static unsigned char queue[64];
static int qhead, qtail;
static char *histpath;
static bool history_on, history_warned;

static int q_getc(FILE *f)
{
	(void)f;
	if (qhead == qtail)
		return EOF;
	return queue[qhead++];
}

static int q_avail(void)
{
	return qhead != qtail;
}

static void q_push(const char *bytes, int n)
{
	if (qhead == qtail)
		qhead = qtail = 0;
	for (int i = 0; i < n && qtail < (int)sizeof queue; i++)
		queue[qtail++] = (unsigned char)bytes[i];
}

static void redisplay(void)
{
	if (T)
		T->dirty = true;
}

static void prep_term(int meta)
{
	(void)meta;
}

static void deprep_term(void)
{
}

static void history_save(void);

static void on_line(char *line)
{
	if (!line) {
		T->quit = true; /* Ctrl-D on an empty line */
		return;
	}
	if (*line) {
		add_history(line);
		history_save();
	}
	tui_run_line(T, line);
	free(line);
}

/* completion generators over one list at a time */
static const char *const *gen_list;
static size_t gen_i;
static int gen_kind; /* 0 commands, 1 values (vars, params), 2 themes, 3 tunables */

static char *generator(const char *text, int state)
{
	size_t len = strlen(text);
	if (!state)
		gen_i = 0;
	if (gen_kind == 0) {
		while (gen_i < sess_ncmds) {
			const char *n = sess_cmds[gen_i++].name;
			if (!strncmp(n, text, len))
				return strdup(n);
		}
		return NULL;
	}
	if (gen_kind == 1) {
		engine *e = T->eng;
		while (gen_i < eng_nnames(e)) {
			const char *n = eng_var_name(e, (int32_t)gen_i++);
			if (!strncmp(n, text, len))
				return strdup(n);
		}
		for (const char *n; (n = alloc_mallopt_name_at((unsigned)(gen_i - eng_nnames(e))));) {
			gen_i++;
			if (!strncmp(n, text, len))
				return strdup(n);
		}
		return NULL;
	}
	if (gen_kind == 3) {
		for (const char *n; (n = alloc_tunable_name((int)gen_i));) {
			gen_i++;
			if (!strncmp(n, text, len))
				return strdup(n);
		}
		return NULL;
	}
	while (gen_list && gen_list[gen_i]) {
		const char *n = gen_list[gen_i++];
		if (!strncmp(n, text, len))
			return strdup(n);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = ' ';
	int s = 0;
	while (s < start && (rl_line_buffer[s] == ' ' || rl_line_buffer[s] == '\t'))
		s++;
	if (s == start) {
		gen_kind = 0;
		return rl_completion_matches(text, generator);
	}
	if (!strncmp(rl_line_buffer + s, "theme", 5)) {
		gen_kind = 2;
		gen_list = theme_names();
		return rl_completion_matches(text, generator);
	}
	if (!strncmp(rl_line_buffer + s, "load", 4)) {
		rl_attempted_completion_over = 0; /* file names */
		return NULL;
	}
	if (!strncmp(rl_line_buffer + s, "tunable", 7)) {
		gen_kind = 3;
		return rl_completion_matches(text, generator);
	}
	if (!strncmp(rl_line_buffer + s, "help", 4)) {
		gen_kind = 0;
		return rl_completion_matches(text, generator);
	}
	gen_kind = 1;
	rl_completion_append_character = '\0'; /* a value is followed by , or ) */
	return rl_completion_matches(text, generator);
}

static void show_matches(char **matches, int n, int maxlen)
{
	(void)maxlen;
	char buf[1024];
	size_t o = 0;
	for (int i = 1; i <= n && o + 2 < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s  ", matches[i]);
	log_add(T, ROLE_INFO, buf);
}

/* The history file: $XDG_STATE_HOME/heapscope/history, else
 * ~/.local/state/heapscope/history; its directory is made if missing.
 * NULL (with a reason in why) when there is none to be had. */
static char *history_path(char *why, size_t n)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir;
	if (state && *state) {
		dir = xmalloc(strlen(state) + 16);
		sprintf(dir, "%s/heapscope", state);
	} else if (home && *home) {
		dir = xmalloc(strlen(home) + 32);
		sprintf(dir, "%s/.local/state/heapscope", home);
	} else {
		snprintf(why, n, "neither XDG_STATE_HOME nor HOME is set");
		return NULL;
	}
	/* mkdir -p */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0700);
			*p = '/';
		}
	struct stat st;
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK | X_OK) != 0) {
		snprintf(why, n, "%.400s is not a writable directory", dir);
		free(dir);
		return NULL;
	}
	char *path = xmalloc(strlen(dir) + 16);
	sprintf(path, "%s/history", dir);
	free(dir);
	return path;
}

/* Read the history without following a symlink planted in its place. */
static void history_read(void)
{
	int fd = open(histpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (len)
			add_history(line);
	}
	free(line);
	fclose(f);
}

/* Write the history atomically: a fresh file beside it, then rename, so a
 * crash never truncates it and a symlink in its place is replaced, never
 * followed.  Says once in the log when it cannot. */
static void history_save(void)
{
	if (!history_on)
		return;
	size_t n = strlen(histpath) + 32;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.%ld.tmp", histpath, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0;
	if (ok) {
		HIST_ENTRY **h = history_list();
		for (int i = 0; h && h[i] && ok; i++) {
			size_t len = strlen(h[i]->line);
			ok = write(fd, h[i]->line, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
		}
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp, histpath) == 0;
		if (!ok)
			unlink(tmp);
	}
	if (!ok && !history_warned) {
		char m[600];
		snprintf(m, sizeof m, "warning: the history cannot be saved to %.500s: %s", histpath, strerror(errno));
		log_add(T, ROLE_WARN, m);
		history_warned = true;
	}
	free(tmp);
}

static void history_setup(void)
{
	char why[500];
	histpath = history_path(why, sizeof why);
	if (!histpath) {
		char m[600];
		snprintf(m, sizeof m, "warning: the history will not be saved: %s", why);
		log_add(T, ROLE_WARN, m);
		return;
	}
	history_on = true;
	history_read();
}

void prompt_init(tui *t)
{
	T = t;
	rl_readline_name = "heapscope";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = prep_term;
	rl_deprep_term_function = deprep_term;
	rl_getc_function = q_getc;
	rl_input_available_hook = q_avail;
	rl_redisplay_function = redisplay;
	rl_outstream = fopen("/dev/null", "w");
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	rl_completion_query_items = 1000;
	using_history();
	stifle_history(1000);
	history_setup();
	rl_callback_handler_install(PROMPT, on_line);
	/* after the inputrc (read by the install above): every byte reaches
	 * the line as typed, so the lexer can name one that is not text; in
	 * the C locale readline's defaults would turn 0xff into Meta-DEL (a
	 * word deleted) or drop its high bit */
	rl_variable_bind("input-meta", "on");
	rl_variable_bind("convert-meta", "off");
}

void prompt_done(tui *t)
{
	(void)t;
	rl_callback_handler_remove();
	free(histpath);
	histpath = NULL;
	history_on = false;
	clear_history();
	if (rl_outstream)
		fclose(rl_outstream);
	rl_outstream = NULL;
	T = NULL;
}

void prompt_key(tui *t, int ch)
{
	(void)t;
	const char *seq = NULL;
	char b[2] = {0, 0};
	switch (ch) {
	case KEY_UP: seq = "\033[A"; break;
	case KEY_DOWN: seq = "\033[B"; break;
	case KEY_RIGHT: seq = "\033[C"; break;
	case KEY_LEFT: seq = "\033[D"; break;
	case KEY_HOME: seq = "\001"; break; /* C-a */
	case KEY_END: seq = "\005"; break; /* C-e */
	case KEY_DC: seq = "\004"; break; /* C-d deletes under the cursor */
	case KEY_BACKSPACE:
	case 8: seq = "\177"; break;
	case KEY_ENTER:
	case '\r': seq = "\n"; break;
	default:
		if (ch < 0 || ch > 255)
			return; /* other function keys mean nothing to readline */
		b[0] = (char)ch;
		seq = b;
		q_push(seq, 1);
		seq = NULL;
	}
	if (seq)
		q_push(seq, (int)strlen(seq));
	while (q_avail())
		rl_callback_read_char();
}

void prompt_cancel(tui *t)
{
	(void)t;
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
	rl_done = 0;
	qhead = qtail = 0;
}

bool prompt_empty(void)
{
	return !rl_line_buffer || rl_end == 0;
}

void prompt_draw(tui *t)
{
	int y = t->rows - 1, w = t->cols;
	ui_fill(y, 0, w, ROLE_NORMAL);
	int c = ui_put(y, 0, w, t->focus < 0 ? ROLE_PROMPT : ROLE_DIM, PROMPT);
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	int room = w - c - 1;
	int point = rl_point;
	int start = point > room ? point - room : 0;
	ui_put(y, c, room + 1, ROLE_NORMAL, line + start);
	if (t->focus < 0 && !t->help)
		move(y, c + point - start);
}
