/*
 * test_session.c - the script language and commands: statements, short
 * forms, traces, and bad input (each gets a precise message, and the
 * session keeps its state).
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "heapscope/report.h"
#include "heapscope/session.h"

static sbuf out, err;
static eng_result last;
static char lastid[64];

static void cap_print(void *ctx, int kind, const char *text)
{
	(void)ctx;
	sb_printf(kind == SESS_ERR || kind == SESS_FAULT || kind == SESS_WARN ? &err : &out, "%s", text);
}

static void cap_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	(void)ctx, (void)text;
	last = *r;
	snprintf(lastid, sizeof lastid, "%s", id ? id : "(null)");
}

static session *fresh(void)
{
	sess_frontend fe = {.print = cap_print, .op = cap_op};
	sb_reset(&out);
	sb_reset(&err);
	return sess_new(eng_new(false, 1), &fe);
}

static void done(session *s)
{
	engine *e = sess_engine(s);
	sess_free(s);
	eng_free(e);
}

static uint64_t var(session *s, const char *name)
{
	uint64_t v = 0;
	int32_t i = eng_var(sess_engine(s), name, false);
	CHECK(i >= 0 && eng_var_get(sess_engine(s), i, &v));
	return v;
}

/* run a line expecting an error whose text contains want */
static void bad(session *s, const char *line, const char *want, int line_no)
{
	sb_reset(&err);
	size_t before = eng_count(sess_engine(s));
	int rc = sess_exec(s, line, "t.hs", 7);
	if (rc != SESS_ERROR || !err.s || !strstr(err.s, want)) {
		check_fail++;
		fprintf(stderr, "line %d: '%s': rc %d, wanted error containing '%s', got '%s'\n", line_no, line, rc, want,
			err.s ? err.s : "");
	} else {
		check_pass++;
	}
	CHECK_EQ(eng_count(sess_engine(s)), before);
}
#define BAD(line, want) bad(s, line, want, __LINE__)

static void statements(void)
{
	session *s = fresh();
	CHECK(sess_exec(s, "p = malloc(24);", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "p") - eng_heap(sess_engine(s))->lay.heap, 0x2a0);
	CHECK_STR(lastid, "p");
	CHECK(sess_exec(s, "malloc 24", NULL, 1) == SESS_OK);
	CHECK_STR(lastid, "p1");
	CHECK(var(s, "p1") == var(s, "p") + 0x20);
	CHECK(sess_exec(s, "q = calloc(4, 8)  // comment", NULL, 1) == SESS_OK);
	CHECK_EQ(last.req, 32);
	CHECK(sess_exec(s, "q = realloc(q, 0x100)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "realloc q 0x200", NULL, 1) == SESS_OK);
	CHECK_STR(lastid, "q");
	CHECK(sess_exec(s, "free p", NULL, 1) == SESS_OK);
	CHECK_STR(lastid, "p");
	CHECK(sess_exec(s, "  free(p1);  # comment", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "   # only a comment", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "x = malloc(-1)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "x"), 0);
	CHECK(sess_exec(s, "y = q + 16 * 2 - (8 / 4) % 3", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "y"), var(s, "q") + 30);
	CHECK(sess_exec(s, "mallopt(M_MMAP_THRESHOLD, 65536);", NULL, 1) == SESS_OK);
	CHECK_EQ(eng_heap(sess_engine(s))->mp.mmap_threshold, 65536);
	CHECK(sess_exec(s, "r = malloc_trim(0)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "z = malloc(100); strcpy(z, \"hi\\n\")", NULL, 1) == SESS_ERROR); /* one statement a line */
	CHECK(sess_exec(s, "z = malloc(100)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "strcpy(z, \"hi\\x41\")", NULL, 1) == SESS_OK);
	uint8_t buf[4];
	mem_read(eng_heap(sess_engine(s))->mem, var(s, "z"), buf, 4);
	CHECK(!memcmp(buf, "hiA", 4));
	CHECK(sess_exec(s, "*(z + 8) = 0x4142434445464748", NULL, 1) == SESS_OK);
	uint64_t w;
	mem_rd64(eng_heap(sess_engine(s))->mem, var(s, "z") + 8, &w);
	CHECK_EQ(w, 0x4142434445464748ull);
	CHECK(sess_exec(s, "memset(z, 0x41, 4)", NULL, 1) == SESS_OK);
	sb_reset(&out);
	CHECK(sess_exec(s, "hexdump z 16", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "41 41 41 41"));
	sb_reset(&out);
	CHECK(sess_exec(s, "hexdump z + 8", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "48 47 46 45"));
	CHECK(sess_exec(s, "chunks", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "bins all raw", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "maps", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "[heap]"));
	CHECK(sess_exec(s, "stats", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "help malloc", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "undo", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "redo", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "goto 2", NULL, 1) == SESS_OK);
	CHECK_EQ(eng_pos(sess_engine(s)), 2);
	CHECK(sess_exec(s, "quit", NULL, 1) == SESS_OK);
	sess_req req;
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_QUIT);
	CHECK(!sess_take_request(s, &req));
	done(s);
}

static void faults(void)
{
	session *s = fresh();
	CHECK(sess_exec(s, "p = malloc(24)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "free(p + 16)", NULL, 1) == SESS_FAULTED);
	CHECK_STR(last.msg, "free(): invalid pointer");
	CHECK(sess_exec(s, "free(p)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "free(p)", NULL, 1) == SESS_FAULTED);
	CHECK_STR(last.msg, "free(): double free detected in tcache 2");
	CHECK(sess_exec(s, "free(0x4141414141414141)", NULL, 1) == SESS_FAULTED);
	CHECK(strstr(last.msg, "Segmentation fault") != NULL);
	/* state is kept: the next malloc still reuses p from the tcache */
	CHECK(sess_exec(s, "q = malloc(24)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "q"), var(s, "p"));
	done(s);
}

static void bad_input(void)
{
	session *s = fresh();
	CHECK(sess_exec(s, "p = malloc(24)", NULL, 1) == SESS_OK);
	BAD("frobnicate 3", "t.hs:7:1: error: unknown command 'frobnicate'");
	BAD("malloc(1, 2)", "too many arguments: usage: malloc SIZE");
	BAD("calloc(1)", "an argument is missing: usage: calloc N SIZE");
	BAD("free()", "t.hs:7:6: error: an argument is needed: usage: free PTR");
	BAD("free(nosuch)", "t.hs:7:6: error: unknown variable 'nosuch'");
	BAD("x = malloc(99999999999999999999999)", "number does not fit in 64 bits");
	BAD("x = malloc(0x)", "'0x' must be followed by hex digits");
	BAD("x = malloc(12abc)", "t.hs:7:14: error: invalid digit 'a' in a decimal number");
	BAD("x = malloc(12zz)", "unexpected 'z' after a number");
	BAD("x = malloc(24", "expected ')' to close the argument list");
	BAD("x = malloc(24))", "unexpected text after the statement");
	BAD("x = 4 / 0", "division by zero");
	BAD("x = malloc(malloc(3))", "cannot be part of an expression");
	BAD("\xff\xfe garbage", "unexpected byte 0xff");
	BAD("x = @", "unexpected character '@'");
	BAD("strcpy(p, \"open", "string is not terminated");
	BAD("x = free(p)", "free does not return a value to assign");
	BAD("malloc = 3", "is a command and cannot be a variable");
	BAD("bins sideways", "bins takes 'all' and/or 'raw'");
	BAD("goto 999", "goto takes a position from 0 to 1 (the operations so far), not 999");
	BAD("goto -1", "not a negative number");
	BAD("hexdump", "usage: hexdump");
	BAD("help frob", "no command named 'frob'");
		BAD("tunable tcache_count 3", "tunables apply when the process starts");
	char *longline = malloc(3u << 20);
	memset(longline, 'a', (3u << 20) - 1);
	longline[(3u << 20) - 1] = 0;
	BAD(longline, "line is too long");
	free(longline);
	CHECK_EQ(var(s, "p") - eng_heap(sess_engine(s))->lay.heap, 0x2a0);
	done(s);
}

static void traces(void)
{
	session *s = fresh();
	CHECK(sess_exec_trace(s, "a 0 2040", "t.rep", 5) == SESS_OK);
	CHECK_STR(lastid, "0");
	CHECK(sess_exec_trace(s, "a 1 2040\r", "t.rep", 6) == SESS_OK);
	CHECK(sess_exec_trace(s, "r 0 100", "t.rep", 7) == SESS_OK);
	CHECK(sess_exec_trace(s, "f 1", "t.rep", 8) == SESS_OK);
	CHECK(sess_exec(s, "free($0)", NULL, 1) == SESS_OK);
	sb_reset(&err);
	CHECK(sess_exec_trace(s, "f 9", "t.rep", 9) == SESS_ERROR);
	CHECK(err.s && strstr(err.s, "t.rep:9:1: error: id 9 was never allocated"));
	CHECK(sess_exec_trace(s, "x 1 2", "t.rep", 10) == SESS_ERROR);
	CHECK(sess_exec_trace(s, "a -1 2", "t.rep", 11) == SESS_ERROR);
	CHECK(sess_exec_trace(s, "a 1", "t.rep", 12) == SESS_ERROR);
	CHECK(sess_exec_trace(s, "a 1 2 3", "t.rep", 13) == SESS_ERROR);
	CHECK(sess_exec_trace(s, "a 5 -1", "t.rep", 14) == SESS_OK); /* malloc(-1) is NULL */
	CHECK_EQ(last.ret, 0);
	done(s);
}

/* write a file for a test; returns its path (static buffer per slot) */
static const char *file(int slot, const char *text)
{
	static char paths[12][64];
	snprintf(paths[slot], sizeof paths[slot], "/tmp/hs-test-%d-%d.hs", (int)getpid(), slot);
	FILE *f = fopen(paths[slot], "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return paths[slot];
}

static sess_step step_all(session *s, int *lines)
{
	sess_step r;
	*lines = 0;
	while ((r = sess_step_script(s)) == SESS_STEP_OK || r == SESS_STEP_PAUSE)
		(*lines)++;
	return r;
}

/* The session owns playback: step/continue/load never re-enter a parse. */
static void playback(void)
{
	session *s = fresh();
	int n;
	char line[200];
	/* load inside a played script goes on with the new file */
	const char *b = file(1, "q = malloc(48)\n");
	snprintf(line, sizeof line, "p = malloc(24)\nload %s\nnever = malloc(1)\n", b);
	const char *a = file(0, line);
	CHECK(sess_load(s, a) == SESS_OK);
	CHECK_EQ(step_all(s, &n), SESS_STEP_END);
	CHECK_EQ(n, 3);
	CHECK_EQ(var(s, "q") - var(s, "p"), 0x20);
	CHECK(eng_var(sess_engine(s), "never", false) < 0);
	sess_script_view v;
	CHECK(sess_script(s, &v) && strstr(v.path, "-1.hs"));
	done(s);

	/* ... and the same when the person types continue (F5) */
	s = fresh();
	snprintf(line, sizeof line, "load %s", a);
	CHECK(sess_exec(s, line, NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "continue", NULL, 0) == SESS_OK);
	CHECK(out.s && strstr(out.s, "end of the script"));
	CHECK_EQ(var(s, "q") - var(s, "p"), 0x20);
	done(s);

	/* a script that loads itself stops, with an error naming its line */
	s = fresh();
	const char *self = file(2, "");
	snprintf(line, sizeof line, "malloc 16\nload %s\n", self);
	file(2, line);
	CHECK(sess_load(s, self) == SESS_OK);
	sess_step r = step_all(s, &n);
	CHECK_EQ(r, SESS_STEP_ERROR);
	CHECK(err.s && strstr(err.s, "scripts loaded one from another"));
	CHECK(err.s && strstr(err.s, ":2: error:"));
	done(s);

	/* step, continue and play in a script do nothing (said once) */
	s = fresh();
	CHECK(sess_load(s, file(3, "step\ncontinue\nplay 1\nx = malloc(8)\nstep\n")) == SESS_OK);
	CHECK_EQ(step_all(s, &n), SESS_STEP_END);
	CHECK_EQ(n, 5);
	CHECK(err.s && strstr(err.s, "'step' in a script does nothing"));
	size_t notes = 0;
	for (const char *q = err.s; (q = strstr(q, "does nothing")); q++)
		notes++;
	CHECK_EQ(notes, 1);
	sess_req req;
	CHECK(!sess_take_request(s, &req));
	CHECK(var(s, "x") != 0);
	done(s);

	/* a long script of step lines: no recursion grows with its length */
	s = fresh();
	char big[64];
	snprintf(big, sizeof big, "%s", file(4, ""));
	FILE *f = fopen(big, "w");
	for (int i = 0; f && i < 1000000; i++)
		fputs("step\n", f);
	if (f)
		fclose(f);
	CHECK(sess_load(s, big) == SESS_OK);
	CHECK_EQ(step_all(s, &n), SESS_STEP_END);
	CHECK_EQ(n, 1000000);
	snprintf(line, sizeof line, "load %s", big);
	CHECK(sess_exec(s, line, NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "continue", NULL, 0) == SESS_OK);
	CHECK(out.s && strstr(out.s, "ran 1000000 lines (0 operations); end of the script"));
	done(s);

	/* a script's own undo, redo and goto do not move its playback back */
	s = fresh();
	CHECK(sess_load(s, file(6, "p = malloc(8)\nq = malloc(8)\nundo\nundo\nredo\ngoto 0\n")) == SESS_OK);
	CHECK_EQ(step_all(s, &n), SESS_STEP_END);
	CHECK_EQ(n, 6);
	CHECK_EQ(eng_pos(sess_engine(s)), 0);
	done(s);

	/* reset: a fresh process, and undo goes back across it */
	s = fresh();
	CHECK(sess_exec(s, "tunable tcache_count 0", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "p = malloc(8)", NULL, 0) == SESS_OK);
	BAD("tunable tcache_count 3", "type `reset` for a fresh process first");
	CHECK(sess_exec(s, "reset", NULL, 0) == SESS_OK);
	CHECK(!eng_heap(sess_engine(s))->initialized);
	CHECK_EQ(eng_heap(sess_engine(s))->mp.tcache_count, 7);
	CHECK(sess_exec(s, "tunable tcache_count 3", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "q = malloc(8)", NULL, 0) == SESS_OK);
	CHECK_EQ(var(s, "q"), 0x5555555592a0); /* the fresh heap hands out the same first chunk */
	uint64_t pv;
	CHECK(!eng_var_get(sess_engine(s), eng_var(sess_engine(s), "p", false), &pv)); /* p is gone with its process */
	CHECK(sess_exec(s, "goto 2", NULL, 0) == SESS_OK);
	CHECK_EQ(eng_heap(sess_engine(s))->mp.tcache_count, 0);
	CHECK_EQ(var(s, "p"), 0x5555555592a0);
	/* loading a script that starts with tunables after earlier typing resets */
	CHECK(sess_exec(s, "goto 5", NULL, 0) == SESS_OK);
	snprintf(line, sizeof line, "load %s", file(7, "# a lecture\ntunable tcache_count 1\nx = malloc(8)\n"));
	CHECK(sess_exec(s, line, NULL, 0) == SESS_OK);
	CHECK(out.s && strstr(out.s, "starts with tunables, so heapscope started a fresh process"));
	CHECK_EQ(step_all(s, &n), SESS_STEP_END);
	CHECK_EQ(eng_heap(sess_engine(s))->mp.tcache_count, 1);
	done(s);

	/* F8 after F9 replays the redo history; a new operation drops it, said */
	s = fresh();
	snprintf(line, sizeof line, "load %s", file(9, "a = malloc(8)\nb = malloc(16)\nchunks\nc = malloc(24)\n"));
	CHECK(sess_exec(s, line, NULL, 0) == SESS_OK);
	for (int k = 0; k < 4; k++)
		CHECK(sess_exec(s, "step", NULL, 0) == SESS_OK);
	CHECK_EQ(eng_count(sess_engine(s)), 3);
	uint64_t c0 = var(s, "c");
	CHECK(sess_exec(s, "undo", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "undo", NULL, 0) == SESS_OK);
	CHECK(sess_script(s, &v) && v.next == 1);
	CHECK(sess_exec(s, "step", NULL, 0) == SESS_OK);
	CHECK_EQ(eng_pos(sess_engine(s)), 2);
	CHECK_EQ(eng_count(sess_engine(s)), 3); /* the redo history is still there */
	CHECK(sess_exec(s, "step", NULL, 0) == SESS_OK); /* chunks: no operation */
	CHECK(sess_exec(s, "step", NULL, 0) == SESS_OK);
	CHECK_EQ(eng_pos(sess_engine(s)), 3);
	CHECK_EQ(var(s, "c"), c0);
	CHECK(sess_exec(s, "undo", NULL, 0) == SESS_OK);
	sb_reset(&out);
	CHECK(sess_exec(s, "x = malloc(1)", NULL, 0) == SESS_OK);
	CHECK(out.s && strstr(out.s, "the redo history after operation 2 (1 operation) was dropped"));
	CHECK_EQ(eng_count(sess_engine(s)), 3);
	done(s);

	/* say, pause "text" and title reach the frontend as requests */
	s = fresh();
	CHECK(sess_load(s, file(8, "title \"Scene 1\"\nsay \"look\"\npause \"stop here\"\nx = malloc(8)\n")) == SESS_OK);
	CHECK(sess_exec(s, "continue", NULL, 0) == SESS_OK);
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_TITLE && !strcmp(req.arg, "Scene 1"));
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_CAPTION && !strcmp(req.arg, "stop here"));
	CHECK(!sess_take_request(s, &req));
	done(s);

	/* pause stops continue; step passes over it; undo moves the script */
	s = fresh();
	CHECK(sess_load(s, file(5, "a = malloc(16)\npause\nb = malloc(16)\n# c\nc = malloc(16)\n")) == SESS_OK);
	sb_reset(&out);
	CHECK(sess_exec(s, "continue", NULL, 0) == SESS_OK);
	CHECK(out.s && strstr(out.s, "ran 1 lines (1 operations); paused at line 2"));
	CHECK(sess_exec(s, "step", NULL, 0) == SESS_OK);
	CHECK(sess_script(s, &v) && v.next == 3);
	CHECK(sess_exec(s, "undo", NULL, 0) == SESS_OK);
	CHECK(sess_script(s, &v) && v.next == 2);
	CHECK(sess_exec(s, "redo", NULL, 0) == SESS_OK);
	CHECK(sess_script(s, &v) && v.next == 3);
	CHECK(sess_exec(s, "goto 0", NULL, 0) == SESS_OK);
	CHECK(sess_script(s, &v) && v.next == 0);
	done(s);

	/* frontend requests: queued, one per kind, the newest kept */
	s = fresh();
	CHECK(sess_exec(s, "theme light", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "clear", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "theme ../t // a path, not a name", NULL, 0) == SESS_OK);
	CHECK(sess_exec(s, "play 0.25", NULL, 0) == SESS_OK);
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_CLEAR);
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_THEME && !strcmp(req.arg, "../t"));
	CHECK(sess_take_request(s, &req) && req.kind == SESS_REQ_PLAY && req.delay == 0.25);
	CHECK(!sess_take_request(s, &req));
	done(s);
	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof line, "/tmp/hs-test-%d-%d.hs", (int)getpid(), i);
		unlink(line);
	}
}

/* Arguments are parsed by each command's specification, before it runs. */
static void arguments(void)
{
	session *s = fresh();
	CHECK(sess_exec(s, "p = malloc(64)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "memset(p, 0x41, 4)", NULL, 1) == SESS_OK);
	sb_reset(&out);
	CHECK(sess_exec(s, "hexdump p 16 // note", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "41 41 41 41"));
	sb_reset(&out);
	CHECK(sess_exec(s, "hexdump p + 2, 2", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "41 41") && !strstr(out.s, "41 41 41"));
	sb_reset(&out);
	CHECK(sess_exec(s, "hexdump (p - 16) 16 # header", NULL, 1) == SESS_OK);
	CHECK(out.s && strstr(out.s, "51 00 00 00"));
	CHECK(sess_exec(s, "strcpy(p, \"a#b // c\") # the comment is after the string", NULL, 1) == SESS_OK);
	uint8_t buf[9];
	mem_read(eng_heap(sess_engine(s))->mem, var(s, "p"), buf, 9);
	CHECK(!memcmp(buf, "a#b // c", 9));
	/* words and paths are not lexed as code */
	BAD("load ./no-such-dir/x.hs", "./no-such-dir/x.hs: cannot open");
	BAD("load 1abc.hs", "1abc.hs: cannot open");
	BAD("load", "an argument is needed: usage: load FILE");
	BAD("play nan", "expected a number such as 0.5");
	BAD("play inf", "expected a number such as 0.5");
	BAD("play 1e9", "expected a number such as 0.5");
	BAD("play 61", "play takes a DELAY from 0 to 60 seconds");
	BAD("play 1 2", "too many arguments: usage: play [DELAY]");
	BAD("chunks now", "too many arguments: usage: chunks");
	BAD("tunable nosuch 1", "unknown tunable; NAME is one of tcache_count");
	BAD("tunable mxfast 500", "value 500 is out of range for mxfast");
	BAD("mallopt(M_FOO, 1)", "unknown mallopt parameter 'M_FOO'; the parameters are M_MXFAST M_TRIM_THRESHOLD");
	BAD("x = mallc(10)", "t.hs:7:5: error: unknown function 'mallc'; did you mean 'malloc'?");
	BAD("mallc 10", "unknown command 'mallc'; did you mean 'malloc'?");
	BAD("frobnicate(3)", "unknown command 'frobnicate' (type 'help' for the list)");
	BAD("x = frobnicate(3)", "unknown function 'frobnicate' (type 'help' for the list)");
	/* expressions have a nesting limit instead of a stack overflow */
	size_t deep = 30000;
	char *line = malloc(2 * deep + 16);
	size_t k = (size_t)sprintf(line, "x = ");
	for (size_t i = 0; i < deep; i++)
		line[k++] = '(';
	line[k++] = '1';
	for (size_t i = 0; i < deep; i++)
		line[k++] = ')';
	line[k] = 0;
	BAD(line, "the expression nests too deeply");
	k = (size_t)sprintf(line, "x = ");
	for (size_t i = 0; i < 50000; i++)
		line[k++] = '~';
	strcpy(line + k, "1");
	BAD(line, "the expression nests too deeply");
	free(line);
	CHECK(sess_exec(s, "x = ((((((((((1))))))))))", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "w = *(p - 8)", NULL, 1) == SESS_OK); /* the size word the program reads */
	CHECK_EQ(var(s, "w"), 0x51);
	BAD("w = *(0x10)", "reading 0x10 would fault: it is not mapped");
	CHECK(sess_exec(s, "y = ~~-+-~1", NULL, 1) == SESS_OK);
	done(s);
}

/* stdio as far as it allocates: the classic experiment's numbers. */
static void stdio(void)
{
	session *s = fresh();
	CHECK(sess_exec(s, "printf(\"Before:%p\", sbrk(0))", NULL, 1) == SESS_OK);
	CHECK(last.text && last.textlen == 21 && !memcmp(last.text, "Before:0x555555559000", 21));
	CHECK(sess_exec(s, "a = malloc(1000)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "a"), 0x5555555596b0); /* after the 0x410 buffer: a terminal */
	BAD("stdout pipe", "stdout's buffer is already decided");
	BAD("x = 1 + sbrk(8)", "sbrk(n) moves the break: write it as a statement, p = sbrk(n)");
	BAD("setvbuf(stderr, NULL, _IONBF, 0)", "setvbuf is modelled for stdout only");
	BAD("printf(\"%f\", a)", "printf's %f is not modelled");
	BAD("printf(\"%s\", 0x10)", "printf's %s would read 0x10, which is not mapped");
	BAD("printf(\"%d %d\", a)", "the format wants more values than were given");
	BAD("printf(\"%d\", a, a)", "more values than the format uses");
	CHECK(sess_exec(s, "printf(\"%5d|%-4x|%c|%%|%lu\", 42, 255, 65, 0xffffffffff)", NULL, 1) == SESS_OK);
	CHECK(last.text && !strncmp(last.text, "   42|ff  |A|%|1099511627775", last.textlen));
	CHECK(sess_exec(s, "fprintf(stderr, \"no malloc\")", NULL, 1) == SESS_OK);
	CHECK_EQ(last.nev, 0);
	CHECK(sess_exec(s, "f = fopen(\"x.txt\", \"w\")", NULL, 1) == SESS_OK);
	CHECK_EQ(last.chunk, 0x1e0);
	CHECK(sess_exec(s, "fputs(\"x\", f)", NULL, 1) == SESS_OK);
	CHECK(last.nev > 0); /* its buffer */
	CHECK(sess_exec(s, "fclose(f)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "g = malloc(0x1d8)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "g"), var(s, "f")); /* the FILE's chunk, back from the tcache */
	CHECK(sess_exec(s, "reset", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "stdout pipe", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "puts(\"x\")", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "a = malloc(1000)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "a"), 0x55555555a2b0); /* after a 0x1010 buffer: a pipe */
	/* the program's own sbrk: malloc finds the break elsewhere and steps over */
	uint64_t brk0 = eng_heap(sess_engine(s))->brk;
	CHECK(sess_exec(s, "q = sbrk(4096)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "q"), brk0);
	CHECK_EQ(eng_heap(sess_engine(s))->brk, brk0 + 4096);
	CHECK(sess_exec(s, "big = malloc(0x30000 - 0x1000)", NULL, 1) == SESS_OK);
	heap_ok(eng_heap(sess_engine(s)), __LINE__);
	CHECK(var(s, "big") > brk0); /* its memory comes after the program's page */
	uint64_t now = eng_heap(sess_engine(s))->brk;
	CHECK(sess_exec(s, "r = brk(sbrk(0) + 8192)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "r"), 0);
	CHECK_EQ(eng_heap(sess_engine(s))->brk, now + 8192);
	CHECK(sess_exec(s, "r = brk(0x1000)", NULL, 1) == SESS_OK); /* below the heap: refused */
	CHECK_EQ(var(s, "r"), (uint64_t)-1);
	CHECK_EQ(eng_heap(sess_engine(s))->brk, now + 8192);
	CHECK(sess_exec(s, "d = malloc(0x100)", NULL, 1) == SESS_OK);
	heap_ok(eng_heap(sess_engine(s)), __LINE__);
	CHECK(sess_exec(s, "reset", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "setvbuf(stdout, NULL, _IONBF, 0)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "printf(\"x\")", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "a = malloc(1000)", NULL, 1) == SESS_OK);
	CHECK_EQ(var(s, "a"), 0x5555555592a0); /* unbuffered: nothing before a */
	done(s);
}

/* Precise messages for what the review found. */
static void messages(void)
{
	session *s = fresh();
	BAD("goto 3", "no operation has run yet: only goto 0 works");
	BAD("$0", "t.hs:7:1: error: unknown variable '$0'");
	BAD("x = $7 + 1", "unknown variable '7'");
	CHECK(sess_exec_trace(s, "a 99999999999999999999999 8", "t.rep", 3) == SESS_ERROR);
	CHECK(err.s && strstr(err.s, "t.rep:3:3: error: the id does not fit in 64 bits"));
	sb_reset(&err);
	CHECK(sess_exec_trace(s, "a 1 99999999999999999999999", "t.rep", 4) == SESS_ERROR);
	CHECK(err.s && strstr(err.s, "the size does not fit in 64 bits"));
	sb_reset(&err);
	CHECK(sess_exec_trace(s, "a 1 8 # a comment", "t.rep", 5) == SESS_OK);
	/* a NUL byte in a script is called one */
	FILE *f = fopen("/tmp/hs-nul.hs", "w");
	if (f) {
		fwrite("p = mal\0loc(8)\n", 1, 16, f);
		fclose(f);
	}
	CHECK(sess_load(s, "/tmp/hs-nul.hs") == SESS_OK);
	sb_reset(&err);
	CHECK_EQ(sess_step_script(s), SESS_STEP_ERROR);
	CHECK(err.s && strstr(err.s, "hs-nul.hs:1:8: error: unexpected NUL byte (the file is not text)"));
	unlink("/tmp/hs-nul.hs");
	/* a directory and a FIFO are refused at once */
	sb_reset(&err);
	CHECK(sess_load(s, "/tmp") == SESS_ERROR);
	CHECK(err.s && strstr(err.s, "cannot read a script from a directory"));
	mkfifo("/tmp/hs-fifo", 0600);
	sb_reset(&err);
	CHECK(sess_load(s, "/tmp/hs-fifo") == SESS_ERROR);
	CHECK(err.s && strstr(err.s, "cannot read a script from a FIFO"));
	unlink("/tmp/hs-fifo");
	done(s);
}

/* thread_exit N unjoined and thread_join N: the stack stays out of the
 * cache until the join, and every misuse is refused with its reason */
static void joins(void)
{
	session *s = fresh();
	const alloc *h = eng_heap(sess_engine(s));
	CHECK(sess_exec(s, "t1: a = malloc(24)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "thread 0", NULL, 1) == SESS_OK);
	BAD("thread_join 1", "that thread is still running: `thread_exit N unjoined` first");
	BAD("thread_exit 1 later", "expected `unjoined`");
	CHECK(sess_exec(s, "thread_exit 1 unjoined", NULL, 2) == SESS_OK);
	CHECK(h->th[1].unjoined && !h->th[1].alive);
	CHECK_EQ(h->ncached, 0);
	BAD("t1: b = malloc(8)", "that thread has returned but no one has joined it");
	BAD("thread_create 1", "that thread has returned but no one has joined it");
	BAD("thread_exit 1", "that thread has returned already");
	BAD("thread_join 0", "threads 1 to 63 can be joined");
	BAD("thread_join 5", "it was never created, or it was joined already");
	/* a thread created meanwhile gets a new stack and its dtv */
	CHECK(sess_exec(s, "t2: b = malloc(24)", NULL, 3) == SESS_OK);
	CHECK(h->th[2].stack != h->th[1].stack && h->th[2].dtv != 0);
	BAD("thread_join 2", "a thread cannot join itself");
	CHECK(sess_exec(s, "t0: thread_join 1", NULL, 4) == SESS_OK);
	CHECK(!h->th[1].unjoined);
	CHECK_EQ(h->ncached, 1);
	BAD("thread_join 1", "it was joined already");
	/* the next new thread takes the joined one's stack */
	uint64_t st1 = h->cstack[0].stack;
	CHECK(sess_exec(s, "t3: c = malloc(24)", NULL, 5) == SESS_OK);
	CHECK_EQ(h->th[3].stack, st1);
	CHECK_EQ(h->ncached, 0);
	/* undo goes back across the join */
	CHECK(sess_exec(s, "undo", NULL, 6) == SESS_OK);
	CHECK(sess_exec(s, "undo", NULL, 7) == SESS_OK);
	CHECK(sess_exec(s, "undo", NULL, 8) == SESS_OK);
	h = eng_heap(sess_engine(s));
	CHECK(h->th[1].unjoined);
	done(s);
}

int main(void)
{
	joins();
	playback();
	arguments();
	stdio();
	messages();
	statements();
	faults();
	bad_input();
	traces();
	sb_free(&out);
	sb_free(&err);
	return check_done("test_session");
}
