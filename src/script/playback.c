/*
 * playback.c - the loaded script: loading, stepping, continuing to a
 * pause, and the record that ties script lines to engine positions.
 *
 * Every loop here is iterative: a command asks for playback by setting
 * s->play while its line runs, and the playback happens after the line has
 * returned, so no recursion grows with a script's length and no script is
 * replaced while one of its lines is running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "internal.h"

bool sess_script(const session *s, sess_script_view *out)
{
	const script *sc = s->scr;
	if (!sc)
		return false;
	out->path = sc->path;
	out->lines = (const char *const *)sc->lines;
	out->n = sc->n;
	out->next = sc->next;
	out->trace = sc->trace;
	return true;
}

uint64_t sess_script_generation(const session *s)
{
	return s->scr_gen;
}

bool sess_continuing(const session *s)
{
	return s->continuing;
}

/* Install a loaded script in place of the current one. */
static void install(session *s, script *sc)
{
	script_free(s->scr);
	s->scr = sc;
	s->scr_gen++;
	s->nsteps = 0;
	s->warned_ctl = false;
}

int sess_load_quiet(session *s, const char *path)
{
	char err[600];
	script *sc = script_load(path, err, sizeof err);
	if (!sc) {
		sess_printf(s, SESS_ERR, "heapscope: %s\n", err);
		return SESS_ERROR;
	}
	install(s, sc);
	return SESS_OK;
}

/* Whether the script's first statement is a tunable. */
static bool starts_with_tunable(const script *sc)
{
	for (size_t i = sc->skip; i < sc->n; i++) {
		if (script_blank_line(sc->lines[i]))
			continue;
		script_lexer lx;
		script_tok t;
		script_lex_init(&lx, sc->lines[i]);
		return script_lex(&lx, &t) && t.type == TOK_IDENT && t.len == 7 &&
		       !memcmp(sc->lines[i] + t.pos, "tunable", 7);
	}
	return false;
}

int sess_load(session *s, const char *path)
{
	if (sess_load_quiet(s, path) != SESS_OK)
		return SESS_ERROR;
	const script *sc = s->scr;
	if (!sc->trace && starts_with_tunable(sc) && eng_heap(s->eng)->initialized) {
		/* its tunables need a process that has not allocated yet */
		eng_op op = {.kind = ENG_RESET, .dst = -1};
		script_set_code(s, "reset", 5);
		script_run_op(s, &op, NULL);
		sess_printf(s, SESS_INFO, "%s starts with tunables, so heapscope started a fresh process for it "
					  "(reset; undo goes back)\n",
			    sc->path);
	}
	sess_printf(s, SESS_INFO,
		    "loaded %s (%zu lines%s): `step` runs one line, `continue` runs to the next pause, `play` plays it\n",
		    sc->path, sc->n, sc->trace ? ", malloc-lab trace" : "");
	return SESS_OK;
}

/* Remember that script line `line` starts at the engine's position. */
static void record_step(session *s, size_t line)
{
	size_t pos = eng_pos(s->eng);
	/* records past this point belong to a history that was undone */
	while (s->nsteps && (s->steps[s->nsteps - 1].pos > pos ||
			     (s->steps[s->nsteps - 1].pos == pos && s->steps[s->nsteps - 1].line >= line)))
		s->nsteps--;
	if (s->nsteps == s->capsteps) {
		s->capsteps = s->capsteps ? 2 * s->capsteps : 256;
		s->steps = xreallocarray(s->steps, s->capsteps, sizeof *s->steps);
	}
	s->steps[s->nsteps++] = (struct sess_steprec){line, pos};
}

void script_sync(session *s)
{
	script *sc = s->scr;
	/* only the person's undo moves the script: a script's own undo would
	 * send playback back over itself forever */
	if (!sc || !s->nsteps || s->from_script)
		return;
	size_t pos = eng_pos(s->eng);
	/* the next line is the first one that ran at or after the new position */
	size_t lo = 0, hi = s->nsteps;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->steps[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	sc->next = lo < s->nsteps ? s->steps[lo].line : s->steps[s->nsteps - 1].line + 1;
}

/* Whether a line is the `pause` marker (`pause` or `pause "text"`); its
 * text, quotes off, goes to text. */
static bool is_pause(const char *line, char *text, size_t cap)
{
	script_lexer lx;
	script_tok t;
	text[0] = 0;
	script_lex_init(&lx, line);
	if (!script_lex(&lx, &t) || t.type != TOK_IDENT || t.len != 5 || memcmp(line + t.pos, "pause", 5))
		return false;
	if (!script_lex(&lx, &t))
		return false;
	if (t.type == TOK_STR) {
		size_t n = t.len - 2 < cap - 1 ? t.len - 2 : cap - 1;
		memcpy(text, line + t.pos + 1, n);
		text[n] = 0;
		if (!script_lex(&lx, &t))
			return false;
	}
	return t.type == TOK_EOF || (t.type == TOK_PUNCT && t.punct == ';');
}

/* The playback a script line asked for: only `load` means something. */
static bool after_script_line(session *s, const char *file, size_t line)
{
	play_kind k = s->play;
	s->play = PLAY_NONE;
	if (k != PLAY_LOAD)
		return true;
	if (++s->chain > SESS_LOAD_CHAIN) {
		script_error(s, file, line, 0, NULL,
			     "more than %d scripts loaded one from another in one run; stopping (does a script load "
			     "itself?)",
			     SESS_LOAD_CHAIN);
		return false;
	}
	char err[600];
	script *sc = script_load(s->play_path, err, sizeof err);
	if (!sc) {
		script_error(s, file, line, 0, NULL, "%s", err);
		return false;
	}
	sess_printf(s, SESS_INFO, "%s:%zu: load: going on with %s (%zu lines)\n", file, line, sc->path, sc->n);
	install(s, sc);
	return true;
}

/* After undo, stepping onto the line that made the next operation of the
 * redo history replays that operation instead of running the line again,
 * so the redo history survives F9 then F8.  True when it did. */
static bool redo_line(session *s, size_t line)
{
	size_t pos = eng_pos(s->eng);
	if (pos >= eng_count(s->eng))
		return false;
	for (size_t k = 0; k + 1 < s->nsteps; k++) {
		if (s->steps[k].line != line || s->steps[k].pos != pos)
			continue;
		/* only a line that made exactly this one operation */
		if (s->steps[k + 1].pos != pos + 1)
			return false;
		eng_result r;
		const char *l = s->scr->lines[line];
		script_set_code(s, l, script_code_len(l));
		if (!eng_redo(s->eng, &r))
			return false;
		s->scr->next = line + 1;
		if (s->fe.op)
			s->fe.op(s->fe.ctx, &r, s->code, r.dst >= 0 ? eng_var_name(s->eng, r.dst) : NULL);
		return true;
	}
	return false;
}

/* Run the next line; a `pause` line ends the call when pause_stops is set
 * and is passed over otherwise. */
static sess_step run_next(session *s, bool pause_stops)
{
	script *sc = s->scr;
	if (!sc)
		return SESS_STEP_NONE;
	for (;;) {
		while (sc->next < sc->n && (sc->next < sc->skip || script_blank_line(sc->lines[sc->next])))
			sc->next++;
		if (sc->next >= sc->n)
			return SESS_STEP_END;
		char text[SESS_REQ_ARG];
		if (!sc->trace && is_pause(sc->lines[sc->next], text, sizeof text)) {
			sc->next++;
			if (text[0])
				script_request(s, SESS_REQ_CAPTION, 0, text, strlen(text));
			if (pause_stops)
				return SESS_STEP_PAUSE;
			continue;
		}
		break;
	}
	size_t i = sc->next++;
	const char *l = sc->lines[i];
	if (sc->nul && sc->nul[i]) {
		script_error(s, sc->path, i + 1, sc->nul[i], l, "unexpected NUL byte (the file is not text)");
		return SESS_STEP_ERROR;
	}
	if (redo_line(s, i))
		return eng_last_result(s->eng) && eng_last_result(s->eng)->status != ALLOC_OK ? SESS_STEP_FAULT
											      : SESS_STEP_OK;
	record_step(s, i);
	s->from_script = true;
	s->play = PLAY_NONE;
	char *path = xstrdup(sc->path); /* the script may be replaced below */
	int rc = sc->trace ? sess_exec_trace(s, l, path, i + 1) : script_exec_line(s, l, path, i + 1);
	s->from_script = false;
	if (!after_script_line(s, path, i + 1))
		rc = SESS_ERROR;
	free(path);
	return rc == SESS_OK ? SESS_STEP_OK : rc == SESS_FAULTED ? SESS_STEP_FAULT : SESS_STEP_ERROR;
}

sess_step sess_step_script(session *s)
{
	return run_next(s, true);
}

static void no_script(session *s)
{
	sess_printf(s, SESS_WARN, "no script is loaded: open one with `heapscope FILE` or `load FILE`\n");
}

static void step_once(session *s)
{
	sess_step r = run_next(s, false);
	if (r == SESS_STEP_NONE)
		no_script(s);
	else if (r == SESS_STEP_END)
		sess_printf(s, SESS_INFO, "end of the script\n");
}

static void run_continue(session *s)
{
	if (!s->scr) {
		no_script(s);
		return;
	}
	size_t lines = 0, ops = eng_count(s->eng);
	sess_step r;
	s->continuing = true;
	for (;;) {
		r = run_next(s, true);
		if (r != SESS_STEP_OK && r != SESS_STEP_FAULT && r != SESS_STEP_ERROR)
			break;
		lines++;
		if (r != SESS_STEP_OK || s->stop)
			break;
	}
	s->continuing = false;
	ops = eng_count(s->eng) - ops;
	const script *sc = s->scr;
	if (r == SESS_STEP_PAUSE)
		sess_printf(s, SESS_INFO, "ran %zu lines (%zu operations); paused at line %zu\n", lines, ops, sc->next);
	else if (r == SESS_STEP_END)
		sess_printf(s, SESS_INFO, "ran %zu lines (%zu operations); end of the script\n", lines, ops);
	else
		sess_printf(s, SESS_INFO, "ran %zu lines (%zu operations); stopped at line %zu\n", lines, ops, sc->next);
}

int sess_exec(session *s, const char *line, const char *file, size_t lineno)
{
	s->play = PLAY_NONE;
	s->stop = false;
	s->chain = 0;
	int rc = script_exec_line(s, line, file, lineno);
	play_kind k = s->play;
	s->play = PLAY_NONE;
	switch (k) {
	case PLAY_STEP:
		step_once(s);
		break;
	case PLAY_CONTINUE:
		run_continue(s);
		break;
	case PLAY_LOAD:
		if (sess_load(s, s->play_path) != SESS_OK)
			rc = SESS_ERROR;
		break;
	case PLAY_NONE:
		break;
	}
	return rc;
}
