/*
 * trace.c - loading script files and running malloc-lab traces.
 *
 * A CS:APP malloc-lab trace starts with numeric header lines (suggested heap
 * size, number of ids, number of operations, weight) followed by
 * `a ID SIZE`, `f ID` and `r ID SIZE`; CS107 traces have the same lines
 * without the header.  Both are recognised from their first line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void script_free(script *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++)
		free(sc->lines[i]);
	free(sc->lines);
	free(sc->path);
	free(sc);
}

static bool is_int_line(const char *l)
{
	while (*l == ' ' || *l == '\t')
		l++;
	if (!isdigit((unsigned char)*l))
		return false;
	while (isdigit((unsigned char)*l))
		l++;
	while (*l == ' ' || *l == '\t' || *l == '\r')
		l++;
	return *l == 0;
}

static bool is_trace_op(const char *l)
{
	while (*l == ' ' || *l == '\t')
		l++;
	if (*l != 'a' && *l != 'f' && *l != 'r')
		return false;
	l++;
	if (*l != ' ' && *l != '\t')
		return false;
	while (*l == ' ' || *l == '\t')
		l++;
	return isdigit((unsigned char)*l) || *l == '-';
}

static bool blank(const char *l)
{
	while (*l == ' ' || *l == '\t' || *l == '\r')
		l++;
	return !*l;
}

script *script_load(const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	script *sc = calloc(1, sizeof *sc);
	if (!sc)
		abort();
	sc->path = strdup(strcmp(path, "-") ? path : "<stdin>");
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = 0;
		if ((size_t)len != strlen(line)) {
			/* a NUL byte inside the line: keep the text, mark the rest */
			for (ssize_t i = 0; i < len; i++)
				if (!line[i])
					line[i] = '\x01';
		}
		if (sc->n == cap) {
			cap = cap ? 2 * cap : 64;
			sc->lines = realloc(sc->lines, sizeof *sc->lines * cap);
			if (!sc->lines)
				abort();
		}
		sc->lines[sc->n++] = strdup(line);
	}
	free(line);
	bool rerr = ferror(f);
	if (f != stdin)
		fclose(f);
	if (rerr) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		script_free(sc);
		return NULL;
	}
	/* recognise a trace from its first meaningful line */
	size_t first = 0;
	while (first < sc->n && blank(sc->lines[first]))
		first++;
	if (first < sc->n && is_int_line(sc->lines[first])) {
		sc->trace = true;
		size_t i = first, k = 0;
		while (i < sc->n && k < 4 && (is_int_line(sc->lines[i]) || blank(sc->lines[i]))) {
			if (!blank(sc->lines[i]))
				k++;
			i++;
		}
		sc->skip = i;
	} else if (first < sc->n && is_trace_op(sc->lines[first])) {
		sc->trace = true;
	}
	return sc;
}

void script_check_header(const script *sc, void (*warn)(void *, const char *), void *ctx)
{
	if (!sc->trace || !sc->skip)
		return;
	unsigned long long h[4] = {0};
	int k = 0;
	size_t hl[4] = {0};
	for (size_t i = 0; i < sc->skip && k < 4; i++)
		if (!blank(sc->lines[i])) {
			hl[k] = i + 1;
			h[k++] = strtoull(sc->lines[i], NULL, 10);
		}
	size_t ops = 0;
	unsigned long long maxid = 0;
	for (size_t i = sc->skip; i < sc->n; i++) {
		const char *l = sc->lines[i];
		if (is_trace_op(l)) {
			ops++;
			while (*l == ' ' || *l == '\t')
				l++;
			unsigned long long id = strtoull(l + 1, NULL, 10);
			if (id + 1 > maxid)
				maxid = id + 1;
		}
	}
	char msg[300];
	if (k < 4) {
		snprintf(msg, sizeof msg, "%s:%zu: warning: the trace header has %d numbers, not 4", sc->path,
			 hl[0] ? hl[0] : (size_t)1, k);
		warn(ctx, msg);
	}
	if (k >= 3 && h[2] != ops) {
		snprintf(msg, sizeof msg, "%s:%zu: warning: the header says %llu operations but the file has %zu; running all %zu",
			 sc->path, hl[2], h[2], ops, ops);
		warn(ctx, msg);
	}
	if (k >= 2 && h[1] < maxid) {
		snprintf(msg, sizeof msg, "%s:%zu: warning: the header says %llu ids but the trace uses ids up to %llu",
			 sc->path, hl[1], h[1], maxid ? maxid - 1 : 0);
		warn(ctx, msg);
	}
}

/* Parse a non-negative decimal number at *p; false if there is none. */
static bool number(const char **p, unsigned long long *v, bool *neg)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	*neg = false;
	if (*s == '-') {
		*neg = true;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	*v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return false;
	*p = end;
	return true;
}

int sess_exec_trace(session *s, const char *line, const char *file, size_t lineno)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\r' || *p == '#')
		return SESS_OK;
	char opc = *p;
	size_t col = (size_t)(p - line) + 1;
	if (opc != 'a' && opc != 'f' && opc != 'r') {
		script_error(s, file, lineno, col, line, "unknown trace operation '%c' (expected a, f or r)",
			     isprint((unsigned char)opc) ? opc : '?');
		return SESS_ERROR;
	}
	p++;
	unsigned long long id, size = 0;
	bool neg;
	const char *at = p;
	if (!number(&p, &id, &neg) || neg) {
		script_error(s, file, lineno, (size_t)(at - line) + 2, line, "expected a non-negative id");
		return SESS_ERROR;
	}
	if (opc != 'f') {
		at = p;
		if (!number(&p, &size, &neg)) {
			script_error(s, file, lineno, (size_t)(at - line) + 2, line, "expected a size");
			return SESS_ERROR;
		}
		if (neg)
			size = (unsigned long long)0 - size; /* like C: malloc(-1) */
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p) {
		script_error(s, file, lineno, (size_t)(p - line) + 1, line, "unexpected text after the operation");
		return SESS_ERROR;
	}
	char name[32];
	snprintf(name, sizeof name, "%llu", id);
	int32_t v = eng_var(s->eng, name, opc == 'a');
	uint64_t ptr = 0;
	if (opc != 'a' && (v < 0 || !eng_var_get(s->eng, v, &ptr))) {
		script_error(s, file, lineno, col, line, "id %llu was never allocated", id);
		return SESS_ERROR;
	}
	eng_op op = {.dst = v};
	if (opc == 'a') {
		op.kind = ENG_MALLOC;
		op.x = size;
	} else if (opc == 'f') {
		op.kind = ENG_FREE;
		op.dst = -1;
		op.x = ptr;
	} else {
		op.kind = ENG_REALLOC;
		op.x = ptr;
		op.y = size;
	}
	return script_run_op(s, &op, line, name);
}
