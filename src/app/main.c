/*
 * main.c - command-line entry: parses options (GNU style: in any order,
 * `--opt=VALUE` or `--opt VALUE`, `--` ends them) and starts batch mode or
 * the TUI.  Every exit status comes from status.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../record/record.h"
#include "../batch/compare.h"
#include "heapscope/batch.h"
#include "heapscope/status.h"
#include "heapscope/student.h"
#include "heapscope/tui.h"

#define HEAPSCOPE_VERSION "0.2.0"

static void usage(FILE *f)
{
	fprintf(f, "usage: heapscope [options] [SCRIPT]\n"
		   "       heapscope --batch [options] SCRIPT|-\n"
		   "       heapscope --verify SCRIPT\n"
		   "       heapscope record [-o DIR] [--] PROG [ARGS...]\n"
		   "\n"
		   "Drive a model of glibc 2.36's malloc and watch the heap of a simulated process.\n"
		   "\n"
		   "  SCRIPT               a script or malloc-lab trace: opened in the TUI, or run by --batch\n"
		   "  --batch              run SCRIPT ('-' = stdin) without a terminal (--batch=FILE also works)\n"
		   "  --format=text|jsonl  batch output: readable lines, or one JSON object per operation\n"
		   "  --keep-going         in batch mode, continue after a simulated abort or crash\n"
		   "  --no-summary         in batch mode, skip the final chunk and bin listing\n"
		   "  --check-heap         in batch mode, verify every heap invariant after each operation\n"
		   "  --explain            in batch mode, say why after each operation (jsonl: a \"why\" array)\n"
		   "  --export-pauses DIR  in batch mode, write DIR/NN.svg and .html at every pause and say\n"
		   "  --verify             batch mode that checks every `// => ...` result a recording carries\n"
		   "  record PROG ARGS     run PROG with its malloc calls recorded into scripts (see README)\n"
		   "  --compare A,B,...    run malloc-lab traces through allocators (glibc, bump, implicit-first,\n"
		   "                       implicit-next, implicit-best, explicit-lifo, explicit-addr, segregated,\n"
		   "                       buddy) and print the lab driver's table for each\n"
		   "  --size COLSxROWS     the screen --export-pauses draws (default 120x40)\n"
		   "  --aslr               randomise the process layout like Linux (see --seed)\n"
		   "  --layout=legacy      the classic layout: mmap area bottom-up from 0x2aaaaaaab000\n"
		   "  --allocator=NAME     malloc is a textbook design: bump, implicit-first, implicit-next,\n"
		   "                       implicit-best, explicit-lifo, explicit-addr, segregated, buddy;\n"
		   "                       or FILE: your mm.c (or .so), run in its own process\n"
		   "  --allocator=implicit --fit=first|next|best,  --allocator=explicit --order=lifo|addr\n"
		   "  --block-format=cs-app  with --allocator=FILE: draw its CS:APP headers and footers\n"
		   "  --time-limit=S       how long one call of your allocator may run (default 2 seconds)\n"
		   "  --arch=i386          a 32-bit process: glibc's i386 allocator and a 32-bit layout\n"
		   "  --kernel=32|64       with --arch=i386: a 32-bit kernel's 3G/1G split (default) or the 4 GiB\n"
		   "                       a 32-bit program has under a 64-bit kernel\n"
		   "  --seed N             seed for --aslr and the tcache key (default 1)\n"
		   "  --theme NAME|PATH    colour theme: default light classroom colorblind mono, or a file\n"
		   "  --mouse              scroll panes with the wheel, focus them with a click\n"
		   "  -h, --help           this text;  --version  the version\n"
		   "\n"
		   "Exit status:\n");
#define STATUS_LINE(name, num, text) fprintf(f, "  %-3d %s\n", num, text);
	HS_EXIT_STATUSES(STATUS_LINE)
#undef STATUS_LINE
	fprintf(f, "  128+N  ended by signal N (130 for SIGINT, 143 for SIGTERM)\n");
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

/* Flush standard output and say so if it could not be written. */
static int finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "heapscope: cannot write the output: %s\n", strerror(errno ? errno : EIO));
		return HS_EXIT_OUTPUT;
	}
	return status;
}

/* The value of an option: after '=' in the same word, or the next word. */
static const char *value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

int main(int argc, char **argv)
{
	batch_opts bo = {.summary = true, .seed = 1};
	tui_opts to = {.seed = 1};
	bool batch = false, opts = true;
	const char *export_dir = NULL;
	int ecols = 120, erows = 40;
	const char *script = NULL, *compare = NULL, *student_file = NULL, *fit = NULL, *alloc_name = NULL;
	bool cs_app = false;
	int limit_ms = 2000; /* a student's call, before it is stopped */
	const char *arch = NULL, *kernel = NULL;
	static const char *operands[256]; /* --compare's traces */
	int noperands = 0;
	if (argc > 1 && !strcmp(argv[1], "record"))
		return finish_output(record_main(argc - 2, argv + 2));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			usage(stdout);
			return finish_output(HS_EXIT_OK);
		} else if (opts && !strcmp(a, "--version")) {
			printf("heapscope %s (models glibc 2.36 malloc, x86-64)\n", HEAPSCOPE_VERSION);
			return finish_output(HS_EXIT_OK);
		} else if (opts && is_opt(a, "--batch")) {
			batch = true;
			if (a[7] == '=') {
				if (script && strcmp(script, a + 8)) {
					fprintf(stderr, "heapscope: only one script can be run (got '%s' and '%s')\n", script, a + 8);
					return HS_EXIT_USAGE;
				}
				script = a + 8;
			}
		} else if (opts && is_opt(a, "--format")) {
			v = value(argc, argv, &i, "--format");
			if (v && !strcmp(v, "jsonl"))
				bo.jsonl = true;
			else if (v && !strcmp(v, "text"))
				bo.jsonl = false;
			else {
				fprintf(stderr, "heapscope: unknown format '%s' (use text or jsonl)\n", v ? v : "");
				return HS_EXIT_USAGE;
			}
		} else if (opts && !strcmp(a, "--keep-going")) {
			bo.keep_going = true;
		} else if (opts && is_opt(a, "--export-pauses")) {
			export_dir = value(argc, argv, &i, "--export-pauses");
			if (!export_dir || !*export_dir) {
				fprintf(stderr, "heapscope: --export-pauses needs a directory\n");
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--size")) {
			v = value(argc, argv, &i, "--size");
			char x;
			if (!v || sscanf(v, "%d%c%d", &ecols, &x, &erows) != 3 || x != 'x' || ecols < 60 || erows < 16 ||
			    ecols > 500 || erows > 200) {
				fprintf(stderr, "heapscope: --size needs COLSxROWS from 60x16 to 500x200, not '%s'\n", v ? v : "");
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--verify")) {
			batch = bo.verify = true;
			bo.summary = false;
			if (a[8] == '=')
				script = a + 9;
		} else if (opts && is_opt(a, "--compare")) {
			compare = value(argc, argv, &i, "--compare");
			if (!compare || !*compare) {
				fprintf(stderr, "heapscope: --compare needs allocators, such as glibc,implicit-first\n");
				return HS_EXIT_USAGE;
			}
		} else if (opts && !strcmp(a, "--explain")) {
			bo.explain = true;
		} else if (opts && !strcmp(a, "--check-heap")) {
			bo.check_heap = true;
		} else if (opts && !strcmp(a, "--no-summary")) {
			bo.summary = false;
		} else if (opts && !strcmp(a, "--mouse")) {
			to.mouse = true;
		} else if (opts && is_opt(a, "--layout")) {
			v = value(argc, argv, &i, "--layout");
			if (v && (!strcmp(v, "legacy") || !strcmp(v, "flexible")))
				bo.legacy = to.legacy = !strcmp(v, "legacy");
			else {
				fprintf(stderr, "heapscope: unknown layout '%s' (use flexible or legacy)\n", v ? v : "");
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--arch")) {
			arch = value(argc, argv, &i, "--arch");
			if (!arch || (strcmp(arch, "i386") && strcmp(arch, "x86-64") && strcmp(arch, "x86_64"))) {
				fprintf(stderr, "heapscope: unknown architecture '%s' (use x86-64 or i386)\n", arch ? arch : "");
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--kernel")) {
			kernel = value(argc, argv, &i, "--kernel");
			if (!kernel || (strcmp(kernel, "32") && strcmp(kernel, "64"))) {
				fprintf(stderr, "heapscope: --kernel is 32 or 64, not '%s'\n", kernel ? kernel : "");
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--time-limit")) {
			v = value(argc, argv, &i, "--time-limit");
			char *end = NULL;
			double sec = v ? strtod(v, &end) : 0;
			if (!v || end == v || *end || !(sec >= 0.01 && sec <= 3600)) {
				fprintf(stderr, "heapscope: --time-limit needs seconds from 0.01 to 3600, not '%s'\n", v ? v : "");
				return HS_EXIT_USAGE;
			}
			limit_ms = (int)(sec * 1000 + 0.5);
			bo.limit_ms = to.limit_ms = limit_ms;
		} else if (opts && is_opt(a, "--block-format")) {
			v = value(argc, argv, &i, "--block-format");
			if (!v || strcmp(v, "cs-app")) {
				fprintf(stderr, "heapscope: unknown block format '%s'; the one heapscope reads is cs-app\n",
					v ? v : "");
				return HS_EXIT_USAGE;
			}
			cs_app = true;
		} else if (opts && (is_opt(a, "--fit") || is_opt(a, "--order"))) {
			fit = value(argc, argv, &i, a[2] == 'f' ? "--fit" : "--order");
			if (!fit || !*fit) {
				fprintf(stderr, "heapscope: %s needs a policy: --fit=first|next|best, --order=lifo|addr\n", a);
				return HS_EXIT_USAGE;
			}
		} else if (opts && is_opt(a, "--allocator")) {
			v = value(argc, argv, &i, "--allocator");
			alloc_name = v;
			const tb_alloc *d = v ? tb_find_variant(v, NULL) : NULL;
			size_t vl = v ? strlen(v) : 0;
			if (vl > 2 && (!strcmp(v + vl - 2, ".c") || (vl > 3 && !strcmp(v + vl - 3, ".so")))) {
				student_file = v;
				continue;
			}
			if (!d && !(v && !strcmp(v, "glibc"))) {
				fprintf(stderr, "heapscope: unknown allocator '%s'; the built-in ones are glibc", v ? v : "");
				for (int k = 0; tb_allocs[k]; k++)
					fprintf(stderr, ", %s", tb_allocs[k]->name);
				fprintf(stderr, ", or your mm.c or mm.so\n");
				return HS_EXIT_USAGE;
			}
			bo.design = to.design = d;
		} else if (opts && !strcmp(a, "--aslr")) {
			bo.aslr = to.aslr = true;
		} else if (opts && is_opt(a, "--seed")) {
			v = value(argc, argv, &i, "--seed");
			if (!v || parse_u64(v, &bo.seed)) {
				fprintf(stderr, "heapscope: --seed needs a non-negative number, not '%s'\n", v ? v : "");
				return HS_EXIT_USAGE;
			}
			to.seed = bo.seed;
		} else if (opts && is_opt(a, "--theme")) {
			v = value(argc, argv, &i, "--theme");
			if (!v || !*v) {
				fprintf(stderr, "heapscope: --theme needs a name or a path\n");
				return HS_EXIT_USAGE;
			}
			to.theme = v;
		} else if (opts && a[0] == '-' && a[1]) {
			fprintf(stderr, "heapscope: unknown option '%s'\n", a);
			usage(stderr);
			return HS_EXIT_USAGE;
		} else if (compare) {
			if (noperands == 255) {
				fprintf(stderr, "heapscope: --compare takes at most 255 traces\n");
				return HS_EXIT_USAGE;
			}
			operands[noperands++] = a;
		} else if (!script) {
			script = a;
		} else {
			fprintf(stderr, "heapscope: only one script can be opened (got '%s' and '%s')\n", script, a);
			return HS_EXIT_USAGE;
		}
	}
	if (compare) {
		if (script)
			operands[noperands++] = script;
		if (!noperands) {
			fprintf(stderr, "heapscope: --compare needs malloc-lab traces to run\n");
			return HS_EXIT_USAGE;
		}
		return finish_output(compare_run(compare, operands, noperands, bo.check_heap, limit_ms));
	}
	if (fit) {
		/* implicit --fit=best, explicit --order=addr */
		const tb_alloc *d = alloc_name ? tb_find_variant(alloc_name, fit) : NULL;
		if (!d) {
			fprintf(stderr, "heapscope: '%s' is not a policy of --allocator=%s (implicit takes --fit=first|next|best, "
					"explicit --order=lifo|addr)\n", fit, alloc_name ? alloc_name : "?");
			return HS_EXIT_USAGE;
		}
		bo.design = to.design = d;
	}
	if (arch && !strcmp(arch, "i386")) {
		/* an i386 process: under a 32-bit kernel (3G/1G) unless told 64 */
		if (bo.aslr || bo.legacy || bo.design || student_file || compare) {
			fprintf(stderr, "heapscope: --arch=i386 models glibc's own allocator without ASLR in the flexible "
					"layout; it does not combine with --aslr, --layout, --allocator or --compare\n");
			return HS_EXIT_USAGE;
		}
		bo.arch = to.arch = kernel && !strcmp(kernel, "64") ? ALLOC_ARCH_I386_K64 : ALLOC_ARCH_I386;
	} else if (kernel && !strcmp(kernel, "32")) {
		fprintf(stderr, "heapscope: --kernel=32 goes with --arch=i386 (an x86-64 process needs a 64-bit kernel)\n");
		return HS_EXIT_USAGE;
	}
	if (cs_app && !student_file) {
		fprintf(stderr, "heapscope: --block-format goes with --allocator=./mm.c (your own allocator)\n");
		return HS_EXIT_USAGE;
	}
	if (student_file) {
		/* a student's allocator: compiled now, run in a child process */
		char *err = NULL;
		student *st = student_open(student_file, limit_ms, !batch, &err);
		if (!st) {
			fprintf(stderr, "heapscope: %s", err ? err : "it cannot be built\n");
			free(err);
			return HS_EXIT_SCRIPT_ERROR;
		}
		bo.mm = to.mm = alloc_mm_new(st, cs_app);
	}
	if (batch) {
		if (!script) {
			fprintf(stderr, "heapscope: --batch needs a script (or - for stdin)\n");
			return HS_EXIT_USAGE;
		}
		bo.path = script;
		if (export_dir) {
			to.script = script;
			return tui_export_pauses(&to, export_dir, ecols, erows);
		}
		return batch_run(&bo);
	}
	const char *why = tui_unusable();
	if (why) {
		fprintf(stderr,
			"heapscope: %s, so the interactive view cannot start.\n"
			"Run a script headless instead:  heapscope --batch %s\n",
			why, script ? script : "FILE   (or - to read commands from stdin)");
		return HS_EXIT_NO_TERMINAL;
	}
	to.script = script;
	return tui_run(&to);
}
