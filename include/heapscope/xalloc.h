/*
 * xalloc.h - heapscope's one failure policy for its own memory.
 *
 * Every allocation heapscope makes for itself goes through these; when the
 * host has no memory left they print one message with the size asked for
 * and exit with HS_EXIT_NO_MEMORY (after the frontend's cleanup, so the
 * terminal is restored).  User mistakes never end here: they get messages.
 * hs_fatal is for broken invariants of heapscope itself, never for input.
 */
#ifndef HEAPSCOPE_XALLOC_H
#define HEAPSCOPE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>

/* malloc that never returns NULL (0 bytes is one byte). */
void *xmalloc(size_t n);
/* calloc that never returns NULL; n * size overflowing is out of memory. */
void *xcalloc(size_t n, size_t size);
/* realloc that never returns NULL. */
void *xrealloc(void *p, size_t n);
/* realloc of n elements of size bytes, checking the multiplication. */
void *xreallocarray(void *p, size_t n, size_t size);
/* strdup that never returns NULL. */
char *xstrdup(const char *s);
/* Run fn before exiting on a fatal error (the TUI restores the terminal). */
void xalloc_on_fatal(void (*fn)(void));
/* Print "heapscope: MESSAGE" and exit with status (after the cleanup). */
noreturn void hs_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
