/*
 * status.h - every exit status heapscope can end with, in one list.
 *
 * HS_EXIT_STATUSES(X) generates the enum and the text that `--help`, the
 * README and the man page show; a status is never written as a bare number
 * anywhere else.  A run ended by a signal exits with 128 + the signal's
 * number, as shells report it.
 */
#ifndef HEAPSCOPE_STATUS_H
#define HEAPSCOPE_STATUS_H

#define HS_EXIT_STATUSES(X)                                                                         \
	X(OK, 0, "success")                                                                         \
	X(SCRIPT_ERROR, 1, "a script error (reported as FILE:LINE:COL), or a file that cannot be read") \
	X(USAGE, 2, "a usage error on the command line")                                            \
	X(FAULT, 3, "the simulated program aborted (a glibc check) or crashed (SIGSEGV)")           \
	X(CHECK, 4, "--check-heap found a broken heap invariant")                                   \
	X(NO_TERMINAL, 5, "the interactive view cannot start here (no terminal, TERM unknown or dumb)") \
	X(OUTPUT, 6, "output could not be written (disk full, closed standard output)")             \
	X(NO_MEMORY, 7, "heapscope itself ran out of memory")                                      \
	X(VERIFY, 8, "--verify: the replay differs from the recording")                             \
	X(RECORD, 9, "record: the program cannot be recorded (not found, statically linked, setuid)")

typedef enum hs_exit {
#define HS_EXIT_ENUM(name, num, text) HS_EXIT_##name = num,
	HS_EXIT_STATUSES(HS_EXIT_ENUM)
#undef HS_EXIT_ENUM
} hs_exit;

/* The exit status of a run ended by signal sig. */
#define HS_EXIT_SIGNAL(sig) (128 + (sig))

#endif
