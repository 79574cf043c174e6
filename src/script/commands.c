/*
 * commands.c - the command table and the commands' handlers.
 *
 * SESS_COMMANDS is the one list of what can be typed: it gives the parser
 * its verbs and each one's argument specification (parsed before the
 * handler runs, see parse.c), `help` its text, and the REPL its
 * completions.  Rows with an engine operation are the allocator's C
 * functions, run by the parser itself; the other rows have a handler that
 * receives typed arguments and their columns for error messages.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "internal.h"

/* Columns: NAME, ARGS (see sess_arg), OP (engine operation or -1), FN (a C
 * function, callable as name(args)), YIELDS (a value to assign), USAGE,
 * HELP, EXAMPLE, HANDLER. */
#define SESS_COMMANDS(X)                                                                                        \
	X("malloc", "E", ENG_MALLOC, 1, 1, "SIZE", "allocate SIZE bytes", "p = malloc(24)", NULL)                \
	X("free", "E", ENG_FREE, 1, 0, "PTR",                                                                   \
	  "release a block (p + 16 and other pointers reach glibc's checks)", "free(p)", NULL)                  \
	X("calloc", "EE", ENG_CALLOC, 1, 1, "N SIZE", "allocate N*SIZE zeroed bytes", "q = calloc(4, 8)", NULL)  \
	X("realloc", "EE", ENG_REALLOC, 1, 1, "PTR SIZE", "resize a block in place or move it",                 \
	  "p = realloc(p, 100)", NULL)                                                                          \
	X("memalign", "EE", ENG_MEMALIGN, 1, 1, "ALIGN SIZE",                                                   \
	  "SIZE bytes at a multiple of ALIGN (raised to a power of two, at least 32)", "p = memalign(64, 100)",  \
	  NULL)                                                                                                 \
	X("aligned_alloc", "EE", ENG_ALIGNED_ALLOC, 1, 1, "ALIGN SIZE",                                         \
	  "C11's memalign (the same function in glibc 2.36)", "p = aligned_alloc(4096, 8192)", NULL)            \
	X("posix_memalign", "AEE", ENG_POSIX_MEMALIGN, 1, 0, "&PTR ALIGN SIZE",                                 \
	  "memalign into PTR: 0, EINVAL (ALIGN not a power-of-two multiple of 8) or ENOMEM",                     \
	  "posix_memalign(&p, 256, 1000)", NULL)                                                                \
	X("valloc", "E", ENG_VALLOC, 1, 1, "SIZE", "SIZE bytes at the start of a page", "p = valloc(100)", NULL) \
	X("pvalloc", "E", ENG_PVALLOC, 1, 1, "SIZE", "whole pages (SIZE rounded up to a page), page-aligned",   \
	  "p = pvalloc(100)", NULL)                                                                             \
	X("mmap", "EEEEEE", ENG_MMAP, 1, 1, "ADDR LEN PROT FLAGS FD OFFSET",                                    \
	  "the program maps anonymous memory itself (placed by the kernel's rule; MAP_FAILED on error)",        \
	  "m = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", NULL)                  \
	X("mmap_file", "SE", ENG_MMAP_FILE, 1, 1, "\"PATH\" LEN", "the program maps LEN bytes of a file, read-only", \
	  "f = mmap_file(\"data.bin\", 3 * 4096)", NULL)                                                          \
	X("munmap", "EE", ENG_MUNMAP, 1, 1, "ADDR LEN", "the program unmaps a range (splitting mappings)",         \
	  "munmap(m, 4096)", NULL)                                                                              \
	X("mprotect", "EEE", ENG_MPROTECT, 1, 1, "ADDR LEN PROT", "the program changes a range's permissions",   \
	  "mprotect(m, 4096, PROT_READ)", NULL)                                                                 \
	X("call", "We", -1, 0, 0, "NAME [FRAME_BYTES]",                                                          \
	  "the program calls NAME: its return address, saved rbp and FRAME_BYTES of locals go on the stack",     \
	  "call parse 4096", cmd_call)                                                                          \
	X("ret", "", -1, 0, 0, "", "the innermost function returns: its frame leaves the stack (the mapping stays)", \
	  "ret", cmd_ret)                                                                                       \
	X("local", "W", -1, 0, 0, "NAME[BYTES]", "an array in the current frame; NAME holds its address",      \
	  "local buf[100]", cmd_local)                                                                          \
	X("alloca", "E", ENG_ALLOCA, 1, 1, "BYTES", "BYTES taken on the stack in the current frame",             \
	  "p = alloca(64)", NULL)                                                                               \
	X("ulimit", "WW", -1, 0, 0, "-s KIB|unlimited", "RLIMIT_STACK: how far the stack may grow (8192 KiB)",   \
	  "ulimit -s 16384", cmd_ulimit)                                                                        \
	X("bt", "", -1, 0, 0, "", "the frames on the stack, innermost first", "bt", cmd_bt)                     \
	X("thread", "E", -1, 0, 0, "N",                                                                        \
	  "thread N (0 = main) makes the calls that follow; a new thread is created by main first (its stack, "   \
	  "its dtv); a line may also start with tN: for one call",                                              \
	  "thread 1", cmd_thread)                                                                               \
	X("thread_create", "Ee", -1, 0, 0, "N [DTV_ENTRIES]",                                                  \
	  "the running thread calls pthread_create: thread N gets a stack (or a cached one) and its dtv, "       \
	  "calloc'd by the running thread (recordings use it; tN: alone has main create N)",                    \
	  "thread_create 2", cmd_thread_create)                                                                 \
	X("thread_exit", "Ew", -1, 0, 0, "N [unjoined]",                                                       \
	  "thread N returns and main joins it: its tcache goes back to the arenas, its arena to the free list, " \
	  "its stack to the stack cache; unjoined: its stack stays mapped until thread_join N",                 \
	  "thread_exit 1", cmd_thread_exit)                                                                     \
	X("thread_join", "E", -1, 0, 0, "N",                                                                   \
	  "the running thread calls pthread_join on thread N, which returned unjoined: its stack goes to the "   \
	  "stack cache (past 40 MiB the oldest are unmapped and their dtv freed)",                              \
	  "thread_join 1", cmd_thread_join)                                                                     \
	X("cores", "E", -1, 0, 0, "N",                                                                         \
	  "the CPUs the process sees (default 2): past arena_test, malloc makes at most 8 x N arenas",          \
	  "cores 1", cmd_cores)                                                                                 \
	X("arenas", "", -1, 0, 0, "", "every arena: its heaps, top, system memory and threads", "arenas",      \
	  cmd_arenas)                                                                                           \
	X("arena", "e", -1, 0, 0, "[K]", "show arena K (0 = main_arena) in chunks, bins and the panes; alone: the next (F4)", \
	  "arena 1", cmd_arena)                                                                                 \
	X("malloc_trim", "E", ENG_TRIM, 1, 1, "PAD", "consolidate and give free memory back to the system",      \
	  "malloc_trim(0)", NULL)                                                                               \
	X("mallopt", "EE", ENG_MALLOPT, 1, 1, "PARAM VALUE",                                                    \
	  "set an allocator parameter (M_MXFAST, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, ...)",                     \
	  "mallopt(M_MMAP_THRESHOLD, 65536)", NULL)                                                             \
	X("malloc_usable_size", "E", -1, 1, 0, "PTR", "bytes the program may use in the block",                 \
	  "malloc_usable_size(p)", cmd_usable)                                                                  \
	X("memset", "EEE", ENG_MEMSET, 1, 0, "PTR BYTE N", "the program writes N bytes of BYTE at PTR",         \
	  "memset(p, 0x41, 16)", NULL)                                                                          \
	X("strcpy", "ES", ENG_STRCPY, 1, 0, "PTR \"TEXT\"", "the program writes a string and its terminator",   \
	  "strcpy(p, \"hi\")", NULL)                                                                            \
	X("printf", "Se*", ENG_PRINT, 1, 0, "\"FORMAT\" [ARGS]",                                                  \
	  "the program prints on stdout (its first output mallocs stdout's buffer)", "printf(\"Before:%p\", sbrk(0))", \
	  NULL)                                                                                                 \
	X("puts", "S", ENG_PRINT, 1, 0, "\"TEXT\"", "the program prints a line on stdout", "puts(\"hello\")", NULL) \
	X("fprintf", "ESe*", ENG_PRINT, 1, 0, "STREAM \"FORMAT\" [ARGS]",                                        \
	  "print on stdout, stderr (unbuffered: no malloc) or a FILE from fopen", "fprintf(stderr, \"oops\\n\")", NULL) \
	X("fputs", "SE", ENG_PRINT, 1, 0, "\"TEXT\" STREAM", "write a string to stdout, stderr or a FILE",         \
	  "fputs(\"x\", f)", NULL)                                                                                \
	X("fgetc", "E", ENG_FILEIO, 1, 0, "FILE", "read from a FILE (its first read mallocs its buffer)", "fgetc(f)", \
	  NULL)                                                                                                 \
	X("fopen", "SS", ENG_FOPEN, 1, 1, "\"PATH\" \"MODE\"", "malloc a FILE (a 0x1e0 chunk); no real file is opened", \
	  "f = fopen(\"data.txt\", \"w\")", NULL)                                                                   \
	X("fclose", "E", ENG_FCLOSE, 1, 0, "FILE", "free the FILE's buffer, then the FILE", "fclose(f)", NULL)     \
	X("fflush", "E", -1, 1, 0, "STREAM", "flush a stream (it allocates nothing)", "fflush(stdout)", cmd_fflush) \
	X("setvbuf", "EEEE", ENG_SETVBUF, 1, 0, "stdout NULL MODE SIZE",                                           \
	  "_IONBF: stdout unbuffered (no buffer, a buffer it had is freed); _IOLBF/_IOFBF: allocated now",       \
	  "setvbuf(stdout, NULL, _IONBF, 0)", NULL)                                                             \
	X("sbrk", "E", ENG_SBRK, 1, 1, "INCREMENT",                                                              \
	  "move the program break (the old break is returned; sbrk(0) also works inside expressions)",           \
	  "p = sbrk(4096)", NULL)                                                                               \
	X("brk", "E", ENG_BRK, 1, 1, "ADDRESS", "set the program break (0, or -1 when the kernel refuses)",       \
	  "r = brk(sbrk(0) + 8192)", NULL)                                                                      \
	X("stdout", "W", -1, 0, 0, "tty|pipe|file",                                                             \
	  "where stdout goes, which sets its buffer: 1024 bytes on a tty, 4096 on a pipe or file", "stdout pipe", \
	  cmd_stdout)                                                                                           \
	X("heap_start", "E", -1, 0, 0, "ADDR",                                                                  \
	  "before the first call: the heap (the initial break) starts at ADDR, as in a recorded run",           \
	  "heap_start 0x55555557a000", cmd_heap_start)                                                          \
	X("mmap_base", "E", -1, 0, 0, "ADDR",                                                                   \
	  "before the first call: mmap places mappings top-down from ADDR (ld.so ends there)",                  \
	  "mmap_base 0x7ffff7fff000", cmd_mmap_base)                                                            \
	X("tunable", "WE", -1, 0, 0, "NAME VALUE",                                                              \
	  "a GLIBC_TUNABLES setting (tcache_count, tcache_max, mxfast, ...), before the first allocation",       \
	  "tunable tcache_count 0", cmd_tunable)                                                                \
	X("chunks", "", -1, 0, 0, "", "list every chunk of the heap in address order", "chunks", cmd_chunks)   \
	X("bins", "w*", -1, 0, 0, "[all] [raw]", "show tcache, fastbins, unsorted, small and large bins",       \
	  "bins all", cmd_bins)                                                                                 \
	X("maps", "", -1, 0, 0, "", "the process's mappings, like /proc/PID/maps", "maps", cmd_maps)            \
	X("hexdump", "Ee", -1, 0, 0, "ADDR [N]", "dump N bytes (default 64) of simulated memory",               \
	  "hexdump p - 16 32", cmd_hexdump)                                                                     \
	X("stats", "", -1, 0, 0, "", "malloc_stats() and mallinfo2() figures", "stats", cmd_stats)              \
	X("where", "E", -1, 0, 0, "ADDR",                                                                       \
	  "what holds an address: mapping, permissions, segment; in the heap, the chunk and the offset in it",   \
	  "where p + 8", cmd_where)                                                                             \
	X("vars", "", -1, 0, 0, "", "variables and the chunks they point into", "vars", cmd_vars)               \
	X("explain", "", -1, 0, 0, "", "why the last operation went as it did, step by step", "explain",        \
	  cmd_explain)                                                                                          \
	X("check", "", -1, 0, 0, "", "verify every heap invariant", "check", cmd_check)                         \
	X("undo", "", -1, 0, 0, "", "go back one operation (the script follows)", "undo", cmd_undo)             \
	X("redo", "", -1, 0, 0, "", "run the next operation again", "redo", cmd_redo)                           \
	X("goto", "E", -1, 0, 0, "N", "show the state after operation N (0 = before the first)", "goto 3",      \
	  cmd_goto)                                                                                             \
	X("load", "P", -1, 0, 0, "FILE",                                                                        \
	  "load a script or trace to step through (in a script: go on with FILE)", "load demos/first-steps.hs",  \
	  cmd_load)                                                                                             \
	X("step", "", -1, 0, 0, "", "run the next line of the loaded script", "step", cmd_step)                 \
	X("continue", "", -1, 0, 0, "", "run the loaded script to the next pause or its end", "continue",       \
	  cmd_continue)                                                                                         \
	X("play", "n", -1, 0, 0, "[DELAY]", "play the script line by line, DELAY seconds apart (a key stops)",  \
	  "play 0.5", cmd_play)                                                                                 \
	X("pause", "s", -1, 0, 0, "[\"TEXT\"]", "in a script: `continue` and `play` stop here (and show TEXT)",    \
	  "pause \"the tcache is full now\"", cmd_pause)                                                       \
	X("say", "S", -1, 0, 0, "\"TEXT\"", "show TEXT as the caption until the next say", "say \"free puts it in the tcache\"", \
	  cmd_say)                                                                                              \
	X("title", "S", -1, 0, 0, "\"TEXT\"", "name the scene in the status bar", "title \"Scene 2: fastbins\"", \
	  cmd_title)                                                                                            \
	X("reset", "", -1, 0, 0, "", "start a fresh process (default tunables; undo goes back across it)", "reset", \
	  cmd_reset)                                                                                            \
	X("allocator", "Pw", -1, 0, 0, "NAME|FILE [POLICY|cs-app]",                                             \
	  "a fresh process whose malloc is NAME: glibc, bump, implicit [first|next|best], explicit [lifo|addr], segregated, buddy; or your mm.c (or .so), run in its own process (cs-app: draw its CS:APP blocks)", \
	  "allocator implicit-first", cmd_allocator)                                                            \
	X("compare", "P", -1, 0, 0, "NAME|FILE|off",                                                            \
	  "from now on, NAME (or your mm.c) runs the same calls beside the allocator, in a second pane (TUI)",  \
	  "compare implicit-first", cmd_compare)                                                                \
	X("aslr", "Wn", -1, 0, 0, "on|off [SEED]",                                                               \
	  "a fresh process with the bases randomised as Linux does (on) or at gdb's fixed addresses (off)",     \
	  "aslr on 7", cmd_aslr)                                                                                \
	X("theme", "p", -1, 0, 0, "[NAME|PATH]", "switch colours: default light classroom colorblind mono",     \
	  "theme classroom", cmd_theme)                                                                         \
	X("clear", "", -1, 0, 0, "", "clear the log pane", "clear", cmd_clear)                                  \
	X("export", "Pp", -1, 0, 0, "[PANE] FILE",                                                              \
	  "write the screen (or chunks, bins, space, log, script) to FILE: .txt .ans .html .svg",               \
	  "export chunks slide.svg", cmd_export)                                                                \
	X("help", "w", -1, 0, 0, "[CMD]", "list commands, or explain one", "help malloc", cmd_help)             \
	X("quit", "", -1, 0, 0, "", "leave heapscope (also Ctrl-D)", "quit", cmd_quit)                          \
	X("exit", "", -1, 0, 0, "", "leave heapscope", "exit", cmd_quit)

static int cmd_usable(session *s, const sess_args *a);
static int cmd_tunable(session *s, const sess_args *a);
static int cmd_chunks(session *s, const sess_args *a);
static int cmd_bins(session *s, const sess_args *a);
static int cmd_maps(session *s, const sess_args *a);
static int cmd_hexdump(session *s, const sess_args *a);
static int cmd_stats(session *s, const sess_args *a);
static int cmd_where(session *s, const sess_args *a);
static int cmd_vars(session *s, const sess_args *a);
static int cmd_explain(session *s, const sess_args *a);
static int cmd_check(session *s, const sess_args *a);
static int cmd_undo(session *s, const sess_args *a);
static int cmd_redo(session *s, const sess_args *a);
static int cmd_goto(session *s, const sess_args *a);
static int cmd_load(session *s, const sess_args *a);
static int cmd_step(session *s, const sess_args *a);
static int cmd_continue(session *s, const sess_args *a);
static int cmd_play(session *s, const sess_args *a);
static int cmd_pause(session *s, const sess_args *a);
static int cmd_theme(session *s, const sess_args *a);
static int cmd_say(session *s, const sess_args *a);
static int cmd_fflush(session *s, const sess_args *a);

static int cmd_stdout(session *s, const sess_args *a);
static int cmd_export(session *s, const sess_args *a);
static int cmd_title(session *s, const sess_args *a);
static int cmd_reset(session *s, const sess_args *a);
static int cmd_aslr(session *s, const sess_args *a);
static int cmd_allocator(session *s, const sess_args *a);
static int cmd_compare(session *s, const sess_args *a);
static int cmd_clear(session *s, const sess_args *a);
static int cmd_help(session *s, const sess_args *a);
static int cmd_quit(session *s, const sess_args *a);
static int cmd_heap_start(session *s, const sess_args *a);
static int cmd_call(session *s, const sess_args *a);
static int cmd_ret(session *s, const sess_args *a);
static int cmd_local(session *s, const sess_args *a);
static int cmd_ulimit(session *s, const sess_args *a);
static int cmd_bt(session *s, const sess_args *a);
static int cmd_thread(session *s, const sess_args *a);
static int cmd_thread_exit(session *s, const sess_args *a);
static int cmd_thread_join(session *s, const sess_args *a);
static int cmd_thread_create(session *s, const sess_args *a);
static int cmd_cores(session *s, const sess_args *a);
static int cmd_arenas(session *s, const sess_args *a);
static int cmd_arena(session *s, const sess_args *a);
static int cmd_mmap_base(session *s, const sess_args *a);

const sess_cmd sess_cmds[] = {
#define ROW(name, spec, op, fn, yields, usage, help, example, handler) \
	{name, spec, op, fn, yields, usage, help, example, handler},
	SESS_COMMANDS(ROW)
#undef ROW
};
const size_t sess_ncmds = sizeof sess_cmds / sizeof *sess_cmds;

const sess_cmd *sess_find_cmd(const char *name)
{
	for (size_t i = 0; i < sess_ncmds; i++)
		if (!strcmp(sess_cmds[i].name, name))
			return &sess_cmds[i];
	return NULL;
}

static void emit(session *s, sbuf *b)
{
	if (b->n)
		sess_printf(s, SESS_OUT, "%s", b->s);
	sb_free(b);
}

/* Copy word argument i into buf; false (with an error) when it is too long. */
static bool word(session *s, const sess_args *a, int i, char *buf, size_t cap)
{
	if (a->v[i].len >= cap) {
		script_error(s, a->file, a->line, a->v[i].col, NULL, "'%.40s...' is too long (at most %zu bytes)",
			     a->v[i].text, cap - 1);
		return false;
	}
	memcpy(buf, a->v[i].text, a->v[i].len);
	buf[a->v[i].len] = 0;
	return true;
}

static int cmd_help(session *s, const sess_args *a)
{
	sbuf b = {0};
	if (a->n) {
		char w[64];
		if (!word(s, a, 0, w, sizeof w))
			return SESS_ERROR;
		const sess_cmd *c = sess_find_cmd(w);
		if (!c) {
			script_error(s, a->file, a->line, a->v[0].col, NULL, "no command named '%s' (type 'help' for the list)",
				     w);
			return SESS_ERROR;
		}
		sb_printf(&b, "%s%s%s\n  %s\n  example: %s\n", c->name, c->usage[0] ? " " : "", c->usage, c->help,
			  c->example);
		emit(s, &b);
		return SESS_OK;
	}
	sb_printf(&b, "Statements: p = malloc(24); free(p); q = calloc(4, 8); p = realloc(p, 100);\n"
		      "  *(p - 8) = 0x91 stores a word; short forms: malloc 24, free p; numbers in decimal or 0x hex;\n"
		      "  # or // starts a comment.\n"
		      "Commands (help CMD explains one):\n");
	for (size_t i = 0; i < sess_ncmds; i++)
		sb_printf(&b, "  %-18s %-16s %s\n", sess_cmds[i].name, sess_cmds[i].usage, sess_cmds[i].help);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_chunks(session *s, const sess_args *a)
{
	(void)a;
	sbuf b = {0};
	report_chunks(&b, s->eng, sess_view(s));
	emit(s, &b);
	return SESS_OK;
}

static int cmd_bins(session *s, const sess_args *a)
{
	bool all = false, raw = false;
	for (int i = 0; i < a->n; i++) {
		char w[16];
		if (a->v[i].len == 3 && !memcmp(a->v[i].text, "all", 3))
			all = true;
		else if (a->v[i].len == 3 && !memcmp(a->v[i].text, "raw", 3))
			raw = true;
		else {
			snprintf(w, sizeof w, "%.*s", (int)(a->v[i].len < 12 ? a->v[i].len : 12), a->v[i].text);
			script_error(s, a->file, a->line, a->v[i].col, NULL, "bins takes 'all' and/or 'raw', not '%s%s'", w,
				     a->v[i].len > 12 ? "..." : "");
			return SESS_ERROR;
		}
	}
	sbuf b = {0};
	report_bins(&b, s->eng, sess_view(s), all, raw);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_maps(session *s, const sess_args *a)
{
	(void)a;
	sbuf b = {0};
	report_maps(&b, eng_heap(s->eng));
	emit(s, &b);
	return SESS_OK;
}

static int cmd_where(session *s, const sess_args *a)
{
	sbuf b = {0};
	report_where(&b, eng_heap(s->eng), sess_view(s), a->v[0].num);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_stats(session *s, const sess_args *a)
{
	(void)a;
	sbuf b = {0};
	report_stats(&b, eng_heap(s->eng));
	emit(s, &b);
	return SESS_OK;
}

static int cmd_check(session *s, const sess_args *a)
{
	(void)a;
	char msg[256];
	alloc *h = eng_heap(s->eng);
	if (h->mm && !alloc_mm_blocks_known(h))
		sess_printf(s, SESS_OUT, "heapscope cannot see your allocator's blocks (define mm_walk, or use "
					 "--block-format=cs-app); each call's payloads were checked as it ran\n");
	else if (hv_check(h, msg, sizeof msg) == 0)
		sess_printf(s, SESS_OUT, "heap is consistent\n");
	else
		sess_printf(s, SESS_WARN, "heap check: %s\n", msg);
	return SESS_OK;
}

static int cmd_vars(session *s, const sess_args *a)
{
	(void)a;
	engine *e = s->eng;
	const heapview *v = sess_view(s);
	sbuf b = {0};
	for (uint32_t i = 0; i < eng_nnames(e); i++) {
		uint64_t val;
		if (!eng_var_get(e, (int32_t)i, &val)) {
			sb_printf(&b, "  %-10s (no value)\n", eng_var_name(e, (int32_t)i));
			continue;
		}
		long k = val ? hv_find(v, val) : -1;
		sb_printf(&b, "  %-10s 0x%llx", eng_var_name(e, (int32_t)i), (unsigned long long)val);
		if (k >= 0)
			sb_printf(&b, "  in chunk 0x%llx (%s)", (unsigned long long)v->chunks[k].addr,
				  alloc_bin_name(v->chunks[k].state));
		sb_printf(&b, "\n");
	}
	if (!eng_nnames(e))
		sb_printf(&b, "no variables yet\n");
	emit(s, &b);
	return SESS_OK;
}

static int cmd_hexdump(session *s, const sess_args *a)
{
	uint64_t n = a->n > 1 ? a->v[1].num : 64;
	if (n > 65536) {
		script_error(s, a->file, a->line, a->v[1].col, NULL, "hexdump shows at most 65536 bytes");
		return SESS_ERROR;
	}
	sbuf b = {0};
	report_hexdump(&b, eng_heap(s->eng), a->v[0].num, n);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_explain(session *s, const sess_args *a)
{
	(void)a;
	const eng_result *r = eng_last_result(s->eng);
	if (!r) {
		sess_printf(s, SESS_INFO, "no operation to explain: the last command was not an allocator call (after "
					  "undo or goto, run one again)\n");
		return SESS_OK;
	}
	sbuf b = {0};
	sb_printf(&b, "operation #%llu (%s):\n", (unsigned long long)r->seq + 1, eng_op_name(r->kind));
	report_explain(&b, eng_heap(s->eng), r);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_undo(session *s, const sess_args *a)
{
	(void)a;
	if (!eng_undo(s->eng)) {
		sess_printf(s, SESS_WARN, "nothing to undo\n");
		return SESS_OK;
	}
	script_sync(s);
	sess_printf(s, SESS_INFO, "undone: now after operation %zu of %zu\n", eng_pos(s->eng), eng_count(s->eng));
	return SESS_OK;
}

static int cmd_redo(session *s, const sess_args *a)
{
	(void)a;
	eng_result r;
	if (!eng_redo(s->eng, &r)) {
		sess_printf(s, SESS_WARN, "nothing to redo\n");
		return SESS_OK;
	}
	script_sync(s);
	sess_printf(s, SESS_INFO, "redone operation %llu (%s): now after %zu of %zu\n", (unsigned long long)r.seq + 1,
		    eng_op_name(r.kind), eng_pos(s->eng), eng_count(s->eng));
	return SESS_OK;
}

static int cmd_goto(session *s, const sess_args *a)
{
	uint64_t n = a->v[0].num;
	size_t count = eng_count(s->eng);
	if (n > count) {
		if (count == 0)
			script_error(s, a->file, a->line, a->v[0].col, NULL, "no operation has run yet: only goto 0 works");
		else if (n > (uint64_t)INT64_MAX)
			script_error(s, a->file, a->line, a->v[0].col, NULL,
				     "goto takes a position from 0 to %zu, not a negative number", count);
		else
			script_error(s, a->file, a->line, a->v[0].col, NULL,
				     "goto takes a position from 0 to %zu (the operations so far), not %llu", count,
				     (unsigned long long)n);
		return SESS_ERROR;
	}
	eng_goto(s->eng, (size_t)n);
	script_sync(s);
	sess_printf(s, SESS_INFO, "now after operation %zu of %zu\n", eng_pos(s->eng), count);
	return SESS_OK;
}

static int cmd_tunable(session *s, const sess_args *a)
{
	char name[64];
	int id = a->v[0].len < sizeof name && word(s, a, 0, name, sizeof name) ? alloc_tunable_find(name) : -1;
	if (id < 0) {
		sbuf b = {0};
		for (int i = 0; alloc_tunable_name(i); i++)
			sb_printf(&b, " %s", alloc_tunable_name(i));
		script_error(s, a->file, a->line, a->v[0].col, NULL, "unknown tunable; NAME is one of%s", b.s);
		sb_free(&b);
		return SESS_ERROR;
	}
	uint64_t v = a->v[1].num;
	if (!alloc_tunable_valid(id, v)) {
		script_error(s, a->file, a->line, a->v[1].col, NULL, "value %llu is out of range for %s",
			     (unsigned long long)v, name);
		return SESS_ERROR;
	}
	if (eng_heap(s->eng)->initialized) {
		script_error(s, a->file, a->line, a->col, NULL,
			     "tunables apply when the process starts, before the first allocator call; "
			     "type `reset` for a fresh process first");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_TUNABLE, .dst = -1, .x = (uint64_t)id, .y = v};
	return script_run_op(s, &op, NULL);
}

/* heap_start ADDR and mmap_base ADDR: where a real run's heap and mmap
 * area were, so that a recording replays at its own addresses. */
static int layout_directive(session *s, const sess_args *a, int op_kind)
{
	bool heap = op_kind == ENG_HEAP_START;
	uint64_t v = a->v[0].num;
	int r = alloc_layout_check(eng_heap(s->eng), heap, v);
	if (r == -2) {
		script_error(s, a->file, a->line, a->col, NULL,
			     "%s applies when the process starts, before the first allocator call; type `reset` for a "
			     "fresh process first",
			     heap ? "heap_start" : "mmap_base");
		return SESS_ERROR;
	}
	if (r) {
		script_error(s, a->file, a->line, a->v[0].col, NULL,
			     heap ? "0x%llx cannot start the heap: it must be page-aligned with a free gigabyte above it"
				  : "0x%llx cannot be the mmap base: it must be page-aligned, below the stack and 64 GiB "
				    "above the heap",
			     (unsigned long long)v);
		return SESS_ERROR;
	}
	eng_op op = {.kind = (uint8_t)op_kind, .dst = -1, .x = v};
	return script_run_op(s, &op, NULL);
}

static int cmd_heap_start(session *s, const sess_args *a)
{
	return layout_directive(s, a, ENG_HEAP_START);
}

static int cmd_mmap_base(session *s, const sess_args *a)
{
	return layout_directive(s, a, ENG_MMAP_BASE);
}

/* call NAME [FRAME_BYTES] */
static int cmd_call(session *s, const sess_args *a)
{
	char name[24];
	size_t n = a->v[0].len < sizeof name - 1 ? a->v[0].len : sizeof name - 1;
	memcpy(name, a->v[0].text, n);
	name[n] = 0;
	eng_op op = {.kind = ENG_CALL, .dst = -1, .x = a->n > 1 ? a->v[1].num : 0};
	op.y = eng_blob_add(s->eng, name, n + 1);
	return script_run_op(s, &op, NULL);
}

static int cmd_ret(session *s, const sess_args *a)
{
	if (!eng_heap(s->eng)->nframes) {
		script_error(s, a->file, a->line, a->col, NULL,
			     "no function to return from: main is the outermost frame (`call NAME BYTES` first)");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_RET, .dst = -1};
	return script_run_op(s, &op, NULL);
}

/* local NAME[BYTES]: alloca into the variable NAME */
static int cmd_local(session *s, const sess_args *a)
{
	char w[128];
	if (a->v[0].len >= sizeof w) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "the name is too long");
		return SESS_ERROR;
	}
	memcpy(w, a->v[0].text, a->v[0].len);
	w[a->v[0].len] = 0;
	char *br = strchr(w, '['), *end = NULL;
	unsigned long long bytes = br ? strtoull(br + 1, &end, 0) : 0;
	if (!br || br == w || !end || end == br + 1 || strcmp(end, "]")) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "expected NAME[BYTES], such as buf[100]");
		return SESS_ERROR;
	}
	*br = 0;
	for (char *c = w; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_') || isdigit((unsigned char)w[0])) {
			script_error(s, a->file, a->line, a->v[0].col, NULL, "'%s' is not a variable name", w);
			return SESS_ERROR;
		}
	int32_t v = eng_var(s->eng, w, true);
	if (v < 0) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "too many variables");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_ALLOCA, .dst = v, .x = bytes};
	return script_run_op(s, &op, w);
}

/* ulimit -s KIB|unlimited */
static int cmd_ulimit(session *s, const sess_args *a)
{
	char opt[8] = "", val[32] = "";
	word(s, a, 0, opt, sizeof opt);
	word(s, a, 1, val, sizeof val);
	if (strcmp(opt, "-s")) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "only the stack's limit is modelled: ulimit -s KIB");
		return SESS_ERROR;
	}
	char *end;
	unsigned long long kib = strtoull(val, &end, 10);
	bool unlimited = !strcmp(val, "unlimited");
	if (!unlimited && (*end || !*val || kib < 4 || kib > (1ull << 34))) {
		script_error(s, a->file, a->line, a->v[1].col, NULL, "expected a size in KiB (at least 4) or unlimited");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_ULIMIT, .dst = -1, .x = unlimited ? 1ull << 46 : kib << 10};
	return script_run_op(s, &op, NULL);
}

/* a thread number stays taken until its thread is joined, as a pthread_t does */
#define UNJOINED "that thread has returned but no one has joined it: `thread_join N` first"

/* Why the process cannot have threads here, or NULL when it can. */
static const char *no_threads(session *s)
{
	const alloc *h = eng_heap(s->eng);
	if (alloc_ssz(h) != 8)
		return "threads and arenas are modelled for an x86-64 process only (not --arch=i386)";
	if (h->design)
		return "threads and arenas are glibc's: this process runs another allocator (`allocator glibc` first)";
	return NULL;
}

int script_thread_prefix(session *s, uint64_t n, const char *file, size_t line, size_t col)
{
	const char *why = no_threads(s);
	if (why) {
		script_error(s, file, line, col, NULL, "%s", why);
		return SESS_ERROR;
	}
	if (n >= ALLOC_MAX_THREADS) {
		script_error(s, file, line, col, NULL, "threads are numbered 0 (main) to %d", ALLOC_MAX_THREADS - 1);
		return SESS_ERROR;
	}
	if (n == eng_heap(s->eng)->thread)
		return SESS_OK;
	if (eng_heap(s->eng)->th[n].unjoined) {
		script_error(s, file, line, col, NULL, "%s", UNJOINED);
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_THREAD, .dst = -1, .x = n};
	return script_run_op(s, &op, NULL);
}

/* thread N: N runs the calls that follow */
static int cmd_thread(session *s, const sess_args *a)
{
	return script_thread_prefix(s, a->v[0].num, a->file, a->line, a->v[0].col);
}

/* thread_create N */
static int cmd_thread_create(session *s, const sess_args *a)
{
	const char *why = no_threads(s);
	uint64_t n = a->v[0].num;
	if (!why && (n == 0 || n >= ALLOC_MAX_THREADS))
		why = "threads 1 to 63 can be created (0 is main)";
	else if (!why && eng_heap(s->eng)->th[n].alive)
		why = "that thread is running already";
	else if (!why && eng_heap(s->eng)->th[n].unjoined)
		why = UNJOINED;
	if (why) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "%s", why);
		return SESS_ERROR;
	}
	uint64_t slots = a->n > 1 ? a->v[1].num : 0;
	if (a->n > 1 && (slots < 3 || slots > 4096)) {
		script_error(s, a->file, a->line, a->v[1].col, NULL, "a dtv has 3 to 4096 entries (17 with libc's TLS only)");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_THREAD_CREATE, .dst = -1, .x = n, .y = slots};
	return script_run_op(s, &op, NULL);
}

/* thread_exit N [unjoined] */
static int cmd_thread_exit(session *s, const sess_args *a)
{
	const char *why = no_threads(s);
	uint64_t n = a->v[0].num;
	const alloc *h = eng_heap(s->eng);
	if (!why && (n == 0 || n >= ALLOC_MAX_THREADS))
		why = "the main thread (0) does not exit here; threads 1 to 63 do";
	else if (!why && !h->th[n].alive)
		why = h->th[n].unjoined ? "that thread has returned already (thread_join N joins it)"
					: "that thread is not running (a thread starts with `thread N` or a tN: line)";
	if (why) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "%s", why);
		return SESS_ERROR;
	}
	bool unjoined = false;
	if (a->n > 1) {
		if (a->v[1].len != 8 || memcmp(a->v[1].text, "unjoined", 8)) {
			script_error(s, a->file, a->line, a->v[1].col, NULL,
				     "expected `unjoined` (the thread returns and no one joins it yet) or nothing");
			return SESS_ERROR;
		}
		unjoined = true;
	}
	eng_op op = {.kind = ENG_THREAD_EXIT, .dst = -1, .x = n, .y = unjoined};
	return script_run_op(s, &op, NULL);
}

/* thread_join N */
static int cmd_thread_join(session *s, const sess_args *a)
{
	const char *why = no_threads(s);
	uint64_t n = a->v[0].num;
	const alloc *h = eng_heap(s->eng);
	if (!why && (n == 0 || n >= ALLOC_MAX_THREADS))
		why = "threads 1 to 63 can be joined (main is not)";
	else if (!why && n == h->thread)
		why = "a thread cannot join itself (pthread_join returns EDEADLK)";
	else if (!why && h->th[n].alive)
		why = "that thread is still running: `thread_exit N unjoined` first";
	else if (!why && !h->th[n].unjoined)
		why = "that thread has no stack to give back: it was never created, or it was joined already";
	if (why) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "%s", why);
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_THREAD_JOIN, .dst = -1, .x = n};
	return script_run_op(s, &op, NULL);
}

/* cores N */
static int cmd_cores(session *s, const sess_args *a)
{
	uint64_t n = a->v[0].num;
	if (n < 1 || n > 64) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "cores: expected 1 to 64");
		return SESS_ERROR;
	}
	if (eng_heap(s->eng)->narenas_limit) {
		script_error(s, a->file, a->line, a->col, NULL,
			     "the arena limit was already computed from the cores (it is read once); type `reset` first");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_CORES, .dst = -1, .x = n};
	return script_run_op(s, &op, NULL);
}

/* arena [K]: which arena the snapshot shows */
static int cmd_arena(session *s, const sess_args *a)
{
	unsigned n = eng_heap(s->eng)->nar;
	if (a->n && a->v[0].num >= n) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "there %s %u arena%s: 0 (main_arena)%s", n == 1 ? "is" : "are",
			     n, n == 1 ? "" : "s", n > 1 ? " to the last thread arena" : "");
		return SESS_ERROR;
	}
	unsigned k = sess_show_arena(s, a->n ? (int)a->v[0].num : -1);
	sess_printf(s, SESS_INFO, "showing arena %u%s", k, k ? "" : " (main_arena)");
	return SESS_OK;
}

/* arenas: the ring from main_arena, with each arena's heaps and threads */
static int cmd_arenas(session *s, const sess_args *a)
{
	(void)a;
	alloc *h = eng_heap(s->eng);
	sbuf b = {0};
	report_arenas(&b, h);
	emit(s, &b);
	return SESS_OK;
}

static int cmd_bt(session *s, const sess_args *a)
{
	(void)a;
	const alloc *h = eng_heap(s->eng);
	sbuf b = {0};
	uint64_t sp = h->sp;
	for (unsigned i = h->nframes; i-- > 0;) {
		const alloc_frame *f = &h->frames[i];
		sb_printf(&b, "#%u %-16s frame 0x%llx-0x%llx (%llu bytes)\n", h->nframes - 1 - i, f->name,
			  (unsigned long long)sp, (unsigned long long)f->sp, (unsigned long long)(f->sp - sp));
		sp = f->sp;
	}
	sb_printf(&b, "#%u %-16s frame from 0x%llx\n", h->nframes, "main", (unsigned long long)sp);
	const mem_map *m = mem_find(h->mem, h->lay.stack_end - 1);
	if (m)
		sb_printf(&b, "stack: %llu KiB mapped (0x%llx-0x%llx), %llu KiB in use, may grow to %llu KiB\n",
			  (unsigned long long)((m->end - m->start) >> 10), (unsigned long long)m->start,
			  (unsigned long long)m->end, (unsigned long long)((h->lay.stack_end - h->sp) >> 10),
			  (unsigned long long)(h->stack_limit >> 10));
	emit(s, &b);
	return SESS_OK;
}

static int cmd_usable(session *s, const sess_args *a)
{
	uint64_t us;
	if (alloc_usable_size(eng_heap(s->eng), a->v[0].num, &us) != ALLOC_OK) {
		sess_printf(s, SESS_FAULT, "%s\n", eng_heap(s->eng)->msg);
		return SESS_FAULTED;
	}
	sess_printf(s, SESS_OUT, "malloc_usable_size = %llu (0x%llx)\n", (unsigned long long)us, (unsigned long long)us);
	return SESS_OK;
}

/* step, continue and play are the person's controls; a script's own are
 * ignored (said once per script) so that playback never drives itself. */
static bool control_from_script(session *s, const sess_args *a, const char *name)
{
	if (!s->from_script)
		return false;
	if (!s->warned_ctl)
		sess_printf(s, SESS_WARN,
			    "%s:%zu: note: '%s' in a script does nothing (step, continue and play are for the prompt)\n",
			    a->file ? a->file : "<script>", a->line, name);
	s->warned_ctl = true;
	return true;
}

static int cmd_step(session *s, const sess_args *a)
{
	if (!control_from_script(s, a, "step"))
		s->play = PLAY_STEP;
	return SESS_OK;
}

static int cmd_continue(session *s, const sess_args *a)
{
	if (!control_from_script(s, a, "continue"))
		s->play = PLAY_CONTINUE;
	return SESS_OK;
}

static int cmd_play(session *s, const sess_args *a)
{
	double d = a->n ? a->v[0].real : 0.5;
	if (d > 60) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "play takes a DELAY from 0 to 60 seconds");
		return SESS_ERROR;
	}
	if (!control_from_script(s, a, "play"))
		script_request(s, SESS_REQ_PLAY, d, "", 0);
	return SESS_OK;
}

static int cmd_load(session *s, const sess_args *a)
{
	char *path = malloc(a->v[0].len + 1);
	if (!path) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "no memory for the path");
		return SESS_ERROR;
	}
	memcpy(path, a->v[0].text, a->v[0].len);
	path[a->v[0].len] = 0;
	free(s->play_path);
	s->play_path = path;
	s->play = PLAY_LOAD;
	return SESS_OK;
}

/* The text of a string argument: quotes off, \" \\ and \n decoded. */
static void string_arg(const sess_arg *v, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 1; i + 1 < v->len && k + 1 < cap; i++) {
		char c = v->text[i];
		if (c == '\\' && i + 2 < v->len) {
			c = v->text[++i];
			if (c == 'n')
				c = ' ';
		}
		out[k++] = c;
	}
	out[k] = 0;
}

static int cmd_fflush(session *s, const sess_args *a)
{
	(void)s, (void)a; /* the buffer stays: fflush allocates and frees nothing */
	return SESS_OK;
}

static int cmd_stdout(session *s, const sess_args *a)
{
	static const char *const modes[] = {"tty", "pipe", "file"};
	int m = -1;
	for (int i = 0; i < 3; i++)
		if (a->v[0].len == strlen(modes[i]) && !memcmp(a->v[0].text, modes[i], a->v[0].len))
			m = i;
	if (m < 0) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "stdout is tty, pipe or file");
		return SESS_ERROR;
	}
	if (eng_heap(s->eng)->stdout_buf || eng_heap(s->eng)->stdout_unbuffered) {
		script_error(s, a->file, a->line, a->col, NULL,
			     "stdout's buffer is already decided (it is chosen at the first output); type `reset` first");
		return SESS_ERROR;
	}
	eng_op op = {.kind = ENG_STDOUT, .dst = -1, .x = (uint64_t)m};
	return script_run_op(s, &op, NULL);
}

static int cmd_pause(session *s, const sess_args *a)
{
	/* a marker for `continue` and `play`; typed, it only shows its text */
	if (a->n) {
		char text[SESS_REQ_ARG];
		string_arg(&a->v[0], text, sizeof text);
		script_request(s, SESS_REQ_CAPTION, 0, text, strlen(text));
	}
	return SESS_OK;
}

static int cmd_say(session *s, const sess_args *a)
{
	char text[SESS_REQ_ARG];
	string_arg(&a->v[0], text, sizeof text);
	script_request(s, SESS_REQ_CAPTION, 0, text, strlen(text));
	return SESS_OK;
}

static int cmd_title(session *s, const sess_args *a)
{
	char text[SESS_REQ_ARG];
	string_arg(&a->v[0], text, sizeof text);
	script_request(s, SESS_REQ_TITLE, 0, text, strlen(text));
	return SESS_OK;
}

static int cmd_reset(session *s, const sess_args *a)
{
	(void)a;
	eng_op op = {.kind = ENG_RESET, .dst = -1};
	int rc = script_run_op(s, &op, NULL);
	sess_printf(s, SESS_INFO, "a fresh process: the heap, the bins and the tunables are as at start (undo goes "
				  "back across the reset)\n");
	return rc;
}

/* The commands that need an x86-64 process say so in an i386 one. */
static bool x86_64_only(session *s, const sess_args *a, const char *what)
{
	if (alloc_ssz(eng_heap(s->eng)) == 8)
		return true;
	script_error(s, a->file, a->line, a->col, NULL, "%s: heapscope models it for an x86-64 process only, not for "
							 "--arch=i386", what);
	return false;
}

/* allocator ./mm.c: compile a student's allocator for the engine; its
 * ENG_DESIGN number, or 0 after saying why not. */
static uint64_t student_allocator(session *s, const sess_args *a, const char *path, bool cs_app)
{
	if (!s->fe.run_programs) {
		script_error(s, a->file, a->line, a->v[0].col, NULL,
			     "this session cannot run programs, so it cannot run %s", path);
		return 0;
	}
	char *err = NULL;
	student *st = student_open(path, s->fe.limit_ms > 0 ? s->fe.limit_ms : 2000, s->fe.quiet_programs, &err);
	if (!st) {
		size_t n = err ? strlen(err) : 0;
		while (n && err[n - 1] == '\n')
			err[--n] = 0;
		script_error(s, a->file, a->line, a->v[0].col, NULL, "%s", err ? err : "it cannot be built");
		free(err);
		return 0;
	}
	int64_t x = eng_add_allocator(s->eng, alloc_mm_new(st, cs_app), true);
	if (x < 0)
		script_error(s, a->file, a->line, a->v[0].col, NULL, "at most %d students' allocators per session",
			     ENG_MAX_STUDENT);
	return x < 0 ? 0 : (uint64_t)x;
}

/* allocator NAME|FILE [cs-app]: a fresh process running glibc's model, a
 * textbook design or a student's allocator */
static int cmd_allocator(session *s, const sess_args *a)
{
	char name[4096] = "", fmt[16] = "";
	if (!x86_64_only(s, a, "another allocator"))
		return SESS_ERROR;
	size_t len = a->v[0].len < sizeof name - 1 ? a->v[0].len : sizeof name - 1;
	memcpy(name, a->v[0].text, len);
	name[len] = 0;
	bool file = len > 2 && (!strcmp(name + len - 2, ".c") || (len > 3 && !strcmp(name + len - 3, ".so")));
	const tb_alloc *variant = NULL;
	if (a->n > 1) {
		word(s, a, 1, fmt, sizeof fmt);
		if (!file && !(variant = tb_find_variant(name, fmt))) {
			script_error(s, a->file, a->line, a->v[1].col, NULL,
				     "not a policy of %s: implicit takes first, next or best; explicit lifo or addr", name);
			return SESS_ERROR;
		}
		if (file && strcmp(fmt, "cs-app")) {
			script_error(s, a->file, a->line, a->v[1].col, NULL,
				     "unknown block format; the one heapscope reads is cs-app");
			return SESS_ERROR;
		}
	}
	uint64_t x = 0;
	if (file) {
		if (!(x = student_allocator(s, a, name, fmt[0] != 0)))
			return SESS_ERROR;
	} else if (strcmp(name, "glibc")) {
		if (!variant)
			variant = tb_find_variant(name, NULL);
		for (int i = 0; tb_allocs[i]; i++)
			if (tb_allocs[i] == variant)
				x = (uint64_t)i + 1;
		if (!x) {
			sbuf b = {0};
			for (int i = 0; tb_allocs[i]; i++)
				sb_printf(&b, ", %s", tb_allocs[i]->name);
			script_error(s, a->file, a->line, a->v[0].col, NULL,
				     "unknown allocator; NAME is glibc%s, or a file: your mm.c or mm.so", b.s);
			sb_free(&b);
			return SESS_ERROR;
		}
	}
	eng_op op = {.kind = ENG_DESIGN, .dst = -1, .x = x};
	int rc = script_run_op(s, &op, NULL);
	const tb_alloc *d = eng_design(s->eng, x);
	sess_printf(s, SESS_INFO, "a fresh process whose malloc is %s%s%s\n", d ? d->name : "glibc 2.36's",
		    d ? ": " : "", d ? d->help : "");
	return rc;
}

/* compare NAME|off: the frontend runs NAME beside the session */
static int cmd_compare(session *s, const sess_args *a)
{
	char name[1024] = "";
	size_t len = a->v[0].len < sizeof name - 1 ? a->v[0].len : sizeof name - 1;
	memcpy(name, a->v[0].text, len);
	name[len] = 0;
	if (student_file_name(name) && !s->fe.run_programs) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "this session cannot run programs, so it cannot run %s",
			     name);
		return SESS_ERROR;
	}
	if (strcmp(name, "off") && strcmp(name, "glibc") && !tb_find_variant(name, NULL) && !student_file_name(name)) {
		sbuf b = {0};
		for (int i = 0; tb_allocs[i]; i++)
			sb_printf(&b, ", %s", tb_allocs[i]->name);
		script_error(s, a->file, a->line, a->v[0].col, NULL, "unknown allocator; NAME is off, glibc%s", b.s);
		sb_free(&b);
		return SESS_ERROR;
	}
	script_request(s, SESS_REQ_COMPARE, 0, name, strlen(name));
	return SESS_OK;
}

/* aslr on|off [SEED]: a fresh process, randomised or not; says where the
 * bases went */
static int cmd_aslr(session *s, const sess_args *a)
{
	char w[8] = "";
	if (!x86_64_only(s, a, "ASLR"))
		return SESS_ERROR;
	word(s, a, 0, w, sizeof w);
	bool on = !strcmp(w, "on");
	if (!on && strcmp(w, "off")) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "aslr on or aslr off");
		return SESS_ERROR;
	}
	if (a->n > 1 && (a->v[1].real < 0 || a->v[1].real != (double)(uint64_t)a->v[1].real)) {
		script_error(s, a->file, a->line, a->v[1].col, NULL, "the seed is a whole number");
		return SESS_ERROR;
	}
	uint64_t seed = a->n > 1 ? (uint64_t)a->v[1].real : eng_heap(s->eng)->lay.seed;
	eng_op op = {.kind = ENG_RESET, .dst = -1, .x = 1 | (on ? 2 : 0), .y = seed ? seed : 1};
	int rc = script_run_op(s, &op, NULL);
	const alloc_layout *l = &eng_heap(s->eng)->lay;
	if (on)
		sess_printf(s, SESS_INFO,
			    "a fresh process with ASLR (seed %llu): the program at 0x%llx (+0x%llx), the heap at 0x%llx "
			    "(+0x%llx after the image), the mmap base at 0x%llx (-0x%llx), the stack's top at 0x%llx "
			    "(-0x%llx)\n",
			    (unsigned long long)l->seed, (unsigned long long)l->pie,
			    (unsigned long long)(l->pie - 0x555555554000ull), (unsigned long long)l->heap,
			    (unsigned long long)l->brk_rnd, (unsigned long long)l->mmap_top,
			    (unsigned long long)(l->legacy ? l->mmap_top - 0x2aaaaaaab000ull : 0x7ffff7fff000ull - l->mmap_top),
			    (unsigned long long)l->stack_end, (unsigned long long)(0x7ffffffff000ull - l->stack_end));
	else
		sess_printf(s, SESS_INFO, "a fresh process at the fixed addresses (setarch -R, as gdb runs programs)\n");
	return rc;
}

static int cmd_theme(session *s, const sess_args *a)
{
	if (a->n && a->v[0].len >= SESS_REQ_ARG) {
		script_error(s, a->file, a->line, a->v[0].col, NULL, "the theme's path is too long");
		return SESS_ERROR;
	}
	script_request(s, SESS_REQ_THEME, 0, a->n ? a->v[0].text : "", a->n ? a->v[0].len : 0);
	return SESS_OK;
}

static int cmd_export(session *s, const sess_args *a)
{
	char arg[SESS_REQ_ARG];
	const sess_arg *pane = a->n == 2 ? &a->v[0] : NULL, *path = &a->v[a->n - 1];
	if ((pane ? pane->len : 0) + path->len + 2 > sizeof arg) {
		script_error(s, a->file, a->line, path->col, NULL, "the path is too long");
		return SESS_ERROR;
	}
	snprintf(arg, sizeof arg, "%.*s\t%.*s", pane ? (int)pane->len : 0, pane ? pane->text : "", (int)path->len,
		 path->text);
	script_request(s, SESS_REQ_EXPORT, 0, arg, strlen(arg));
	return SESS_OK;
}

static int cmd_clear(session *s, const sess_args *a)
{
	(void)a;
	script_request(s, SESS_REQ_CLEAR, 0, "", 0);
	return SESS_OK;
}

static int cmd_quit(session *s, const sess_args *a)
{
	(void)a;
	script_request(s, SESS_REQ_QUIT, 0, "", 0);
	s->stop = true;
	return SESS_OK;
}
