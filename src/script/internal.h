/*
 * internal.h - shared between the parser, the command table and the trace
 * reader: error reporting with file:line:col and running one operation.
 */
#ifndef HEAPSCOPE_SCRIPT_INTERNAL_H
#define HEAPSCOPE_SCRIPT_INTERNAL_H

#include "heapscope/session.h"

#define SCRIPT_MAX_LINE (1u << 20)

/* Report a user error at a position of a line (col is 1-based, 0 = none). */
void script_error(session *s, const char *file, size_t line, size_t col, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Run an engine operation, report it, return SESS_OK or SESS_FAULTED. */
int script_run_op(session *s, eng_op *op, const char *text, const char *id);
/* Evaluate an expression string (for command arguments); false on error. */
bool script_eval(session *s, const char *expr, uint64_t *out, const char *file, size_t line, size_t col);
/* Next automatic variable name ("p1", "p2", ...) not yet in use. */
int32_t script_autoname(session *s);

#endif
