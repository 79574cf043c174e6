/*
 * lex.c - the one lexer of the script language, and the one place where
 * comments are recognised.
 *
 * A comment starts with `#` or `//` at the start of a line, after a blank,
 * or after `;` or `)`, and never inside a string literal; so
 * `hexdump p 16 // note` is a comment but `load /tmp//x.hs` and
 * `theme a#b` are not.  Tokens are identifiers (a leading `$` names a trace
 * id), numbers (decimal or 0x hex, C suffixes u/l allowed, at most 64
 * bits), string literals, punctuation, and, for command arguments that are
 * names or paths, words (a run of non-blank characters or a quoted string).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

size_t script_code_len(const char *line)
{
	bool quoted = false;
	size_t i = 0;
	for (; line[i] && line[i] != '\n'; i++) {
		char c = line[i];
		if (quoted) {
			if (c == '\\' && line[i + 1])
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '"') {
			quoted = true;
			continue;
		}
		bool starts = c == '#' || (c == '/' && line[i + 1] == '/');
		if (starts && (i == 0 || blank(line[i - 1]) || line[i - 1] == ';' || line[i - 1] == ')'))
			break;
	}
	while (i && blank(line[i - 1]))
		i--;
	return i;
}

size_t sess_code_len(const char *line)
{
	return script_code_len(line);
}

bool script_blank_line(const char *line)
{
	const char *t = line;
	while (blank(*t))
		t++;
	return script_code_len(t) == 0;
}

static bool fail(script_lexer *lx, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(script_lexer *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lx->msg, sizeof lx->msg, fmt, ap);
	va_end(ap);
	lx->errpos = pos;
	return false;
}

void script_lex_init(script_lexer *lx, const char *text)
{
	memset(lx, 0, sizeof *lx);
	lx->text = text;
	lx->len = script_code_len(text);
}

static size_t skip_blanks(const script_lexer *lx, size_t i)
{
	while (i < lx->len && blank(lx->text[i]))
		i++;
	return i;
}

/* A byte that cannot be shown: say which, and that it is not text. */
static bool bad_byte(script_lexer *lx, size_t i)
{
	unsigned char c = (unsigned char)lx->text[i];
	if (isprint(c))
		return fail(lx, i, "unexpected character '%c'", c);
	return fail(lx, i, "unexpected byte 0x%02x (not text)", c);
}

static bool lex_number(script_lexer *lx, size_t i, script_tok *k)
{
	const char *t = lx->text;
	size_t j = i;
	uint64_t v = 0;
	unsigned base = 10;
	if (t[j] == '0' && j + 1 < lx->len && (t[j + 1] == 'x' || t[j + 1] == 'X')) {
		base = 16;
		j += 2;
		if (j >= lx->len || !isxdigit((unsigned char)t[j]))
			return fail(lx, i, "'0x' must be followed by hex digits");
	}
	for (; j < lx->len && isxdigit((unsigned char)t[j]); j++) {
		unsigned d = isdigit((unsigned char)t[j]) ? (unsigned)(t[j] - '0')
							 : (unsigned)(tolower((unsigned char)t[j]) - 'a' + 10);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return fail(lx, i, "number does not fit in 64 bits");
		v = v * base + d;
	}
	/* C suffixes: 24u, 24UL */
	while (j < lx->len && (t[j] == 'u' || t[j] == 'U' || t[j] == 'l' || t[j] == 'L'))
		j++;
	if (j < lx->len && (isalnum((unsigned char)t[j]) || t[j] == '_')) {
		if (base == 10 && isxdigit((unsigned char)t[j]) && !isdigit((unsigned char)t[j]))
			return fail(lx, j, "invalid digit '%c' in a decimal number (hex needs 0x)", t[j]);
		return fail(lx, j, "unexpected '%c' after a number", t[j]);
	}
	k->type = TOK_NUM;
	k->num = v;
	k->len = j - i;
	lx->pos = j;
	return true;
}

/* Start a token at the next non-blank; true (k is TOK_EOF) at the end. */
static bool token_start(script_lexer *lx, script_tok *k, size_t *at)
{
	size_t i = skip_blanks(lx, lx->pos);
	memset(k, 0, sizeof *k);
	k->pos = *at = i;
	if (i < lx->len)
		return false;
	k->type = TOK_EOF;
	lx->pos = lx->len;
	return true;
}

bool script_lex(script_lexer *lx, script_tok *k)
{
	const char *t = lx->text;
	size_t i;
	if (token_start(lx, k, &i))
		return true;
	unsigned char c = (unsigned char)t[i];
	if (isalpha(c) || c == '_' || c == '$') {
		size_t j = i + 1;
		while (j < lx->len && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			j++;
		if (c == '$' && j == i + 1)
			return fail(lx, i, "'$' must be followed by a trace id or a name");
		k->type = TOK_IDENT;
		k->len = j - i;
		lx->pos = j;
		return true;
	}
	if (isdigit(c))
		return lex_number(lx, i, k);
	if (c == '"') {
		size_t j = i + 1;
		while (j < lx->len && t[j] != '"') {
			if (t[j] == '\\' && j + 1 < lx->len)
				j++;
			j++;
		}
		if (j >= lx->len)
			return fail(lx, i, "string is not terminated");
		k->type = TOK_STR;
		k->len = j + 1 - i;
		lx->pos = j + 1;
		return true;
	}
	if ((c == '<' || c == '>') && i + 1 < lx->len && t[i + 1] == (char)c) {
		k->type = TOK_PUNCT;
		k->punct = c == '<' ? 'L' : 'R'; /* << and >> */
		k->len = 2;
		lx->pos = i + 2;
		return true;
	}
	if (c && strchr("(),;=+-*/%~[]&|^:", (int)c)) {
		k->type = TOK_PUNCT;
		k->punct = (char)c;
		k->len = 1;
		lx->pos = i + 1;
		return true;
	}
	return bad_byte(lx, i);
}

bool script_lex_word(script_lexer *lx, script_tok *k)
{
	const char *t = lx->text;
	size_t i;
	if (token_start(lx, k, &i))
		return true;
	if (t[i] == '"') {
		/* a quoted word keeps blanks; no escapes in names and paths */
		size_t j = i + 1;
		while (j < lx->len && t[j] != '"')
			j++;
		if (j >= lx->len)
			return fail(lx, i, "string is not terminated");
		k->type = TOK_WORD;
		k->pos = i + 1;
		k->len = j - i - 1;
		lx->pos = j + 1;
		return true;
	}
	size_t j = i;
	while (j < lx->len && !blank(t[j]) && t[j] != ';') {
		if (!isprint((unsigned char)t[j]) && !((unsigned char)t[j] & 0x80))
			return bad_byte(lx, j);
		j++;
	}
	if (j == i)
		return fail(lx, i, "expected a name");
	k->type = TOK_WORD;
	k->len = j - i;
	lx->pos = j;
	return true;
}
