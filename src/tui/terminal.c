/*
 * terminal.c - the terminal's lifecycle around curses: can this terminal
 * host the TUI, the signals that end or suspend it, and the crash guard.
 *
 * SIGTERM, SIGHUP and SIGINT set a flag; the main loop ends, restores the
 * terminal and exits with 128 + the signal.  SIGTSTP (and Ctrl-Z, a byte
 * in raw mode) suspends: curses lets go of the terminal first and takes it
 * again on SIGCONT.  Any other signal that would kill heapscope (SIGQUIT,
 * SIGABRT, SIGSEGV, SIGPIPE, SIGALRM, SIGUSR1, ...) first puts the terminal
 * back as it was (its saved modes, the normal screen, a visible cursor),
 * using only async-signal-safe calls, then dies of the same signal.
 *
 * Kept apart from the rest because <term.h> defines macros (lines,
 * columns, ...) that clash with ordinary names.
 */
#include "tui_internal.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
/* last: its macros must not reach the headers above */
#include <term.h>

static volatile sig_atomic_t got_signal, got_stop;
static struct termios saved_modes;
static bool have_modes;
static char reset_seq[256];
static size_t reset_len;

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
	/* initscr reads the description again; this copy is not needed */
	del_curterm(cur_term);
	return NULL;
}

static void on_end(int sig)
{
	got_signal = sig;
}

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

void term_signals_install(void)
{
	have_modes = tcgetattr(STDIN_FILENO, &saved_modes) == 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_end;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTSTP, &sa, NULL);
}

int term_signal(void)
{
	return got_signal;
}

bool term_take_stop(void)
{
	bool s = got_stop;
	got_stop = 0;
	return s;
}

bool term_size(int *rows, int *cols)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0)
		return false;
	if (ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

void term_suspend(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, &old);
	kill(0, SIGTSTP); /* the whole job stops, as the shell expects */
	/* stopped here until the shell continues us */
	sigaction(SIGTSTP, &old, NULL);
	got_stop = 0;
}

static void add_cap(const char *name)
{
	char *cap = tigetstr(name);
	if (!cap || cap == (char *)-1)
		return;
	size_t n = strlen(cap);
	if (reset_len + n < sizeof reset_seq) {
		memcpy(reset_seq + reset_len, cap, n);
		reset_len += n;
	}
}

static void on_crash(int sig)
{
	if (have_modes)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes);
	if (reset_len && write(STDOUT_FILENO, reset_seq, reset_len) < 0) {
		/* nothing more can be done for the terminal */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void term_crash_guard(void)
{
	reset_len = 0;
	add_cap("sgr0");
	add_cap("rmkx");
	add_cap("cnorm");
	add_cap("rmcup");
	static const int fatal[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE,    SIGILL,  SIGTRAP, SIGPIPE,
				    SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGSYS};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		sigaction(fatal[i], &sa, NULL);
}

void term_restore(void)
{
	if (!isendwin())
		endwin();
}
