/*
 * main.c - command-line entry: parses options and starts batch mode or
 * the TUI.  Exit status: 0 fine, 1 script error, 2 usage error,
 * 3 the simulated program aborted or crashed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/batch.h"
#include "heapscope/tui.h"

#define HEAPSCOPE_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f, "usage: heapscope [options] [SCRIPT]\n"
		   "       heapscope --batch FILE|- [--format=text|jsonl] [--keep-going]\n"
		   "\n"
		   "Drive a model of glibc 2.36's malloc and watch the heap of a simulated process.\n"
		   "\n"
		   "  SCRIPT               open the TUI with a script or malloc-lab trace loaded\n"
		   "  --batch FILE         run FILE ('-' = stdin) without a terminal\n"
		   "  --format=text|jsonl  batch output: readable lines, or one JSON object per operation\n"
		   "  --keep-going         in batch mode, continue after a simulated abort or crash\n"
		   "  --no-summary         in batch mode, skip the final chunk and bin listing\n"
		   "  --check-heap         in batch mode, verify every heap invariant after each operation\n"
		   "  --aslr               randomise the process layout like Linux (see --seed)\n"
		   "  --seed N             seed for --aslr and the tcache key (default 1)\n"
		   "  --theme NAME|PATH    colour theme: default light classroom colorblind mono, or a file\n"
		   "  --mouse              scroll panes with the wheel, focus them with a click\n"
		   "  -h, --help           this text;  --version  the version\n"
		   "\n"
		   "Exit status: 0 ok, 1 script error, 2 usage error, 3 the simulated program aborted.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	batch_opts bo = {.summary = true, .seed = 1};
	tui_opts to = {.seed = 1};
	const char *batch = NULL, *script = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("heapscope %s (models glibc 2.36 malloc, x86-64)\n", HEAPSCOPE_VERSION);
			return 0;
		} else if (!strcmp(a, "--batch") || !strncmp(a, "--batch=", 8)) {
			if (a[7] == '=')
				batch = a + 8;
			else if (i + 1 < argc)
				batch = argv[++i];
			else {
				fprintf(stderr, "heapscope: --batch needs a file (or - for stdin)\n");
				return BATCH_USAGE;
			}
		} else if (!strncmp(a, "--format=", 9) || !strcmp(a, "--format")) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : "");
			if (!strcmp(v, "jsonl"))
				bo.jsonl = true;
			else if (!strcmp(v, "text"))
				bo.jsonl = false;
			else {
				fprintf(stderr, "heapscope: unknown format '%s' (use text or jsonl)\n", v);
				return BATCH_USAGE;
			}
		} else if (!strcmp(a, "--keep-going")) {
			bo.keep_going = true;
		} else if (!strcmp(a, "--check-heap")) {
			bo.check_heap = true;
		} else if (!strcmp(a, "--no-summary")) {
			bo.summary = false;
		} else if (!strcmp(a, "--mouse")) {
			to.mouse = true;
		} else if (!strcmp(a, "--aslr")) {
			bo.aslr = to.aslr = true;
		} else if (!strcmp(a, "--seed") || !strncmp(a, "--seed=", 7)) {
			const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : "");
			if (parse_u64(v, &bo.seed)) {
				fprintf(stderr, "heapscope: --seed needs a non-negative number, not '%s'\n", v);
				return BATCH_USAGE;
			}
			to.seed = bo.seed;
		} else if (!strcmp(a, "--theme") || !strncmp(a, "--theme=", 8)) {
			const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v) {
				fprintf(stderr, "heapscope: --theme needs a name or a path\n");
				return BATCH_USAGE;
			}
			to.theme = v;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "heapscope: unknown option '%s'\n", a);
			usage(stderr);
			return BATCH_USAGE;
		} else if (!script) {
			script = a;
		} else {
			fprintf(stderr, "heapscope: only one script can be opened (got '%s' and '%s')\n", script, a);
			return BATCH_USAGE;
		}
	}
	if (batch) {
		if (script) {
			fprintf(stderr, "heapscope: give the script after --batch, not as well ('%s')\n", script);
			return BATCH_USAGE;
		}
		bo.path = batch;
		return batch_run(&bo);
	}
	const char *why = tui_unusable();
	if (why) {
		fprintf(stderr,
			"heapscope: %s, so the interactive view cannot start.\n"
			"Run a script headless instead:  heapscope --batch %s\n",
			why, script ? script : "FILE   (or - to read commands from stdin)");
		return BATCH_USAGE;
	}
	to.script = script;
	return tui_run(&to);
}
