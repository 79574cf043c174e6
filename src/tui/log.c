/*
 * log.c - the log: results of commands, errors, glibc's abort messages and
 * the allocator's system calls, one role per line, the oldest dropped past
 * TUI_LOG_MAX lines.
 */
#include <stdlib.h>
#include <string.h>

#include "heapscope/xalloc.h"
#include "tui_internal.h"

static void add_one(tui *t, int role, const char *s, size_t n)
{
	if (t->nlog == TUI_LOG_MAX) {
		free(t->log[0].text);
		memmove(&t->log[0], &t->log[1], sizeof *t->log * (TUI_LOG_MAX - 1));
		t->nlog--;
	}
	if (!t->log)
		t->log = xreallocarray(NULL, TUI_LOG_MAX, sizeof *t->log);
	char *c = xmalloc(n + 1);
	/* keep the screen clean: control bytes become '?' */
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? (s[i] == '\t' ? ' ' : '?') : s[i];
	c[n] = 0;
	t->log[t->nlog++] = (logline){c, role};
}

void log_add(tui *t, int role, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		add_one(t, role, p, n);
		if (!nl)
			break;
		p = nl + 1;
	}
	t->scroll[P_LOG] = 0;
	t->dirty = true;
}

void log_clear(tui *t)
{
	for (size_t i = 0; i < t->nlog; i++)
		free(t->log[i].text);
	t->nlog = 0;
	t->scroll[P_LOG] = 0;
}
