/*
 * tui.h - the interactive terminal interface: ncurses panes over a
 * readline prompt.  The TUI only reads the model; every change goes
 * through the session.
 */
#ifndef HEAPSCOPE_TUI_H
#define HEAPSCOPE_TUI_H

#include <stdbool.h>

#include "heapscope/alloc.h"
#include <stdint.h>

typedef struct tui_opts {
	const char *script; /* loaded for stepping, or NULL */
	const char *theme; /* name or path, or NULL */
	bool aslr;
	bool legacy; /* the legacy layout (--layout=legacy) */
	const tb_alloc *design; /* --allocator=NAME: a textbook design in glibc's place, or NULL */
	alloc_mm *mm; /* --allocator=./mm.c: a student's allocator (the engine takes it), or NULL */
	int limit_ms; /* --time-limit: how long a student's call may run (0: 2000) */
	alloc_arch arch; /* --arch, --kernel: the machine */
	uint64_t seed;
	bool mouse; /* wheel scrolling and click-to-focus */
} tui_opts;

/* Run the TUI until the user quits; returns the exit status. */
int tui_run(const tui_opts *o);
/* Play o->script without a terminal, writing DIR/NN.svg and DIR/NN.html at
 * every pause and say, drawn at cols x rows; returns the exit status. */
int tui_export_pauses(const tui_opts *o, const char *dir, int cols, int rows);
/* Why the terminal cannot host the TUI, or NULL if it can. */
const char *tui_unusable(void);

#endif
