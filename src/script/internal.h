/*
 * internal.h - shared by the script layer's files: the session's state, the
 * loaded script, the lexer, error reporting with file:line:col, and running
 * one operation.
 *
 * Invariants: requests[] holds at most one pending request of each kind
 * (a newer one replaces an older one of its kind, so a million `clear`
 * lines cost one slot); steps[] is sorted by engine position and names
 * lines of the loaded script only (it is emptied when a script is loaded).
 */
#ifndef HEAPSCOPE_SCRIPT_INTERNAL_H
#define HEAPSCOPE_SCRIPT_INTERNAL_H

#include "heapscope/session.h"

/* A loaded script or trace. */
typedef struct script {
	char *path;
	char **lines;
	size_t *nul; /* 1-based column of a NUL byte in each line, 0 if none */
	size_t n;
	size_t next; /* index of the next line to run */
	bool trace; /* malloc-lab dialect */
	size_t skip; /* header lines at the start of a trace */
} script;

/* What the person asked the session itself to do after a line. */
typedef enum play_kind { PLAY_NONE, PLAY_STEP, PLAY_CONTINUE, PLAY_LOAD } play_kind;

struct session {
	engine *eng;
	sess_frontend fe;
	script *scr;
	uint64_t scr_gen;
	unsigned autoname;
	heapview view;
	uint64_t view_gen;
	bool view_ok;
	unsigned arena_shown; /* the arena the snapshot (panes, chunks, bins) shows */
	alloc *view_of; /* a copy-on-write clone of the state the snapshot shows */
	const char *curline; /* the line being run, for error carets */
	char *code; /* the running statement without its comment */
	size_t codecap;
	/* requests for the frontend, oldest first */
	sess_req *reqs[SESS_REQ_COUNT];
	int nreqs;
	/* playback asked for by the line that just ran */
	play_kind play;
	char *play_path;
	bool from_script; /* the line running is a script's */
	bool warned_ctl; /* said once that step/continue/play do nothing in a script */
	bool continuing;
	bool stop; /* quit was requested: playback stops */
	unsigned chain; /* loads from scripts in this playback */
	struct sess_steprec {
		size_t line, pos;
	} *steps;
	size_t nsteps, capsteps;
};

/* Report a user error at a position of a line (col is 1-based, 0 = none). */
void script_error(session *s, const char *file, size_t line, size_t col, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Set the statement text that operations report (the code of a line). */
bool script_set_code(session *s, const char *code, size_t n);
/* Run an engine operation, report it, return SESS_OK or SESS_FAULTED. */
int script_run_op(session *s, eng_op *op, const char *id);
/* A tN: prefix (commands.c): thread n makes the call that follows. */
int script_thread_prefix(session *s, uint64_t n, const char *file, size_t line, size_t col);
/* Next automatic variable name ("p1", "p2", ...) not yet in use. */
int32_t script_autoname(session *s);
/* Queue a request for the frontend (replacing a pending one of its kind). */
void script_request(session *s, sess_req_kind kind, double delay, const char *arg, size_t len);
/* Parse and run one line (no playback); the parser proper. */
int script_exec_line(session *s, const char *line, const char *file, size_t lineno);
/* Move the script's next line to match the engine after undo/redo/goto. */
void script_sync(session *s);
/* Load a script file; NULL with a message in err. */
script *script_load(const char *path, char *err, size_t errlen);
/* Release a script. */
void script_free(script *sc);

/* --- the lexer (lex.c) --- */
enum { TOK_EOF, TOK_IDENT, TOK_NUM, TOK_STR, TOK_PUNCT, TOK_WORD };

typedef struct script_tok {
	int type;
	size_t pos, len; /* where in the line */
	uint64_t num;
	char punct; /* 'L' and 'R' stand for << and >> */
} script_tok;

typedef struct script_lexer {
	const char *text;
	size_t len; /* of the code: the line without its comment */
	size_t pos;
	char msg[300];
	size_t errpos;
} script_lexer;

/* Length of the code part of a line: before its comment, trailing blanks
 * dropped.  The one place that knows what a comment is. */
size_t script_code_len(const char *line);
/* Whether a line holds no code (blank or only a comment). */
bool script_blank_line(const char *line);
/* Start lexing a line (its code part only). */
void script_lex_init(script_lexer *lx, const char *text);
/* The next token; false with msg and errpos set on a lexical error. */
bool script_lex(script_lexer *lx, script_tok *t);
/* The next word (a name or a path: non-blank characters or "quoted"). */
bool script_lex_word(script_lexer *lx, script_tok *t);

#endif
