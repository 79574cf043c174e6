/*
 * test_session.c - the script language and commands: statements, short
 * forms, traces, and bad input (each gets a precise message, and the
 * session keeps its state).
 */
#include <stdlib.h>

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
	CHECK_EQ(var(s, "p") - sess_engine(s)->heap->lay.heap, 0x2a0);
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
	CHECK_EQ(sess_engine(s)->heap->mp.mmap_threshold, 65536);
	CHECK(sess_exec(s, "r = malloc_trim(0)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "z = malloc(100); strcpy(z, \"hi\\n\")", NULL, 1) == SESS_ERROR); /* one statement a line */
	CHECK(sess_exec(s, "z = malloc(100)", NULL, 1) == SESS_OK);
	CHECK(sess_exec(s, "strcpy(z, \"hi\\x41\")", NULL, 1) == SESS_OK);
	uint8_t buf[4];
	mem_read(sess_engine(s)->heap->mem, var(s, "z"), buf, 4);
	CHECK(!memcmp(buf, "hiA", 4));
	CHECK(sess_exec(s, "*(z + 8) = 0x4142434445464748", NULL, 1) == SESS_OK);
	uint64_t w;
	mem_rd64(sess_engine(s)->heap->mem, var(s, "z") + 8, &w);
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
	CHECK_EQ(sess_engine(s)->pos, 2);
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
	CHECK_EQ(var(s, "p") - sess_engine(s)->heap->lay.heap, 0x2a0);
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

int main(void)
{
	statements();
	faults();
	bad_input();
	traces();
	sb_free(&out);
	sb_free(&err);
	return check_done("test_session");
}
