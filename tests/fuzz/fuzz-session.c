/*
 * fuzz-session.c - libFuzzer harness for the script language as a whole
 * session: the input is a script file.  It is loaded (so the loader and the
 * trace recogniser see it), played line by line as batch mode does, and
 * every line is also typed at the session as a person would, with the
 * requests a frontend would take drained after each.  Any crash, sanitizer
 * report or timeout is a bug.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heapscope/session.h"

#define MAX_STEPS 3000

static void quiet_print(void *ctx, int kind, const char *text)
{
	(void)ctx, (void)kind, (void)text;
}

static void quiet_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	(void)ctx, (void)r, (void)text, (void)id;
}

static void drain(session *s)
{
	sess_req req;
	while (sess_take_request(s, &req))
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("script", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	sess_frontend fe = {.print = quiet_print, .op = quiet_op};

	/* 1: played, as batch mode plays it */
	engine *e = eng_new(false, 1);
	session *s = sess_new(e, &fe);
	if (sess_load(s, path) == SESS_OK) {
		sess_check_header(s);
		for (int i = 0; i < MAX_STEPS; i++) {
			sess_script_view before, after;
			sess_script(s, &before);
			uint64_t gen = sess_script_generation(s);
			sess_step r = sess_step_script(s);
			drain(s);
			if (r == SESS_STEP_END || r == SESS_STEP_NONE)
				break;
			/* playback always moves forward (or on to a loaded script):
			 * a script must never send its own playback back */
			if (sess_script(s, &after) && sess_script_generation(s) == gen && after.next <= before.next) {
				fprintf(stderr, "fuzz-session: playback went back from line %zu to %zu\n", before.next,
					after.next);
				abort();
			}
		}
	}
	/* 2: the same lines typed one by one (step/continue/load act now) */
	sess_script_view v;
	char **lines = NULL;
	size_t n = 0;
	if (sess_script(s, &v)) {
		n = v.n < MAX_STEPS ? v.n : MAX_STEPS;
		lines = calloc(n ? n : 1, sizeof *lines);
		for (size_t i = 0; i < n && lines; i++)
			lines[i] = strdup(v.lines[i]);
	}
	sess_free(s);
	eng_free(e);
	/* 2 and 3: typed into an x86-64 process, then into an i386 one,
	 * with the views built after every line */
	for (int arch = 0; arch < 2; arch++) {
		e = eng_new_arch(false, 1, false, NULL, arch ? ALLOC_ARCH_I386_K64 : ALLOC_ARCH_X86_64);
		s = sess_new(e, &fe);
		for (size_t i = 0; i < n && lines; i++) {
			if (lines[i])
				sess_exec(s, lines[i], "typed", i + 1);
			drain(s);
			sess_view(s);
		}
		sess_free(s);
		eng_free(e);
	}
	for (size_t i = 0; i < n && lines; i++)
		free(lines[i]);
	free(lines);
	close(fd);
	return 0;
}
