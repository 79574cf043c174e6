/*
 * parse.c - lexer, expression evaluator and statement runner for the
 * C-like language.  A line is parsed and evaluated in one pass; errors
 * unwind with longjmp to sess_exec, which reports file:line:col.
 *
 * Grammar (one statement per line, `;` optional, `#` and `//` comments):
 *   stmt   := IDENT '=' (call | expr) | '*' unary '=' expr | call
 *           | VERB args            (short form and commands)
 *   call   := FUNC '(' [expr {',' expr}] ')'
 *   expr   := C's | ^ & << >> + - * / % with C's precedence
 *   term   := unary {('*'|'/'|'%') unary}
 *   unary  := ('-'|'+'|'~') unary | NUMBER | IDENT | '$' NUMBER | '(' expr ')'
 * Arithmetic is on unsigned 64-bit values, as pointer arithmetic on char *.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "internal.h"

enum { T_EOF, T_IDENT, T_NUM, T_STR, T_PUNCT };

typedef struct tok {
	int type;
	size_t pos, len; /* where in the line */
	uint64_t num;
	char punct;
} tok;

typedef struct parser {
	session *s;
	const char *text;
	size_t len;
	size_t pos;
	tok cur;
	const char *file;
	size_t line;
	jmp_buf jb;
	char msg[300];
	size_t errcol;
} parser;

static void perr(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
static void perr(parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
	p->errcol = pos + 1;
	longjmp(p->jb, 1);
}

static bool at_comment(const parser *p, size_t i)
{
	return p->text[i] == '#' || (p->text[i] == '/' && i + 1 < p->len && p->text[i + 1] == '/');
}

static void next(parser *p)
{
	const char *t = p->text;
	size_t i = p->pos;
	while (i < p->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\f' || t[i] == '\v'))
		i++;
	tok *k = &p->cur;
	memset(k, 0, sizeof *k);
	k->pos = i;
	if (i >= p->len || at_comment(p, i)) {
		k->type = T_EOF;
		p->pos = p->len;
		return;
	}
	unsigned char c = (unsigned char)t[i];
	if (isalpha(c) || c == '_' || c == '$') {
		size_t j = i + 1;
		while (j < p->len && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			j++;
		if (c == '$' && j == i + 1)
			perr(p, i, "'$' must be followed by a trace id or a name");
		k->type = T_IDENT;
		k->len = j - i;
		p->pos = j;
		return;
	}
	if (isdigit(c)) {
		size_t j = i;
		uint64_t v = 0;
		int base = 10;
		if (c == '0' && j + 1 < p->len && (t[j + 1] == 'x' || t[j + 1] == 'X')) {
			base = 16;
			j += 2;
			if (j >= p->len || !isxdigit((unsigned char)t[j]))
				perr(p, i, "'0x' must be followed by hex digits");
		}
		for (; j < p->len && isxdigit((unsigned char)t[j]); j++) {
			unsigned d = isdigit((unsigned char)t[j]) ? (unsigned)(t[j] - '0')
								   : (unsigned)(tolower((unsigned char)t[j]) - 'a' + 10);
			if (d >= (unsigned)base)
				perr(p, j, "invalid digit '%c' in a decimal number", t[j]);
			if (v > (UINT64_MAX - d) / (uint64_t)base)
				perr(p, i, "number does not fit in 64 bits");
			v = v * (uint64_t)base + d;
		}
		/* C suffixes: 24u, 24UL */
		while (j < p->len && (t[j] == 'u' || t[j] == 'U' || t[j] == 'l' || t[j] == 'L'))
			j++;
		if (j < p->len && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			perr(p, j, "unexpected '%c' after a number", t[j]);
		k->type = T_NUM;
		k->num = v;
		k->len = j - i;
		p->pos = j;
		return;
	}
	if (c == '"') {
		size_t j = i + 1;
		while (j < p->len && t[j] != '"') {
			if (t[j] == '\\' && j + 1 < p->len)
				j++;
			j++;
		}
		if (j >= p->len)
			perr(p, i, "string is not terminated");
		k->type = T_STR;
		k->len = j + 1 - i;
		p->pos = j + 1;
		return;
	}
	if ((c == '<' || c == '>') && i + 1 < p->len && t[i + 1] == (char)c) {
		k->type = T_PUNCT;
		k->punct = c == '<' ? 'L' : 'R'; /* << and >> */
		k->len = 2;
		p->pos = i + 2;
		return;
	}
	if (strchr("(),;=+-*/%~[]&|^", (int)c)) {
		k->type = T_PUNCT;
		k->punct = (char)c;
		k->len = 1;
		p->pos = i + 1;
		return;
	}
	if (isprint(c))
		perr(p, i, "unexpected character '%c'", c);
	perr(p, i, "unexpected byte 0x%02x (not text)", c);
}

static bool is_punct(const parser *p, char c)
{
	return p->cur.type == T_PUNCT && p->cur.punct == c;
}

static void expect(parser *p, char c, const char *what)
{
	if (!is_punct(p, c))
		perr(p, p->cur.pos, "expected '%c' %s", c, what);
	next(p);
}

static void ident(const parser *p, char *buf, size_t n)
{
	size_t len = p->cur.len < n - 1 ? p->cur.len : n - 1;
	const char *s = p->text + p->cur.pos;
	if (*s == '$') {
		s++;
		len = len ? len - 1 : 0;
	}
	memcpy(buf, s, len);
	buf[len] = 0;
}

static const struct {
	const char *name;
	uint64_t value;
} consts[] = {
	{"NULL", 0},
	{"M_MXFAST", 1},
	{"M_TRIM_THRESHOLD", (uint64_t)-1},
	{"M_TOP_PAD", (uint64_t)-2},
	{"M_MMAP_THRESHOLD", (uint64_t)-3},
	{"M_MMAP_MAX", (uint64_t)-4},
	{"M_CHECK_ACTION", (uint64_t)-5},
	{"M_PERTURB", (uint64_t)-6},
	{"M_ARENA_TEST", (uint64_t)-7},
	{"M_ARENA_MAX", (uint64_t)-8},
};

const char *const sess_params[] = {"M_MXFAST",  "M_TRIM_THRESHOLD", "M_TOP_PAD",    "M_MMAP_THRESHOLD", "M_MMAP_MAX",
				   "M_PERTURB", "M_CHECK_ACTION",   "M_ARENA_TEST", "M_ARENA_MAX",      NULL};

static uint64_t expr(parser *p);

static uint64_t var_value(parser *p, const char *name, size_t pos)
{
	for (size_t i = 0; i < sizeof consts / sizeof *consts; i++)
		if (!strcmp(consts[i].name, name))
			return consts[i].value;
	int32_t v = eng_var(p->s->eng, name, false);
	uint64_t val;
	if (v < 0) {
		if (sess_find_cmd(name))
			perr(p, pos, "'%s' is a command, not a value", name);
		perr(p, pos, "unknown variable '%s'", name);
	}
	if (!eng_var_get(p->s->eng, v, &val))
		perr(p, pos, "variable '%s' has no value (the call that set it failed)", name);
	return val;
}

static uint64_t unary(parser *p)
{
	if (is_punct(p, '-')) {
		next(p);
		return (uint64_t)0 - unary(p);
	}
	if (is_punct(p, '+')) {
		next(p);
		return unary(p);
	}
	if (is_punct(p, '~')) {
		next(p);
		return ~unary(p);
	}
	if (is_punct(p, '(')) {
		next(p);
		uint64_t v = expr(p);
		expect(p, ')', "to close '('");
		return v;
	}
	if (p->cur.type == T_NUM) {
		uint64_t v = p->cur.num;
		next(p);
		return v;
	}
	if (p->cur.type == T_IDENT) {
		char name[128];
		size_t pos = p->cur.pos;
		ident(p, name, sizeof name);
		next(p);
		if (is_punct(p, '('))
			perr(p, pos, "a call to '%s' cannot be part of an expression", name);
		return var_value(p, name, pos);
	}
	if (p->cur.type == T_EOF)
		perr(p, p->cur.pos, "expected a value, found the end of the line");
	if (p->cur.type == T_STR)
		perr(p, p->cur.pos, "a string is only allowed as the text of strcpy");
	perr(p, p->cur.pos, "expected a value");
}

static uint64_t term(parser *p)
{
	uint64_t v = unary(p);
	while (is_punct(p, '*') || is_punct(p, '/') || is_punct(p, '%')) {
		char op = p->cur.punct;
		size_t pos = p->cur.pos;
		next(p);
		uint64_t r = unary(p);
		if (op == '*')
			v *= r;
		else if (r == 0)
			perr(p, pos, "division by zero");
		else
			v = op == '/' ? v / r : v % r;
	}
	return v;
}

static uint64_t additive(parser *p)
{
	uint64_t v = term(p);
	while (is_punct(p, '+') || is_punct(p, '-')) {
		char op = p->cur.punct;
		next(p);
		uint64_t r = term(p);
		v = op == '+' ? v + r : v - r;
	}
	return v;
}

static uint64_t shift(parser *p)
{
	uint64_t v = additive(p);
	while (is_punct(p, 'L') || is_punct(p, 'R')) {
		char op = p->cur.punct;
		next(p);
		uint64_t r = additive(p);
		v = r >= 64 ? 0 : op == 'L' ? v << r : v >> r;
	}
	return v;
}

static uint64_t bit_and(parser *p)
{
	uint64_t v = shift(p);
	while (is_punct(p, '&')) {
		next(p);
		v &= shift(p);
	}
	return v;
}

static uint64_t bit_xor(parser *p)
{
	uint64_t v = bit_and(p);
	while (is_punct(p, '^')) {
		next(p);
		v ^= bit_and(p);
	}
	return v;
}

/* the full expression: C precedence from | down to unary operators */
static uint64_t expr(parser *p)
{
	uint64_t v = bit_xor(p);
	while (is_punct(p, '|')) {
		next(p);
		v |= bit_xor(p);
	}
	return v;
}

static void end_of_statement(parser *p)
{
	if (is_punct(p, ';'))
		next(p);
	if (p->cur.type != T_EOF)
		perr(p, p->cur.pos, "unexpected text after the statement");
}

/* Decode a string literal token into dst (at most cap bytes); returns length. */
static size_t string_value(parser *p, char *dst, size_t cap)
{
	const char *s = p->text + p->cur.pos + 1, *end = p->text + p->cur.pos + p->cur.len - 1;
	size_t n = 0;
	while (s < end) {
		char c = *s++;
		if (c == '\\' && s < end) {
			char e = *s++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = 0; break;
			case 'x': {
				unsigned v = 0;
				int k = 0;
				while (k < 2 && s < end && isxdigit((unsigned char)*s)) {
					v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10);
					s++;
					k++;
				}
				if (!k)
					perr(p, p->cur.pos, "'\\x' needs hex digits");
				c = (char)v;
				break;
			}
			default: c = e;
			}
		}
		if (n < cap)
			dst[n++] = c;
	}
	return n;
}

/* the allocator functions: name, arity, whether they yield a pointer */
static const struct fn {
	const char *name;
	int kind, arity;
	const char *args;
} fns[] = {
	{"malloc", ENG_MALLOC, 1, "(size)"},
	{"free", ENG_FREE, 1, "(ptr)"},
	{"calloc", ENG_CALLOC, 2, "(nmemb, size)"},
	{"realloc", ENG_REALLOC, 2, "(ptr, size)"},
	{"malloc_trim", ENG_TRIM, 1, "(pad)"},
	{"mallopt", ENG_MALLOPT, 2, "(param, value)"},
	{"memset", ENG_MEMSET, 3, "(ptr, byte, n)"},
	{"strcpy", ENG_STRCPY, 2, "(ptr, \"text\")"},
	{"malloc_usable_size", -1, 1, "(ptr)"},
};

static const struct fn *find_fn(const char *name)
{
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
		if (!strcmp(fns[i].name, name))
			return &fns[i];
	return NULL;
}

/* Parse the arguments of fn (in parentheses or space-separated) and run it. */
static int call(parser *p, const struct fn *f, size_t namepos, bool paren, int32_t dst, const char *dstname)
{
	uint64_t v[3] = {0};
	int n = 0;
	char str[4096];
	size_t slen = 0;
	char argname[128] = "";
	bool argvar = false;
	if (paren)
		next(p); /* '(' */
	while (p->cur.type != T_EOF && !(paren && is_punct(p, ')')) && !(!paren && is_punct(p, ';'))) {
		if (n > 0 && is_punct(p, ','))
			next(p);
		if (n >= f->arity)
			perr(p, p->cur.pos, "%s takes %d argument%s %s", f->name, f->arity, f->arity == 1 ? "" : "s",
			     f->args);
		if (f->kind == ENG_STRCPY && n == 1) {
			if (p->cur.type != T_STR)
				perr(p, p->cur.pos, "strcpy needs a string in double quotes");
			slen = string_value(p, str, sizeof str - 1);
			str[slen++] = 0; /* strcpy copies the terminator */
			next(p);
			n++;
			continue;
		}
		if (n == 0 && p->cur.type == T_IDENT) {
			/* remember a plain variable argument: it names the operation */
			parser save = *p;
			ident(p, argname, sizeof argname);
			next(p);
			argvar = p->cur.type != T_PUNCT || is_punct(p, ',') || is_punct(p, ')') || is_punct(p, ';');
			*p = save;
		}
		v[n++] = expr(p);
	}
	if (paren)
		expect(p, ')', "to close the argument list");
	if (n != f->arity)
		perr(p, namepos, "%s takes %d argument%s %s, got %d", f->name, f->arity, f->arity == 1 ? "" : "s",
		     f->args, n);
	end_of_statement(p);

	if (f->kind < 0) {
		uint64_t us;
		if (alloc_usable_size(p->s->eng->heap, v[0], &us) != ALLOC_OK) {
			sess_printf(p->s, SESS_FAULT, "%s\n", p->s->eng->heap->msg);
			return SESS_FAULTED;
		}
		sess_printf(p->s, SESS_OUT, "malloc_usable_size = %llu (0x%llx)\n", (unsigned long long)us,
			    (unsigned long long)us);
		return SESS_OK;
	}
	eng_op op = {.kind = (uint8_t)f->kind, .dst = -1, .x = v[0], .y = v[1], .z = v[2]};
	const char *id = NULL;
	bool yields_ptr = f->kind == ENG_MALLOC || f->kind == ENG_CALLOC || f->kind == ENG_REALLOC;
	if (dst >= 0) {
		op.dst = dst;
		id = dstname;
	} else if (yields_ptr) {
		if (f->kind == ENG_REALLOC && argvar && eng_var(p->s->eng, argname, false) >= 0)
			op.dst = eng_var(p->s->eng, argname, false);
		else
			op.dst = script_autoname(p->s);
		id = eng_var_name(p->s->eng, op.dst);
	} else if (dst < 0 && (f->kind == ENG_TRIM || f->kind == ENG_MALLOPT)) {
		op.dst = -1;
	}
	if (f->kind == ENG_FREE && argvar)
		id = argname;
	if (f->kind == ENG_STRCPY) {
		op.y = eng_blob_add(p->s->eng, str, slen);
		op.z = slen;
	}
	if (f->kind == ENG_MEMSET)
		op.y &= 0xff;
	return script_run_op(p->s, &op, p->text, id);
}

static int statement(parser *p)
{
	next(p);
	if (p->cur.type == T_EOF)
		return SESS_OK;
	if (is_punct(p, '*')) {
		/* *(addr) = value: the simulated program stores one 64-bit word */
		next(p);
		uint64_t addr = unary(p);
		if (is_punct(p, '['))
			perr(p, p->cur.pos, "use *(p + offset) = value to store");
		expect(p, '=', "after the address of a store");
		uint64_t val = expr(p);
		end_of_statement(p);
		eng_op op = {.kind = ENG_POKE, .dst = -1, .x = addr, .y = val, .z = 8};
		return script_run_op(p->s, &op, p->text, NULL);
	}
	if (p->cur.type != T_IDENT)
		perr(p, p->cur.pos, "expected a statement such as p = malloc(24) or a command (try 'help')");
	char name[128];
	size_t namepos = p->cur.pos;
	if (p->cur.len >= sizeof name)
		perr(p, namepos, "name is too long");
	ident(p, name, sizeof name);
	next(p);
	if (is_punct(p, '=')) {
		next(p);
		if (sess_find_cmd(name) || find_fn(name))
			perr(p, namepos, "'%s' is a command and cannot be a variable", name);
		for (size_t i = 0; i < sizeof consts / sizeof *consts; i++)
			if (!strcmp(consts[i].name, name))
				perr(p, namepos, "'%s' is a constant", name);
		if (p->cur.type == T_IDENT) {
			char fname[128];
			ident(p, fname, sizeof fname);
			const struct fn *f = find_fn(fname);
			if (f) {
				size_t fpos = p->cur.pos;
				next(p);
				if (!is_punct(p, '('))
					perr(p, p->cur.pos, "expected '(' after %s", fname);
				if (f->kind == ENG_FREE || f->kind == ENG_MEMSET || f->kind == ENG_STRCPY || f->kind < 0)
					perr(p, fpos, "%s does not return a pointer to assign", fname);
				int32_t dst = eng_var(p->s->eng, name, true);
				return call(p, f, fpos, true, dst, name);
			}
		}
		uint64_t v = expr(p);
		end_of_statement(p);
		eng_op op = {.kind = ENG_SET, .dst = eng_var(p->s->eng, name, true), .x = v};
		return script_run_op(p->s, &op, p->text, name);
	}
	const struct fn *f = find_fn(name);
	if (f)
		return call(p, f, namepos, is_punct(p, '('), -1, NULL);
	const sess_cmd *c = sess_find_cmd(name);
	if (c && c->run) {
		size_t argpos = p->cur.pos;
		const char *args = p->text + argpos;
		return c->run(p->s, args, p->file, p->line, argpos + 1);
	}
	if (p->cur.type == T_EOF && eng_var(p->s->eng, name, false) >= 0) {
		uint64_t v = var_value(p, name, namepos);
		sess_printf(p->s, SESS_OUT, "%s = 0x%llx (%llu)\n", name, (unsigned long long)v, (unsigned long long)v);
		return SESS_OK;
	}
	perr(p, namepos, "unknown command '%s' (type 'help' for the list)", name);
}

int sess_exec(session *s, const char *line, const char *file, size_t lineno)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.text = line;
	p.len = strlen(line);
	p.file = file;
	p.line = lineno;
	if (p.len > SCRIPT_MAX_LINE) {
		script_error(s, file, lineno, 0, NULL, "line is too long (%zu bytes; the limit is %u)", p.len,
			     SCRIPT_MAX_LINE);
		return SESS_ERROR;
	}
	const char *saved = s->curline;
	s->curline = line;
	if (setjmp(p.jb)) {
		script_error(s, file, lineno, p.errcol, line, "%s", p.msg);
		s->curline = saved;
		return SESS_ERROR;
	}
	int rc = statement(&p);
	s->curline = saved;
	return rc;
}

bool script_eval(session *s, const char *text, uint64_t *out, const char *file, size_t line, size_t col)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.text = text;
	p.len = strlen(text);
	p.file = file;
	p.line = line;
	if (setjmp(p.jb)) {
		script_error(s, file, line, p.errcol + col - 1, NULL, "%s", p.msg);
		return false;
	}
	next(&p);
	*out = expr(&p);
	if (is_punct(&p, ';'))
		next(&p);
	if (p.cur.type != T_EOF) {
		script_error(s, file, line, p.cur.pos + col, NULL, "unexpected text after the value");
		return false;
	}
	return true;
}
