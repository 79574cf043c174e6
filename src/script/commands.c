/*
 * commands.c - the command table: one row per command gives the parser its
 * verb, `help` its text and the REPL its completions.  Rows without a run
 * function are allocator calls that the parser handles as statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "internal.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* Split off the next whitespace-separated word of args into w. */
static const char *word(const char *args, char *w, size_t n)
{
	args = skip_ws(args);
	size_t k = 0;
	while (*args && *args != ' ' && *args != '\t' && *args != '\r' && *args != ';') {
		if (*args == '#' || (*args == '/' && args[1] == '/'))
			break;
		if (k + 1 < n)
			w[k++] = *args;
		args++;
	}
	w[k] = 0;
	return args;
}

static bool no_args(session *s, const char *args, const char *file, size_t line, size_t col, const char *cmd)
{
	char w[64];
	const char *rest = word(args, w, sizeof w);
	(void)rest;
	if (w[0]) {
		script_error(s, file, line, col + (size_t)(skip_ws(args) - args), NULL, "%s takes no arguments", cmd);
		return false;
	}
	return true;
}

static void emit(session *s, sbuf *b)
{
	if (b->n)
		sess_printf(s, SESS_OUT, "%s", b->s);
	sb_free(b);
}

static int cmd_help(session *s, const char *args, const char *file, size_t line, size_t col)
{
	char w[64];
	word(args, w, sizeof w);
	sbuf b = {0};
	(void)file, (void)line, (void)col;
	if (w[0]) {
		const sess_cmd *c = sess_find_cmd(w);
		if (!c) {
			script_error(s, file, line, col, NULL, "no command named '%s' (type 'help' for the list)", w);
			return SESS_ERROR;
		}
		sb_printf(&b, "%s %s\n  %s\n", c->name, c->args, c->help);
		emit(s, &b);
		return SESS_OK;
	}
	sb_printf(&b, "Statements: p = malloc(24); free(p); q = calloc(4, 8); p = realloc(p, 100);\n"
		      "  *(p - 8) = 0x91 stores a word; short forms: malloc 24, free p; numbers in decimal or 0x hex.\n"
		      "Commands:\n");
	for (size_t i = 0; i < sess_ncmds; i++)
		sb_printf(&b, "  %-18s %-16s %s\n", sess_cmds[i].name, sess_cmds[i].args, sess_cmds[i].help);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_chunks(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "chunks"))
		return SESS_ERROR;
	sbuf b = {0};
	report_chunks(&b, s->eng, sess_view(s));
	emit(s, &b);
	return SESS_OK;
}

static int cmd_bins(session *s, const char *args, const char *file, size_t line, size_t col)
{
	bool all = false, raw = false;
	char w[64];
	const char *a = args;
	for (;;) {
		const char *at = skip_ws(a);
		a = word(a, w, sizeof w);
		if (!w[0])
			break;
		if (!strcmp(w, "all"))
			all = true;
		else if (!strcmp(w, "raw"))
			raw = true;
		else {
			script_error(s, file, line, col + (size_t)(at - args), NULL, "bins takes 'all' and/or 'raw', not '%s'",
				     w);
			return SESS_ERROR;
		}
	}
	sbuf b = {0};
	report_bins(&b, s->eng, sess_view(s), all, raw);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_maps(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "maps"))
		return SESS_ERROR;
	sbuf b = {0};
	report_maps(&b, s->eng->heap);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_stats(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "stats"))
		return SESS_ERROR;
	sbuf b = {0};
	report_stats(&b, s->eng->heap);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_check(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "check"))
		return SESS_ERROR;
	char msg[256];
	if (hv_check(s->eng->heap, msg, sizeof msg) == 0)
		sess_printf(s, SESS_OUT, "heap is consistent\n");
	else
		sess_printf(s, SESS_WARN, "heap check: %s\n", msg);
	return SESS_OK;
}

static int cmd_vars(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "vars"))
		return SESS_ERROR;
	engine *e = s->eng;
	const heapview *v = sess_view(s);
	sbuf b = {0};
	for (uint32_t i = 0; i < e->nnames; i++) {
		uint64_t val;
		if (!eng_var_get(e, (int32_t)i, &val)) {
			sb_printf(&b, "  %-10s (no value)\n", e->names[i]);
			continue;
		}
		long k = val ? hv_find(v, val) : -1;
		sb_printf(&b, "  %-10s 0x%llx", e->names[i], (unsigned long long)val);
		if (k >= 0)
			sb_printf(&b, "  in chunk 0x%llx (%s)", (unsigned long long)v->chunks[k].addr,
				  alloc_bin_name(v->chunks[k].state));
		sb_printf(&b, "\n");
	}
	if (!e->nnames)
		sb_printf(&b, "no variables yet\n");
	emit(s, &b);
	return SESS_OK;
}

static int cmd_hexdump(session *s, const char *args, const char *file, size_t line, size_t col)
{
	/* hexdump EXPR [N]: the count is the last word when there are two */
	char buf[512];
	const char *a = skip_ws(args);
	size_t len = strcspn(a, "#;");
	if (len >= sizeof buf) {
		script_error(s, file, line, col, NULL, "hexdump arguments are too long");
		return SESS_ERROR;
	}
	memcpy(buf, a, len);
	buf[len] = 0;
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	if (!len) {
		script_error(s, file, line, col, NULL, "usage: hexdump ADDRESS [BYTES]");
		return SESS_ERROR;
	}
	uint64_t addr, n = 64;
	char *sp = strrchr(buf, ' ');
	size_t acol = col + (size_t)(a - args);
	if (sp && strspn(sp + 1, "0123456789xabcdefABCDEF") == strlen(sp + 1) && !strchr(buf, ',')) {
		/* "p 32": split; "p + 32" keeps the operator so it is not split */
		char *q = sp;
		while (q > buf && q[-1] == ' ')
			q--;
		if (q > buf && !strchr("+-*/%(", q[-1])) {
			*sp = 0;
			if (!script_eval(s, sp + 1, &n, file, line, acol + (size_t)(sp + 1 - buf)))
				return SESS_ERROR;
		}
	}
	if (!script_eval(s, buf, &addr, file, line, acol))
		return SESS_ERROR;
	if (n > 65536) {
		script_error(s, file, line, col, NULL, "hexdump shows at most 65536 bytes");
		return SESS_ERROR;
	}
	sbuf b = {0};
	report_hexdump(&b, s->eng->heap, addr, n);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_events(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "explain"))
		return SESS_ERROR;
	engine *e = s->eng;
	sbuf b = {0};
	uint32_t n;
	const alloc_ev *ev = eng_last_events(e, &n);
	if (!n)
		sb_printf(&b, "the last operation recorded no allocator events\n");
	for (uint32_t i = 0; i < n; i++) {
		sb_printf(&b, "  ");
		report_event(&b, e->heap, &ev[i]);
		sb_printf(&b, "\n");
	}
	emit(s, &b);
	return SESS_OK;
}

static int cmd_undo(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "undo"))
		return SESS_ERROR;
	if (!eng_undo(s->eng)) {
		sess_printf(s, SESS_WARN, "nothing to undo\n");
		return SESS_OK;
	}
	sess_printf(s, SESS_INFO, "undone: now after operation %zu of %zu\n", s->eng->pos, eng_count(s->eng));
	return SESS_OK;
}

static int cmd_redo(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "redo"))
		return SESS_ERROR;
	eng_result r;
	if (!eng_redo(s->eng, &r)) {
		sess_printf(s, SESS_WARN, "nothing to redo\n");
		return SESS_OK;
	}
	sess_printf(s, SESS_INFO, "redone operation %llu (%s): now after %zu of %zu\n", (unsigned long long)r.seq,
		    eng_op_name(r.kind), s->eng->pos, eng_count(s->eng));
	return SESS_OK;
}

static int cmd_goto(session *s, const char *args, const char *file, size_t line, size_t col)
{
	uint64_t n;
	if (!*skip_ws(args)) {
		script_error(s, file, line, col, NULL, "usage: goto N (0 = before the first operation)");
		return SESS_ERROR;
	}
	if (!script_eval(s, args, &n, file, line, col))
		return SESS_ERROR;
	if (n > eng_count(s->eng)) {
		script_error(s, file, line, col, NULL, "there are only %zu operations", eng_count(s->eng));
		return SESS_ERROR;
	}
	eng_goto(s->eng, (size_t)n);
	sess_printf(s, SESS_INFO, "now after operation %zu of %zu\n", s->eng->pos, eng_count(s->eng));
	return SESS_OK;
}

static const char *const tunables[] = {"tcache_count", "tcache_max", "tcache_unsorted_limit", "mxfast", "top_pad",
				       "mmap_threshold", "trim_threshold", "mmap_max", "perturb"};

static int cmd_tunable(session *s, const char *args, const char *file, size_t line, size_t col)
{
	char name[64];
	const char *rest = word(args, name, sizeof name);
	size_t i;
	for (i = 0; i < sizeof tunables / sizeof *tunables; i++)
		if (!strcmp(name, tunables[i]))
			break;
	if (i == sizeof tunables / sizeof *tunables) {
		script_error(s, file, line, col, NULL,
			     "usage: tunable NAME VALUE, NAME one of tcache_count tcache_max tcache_unsorted_limit "
			     "mxfast top_pad mmap_threshold trim_threshold mmap_max perturb");
		return SESS_ERROR;
	}
	uint64_t v;
	if (!*skip_ws(rest)) {
		script_error(s, file, line, col, NULL, "tunable %s needs a value", name);
		return SESS_ERROR;
	}
	if (!script_eval(s, rest, &v, file, line, col + (size_t)(rest - args)))
		return SESS_ERROR;
	if (s->eng->heap->initialized) {
		script_error(s, file, line, col, NULL,
			     "tunables apply when the process starts, before the first allocator call; "
			     "put them at the top of the script");
		return SESS_ERROR;
	}
	alloc probe = *s->eng->heap; /* validate without touching the state */
	probe.mem = NULL;
	int rc = alloc_tunable(&probe, name, v);
	if (rc != 0) {
		script_error(s, file, line, col, NULL, "value %llu is out of range for %s", (unsigned long long)v, name);
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_TUNABLE, .dst = -1, .x = i, .y = v};
	return script_run_op(s, &op, s->curline ? s->curline : "tunable", NULL);
}

static int ui(session *s, int cmd, const char *args, const char *file, size_t line, size_t col, const char *name)
{
	int rc = s->fe.ui ? s->fe.ui(s->fe.ctx, cmd, args) : -1;
	if (rc < 0) {
		script_error(s, file, line, col, NULL, "'%s' works only in the interactive TUI", name);
		return SESS_ERROR;
	}
	return rc;
}

#define UI_CMD(fn, id, nm)                                                                  \
	static int fn(session *s, const char *args, const char *file, size_t line, size_t col) \
	{                                                                                   \
		return ui(s, id, args, file, line, col, nm);                                \
	}
UI_CMD(cmd_step, UI_STEP, "step")
UI_CMD(cmd_continue, UI_CONTINUE, "continue")
UI_CMD(cmd_play, UI_PLAY, "play")
UI_CMD(cmd_theme, UI_THEME, "theme")
UI_CMD(cmd_clear, UI_CLEAR, "clear")
UI_CMD(cmd_load, UI_LOAD, "load")

static int cmd_pause(session *s, const char *args, const char *file, size_t line, size_t col)
{
	/* a marker for `continue` and `play`; running it does nothing */
	(void)s, (void)args, (void)file, (void)line, (void)col;
	return SESS_OK;
}

static int cmd_quit(session *s, const char *args, const char *file, size_t line, size_t col)
{
	if (!no_args(s, args, file, line, col, "quit"))
		return SESS_ERROR;
	if (s->fe.ui)
		s->fe.ui(s->fe.ctx, UI_QUIT, args);
	return SESS_QUIT;
}

const sess_cmd sess_cmds[] = {
	{"malloc", "SIZE", "p = malloc(n): allocate n bytes", NULL},
	{"free", "PTR", "free(p): release a block (p + 16 and other pointers reach glibc's checks)", NULL},
	{"calloc", "N SIZE", "q = calloc(n, size): allocate n*size zeroed bytes", NULL},
	{"realloc", "PTR SIZE", "p = realloc(p, n): resize in place or move", NULL},
	{"malloc_trim", "PAD", "malloc_trim(pad): consolidate and give free top memory back", NULL},
	{"mallopt", "PARAM VALUE", "mallopt(M_MMAP_THRESHOLD, 65536) and the other M_ parameters", NULL},
	{"malloc_usable_size", "PTR", "bytes the program may use in the block", NULL},
	{"memset", "PTR BYTE N", "memset(p, 0x41, 16): the program writes bytes", NULL},
	{"strcpy", "PTR \"TEXT\"", "strcpy(p, \"hi\"): the program writes a string", NULL},
	{"tunable", "NAME VALUE", "GLIBC_TUNABLES setting (tcache_count, tcache_max, ...); start of script only",
	 cmd_tunable},
	{"chunks", "", "list every chunk of the heap in address order", cmd_chunks},
	{"bins", "[all] [raw]", "show tcache, fastbins, unsorted, small and large bins", cmd_bins},
	{"maps", "", "the process's mappings, like /proc/PID/maps", cmd_maps},
	{"hexdump", "ADDR [N]", "dump N bytes (default 64) of simulated memory", cmd_hexdump},
	{"stats", "", "malloc_stats() and mallinfo2() figures", cmd_stats},
	{"vars", "", "variables and the chunks they point into", cmd_vars},
	{"explain", "", "everything the allocator did in the last operation", cmd_events},
	{"check", "", "verify every heap invariant", cmd_check},
	{"undo", "", "go back one operation", cmd_undo},
	{"redo", "", "run the next operation again", cmd_redo},
	{"goto", "N", "rewind or advance to just after operation N", cmd_goto},
	{"load", "FILE", "load a script or trace to step through", cmd_load},
	{"step", "", "run the next line of the loaded script", cmd_step},
	{"continue", "", "run the loaded script to its end", cmd_continue},
	{"play", "[DELAY]", "run the script line by line, DELAY seconds apart (a key stops)", cmd_play},
	{"pause", "", "in a script: `continue` and `play` stop here", cmd_pause},
	{"theme", "NAME|PATH", "switch colours: default light classroom colorblind mono", cmd_theme},
	{"clear", "", "clear the log pane", cmd_clear},
	{"help", "[CMD]", "list commands, or explain one", cmd_help},
	{"quit", "", "leave heapscope (also Ctrl-D)", cmd_quit},
	{"exit", "", "leave heapscope", cmd_quit},
};
const size_t sess_ncmds = sizeof sess_cmds / sizeof *sess_cmds;

const sess_cmd *sess_find_cmd(const char *name)
{
	for (size_t i = 0; i < sess_ncmds; i++)
		if (!strcmp(sess_cmds[i].name, name))
			return &sess_cmds[i];
	return NULL;
}
