/*
 * session.h - the script language and the commands, over an engine.
 *
 * One parser serves the REPL, script files and batch mode.  A line is
 * parsed and run at once (so variables are read at the moment it runs):
 *   p = malloc(24);   free(p);   q = calloc(4, 8);   p = realloc(p, 100);
 *   malloc 24         free p     *(p - 8) = 0x91     memset(p, 0x41, 16)
 *   malloc_trim(0);   mallopt(M_MMAP_THRESHOLD, 65536);   chunks   bins
 * and malloc-lab traces (`a ID SIZE`, `f ID`, `r ID SIZE`) whose ids become
 * variables named by the number (written `$7` in the C-like language).
 *
 * Output goes through the frontend's callbacks; the session never prints.
 * Every command is one row of sess_cmds: the parser's verbs, `help`'s text
 * and the REPL's completions all come from that table.
 */
#ifndef HEAPSCOPE_SESSION_H
#define HEAPSCOPE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "heapscope/engine.h"
#include "heapscope/heapview.h"

/* What a printed text is, so frontends can colour or route it. */
typedef enum sess_out {
	SESS_OUT, /* command output */
	SESS_INFO, /* notes */
	SESS_WARN,
	SESS_ERR, /* the user's mistake */
	SESS_FAULT, /* the simulated program aborted or crashed */
	SESS_SYSCALL,
} sess_out;

/* Result of running one line. */
enum { SESS_OK = 0, SESS_ERROR = 1, SESS_QUIT = 2, SESS_FAULTED = 3 };

/* Commands only a frontend can carry out. */
typedef enum sess_ui {
	UI_STEP,
	UI_CONTINUE,
	UI_PLAY,
	UI_THEME,
	UI_CLEAR,
	UI_QUIT,
	UI_LOAD,
} sess_ui;

typedef struct session session;

typedef struct sess_frontend {
	void *ctx;
	void (*print)(void *ctx, int kind, const char *text);
	/* after every operation: text is the statement, id the variable */
	void (*op)(void *ctx, const eng_result *r, const char *text, const char *id);
	/* frontend commands; return SESS_OK/SESS_ERROR, or -1 if unsupported */
	int (*ui)(void *ctx, int cmd, const char *args);
} sess_frontend;

/* A loaded script or trace. */
typedef struct script {
	char *path;
	char **lines;
	size_t n;
	size_t next; /* index of the next line to run */
	bool trace; /* malloc-lab dialect */
	size_t skip; /* header lines at the start of a trace */
} script;

struct session {
	engine *eng;
	sess_frontend fe;
	script *scr;
	unsigned autoname;
	bool keep_going;
	heapview view;
	uint64_t view_gen;
	bool view_ok;
	const char *curline; /* the line being run, for error carets */
};

typedef struct sess_cmd {
	const char *name;
	const char *args; /* usage after the name */
	const char *help;
	int (*run)(session *s, const char *args, const char *file, size_t line, size_t col);
} sess_cmd;

extern const sess_cmd sess_cmds[];
extern const size_t sess_ncmds;
/* mallopt parameter names, NULL-terminated, for completion */
extern const char *const sess_params[];

/* A session over an engine (not owned). */
session *sess_new(engine *e, const sess_frontend *fe);
/* Release the session and its loaded script. */
void sess_free(session *s);
/* Run one line of the C-like language or a command; file may be NULL. */
int sess_exec(session *s, const char *line, const char *file, size_t lineno);
/* Run one line of a malloc-lab trace. */
int sess_exec_trace(session *s, const char *line, const char *file, size_t lineno);
/* Load a script or trace file; NULL with a message in err. "-" is stdin. */
script *script_load(const char *path, char *err, size_t errlen);
/* Release a script. */
void script_free(script *sc);
/* Warnings about a trace header that disagrees with the file. */
void script_check_header(const script *sc, void (*warn)(void *, const char *), void *ctx);
/* Run the next line of the loaded script; SESS_QUIT when none is left. */
int sess_step(session *s);
/* The heap snapshot for the current state, rebuilt only after changes. */
const heapview *sess_view(session *s);
/* Find a command row by name (or unique prefix when prefix is set). */
const sess_cmd *sess_find_cmd(const char *name);
/* Print through the frontend with printf formatting. */
void sess_printf(session *s, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
