/*
 * batch.c - headless mode: runs every line of a script or trace and prints
 * one readable line (or one JSON object) per allocator operation, then the
 * heap's chunks and bins.  Errors go to stderr with file:line:col.
 *
 * Requests meant for a screen (theme, clear, play) have nothing to act on
 * here and are dropped; `quit` ends the run.  Every write is checked: an
 * output that cannot be written (a full disk, a closed pipe) ends the run
 * with HS_EXIT_OUTPUT instead of losing output silently.
 */
#include "heapscope/batch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "heapscope/report.h"
#include "heapscope/session.h"
#include "heapscope/status.h"
#include "verify.h"

typedef struct bctx {
	const batch_opts *o;
	engine *e;
	session *s;
	verify_state vs;
	bool differs; /* --verify found a difference */
	sbuf b;
	int faults;
	char lastmsg[256];
	bool checkfail;
} bctx;

static void b_print(void *ctx, int kind, const char *text)
{
	bctx *c = ctx;
	FILE *f = (kind == SESS_OUT || kind == SESS_INFO) && !c->o->jsonl ? stdout : stderr;
	fputs(text, f);
}

/* --verify: compare the operation with what its line recorded; the first
 * difference ends the run. */
static void verify(bctx *c, const eng_result *r)
{
	sess_script_view v;
	if (c->differs || !sess_script(c->s, &v) || !v.next)
		return;
	if (r->kind == ENG_THREAD || r->kind == ENG_THREAD_EXIT || r->kind == ENG_THREAD_JOIN)
		return; /* a tN: prefix (the call after it has the line's result), or no result */
	char msg[512];
	if (verify_op(&c->vs, v.lines[v.next - 1], r, eng_heap(c->e), msg, sizeof msg) < 0) {
		fprintf(stderr, "%s:%zu: operation #%llu differs from the recording: %s\n  %s\n", v.path, v.next,
			(unsigned long long)r->seq + 1, msg, v.lines[v.next - 1]);
		c->differs = true;
	}
}

static void b_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	bctx *c = ctx;
	if (c->o->verify) {
		verify(c, r);
		return;
	}
	sb_reset(&c->b);
	if (c->o->jsonl) {
		report_json(&c->b, c->e, r, id, c->o->explain);
	} else {
		report_op(&c->b, c->e, r, text);
		if (c->o->explain) {
			sbuf w = {0};
			report_narrate(&w, eng_heap(c->e), r);
			for (char *line = w.s, *nl; line && *line; line = nl + 1) {
				nl = strchr(line, '\n');
				if (!nl)
					break;
				*nl = 0;
				sb_printf(&c->b, "   why: %s\n", line);
			}
			sb_free(&w);
		}
	}
	fputs(c->b.s ? c->b.s : "", stdout);
	if (c->o->check_heap && r->status == ALLOC_OK) {
		char msg[256];
		if (hv_check(eng_heap(c->e), msg, sizeof msg) != 0) {
			fprintf(stderr, "heap check failed after operation %llu: %s\n", (unsigned long long)r->seq + 1, msg);
			c->checkfail = true;
		}
	}
	if (r->status != ALLOC_OK) {
		c->faults++;
		snprintf(c->lastmsg, sizeof c->lastmsg, "%s", r->msg);
	}
}

/* Take the session's requests: captions and titles are printed (a lecture
 * run headless reads as one), the rest has no screen to act on.  True when
 * the run must end (quit). */
static bool take_requests(session *s, const batch_opts *o)
{
	sess_req req;
	bool quit = false;
	while (sess_take_request(s, &req)) {
		if (req.kind == SESS_REQ_QUIT)
			quit = true;
		else if (req.kind == SESS_REQ_CAPTION && !o->jsonl)
			printf("== %s\n", req.arg);
		else if (req.kind == SESS_REQ_TITLE && !o->jsonl)
			printf("== [%s]\n", req.arg);
		else if (req.kind == SESS_REQ_COMPARE)
			fprintf(stderr, "heapscope: compare draws a second pane in the TUI; headless, --compare runs "
					"malloc-lab traces through several allocators\n");
		else if (req.kind == SESS_REQ_EXPORT)
			fprintf(stderr, "heapscope: export draws the screen: it works in the TUI, or with "
					"--export-pauses DIR in batch mode\n");
	}
	return quit;
}

int batch_run(const batch_opts *o)
{
	bctx c = {.o = o};
	c.e = eng_new_arch(o->aslr, o->seed, o->legacy, o->mm ? alloc_mm_design(o->mm) : o->design, o->arch);
	if (o->mm)
		eng_add_allocator(c.e, o->mm, true);
	sess_frontend fe = {.ctx = &c, .print = b_print, .op = b_op, .run_programs = true,
			    .limit_ms = o->limit_ms};
	session *s = sess_new(c.e, &fe);
	c.s = s;
	int status = HS_EXIT_OK;
	if (sess_load_quiet(s, o->path) != SESS_OK) {
		status = HS_EXIT_SCRIPT_ERROR;
		goto out;
	}
	sess_check_header(s);
	for (;;) {
		sess_step r = sess_step_script(s);
		bool quit = take_requests(s, o);
		if (r == SESS_STEP_END || r == SESS_STEP_NONE)
			break;
		if (r == SESS_STEP_ERROR) {
			status = HS_EXIT_SCRIPT_ERROR;
			break;
		}
		if (c.differs)
			break;
		if (r == SESS_STEP_FAULT && !o->keep_going) {
			sess_script_view v;
			sess_script(s, &v);
			fprintf(stderr, "%s:%zu: the simulated program stopped: %s\n", v.path, v.next, c.lastmsg);
			status = HS_EXIT_FAULT;
			break;
		}
		if (quit)
			break;
	}
	if (c.checkfail)
		status = HS_EXIT_CHECK;
	if (o->verify && c.differs)
		status = HS_EXIT_VERIFY;
	else if (o->verify && status == HS_EXIT_OK) {
		printf("verify: all %llu recorded results agree", (unsigned long long)c.vs.checked);
		if (c.vs.mmap_elsewhere)
			printf(" (%llu mmapped chunk%s at another address: the program's own mappings are not recorded)",
			       (unsigned long long)c.vs.mmap_elsewhere, c.vs.mmap_elsewhere == 1 ? "" : "s");
		if (c.vs.arena_elsewhere)
			printf(" (%llu chunk%s of thread arenas at the same offset in a heap elsewhere: arenas go below the "
			       "program's own mappings)",
			       (unsigned long long)c.vs.arena_elsewhere, c.vs.arena_elsewhere == 1 ? "" : "s");
		printf("\n");
		if (!c.vs.checked)
			status = HS_EXIT_VERIFY, fprintf(stderr, "heapscope: %s records no results to verify\n", o->path);
	}
	if (status == HS_EXIT_OK && c.faults && o->keep_going)
		status = HS_EXIT_FAULT;
	if (o->summary && !o->jsonl && status != HS_EXIT_SCRIPT_ERROR) {
		sbuf b = {0};
		sb_printf(&b, "\n");
		report_chunks(&b, c.e, sess_view(s));
		report_bins(&b, c.e, sess_view(s), false, false);
		fputs(b.s, stdout);
		sb_free(&b);
	}
out:
	sb_free(&c.b);
	sess_free(s);
	eng_free(c.e);
	/* output that was lost is an error, as coreutils treats it */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "heapscope: cannot write the output: %s\n", strerror(errno ? errno : EIO));
		return HS_EXIT_OUTPUT;
	}
	return status;
}
