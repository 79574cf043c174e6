/*
 * parse.c - expression evaluator and statement runner for the C-like
 * language.  A line is lexed (lex.c), parsed and evaluated in one pass;
 * errors unwind with longjmp to script_exec_line, which reports
 * file:line:col.  Command arguments are parsed here from each command's
 * specification (sess_cmd.spec) before its handler runs, so handlers get
 * typed values and never look at text.
 *
 * Grammar (one statement per line, `;` optional, comments as lex.c says):
 *   stmt   := IDENT '=' (call | expr) | '*' unary '=' expr | call
 *           | NAME args            (short forms and commands)
 *   call   := FUNC '(' [expr {',' expr}] ')'
 *   expr   := C's | ^ & << >> + - * / % with C's precedence
 *   unary  := ('-'|'+'|'~'|'*') unary | NUMBER | IDENT | '$' NUMBER | '(' expr ')'
 *             (* reads the 64-bit word the program would read there)
 * Arithmetic is on unsigned 64-bit values, as pointer arithmetic on char *.
 * Nesting (parentheses and unary operators) is limited to SESS_MAX_NESTING,
 * so no line can exhaust the stack.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>

#include "internal.h"

enum { TOK_BAD = 100 }; /* a token the lexer refused; an error once looked at */

typedef struct parser {
	session *s;
	script_lexer lx;
	script_tok cur;
	const char *file;
	size_t line;
	int depth;
	unsigned long ntok; /* tokens lexed so far */
	jmp_buf jb;
	char msg[300];
	size_t errcol;
} parser;

static void perr(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4), __noreturn__));
static void perr(parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
	p->errcol = pos + 1;
	longjmp(p->jb, 1);
}

/* The lexer's error, raised when the parser looks at the refused token. */
static noreturn void bad_token(parser *p)
{
	perr(p, p->lx.errpos, "%s", p->lx.msg);
}

static void next(parser *p)
{
	p->ntok++;
	if (!script_lex(&p->lx, &p->cur)) {
		p->cur.type = TOK_BAD;
		p->lx.pos = p->lx.len;
	}
}

static bool is_punct(const parser *p, char c)
{
	return p->cur.type == TOK_PUNCT && p->cur.punct == c;
}

static void expect(parser *p, char c, const char *what)
{
	if (p->cur.type == TOK_BAD)
		bad_token(p);
	if (!is_punct(p, c))
		perr(p, p->cur.pos, "expected '%c' %s", c, what);
	next(p);
}

/* The current identifier token as a name (a leading '$' dropped). */
static void ident(const parser *p, char *buf, size_t n)
{
	const char *s = p->lx.text + p->cur.pos;
	size_t len = p->cur.len;
	if (*s == '$')
		s++, len--;
	if (len > n - 1)
		len = n - 1;
	memcpy(buf, s, len);
	buf[len] = 0;
}

static uint64_t expr(parser *p);

/* Edit distance between two short names (insertions, deletions, changes). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The command closest to a mistyped name, or NULL when none is close. */
static const char *suggest(const char *name)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < sess_ncmds; i++) {
		size_t d = distance(name, sess_cmds[i].name);
		if (d < bd)
			bd = d, best = sess_cmds[i].name;
	}
	return best;
}

/* Names with a fixed value: NULL, the streams, setvbuf's modes. */
static const struct {
	const char *name;
	uint64_t value;
} fixed[] = {{"NULL", 0},
	     {"stdout", ALLOC_STDOUT},
	     {"stderr", ALLOC_STDERR},
	     {"_IOFBF", ALLOC_IOFBF},
	     {"_IOLBF", ALLOC_IOLBF},
	     {"_IONBF", ALLOC_IONBF},
	     /* sys/mman.h, Linux's values */
	     {"PROT_NONE", 0},
	     {"PROT_READ", 1},
	     {"PROT_WRITE", 2},
	     {"PROT_EXEC", 4},
	     {"MAP_SHARED", 0x01},
	     {"MAP_PRIVATE", 0x02},
	     {"MAP_FIXED", 0x10},
	     {"MAP_ANONYMOUS", 0x20},
	     {"MAP_ANON", 0x20},
	     {"MAP_FAILED", UINT64_MAX}};

static uint64_t var_value(parser *p, const char *name, size_t pos)
{
	int param;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (!strcmp(name, fixed[i].name))
			return fixed[i].value;
	if (alloc_mallopt_find(name, &param))
		return (uint64_t)(int64_t)param;
	int32_t v = eng_var(p->s->eng, name, false);
	uint64_t val;
	if (v < 0) {
		if (sess_find_cmd(name))
			perr(p, pos, "'%s' is a command, not a value", name);
		if (!strncmp(name, "M_", 2)) {
			char list[300] = "";
			size_t o = 0;
			for (unsigned i = 0; alloc_mallopt_name_at(i) && o < sizeof list; i++)
				o += (size_t)snprintf(list + o, sizeof list - o, " %s", alloc_mallopt_name_at(i));
			perr(p, pos, "unknown mallopt parameter '%s'; the parameters are%s", name, list);
		}
		perr(p, pos, "unknown variable '%s'", name);
	}
	if (!eng_var_get(p->s->eng, v, &val))
		perr(p, pos, "variable '%s' has no value (the call that set it failed)", name);
	return val;
}

/* Each unary operator and each primary counts one level of nesting, so
 * ~~~~...x is as deep as it is long and cannot exhaust the stack. */
static uint64_t unary(parser *p)
{
	if (++p->depth > SESS_MAX_NESTING)
		perr(p, p->cur.pos, "the expression nests too deeply (more than %d levels)", SESS_MAX_NESTING);
	uint64_t v;
	if (is_punct(p, '-')) {
		next(p);
		v = (uint64_t)0 - unary(p);
	} else if (is_punct(p, '+')) {
		next(p);
		v = unary(p);
	} else if (is_punct(p, '~')) {
		next(p);
		v = ~unary(p);
	} else if (is_punct(p, '*')) {
		/* *(addr) in a value: the 64-bit word the program would read there */
		size_t pos = p->cur.pos;
		next(p);
		uint64_t addr = unary(p);
		if (!mem_read(eng_heap(p->s->eng)->mem, addr, &v, 8))
			perr(p, pos, "reading 0x%llx would fault: it is not mapped", (unsigned long long)addr);
	} else if (is_punct(p, '&')) {
		/* &name: where a global lives */
		next(p);
		char name[128];
		size_t pos = p->cur.pos;
		if (p->cur.type != TOK_IDENT || p->cur.len >= sizeof name)
			perr(p, pos, "expected a global's name after &");
		ident(p, name, sizeof name);
		const alloc_global *g = alloc_global_find(eng_heap(p->s->eng), name);
		if (!g)
			perr(p, pos, "'%s' has no address: only the program's globals (declared like int %s;) do", name,
			     name);
		next(p);
		v = g->addr;
	} else if (is_punct(p, '(')) {
		next(p);
		v = expr(p);
		expect(p, ')', "to close '('");
	} else if (p->cur.type == TOK_NUM) {
		v = p->cur.num;
		next(p);
	} else if (p->cur.type == TOK_IDENT) {
		char name[128];
		size_t pos = p->cur.pos;
		if (p->cur.len >= sizeof name)
			perr(p, pos, "name is too long");
		ident(p, name, sizeof name);
		next(p);
		if (is_punct(p, '(') && !strcmp(name, "sbrk")) {
			/* sbrk(0): where the program break is now */
			next(p);
			size_t apos = p->cur.pos;
			uint64_t inc = expr(p);
			expect(p, ')', "to close sbrk's argument");
			if (inc)
				perr(p, apos, "sbrk(n) moves the break: write it as a statement, p = sbrk(n)");
			p->depth--;
			return eng_heap(p->s->eng)->brk;
		}
		if (is_punct(p, '(')) {
			const sess_cmd *c = sess_find_cmd(name);
			const char *near = suggest(name);
			if (!c && near)
				perr(p, pos, "unknown function '%s'; did you mean '%s'?", name, near);
			if (!c)
				perr(p, pos, "unknown function '%s' (type 'help' for the list)", name);
			perr(p, pos, "a call to '%s' cannot be part of an expression", name);
		}
		const alloc_global *g = alloc_global_find(eng_heap(p->s->eng), name);
		if (g && g->is_array) {
			v = g->addr; /* an array is its address */
		} else if (g) {
			/* the global's value, as C reads it */
			uint64_t raw = 0;
			if (!mem_read(eng_heap(p->s->eng)->mem, g->addr, &raw, g->elem))
				perr(p, pos, "reading %s would fault", name);
			v = raw;
			if (g->is_signed && g->elem < 8 && (raw >> (8 * g->elem - 1)) & 1)
				v = raw | ~((1ull << (8 * g->elem)) - 1);
		} else {
			v = var_value(p, name, pos);
		}
	} else if (p->cur.type == TOK_BAD) {
		bad_token(p);
	} else if (p->cur.type == TOK_EOF) {
		perr(p, p->cur.pos, "expected a value, found the end of the line");
	} else if (p->cur.type == TOK_STR) {
		perr(p, p->cur.pos, "a string is only allowed as the text of strcpy");
	} else {
		perr(p, p->cur.pos, "expected a value");
	}
	p->depth--;
	return v;
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
	if (p->cur.type == TOK_BAD)
		bad_token(p);
	if (p->cur.type != TOK_EOF)
		perr(p, p->cur.pos, "unexpected text after the statement");
}

/* Decode the string literal at text (with its quotes) into dst (at most cap
 * bytes); returns the length. */
static size_t string_value(parser *p, const char *text, size_t len, size_t pos, char *dst, size_t cap)
{
	const char *s = text + 1, *end = text + len - 1;
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
					v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0'
											: tolower((unsigned char)*s) - 'a' + 10);
					s++;
					k++;
				}
				if (!k)
					perr(p, pos, "'\\x' needs hex digits");
				c = (char)v;
				break;
			}
			default: c = e;
			}
		}
		if (n >= cap)
			perr(p, pos, "the string is longer than %zu bytes", cap);
		dst[n++] = c;
	}
	return n;
}

/* At the end of a command's arguments? */
static bool args_end(const parser *p, bool paren)
{
	return p->cur.type == TOK_EOF || (paren && is_punct(p, ')')) || is_punct(p, ';');
}

static noreturn void usage_error(parser *p, const sess_cmd *c, size_t pos, const char *why)
{
	perr(p, pos, "%s: usage: %s%s%s", why, c->name, c->usage[0] ? " " : "", c->usage);
}

/* A word argument (W, P, N), lexed from where the lookahead token began. */
static void word_arg(parser *p, const sess_cmd *c, char kind, sess_arg *a)
{
	p->lx.pos = p->cur.pos;
	script_tok w;
	if (!script_lex_word(&p->lx, &w))
		perr(p, p->lx.errpos, "%s", p->lx.msg);
	a->text = p->lx.text + w.pos;
	a->len = w.len;
	if (kind == 'N') {
		char buf[64];
		size_t dots = 0, i;
		for (i = 0; i < w.len && (isdigit((unsigned char)a->text[i]) || a->text[i] == '.'); i++)
			dots += a->text[i] == '.';
		if (i < w.len || !w.len || dots > 1 || w.len >= sizeof buf)
			usage_error(p, c, w.pos, "expected a number such as 0.5");
		memcpy(buf, a->text, w.len);
		buf[w.len] = 0;
		a->real = strtod(buf, NULL);
		if (!isfinite(a->real))
			usage_error(p, c, w.pos, "expected a number such as 0.5");
	}
	next(p);
}

/* Parse c's arguments by its specification into a. */
static void parse_args(parser *p, const sess_cmd *c, bool paren, sess_args *a)
{
	const char *spec = c->spec;
	char kind = 0;
	bool optional = false;
	while (*spec || (kind && spec[-1] == '*')) {
		if (*spec && *spec != '*') {
			kind = (char)toupper((unsigned char)*spec);
			optional = *spec != kind || spec[1] == '*';
			spec++;
		} else {
			optional = true; /* a repetition is always optional */
		}
		if (a->n > 0 && is_punct(p, ','))
			next(p);
		if (args_end(p, paren)) {
			if (optional)
				break;
			usage_error(p, c, p->cur.pos, a->n ? "an argument is missing" : "an argument is needed");
		}
		if (a->n == SESS_MAX_ARGS)
			usage_error(p, c, p->cur.pos, "too many arguments");
		sess_arg *v = &a->v[a->n++];
		memset(v, 0, sizeof *v);
		v->kind = kind;
		v->col = p->cur.pos + 1;
		switch (kind) {
		case 'E': {
			size_t start = p->cur.pos;
			bool plain = p->cur.type == TOK_IDENT;
			script_tok first = p->cur;
			unsigned long ntok = p->ntok;
			v->num = expr(p);
			/* a plain variable (one token) names the operation: free p */
			if (plain && p->ntok == ntok + 1) {
				v->text = p->lx.text + start + (p->lx.text[start] == '$');
				v->len = first.len - (p->lx.text[start] == '$');
			}
			break;
		}
		case 'A':
			if (!is_punct(p, '&'))
				usage_error(p, c, p->cur.pos, "expected &NAME: the variable that gets the pointer");
			next(p);
			if (p->cur.type != TOK_IDENT)
				usage_error(p, c, p->cur.pos, "expected a variable name after &");
			v->text = p->lx.text + p->cur.pos;
			v->len = p->cur.len;
			next(p);
			break;
		case 'S':
			if (p->cur.type == TOK_BAD)
				bad_token(p);
			if (p->cur.type != TOK_STR)
				usage_error(p, c, p->cur.pos, "expected a string in double quotes");
			v->text = p->lx.text + p->cur.pos;
			v->len = p->cur.len;
			next(p);
			break;
		default: /* W, P, N */
			word_arg(p, c, kind, v);
			break;
		}
		if (!*spec && spec[-1] != '*')
			break;
	}
	if (a->n > 0 && is_punct(p, ',') && c->fn)
		usage_error(p, c, p->cur.pos, "too many arguments");
	if (paren)
		expect(p, ')', "to close the argument list");
	else if (!args_end(p, false) && p->cur.type != TOK_BAD)
		usage_error(p, c, p->cur.pos, "too many arguments");
	end_of_statement(p);
}

/* Run an allocator verb with its parsed arguments; dst is the variable
 * assigned (or -1). */
static int run_verb(parser *p, const sess_cmd *c, const sess_args *a, int32_t dst, const char *dstname)
{
	session *s = p->s;
	eng_op op = {.kind = (uint8_t)c->op, .dst = -1};
	op.x = a->n > 0 ? a->v[0].num : 0;
	op.y = a->n > 1 ? a->v[1].num : 0;
	op.z = a->n > 2 ? a->v[2].num : 0;
	char argname[128] = "";
	if (a->n > 0 && a->v[0].text && a->v[0].len < sizeof argname) {
		memcpy(argname, a->v[0].text, a->v[0].len);
		argname[a->v[0].len] = 0;
	}
	const char *id = NULL;
	bool yields_ptr = (eng_op_allocates(c->op) && c->op != ENG_POSIX_MEMALIGN) || c->op == ENG_SBRK ||
			  c->op == ENG_BRK || c->op == ENG_MMAP || c->op == ENG_MMAP_FILE;
	if (c->op == ENG_MMAP) {
		/* mmap(ADDR, LEN, PROT, FLAGS, FD, OFFSET): anonymous memory */
		if (!(a->v[3].num & 0x20))
			perr(p, a->v[3].col - 1, "only MAP_ANONYMOUS mappings are modelled here; map a file with "
						 "mmap_file(\"PATH\", LEN)");
		if (a->v[4].num != UINT64_MAX && a->v[4].num != 0xffffffffu)
			perr(p, a->v[4].col - 1, "an anonymous mapping takes fd -1");
		if (a->v[5].num)
			perr(p, a->v[5].col - 1, "an anonymous mapping takes offset 0");
		op.z = (a->v[2].num & 0xff) | a->v[3].num << 8;
	}
	if (c->op == ENG_MMAP_FILE) {
		char path[4096];
		size_t plen = string_value(p, a->v[0].text, a->v[0].len, a->v[0].col - 1, path, sizeof path - 1);
		path[plen++] = 0;
		if (plen == 1)
			perr(p, a->v[0].col - 1, "the file needs a name");
		op.x = eng_blob_add(s->eng, path, plen);
		op.y = a->v[1].num;
		op.z = 1 | 0x02 << 8; /* PROT_READ, MAP_PRIVATE */
	}
	if (c->op == ENG_VALLOC || c->op == ENG_PVALLOC) {
		op.y = op.x; /* the size; the alignment is the page */
		op.x = 4096;
	}
	if (c->op == ENG_POSIX_MEMALIGN) {
		/* posix_memalign(&p, ALIGN, SIZE): p is the destination */
		char name[128];
		size_t n = a->v[0].len < sizeof name - 1 ? a->v[0].len : sizeof name - 1;
		memcpy(name, a->v[0].text, n);
		name[n] = 0;
		op.x = a->v[1].num;
		op.y = a->v[2].num;
		op.z = 0;
		dst = eng_var(s->eng, name, true);
		if (dst < 0)
			perr(p, a->v[0].col - 1, "too many variables");
		dstname = eng_var_name(s->eng, dst);
	}
	if (dst >= 0) {
		op.dst = dst;
		id = dstname;
	} else if (yields_ptr) {
		if (c->op == ENG_REALLOC && argname[0] && eng_var(s->eng, argname, false) >= 0)
			op.dst = eng_var(s->eng, argname, false);
		else
			op.dst = script_autoname(s);
		id = eng_var_name(s->eng, op.dst);
	}
	if (c->op == ENG_FREE && argname[0])
		id = argname;
	/* a short form's result is shown with the name it got: p1 = malloc 24 */
	if (dst < 0 && yields_ptr && id) {
		size_t n = strlen(id) + 3 + strlen(s->code);
		char *shown = malloc(n + 1);
		if (shown) {
			snprintf(shown, n + 1, "%s = %s", id, s->code);
			script_set_code(s, shown, n);
			free(shown);
		}
	}
	if (c->op == ENG_STRCPY) {
		char str[4096];
		size_t slen = string_value(p, a->v[1].text, a->v[1].len, a->v[1].col - 1, str, sizeof str - 1);
		str[slen++] = 0; /* strcpy copies the terminator */
		op.y = eng_blob_add(s->eng, str, slen);
		op.z = slen;
	}
	if (c->op == ENG_MEMSET)
		op.y &= 0xff;
	if (c->op == ENG_SETVBUF) {
		if (a->v[0].num != ALLOC_STDOUT)
			perr(p, a->v[0].col - 1, "setvbuf is modelled for stdout only");
		if (a->v[1].num)
			perr(p, a->v[1].col - 1, "only a NULL buffer is modelled (glibc then allocates its own)");
		if (a->v[2].num > ALLOC_IONBF)
			perr(p, a->v[2].col - 1, "the mode is _IOFBF, _IOLBF or _IONBF");
		op.x = a->v[2].num;
		op.y = 0;
	}
	if (c->op == ENG_FOPEN) {
		op.x = op.y = 0; /* the path and mode do not change what is allocated */
		if (dst < 0)
			op.dst = script_autoname(s), id = eng_var_name(s->eng, op.dst);
	}
	return script_run_op(s, &op, id);
}

static bool is_constant(const char *name)
{
	int param;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (!strcmp(name, fixed[i].name))
			return true;
	return !strcmp(name, "sbrk") || alloc_mallopt_find(name, &param);
}

/* printf's formatting of the values in a->v[first...] by the format fmt
 * (decoded): flags, width, length modifiers and d i u x X o c p %; a
 * value without l, ll, z, j or t is an int, as in C.  Returns the length. */
static size_t format(parser *p, const char *fmt, size_t n, const sess_args *a, int first, size_t pos, char *out,
		     size_t cap)
{
	size_t k = 0;
	int arg = first;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		if (fmt[i] != '%') {
			out[k++] = fmt[i];
			continue;
		}
		char spec[32] = "%";
		size_t sl = 1;
		bool wide = false;
		for (i++; i < n && strchr("-+ #0123456789", fmt[i]) && sl < 20; i++)
			spec[sl++] = fmt[i];
		for (; i < n && strchr("hlzjtL", fmt[i]); i++)
			wide |= fmt[i] != 'h';
		if (i >= n)
			perr(p, pos, "the format ends in the middle of a conversion");
		char conv = fmt[i];
		if (conv == '%') {
			out[k++] = '%';
			continue;
		}
		if (!strchr("diuxXocps", conv))
			perr(p, pos, "printf's %%%c is not modelled (use d i u x X o c p s)", conv);
		if (arg >= a->n)
			perr(p, pos, "the format wants more values than were given");
		uint64_t v = a->v[arg++].num;
		int w;
		if (conv == 's') {
			/* the program's string at v, as printf would read it */
			char str[1024];
			size_t sn = 0;
			while (sn < sizeof str - 1) {
				uint8_t ch;
				if (!mem_read(eng_heap(p->s->eng)->mem, v + sn, &ch, 1))
					perr(p, pos, "printf's %%s would read 0x%llx, which is not mapped (SIGSEGV)",
					     (unsigned long long)(v + sn));
				if (!ch)
					break;
				str[sn++] = (char)ch;
			}
			str[sn] = 0;
			spec[sl] = 's', spec[sl + 1] = 0;
			w = snprintf(out + k, cap - k, spec, str);
		} else if (conv == 'p') {
			spec[sl] = 0;
			w = v ? snprintf(out + k, cap - k, "0x%llx", (unsigned long long)v) : snprintf(out + k, cap - k, "(nil)");
		} else if (conv == 'd' || conv == 'i') {
			memcpy(spec + sl, "lld", 4);
			w = snprintf(out + k, cap - k, spec, wide ? (long long)v : (long long)(int32_t)v);
		} else if (conv == 'c') {
			spec[sl] = 'c', spec[sl + 1] = 0;
			w = snprintf(out + k, cap - k, spec, (int)(unsigned char)v);
		} else {
			spec[sl] = 'l', spec[sl + 1] = 'l', spec[sl + 2] = conv, spec[sl + 3] = 0;
			w = snprintf(out + k, cap - k, spec, wide ? (unsigned long long)v : (unsigned long long)(uint32_t)v);
		}
		if (w > 0)
			k += (size_t)w < cap - k ? (size_t)w : cap - k - 1;
	}
	if (arg < a->n)
		perr(p, a->v[arg].col - 1, "more values than the format uses");
	out[k] = 0;
	return k;
}

/* printf, puts, fprintf, fputs: what is printed and on which stream;
 * output on a FILE is a file operation (its text is not shown). */
static int run_output(parser *p, const sess_cmd *c, const sess_args *a)
{
	session *s = p->s;
	bool to_stream = !strcmp(c->name, "fprintf");
	int fi = to_stream ? 1 : 0; /* the format's or the text's argument */
	uint64_t stream = to_stream ? a->v[0].num : ALLOC_STDOUT;
	if (!strcmp(c->name, "fputs"))
		stream = a->v[1].num;
	char text[4096], buf[4096];
	size_t n = string_value(p, a->v[fi].text, a->v[fi].len, a->v[fi].col - 1, text, sizeof text - 1);
	if (!strcmp(c->name, "printf") || to_stream)
		n = format(p, text, n, a, fi + 1, a->v[fi].col - 1, buf, sizeof buf);
	else
		memcpy(buf, text, n);
	if (!strcmp(c->name, "puts") && n + 1 < sizeof buf)
		buf[n++] = '\n';
	end_of_statement(p);
	eng_op op = {.dst = -1};
	if (stream == ALLOC_STDOUT || stream == ALLOC_STDERR) {
		op.kind = ENG_PRINT;
		op.x = stream;
		op.y = eng_blob_add(s->eng, buf, n);
		op.z = n;
	} else {
		op.kind = ENG_FILEIO;
		op.x = stream;
	}
	return script_run_op(s, &op, NULL);
}

/* The C types a declaration may use: bytes, signedness. */
static bool base_type(const char *w, unsigned *size, bool *is_signed)
{
	static const struct {
		const char *name;
		unsigned size;
		bool is_signed;
	} t[] = {{"char", 1, true},    {"short", 2, true},  {"int", 4, true},	  {"long", 8, true},
		 {"float", 4, true},   {"double", 8, true}, {"size_t", 8, false}, {"void", 1, false},
		 {"int8_t", 1, true},  {"uint8_t", 1, false}, {"int16_t", 2, true}, {"uint16_t", 2, false},
		 {"int32_t", 4, true}, {"uint32_t", 4, false}, {"int64_t", 8, true}, {"uint64_t", 8, false}};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (!strcmp(w, t[i].name)) {
			*size = t[i].size;
			*is_signed = t[i].is_signed;
			return true;
		}
	return false;
}

static bool is_decl_word(const char *w)
{
	unsigned sz;
	bool sg;
	return base_type(w, &sz, &sg) || !strcmp(w, "static") || !strcmp(w, "const") || !strcmp(w, "unsigned") ||
	       !strcmp(w, "signed") || !strcmp(w, "volatile");
}

/* A global declaration, as C writes it: [static] [const] TYPE [*...] NAME
 * [[N]] [= VALUE | "TEXT"];  the word first was read already. */
static int declaration(parser *p, const char *first, size_t pos)
{
	alloc_global g;
	memset(&g, 0, sizeof g);
	unsigned size = 0;
	bool is_const = false, sign = true, have_type = false, is_unsigned = false;
	char w[128];
	snprintf(w, sizeof w, "%s", first);
	for (;;) {
		unsigned sz;
		bool sg;
		if (!strcmp(w, "const"))
			is_const = true;
		else if (!strcmp(w, "unsigned"))
			is_unsigned = true;
		else if (base_type(w, &sz, &sg)) {
			if (!(have_type && !strcmp(w, "int"))) /* long int, short int */
				size = sz, sign = sg;
			have_type = true;
		} else if (strcmp(w, "static") && strcmp(w, "signed") && strcmp(w, "volatile"))
			break;
		next(p);
		if (p->cur.type != TOK_IDENT)
			break;
		ident(p, w, sizeof w);
	}
	if (!have_type)
		size = 4; /* unsigned x; is an int */
	if (is_unsigned)
		sign = false;
	unsigned stars = 0;
	while (is_punct(p, '*')) {
		stars++;
		next(p);
		if (p->cur.type == TOK_IDENT) {
			ident(p, w, sizeof w);
			if (!strcmp(w, "const"))
				next(p);
		}
	}
	if (p->cur.type != TOK_IDENT)
		perr(p, p->cur.pos, "expected the variable's name in this declaration");
	size_t namepos = p->cur.pos;
	ident(p, w, sizeof w);
	if (strlen(w) >= sizeof g.name)
		perr(p, namepos, "a global's name has at most %zu characters", sizeof g.name - 1);
	if (sess_find_cmd(w) || is_decl_word(w))
		perr(p, namepos, "'%s' cannot name a variable", w);
	memcpy(g.name, w, strlen(w) + 1); /* it fits: checked above */
	next(p);
	g.elem = (uint8_t)(stars ? 8 : size);
	g.align = g.elem;
	g.is_signed = sign && !stars;
	uint64_t count = 1;
	bool count_given = false;
	if (is_punct(p, '[')) {
		g.is_array = true;
		next(p);
		if (!is_punct(p, ']')) {
			size_t cpos = p->cur.pos;
			count = expr(p);
			count_given = true;
			if (!count || count > (1u << 24))
				perr(p, cpos, "an array of 1 to 16777216 elements");
		}
		expect(p, ']', "to close the array's size");
	}
	char str[4096];
	size_t slen = 0;
	uint64_t value = 0;
	bool has_init = false, has_str = false;
	if (is_punct(p, '=')) {
		next(p);
		has_init = true;
		if (p->cur.type == TOK_STR) {
			slen = string_value(p, p->lx.text + p->cur.pos, p->cur.len, p->cur.pos, str, sizeof str - 1);
			str[slen++] = 0;
			has_str = true;
			if (!(g.is_array && size == 1 && !stars) && !(stars && size == 1))
				perr(p, p->cur.pos, "a string initialises a char array or a char pointer");
			next(p);
		} else {
			if (g.is_array)
				perr(p, p->cur.pos, "an array is initialised with a string here (or left zero)");
			value = expr(p);
		}
	}
	if (is_punct(p, ';'))
		next(p);
	end_of_statement(p);
	if (g.is_array && !count_given) {
		if (!has_str)
			perr(p, namepos, "the array needs a size: %s[N]", g.name);
		count = slen;
	}
	if (g.is_array && has_str && slen > count)
		slen = (size_t)count; /* C drops what does not fit (and the terminator) */
	g.size = count * g.elem;
	bool ptr_str = has_str && stars;
	/* where the linker puts it */
	if (is_const && !stars && has_init)
		g.seg = ALLOC_SEG_RODATA;
	else if (ptr_str || (has_init && (value || has_str)))
		g.seg = ALLOC_SEG_DATA;
	else
		g.seg = ALLOC_SEG_BSS;
	uint8_t bytes[4096 + 8];
	size_t initlen = 0;
	const char *lit = "";
	if (g.seg == ALLOC_SEG_RODATA) {
		/* a const object's bytes are its .rodata string */
		if (has_str)
			memcpy(bytes, str, slen), g.strlen = (uint32_t)g.size;
		else
			memcpy(bytes, &value, 8), g.strlen = (uint32_t)g.size;
		lit = (const char *)bytes;
		initlen = 0;
	} else if (ptr_str) {
		g.ptr_to_str = true;
		g.strlen = (uint32_t)slen;
		lit = str;
	} else if (has_str) {
		memcpy(bytes, str, slen);
		initlen = slen;
	} else if (has_init) {
		memcpy(bytes, &value, 8);
		initlen = g.elem < 8 ? g.elem : 8;
	}
	if (g.size > (1u << 26))
		perr(p, namepos, "a global of at most 64 MiB");
	/* the record: the global, the initialiser, the literal */
	eng_global_record rec = {.g = g, .initlen = (uint32_t)initlen};
	uint64_t at = eng_blob_add(p->s->eng, &rec, sizeof rec);
	eng_blob_add(p->s->eng, g.seg == ALLOC_SEG_RODATA ? "" : (const char *)bytes, initlen);
	eng_blob_add(p->s->eng, lit, g.strlen);
	alloc *h = eng_heap(p->s->eng);
	if (alloc_ssz(h) != 8)
		perr(p, pos, "globals are laid out as GCC lays them out for x86-64; an i386 process (--arch=i386) has "
			     "none yet");
	if (h->initialized || h->brk != h->lay.heap || h->n_mmaps)
		perr(p, pos, "globals are laid out when the program starts: declare them before the first allocator "
			     "call (type `reset` for a fresh process)");
	if (alloc_global_find(h, g.name))
		perr(p, namepos, "'%s' is declared already", g.name);
	if (eng_var(p->s->eng, g.name, false) >= 0)
		perr(p, namepos, "'%s' is a heapscope variable already", g.name);
	eng_op op = {.kind = ENG_GLOBAL, .dst = -1, .x = at};
	int rc = script_run_op(p->s, &op, NULL);
	if (rc == SESS_OK && !alloc_global_find(eng_heap(p->s->eng), g.name))
		sess_printf(p->s, SESS_WARN, "%s:%zu: the program image cannot hold %s (its strings fill .rodata, or "
					     "something is mapped where .bss would grow): nothing was declared\n",
			    p->file ? p->file : "input", p->line, g.name);
	return rc;
}

/* After an identifier: is the next thing '=' (an assignment)?  Looked at
 * in the raw text, so a command's word arguments are never lexed as code. */
static bool assignment_follows(const parser *p)
{
	size_t i = p->lx.pos;
	while (i < p->lx.len && (p->lx.text[i] == ' ' || p->lx.text[i] == '\t'))
		i++;
	return i < p->lx.len && p->lx.text[i] == '=';
}

static int statement(parser *p)
{
	next(p);
	if (p->cur.type == TOK_EOF)
		return SESS_OK;
	if (p->cur.type == TOK_BAD)
		bad_token(p);
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
		return script_run_op(p->s, &op, NULL);
	}
	if (p->cur.type != TOK_IDENT)
		perr(p, p->cur.pos, "expected a statement such as p = malloc(24) or a command (try 'help')");
	char name[128];
	size_t namepos = p->cur.pos;
	if (p->cur.len >= sizeof name)
		perr(p, namepos, "name is too long");
	ident(p, name, sizeof name);
	if (name[0] == 't' && name[1] && strspn(name + 1, "0123456789") == strlen(name + 1) && strlen(name) < 6) {
		/* tN: STATEMENT, one call made by thread N */
		script_lexer lx = p->lx;
		script_tok tok = p->cur;
		unsigned long ntok = p->ntok;
		next(p);
		if (is_punct(p, ':')) {
			if (script_thread_prefix(p->s, strtoull(name + 1, NULL, 10), p->file, p->line, namepos + 1) !=
			    SESS_OK)
				return SESS_ERROR;
			return statement(p);
		}
		p->lx = lx;
		p->cur = tok;
		p->ntok = ntok;
	}
	if (is_decl_word(name))
		return declaration(p, name, namepos);
	const sess_cmd *c = sess_find_cmd(name);
	const alloc_global *gl = alloc_global_find(eng_heap(p->s->eng), name);
	if (gl && assignment_follows(p)) {
		/* a store into the program's global */
		if (gl->is_array)
			perr(p, namepos, "an array cannot be assigned: write into it with *(%s + i) = v or strcpy", name);
		next(p);
		next(p);
		uint64_t v = expr(p);
		if (is_punct(p, ';'))
			next(p);
		end_of_statement(p);
		eng_op op = {.kind = ENG_POKE, .dst = -1, .x = gl->addr, .y = v, .z = gl->elem};
		return script_run_op(p->s, &op, NULL);
	}
	if (assignment_follows(p)) {
		next(p); /* '=' */
		next(p);
		if (c)
			perr(p, namepos, "'%s' is a command and cannot be a variable", name);
		if (is_constant(name))
			perr(p, namepos, "'%s' is a constant", name);
		if (p->cur.type == TOK_IDENT) {
			char fname[128];
			ident(p, fname, sizeof fname);
			const sess_cmd *f = sess_find_cmd(fname);
			if (f && f->fn && f->op >= 0) {
				size_t fpos = p->cur.pos;
				next(p);
				if (!is_punct(p, '('))
					perr(p, p->cur.pos, "expected '(' after %s", fname);
				if (!f->yields)
					perr(p, fpos, "%s does not return a value to assign", fname);
				next(p);
				sess_args a = {.file = p->file, .line = p->line, .col = fpos + 1};
				parse_args(p, f, true, &a);
				int32_t dst = eng_var(p->s->eng, name, true);
				return run_verb(p, f, &a, dst, name);
			}
		}
		uint64_t v = expr(p);
		end_of_statement(p);
		eng_op op = {.kind = ENG_SET, .dst = eng_var(p->s->eng, name, true), .x = v};
		return script_run_op(p->s, &op, name);
	}
	if (c) {
		sess_args a = {.file = p->file, .line = p->line, .col = namepos + 1};
		bool word_first = c->spec[0] && strchr("WwPpNn", c->spec[0]);
		if (word_first) {
			/* the lookahead is not lexed as code: `load ./x.hs` */
			p->cur.type = TOK_PUNCT;
			p->cur.punct = 0;
			p->cur.pos = p->lx.pos;
			size_t i = p->lx.pos;
			while (i < p->lx.len && (p->lx.text[i] == ' ' || p->lx.text[i] == '\t'))
				i++;
			p->cur.pos = i;
			if (i >= p->lx.len)
				p->cur.type = TOK_EOF;
		} else {
			next(p);
		}
		bool paren = c->fn && is_punct(p, '(');
		if (paren)
			next(p);
		parse_args(p, c, paren, &a);
		if (c->op == ENG_PRINT)
			return run_output(p, c, &a);
		if (c->op >= 0)
			return run_verb(p, c, &a, -1, NULL);
		return c->run(p->s, &a);
	}
	bool dollar = p->lx.text[namepos] == '$';
	next(p);
	if (p->cur.type == TOK_EOF && eng_var(p->s->eng, name, false) >= 0) {
		uint64_t v = var_value(p, name, namepos);
		sess_printf(p->s, SESS_OUT, "%s = 0x%llx (%llu)\n", name, (unsigned long long)v, (unsigned long long)v);
		return SESS_OK;
	}
	if (dollar)
		perr(p, namepos, "unknown variable '$%s' (no trace id %s has been allocated)", name, name);
	const char *near = suggest(name);
	if (near)
		perr(p, namepos, "unknown command '%s'; did you mean '%s'?", name, near);
	perr(p, namepos, "unknown command '%s' (type 'help' for the list)", name);
}

int script_exec_line(session *s, const char *line, const char *file, size_t lineno)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.file = file;
	p.line = lineno;
	size_t len = strlen(line);
	if (len > SESS_MAX_LINE) {
		script_error(s, file, lineno, 0, NULL, "line is too long (%zu bytes; the limit is %u)", len,
			     SESS_MAX_LINE);
		return SESS_ERROR;
	}
	script_lex_init(&p.lx, line);
	/* the statement as logs show it: the code, without comment or ';' */
	size_t n = p.lx.len;
	while (n && line[n - 1] == ';')
		n--;
	if (!script_set_code(s, line, n))
		return SESS_ERROR;
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
