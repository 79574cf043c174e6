/*
 * trace.c - loading script files and running malloc-lab traces.
 *
 * A CS:APP malloc-lab trace starts with numeric header lines (suggested heap
 * size, number of ids, number of operations, weight) followed by
 * `a ID SIZE`, `f ID` and `r ID SIZE`; CS107 traces have the same lines
 * without the header.  Both are recognised from their first line.  Two
 * more lines go beyond the lab's: `c ID NMEMB SIZE` (calloc) and
 * `m ID ALIGN SIZE` (memalign), as recordings of real programs need.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapscope/xalloc.h"
#include "internal.h"

void script_free(script *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++)
		free(sc->lines[i]);
	free(sc->lines);
	free(sc->nul);
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
	if (!strchr("afrcm", *l) || !*l)
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

/* Append one line of len bytes (which may hold NUL bytes) to sc. */
static void add_line(script *sc, size_t *cap, const char *text, size_t len)
{
	if (len && text[len - 1] == '\r')
		len--;
	if (sc->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		sc->lines = xreallocarray(sc->lines, *cap, sizeof *sc->lines);
		sc->nul = xreallocarray(sc->nul, *cap, sizeof *sc->nul);
	}
	char *l = xmalloc(len + 1);
	memcpy(l, text, len);
	l[len] = 0;
	const char *z = memchr(text, 0, len);
	sc->nul[sc->n] = z ? (size_t)(z - text) + 1 : 0;
	sc->lines[sc->n++] = l;
}

/* Read every line of fd into sc; false with a message in err. */
static bool read_lines(script *sc, int fd, const char *path, char *err, size_t errlen)
{
	size_t cap = 0, have = 0, bufcap = 1 << 16;
	char *buf = xmalloc(bufcap);
	bool ok = true;
	for (;;) {
		if (have == bufcap) {
			if (bufcap > SESS_MAX_LINE) {
				snprintf(err, errlen, "%s:%zu: line is longer than %u bytes; is this a script?", path, sc->n + 1,
					 SESS_MAX_LINE);
				ok = false;
				break;
			}
			bufcap *= 2;
			buf = xrealloc(buf, bufcap);
		}
		ssize_t got = read(fd, buf + have, bufcap - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			ok = false;
			break;
		}
		if (got == 0) {
			if (have)
				add_line(sc, &cap, buf, have);
			break;
		}
		size_t start = 0, end = have + (size_t)got;
		for (size_t i = have; i < end; i++)
			if (buf[i] == '\n') {
				add_line(sc, &cap, buf + start, i - start);
				start = i + 1;
			}
		memmove(buf, buf + start, end - start);
		have = end - start;
	}
	free(buf);
	return ok;
}

script *script_load(const char *path, char *err, size_t errlen)
{
	bool in = !strcmp(path, "-");
	/* never block in open(): a FIFO without a writer would hang the TUI */
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (!in && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		const char *what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) ? "a device" : "not a regular file";
		snprintf(err, errlen, "%s: cannot read a script from %s; give it on standard input with '-' instead", path,
			 what);
		close(fd);
		return NULL;
	}
	if (!in) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	script *sc = xcalloc(1, sizeof *sc);
	sc->path = xstrdup(in ? "<stdin>" : path);
	bool ok = read_lines(sc, fd, sc->path, err, errlen);
	if (!in)
		close(fd);
	if (!ok) {
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

void sess_check_header(session *s)
{
	const script *sc = s->scr;
	if (!sc || !sc->trace || !sc->skip)
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
	if (k < 4)
		sess_printf(s, SESS_WARN, "%s:%zu: warning: the trace header has %d numbers, not 4\n", sc->path,
			    hl[0] ? hl[0] : (size_t)1, k);
	if (k >= 3 && h[2] != ops)
		sess_printf(s, SESS_WARN, "%s:%zu: warning: the header says %llu operations but the file has %zu; running all %zu\n",
			    sc->path, hl[2], h[2], ops, ops);
	if (k >= 2 && h[1] < maxid)
		sess_printf(s, SESS_WARN, "%s:%zu: warning: the header says %llu ids but the trace uses ids up to %llu\n",
			    sc->path, hl[1], h[1], maxid ? maxid - 1 : 0);
}

enum { NUM_NONE, NUM_OVERFLOW, NUM_OK };

/* Parse a decimal number at *p (a leading '-' sets *neg). */
static int number(const char **p, const char *end, unsigned long long *v, bool *neg)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	*neg = false;
	if (s < end && *s == '-') {
		*neg = true;
		s++;
	}
	if (s >= end || !isdigit((unsigned char)*s))
		return NUM_NONE;
	unsigned long long x = 0;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (x > (ULLONG_MAX - d) / 10)
			return NUM_OVERFLOW;
		x = x * 10 + d;
	}
	*v = x;
	*p = s;
	return NUM_OK;
}

int sess_exec_trace(session *s, const char *line, const char *file, size_t lineno)
{
	size_t len = script_code_len(line);
	const char *p = line, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return SESS_OK;
	if (!script_set_code(s, p, (size_t)(end - p)))
		return SESS_ERROR;
	char opc = *p;
	size_t col = (size_t)(p - line) + 1;
	if (!*p || !strchr("afrcm", opc)) {
		script_error(s, file, lineno, col, line, "unknown trace operation '%c' (expected a, f, r, c or m)",
			     isprint((unsigned char)opc) ? opc : '?');
		return SESS_ERROR;
	}
	p++;
	unsigned long long id, num[2] = {0, 0};
	bool neg;
	const char *at = p;
	int k = number(&p, end, &id, &neg);
	if (k != NUM_OK || neg) {
		script_error(s, file, lineno, (size_t)(at - line) + 2, line,
			     k == NUM_OVERFLOW ? "the id does not fit in 64 bits" : "expected a non-negative id");
		return SESS_ERROR;
	}
	/* a ID SIZE, r ID SIZE, c ID NMEMB SIZE, m ID ALIGN SIZE, f ID */
	int nnum = opc == 'f' ? 0 : opc == 'c' || opc == 'm' ? 2 : 1;
	static const char *const what[2][2] = {{"a size", "the size"}, {"a count", "the count"}};
	for (int i = 0; i < nnum; i++) {
		const char *const *w = opc == 'c' && i == 0 ? what[1] : what[0];
		if (opc == 'm' && i == 0)
			w = (const char *const[]){"an alignment", "the alignment"};
		at = p;
		k = number(&p, end, &num[i], &neg);
		if (k != NUM_OK) {
			script_error(s, file, lineno, (size_t)(at - line) + 2, line,
				     k == NUM_OVERFLOW ? "%s does not fit in 64 bits" : "expected %s",
				     k == NUM_OVERFLOW ? w[1] : w[0]);
			return SESS_ERROR;
		}
		if (neg)
			num[i] = (unsigned long long)0 - num[i]; /* like C: malloc(-1) */
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end) {
		script_error(s, file, lineno, (size_t)(p - line) + 1, line, "unexpected text after the operation");
		return SESS_ERROR;
	}
	char name[32];
	snprintf(name, sizeof name, "%llu", id);
	bool allocates = opc == 'a' || opc == 'c' || opc == 'm';
	int32_t v = eng_var(s->eng, name, allocates);
	uint64_t ptr = 0;
	if (!allocates && (v < 0 || !eng_var_get(s->eng, v, &ptr))) {
		script_error(s, file, lineno, col, line, "id %llu was never allocated", id);
		return SESS_ERROR;
	}
	eng_op op = {.dst = v};
	switch (opc) {
	case 'a':
		op.kind = ENG_MALLOC;
		op.x = num[0];
		break;
	case 'c':
		op.kind = ENG_CALLOC;
		op.x = num[0];
		op.y = num[1];
		break;
	case 'm':
		op.kind = ENG_MEMALIGN;
		op.x = num[0];
		op.y = num[1];
		break;
	case 'f':
		op.kind = ENG_FREE;
		op.dst = -1;
		op.x = ptr;
		break;
	default:
		op.kind = ENG_REALLOC;
		op.x = ptr;
		op.y = num[0];
		break;
	}
	return script_run_op(s, &op, name);
}
