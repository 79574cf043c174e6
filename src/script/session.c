/*
 * session.c - a session: an engine, a frontend's callbacks, a loaded
 * script, and the cached heap snapshot views draw from.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

session *sess_new(engine *e, const sess_frontend *fe)
{
	session *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->eng = e;
	if (fe)
		s->fe = *fe;
	return s;
}

void sess_free(session *s)
{
	if (!s)
		return;
	if (s->view_ok)
		hv_free(&s->view);
	script_free(s->scr);
	free(s);
}

void sess_printf(session *s, int kind, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *text = small;
	if ((size_t)n >= sizeof small) {
		text = malloc((size_t)n + 1);
		if (!text)
			abort();
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (s->fe.print)
		s->fe.print(s->fe.ctx, kind, text);
	if (text != small)
		free(text);
}

/* Show a line safely: control and non-ASCII bytes become '?'. */
static void show_line(char *dst, size_t cap, const char *text, size_t col, size_t *caret)
{
	size_t len = strlen(text);
	size_t start = 0;
	if (col > 60 && len > 100)
		start = col - 40;
	size_t k = 0;
	if (start)
		k = (size_t)snprintf(dst, cap, "...");
	*caret = col ? col - start + k : 0;
	for (size_t i = start; i < len && k + 4 < cap && i < start + 100; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\r' || c == '\n')
			break;
		dst[k++] = (c == '\t') ? ' ' : (isprint(c) ? (char)c : '?');
	}
	if (start + 100 < len && k + 4 < cap)
		k += (size_t)snprintf(dst + k, cap - k, "...");
	dst[k] = 0;
}

void script_error(session *s, const char *file, size_t line, size_t col, const char *text, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!text)
		text = s->curline;
	char where[300] = "";
	if (file && col)
		snprintf(where, sizeof where, "%s:%zu:%zu: ", file, line, col);
	else if (file)
		snprintf(where, sizeof where, "%s:%zu: ", file, line);
	if (text && col) {
		char shown[200];
		size_t caret;
		show_line(shown, sizeof shown, text, col, &caret);
		sess_printf(s, SESS_ERR, "%serror: %s\n    %s\n    %*s^\n", where, msg, shown, (int)(caret ? caret - 1 : 0),
			    "");
	} else {
		sess_printf(s, SESS_ERR, "%serror: %s\n", where, msg);
	}
}

int32_t script_autoname(session *s)
{
	char name[32];
	for (;;) {
		snprintf(name, sizeof name, "p%u", ++s->autoname);
		if (eng_var(s->eng, name, false) < 0)
			return eng_var(s->eng, name, true);
	}
}

int script_run_op(session *s, eng_op *op, const char *text, const char *id)
{
	eng_result r;
	int st = eng_exec(s->eng, op, &r);
	if (s->fe.op)
		s->fe.op(s->fe.ctx, &r, text, id);
	return st == ALLOC_OK ? SESS_OK : SESS_FAULTED;
}

const heapview *sess_view(session *s)
{
	if (!s->view_ok || s->view_gen != s->eng->generation) {
		if (s->view_ok)
			hv_free(&s->view);
		hv_build(&s->view, s->eng->heap);
		s->view_ok = true;
		s->view_gen = s->eng->generation;
	}
	return &s->view;
}

int sess_step(session *s)
{
	script *sc = s->scr;
	if (!sc)
		return SESS_QUIT;
	while (sc->next < sc->n) {
		size_t i = sc->next++;
		const char *l = sc->lines[i];
		const char *t = l;
		while (*t == ' ' || *t == '\t' || *t == '\r')
			t++;
		if (i < sc->skip || !*t || *t == '#' || (t[0] == '/' && t[1] == '/'))
			continue;
		s->curline = l;
		int rc = sc->trace ? sess_exec_trace(s, l, sc->path, i + 1) : sess_exec(s, l, sc->path, i + 1);
		s->curline = NULL;
		return rc;
	}
	return SESS_QUIT;
}
