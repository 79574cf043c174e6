/*
 * session.c - a session: an engine, a frontend's output callbacks, the
 * requests queued for the frontend, and the cached heap snapshot views
 * draw from.  Playback of the loaded script lives in playback.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "internal.h"

session *sess_new(engine *e, const sess_frontend *fe)
{
	session *s = xcalloc(1, sizeof *s);
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
	alloc_free(s->view_of);
	script_free(s->scr);
	for (int i = 0; i < s->nreqs; i++)
		free(s->reqs[i]);
	free(s->steps);
	free(s->code);
	free(s->play_path);
	free(s);
}

engine *sess_engine(const session *s)
{
	return s->eng;
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
		text = xmalloc((size_t)n + 1);
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

bool script_set_code(session *s, const char *code, size_t n)
{
	if (n + 1 > s->codecap) {
		size_t cap = n + 1 > 256 ? n + 1 : 256;
		char *c = realloc(s->code, cap);
		if (!c) {
			sess_printf(s, SESS_ERR, "error: no memory for a statement of %zu bytes\n", n);
			return false;
		}
		s->code = c;
		s->codecap = cap;
	}
	while (n && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\r'))
		n--;
	memcpy(s->code, code, n);
	s->code[n] = 0;
	return true;
}

int script_run_op(session *s, eng_op *op, const char *id)
{
	eng_result r;
	size_t pos = eng_pos(s->eng), count = eng_count(s->eng);
	int st = eng_exec(s->eng, op, &r);
	if (pos < count)
		sess_printf(s, SESS_INFO, "a new course: the redo history after operation %zu (%zu operation%s) was "
					  "dropped\n",
			    pos, count - pos, count - pos == 1 ? "" : "s");
	if (s->fe.op)
		s->fe.op(s->fe.ctx, &r, s->code ? s->code : "", id);
	return st == ALLOC_OK ? SESS_OK : SESS_FAULTED;
}

void script_request(session *s, sess_req_kind kind, double delay, const char *arg, size_t len)
{
	sess_req *r = NULL;
	for (int i = 0; i < s->nreqs; i++)
		if (s->reqs[i]->kind == kind) {
			/* a newer request of a kind replaces the pending one */
			r = s->reqs[i];
			memmove(&s->reqs[i], &s->reqs[i + 1], sizeof *s->reqs * (size_t)(s->nreqs - i - 1));
			s->nreqs--;
			break;
		}
	if (!r)
		r = xmalloc(sizeof *r);
	r->kind = kind;
	r->delay = delay;
	if (len >= sizeof r->arg)
		len = sizeof r->arg - 1;
	memcpy(r->arg, arg, len);
	r->arg[len] = 0;
	s->reqs[s->nreqs++] = r;
}

bool sess_take_request(session *s, sess_req *out)
{
	if (!s->nreqs)
		return false;
	sess_req *r = s->reqs[0];
	*out = *r;
	free(r);
	memmove(&s->reqs[0], &s->reqs[1], sizeof *s->reqs * (size_t)(s->nreqs - 1));
	s->nreqs--;
	return true;
}

unsigned sess_show_arena(session *s, int k)
{
	unsigned n = eng_heap(s->eng)->nar;
	s->arena_shown = k < 0 ? (s->arena_shown + 1) % n : (unsigned)k < n ? (unsigned)k : s->arena_shown;
	s->view_ok = s->view_ok && (hv_free(&s->view), false);
	return s->arena_shown;
}

const heapview *sess_view(session *s)
{
	if (!s->view_ok || s->view_gen != eng_generation(s->eng)) {
		alloc *h = eng_heap(s->eng);
		if (s->arena_shown >= h->nar) /* gone with an undo or a reset */
			s->arena_shown = 0;
		/* only what changed since the last snapshot is walked again when
		 * that can be done; else the whole heap */
		bool updated = s->view_ok && s->view_of && hv_update(&s->view, s->view_of, h);
		if (!updated) {
			if (s->view_ok)
				hv_free(&s->view);
			hv_build_arena(&s->view, h, s->arena_shown);
		}
		alloc_free(s->view_of);
		/* what the next update compares with (when one can be done) */
		s->view_of = h->design || h->multi || s->arena_shown ? NULL : alloc_clone(h);
		s->view_ok = true;
		s->view_gen = eng_generation(s->eng);
	}
	return &s->view;
}
