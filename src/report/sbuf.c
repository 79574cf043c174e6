/*
 * sbuf.c - growable text buffer; always NUL-terminated after the first write.
 */
#include "heapscope/xalloc.h"
#include "heapscope/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(sbuf *b, size_t need)
{
	if (b->n + need + 1 <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 128;
	while (c < b->n + need + 1)
		c *= 2;
	b->s = xrealloc(b->s, c);
	b->cap = c;
}

void sb_add(sbuf *b, const char *s, size_t n)
{
	grow(b, n);
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k <= 0) {
		grow(b, 0);
		b->s[b->n] = 0;
		return;
	}
	grow(b, (size_t)k);
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

void sb_reset(sbuf *b)
{
	b->n = 0;
	if (b->s)
		b->s[0] = 0;
}

void sb_free(sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->n = b->cap = 0;
}
