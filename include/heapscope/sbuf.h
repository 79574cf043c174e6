/*
 * sbuf.h - a growable text buffer; reports write into one so that the batch
 * printer and the TUI log can each decide where the text goes.
 */
#ifndef HEAPSCOPE_SBUF_H
#define HEAPSCOPE_SBUF_H

#include <stddef.h>

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

/* Append formatted text. */
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n bytes. */
void sb_add(sbuf *b, const char *s, size_t n);
/* Empty the buffer, keeping its storage. */
void sb_reset(sbuf *b);
/* Release the storage. */
void sb_free(sbuf *b);

#endif
