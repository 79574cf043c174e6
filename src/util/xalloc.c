/*
 * xalloc.c - allocation that cannot fail silently, and fatal exits.
 *
 * The cleanup hook runs at most once, before the message, so that a fatal
 * error in the TUI leaves a sane terminal and a readable message.
 */
#include "heapscope/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/status.h"

static void (*on_fatal)(void);

void xalloc_on_fatal(void (*fn)(void))
{
	on_fatal = fn;
}

noreturn void hs_fatal(int status, const char *fmt, ...)
{
	void (*fn)(void) = on_fatal;
	on_fatal = NULL;
	if (fn)
		fn();
	va_list ap;
	va_start(ap, fmt);
	fputs("heapscope: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

static noreturn void out_of_memory(size_t n)
{
	hs_fatal(HS_EXIT_NO_MEMORY, "out of memory (allocating %zu bytes)", n);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xmalloc(n);
	memcpy(d, s, n);
	return d;
}
