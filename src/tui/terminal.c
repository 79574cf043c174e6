/*
 * terminal.c - can this terminal host the TUI?  Kept apart from the rest
 * because <term.h> defines macros (lines, columns, ...) that clash with
 * ordinary names.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "heapscope/tui.h"

const char *tui_unusable(void)
{
	if (!isatty(STDIN_FILENO))
		return "standard input is not a terminal";
	if (!isatty(STDOUT_FILENO))
		return "standard output is not a terminal";
	const char *term = getenv("TERM");
	if (!term || !*term)
		return "TERM is not set";
	if (!strcmp(term, "dumb"))
		return "TERM=dumb cannot draw panes";
	int err = 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return "the terminal type in TERM is unknown";
	return NULL;
}
