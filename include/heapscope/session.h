/*
 * session.h - the script language, the commands and script playback, over
 * an engine.  The session is the single boundary between the model and a
 * frontend (the TUI or batch mode).
 *
 * One parser serves the REPL, script files and batch mode.  A line is
 * parsed and run at once (so variables are read at the moment it runs):
 *   p = malloc(24);   free(p);   q = calloc(4, 8);   p = realloc(p, 100);
 *   malloc 24         free p     *(p - 8) = 0x91     memset(p, 0x41, 16)
 *   malloc_trim(0);   mallopt(M_MMAP_THRESHOLD, 65536);   chunks   bins
 * and malloc-lab traces (`a ID SIZE`, `f ID`, `r ID SIZE`) whose ids become
 * variables named by the number (written `$7` in the C-like language).
 *
 * The session owns the loaded script, its cursor, step/continue/pause and
 * the record that links script lines to operations, so undo, redo and goto
 * move the script with the heap.  It never calls into the frontend while a
 * line runs, except to hand over output (print, op).  What only a frontend
 * can do (play with a delay, switch themes, clear its log, quit) becomes a
 * request that the frontend takes with sess_take_request after the call
 * returns, as tmux queues commands instead of re-entering its parser.
 *
 * In a script, `step`, `continue` and `play` do nothing (they are the
 * person's controls, not the script's; heapscope says so once), and
 * `load FILE` replaces the loaded script once the line has run: playback
 * goes on with FILE's first line, over the same process.  A chain of more
 * than SESS_LOAD_CHAIN loads from scripts in one playback stops with an
 * error, so a script that loads itself cannot run forever.
 */
#ifndef HEAPSCOPE_SESSION_H
#define HEAPSCOPE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "heapscope/engine.h"
#include "heapscope/heapview.h"

#define SESS_LOAD_CHAIN 64
/* the longest line a script may have (1 MiB) */
#define SESS_MAX_LINE (1u << 20)
/* the deepest nesting of parentheses and unary operators in an expression */
#define SESS_MAX_NESTING 256

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
enum { SESS_OK = 0, SESS_ERROR = 1, SESS_FAULTED = 3 };

/* Result of running the loaded script's next line. */
typedef enum sess_step {
	SESS_STEP_OK, /* a line ran */
	SESS_STEP_ERROR, /* a line had a script error */
	SESS_STEP_FAULT, /* the simulated program aborted or crashed */
	SESS_STEP_PAUSE, /* the next line was `pause`; it is consumed */
	SESS_STEP_END, /* no line is left */
	SESS_STEP_NONE, /* no script is loaded */
} sess_step;

/* What a frontend is asked to do after a call returns. */
typedef enum sess_req_kind {
	SESS_REQ_PLAY, /* play the script, delay seconds between lines */
	SESS_REQ_THEME, /* switch colours to arg (empty: list the themes) */
	SESS_REQ_CLEAR, /* clear the log */
	SESS_REQ_QUIT, /* leave */
	SESS_REQ_CAPTION, /* show arg as the caption until the next one (say, pause "text") */
	SESS_REQ_TITLE, /* name the scene arg (title) */
	SESS_REQ_EXPORT, /* write the screen, or a pane, to a file: arg is "PANE\tFILE" */
	SESS_REQ_COMPARE, /* run allocator arg beside the session's in a second pane ("off": stop) */
	SESS_REQ_COUNT
} sess_req_kind;

#define SESS_REQ_ARG 4096

typedef struct sess_req {
	sess_req_kind kind;
	double delay;
	char arg[SESS_REQ_ARG];
} sess_req;

typedef struct session session;

typedef struct sess_frontend {
	void *ctx;
	void (*print)(void *ctx, int kind, const char *text);
	/* after every operation: text is the statement as logs show it (no
	 * comment, no trailing ';', a short form with the name its result got:
	 * "p1 = malloc 24"), id the variable it sets or names */
	void (*op)(void *ctx, const eng_result *r, const char *text, const char *id);
	/* whether `allocator ./mm.c` may compile and run a program (not in
	 * the fuzzers and unit tests) */
	bool run_programs;
	int limit_ms; /* how long one call of a student's allocator may run (0: 2000) */
	bool quiet_programs; /* what such a program prints is dropped (the TUI's terminal) */
} sess_frontend;

/* A read-only view of the loaded script, for drawing. */
typedef struct sess_script_view {
	const char *path;
	const char *const *lines;
	size_t n;
	size_t next; /* index of the next line to run */
	bool trace; /* malloc-lab dialect */
} sess_script_view;

/* Argument kinds of a command (its `args` specification, one letter each;
 * lower case = optional, a trailing '*' repeats the last one):
 *   E expression   W word (a name)   P path (a word, or "quoted")
 *   N decimal number (may have a fraction)   S string literal
 *   A the address of a variable the call writes to (&name) */
typedef struct sess_arg {
	char kind; /* the specification letter, upper case */
	uint64_t num; /* E */
	double real; /* N */
	const char *text; /* W, P, S: into the line, len bytes (S: with quotes);
			   * E: the variable's name when the expression is one */
	size_t len;
	size_t col; /* 1-based column in the line */
} sess_arg;

#define SESS_MAX_ARGS 16

typedef struct sess_args {
	int n;
	sess_arg v[SESS_MAX_ARGS];
	const char *file; /* where the line came from, or NULL */
	size_t line;
	size_t col; /* of the command name */
} sess_args;

typedef struct sess_cmd {
	const char *name;
	const char *spec; /* argument specification */
	int op; /* eng_opkind of an allocator verb, or -1 */
	bool fn; /* a C function: name(args) as well as name args */
	bool yields; /* returns a value that can be assigned (p = malloc(24)) */
	const char *usage; /* arguments as help shows them */
	const char *help; /* one line */
	const char *example;
	int (*run)(session *s, const sess_args *a);
} sess_cmd;

extern const sess_cmd sess_cmds[];
extern const size_t sess_ncmds;

/* A session over an engine (not owned). */
session *sess_new(engine *e, const sess_frontend *fe);
/* Release the session and its loaded script. */
void sess_free(session *s);
/* The engine the session drives. */
engine *sess_engine(const session *s);
/* Run one line of the C-like language or a command, then the playback it
 * asked for (step, continue, load); file may be NULL. */
int sess_exec(session *s, const char *line, const char *file, size_t lineno);
/* Run one line of a malloc-lab trace. */
int sess_exec_trace(session *s, const char *line, const char *file, size_t lineno);
/* Load a script or trace file ("-" is stdin) as the one to step through;
 * reports the result through print.  SESS_OK or SESS_ERROR. */
int sess_load(session *s, const char *path);
/* The same without the note that says what was loaded. */
int sess_load_quiet(session *s, const char *path);
/* Run the loaded script's next line (comments and blanks skipped). */
sess_step sess_step_script(session *s);
/* Take the oldest pending request; false when there is none. */
bool sess_take_request(session *s, sess_req *out);
/* The loaded script; false when there is none. */
bool sess_script(const session *s, sess_script_view *out);
/* Bumps whenever a script is loaded (so frontends can lay out again). */
uint64_t sess_script_generation(const session *s);
/* Whether `continue` is running lines (frontends may summarise). */
bool sess_continuing(const session *s);
/* The heap snapshot for the current state, rebuilt only after changes. */
const heapview *sess_view(session *s);
/* Show arena k in the snapshot (k < 0: the next one, around the ring of
 * arena numbers); the arena now shown. */
unsigned sess_show_arena(session *s, int k);
/* Length of a line's code without its comment (the language's one rule). */
size_t sess_code_len(const char *line);
/* Find a command row by name. */
const sess_cmd *sess_find_cmd(const char *name);
/* Print through the frontend with printf formatting. */
void sess_printf(session *s, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Warnings about a trace header that disagrees with the loaded trace. */
void sess_check_header(session *s);

#endif
