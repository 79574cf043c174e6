/*
 * batch.c - headless mode: runs every line of a script or trace and prints
 * one readable line (or one JSON object) per allocator operation, then the
 * heap's chunks and bins.  Errors go to stderr with file:line:col.
 */
#include "heapscope/batch.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "heapscope/report.h"
#include "heapscope/session.h"

typedef struct bctx {
	const batch_opts *o;
	engine *e;
	sbuf b;
	int faults;
	char lastmsg[256];
	int checkfail;
} bctx;

static void b_print(void *ctx, int kind, const char *text)
{
	bctx *c = ctx;
	FILE *f = (kind == SESS_OUT || kind == SESS_INFO) && !c->o->jsonl ? stdout : stderr;
	fputs(text, f);
}

static void b_op(void *ctx, const eng_result *r, const char *text, const char *id)
{
	bctx *c = ctx;
	sb_reset(&c->b);
	if (c->o->jsonl) {
		report_json(&c->b, c->e, r, id);
	} else {
		char t[200];
		report_statement(t, sizeof t, text, id, r->kind);
		report_op(&c->b, c->e, r, t);
	}
	fputs(c->b.s ? c->b.s : "", stdout);
	if (c->o->check_heap && r->status == ALLOC_OK) {
		char msg[256];
		if (hv_check(c->e->heap, msg, sizeof msg) != 0) {
			fprintf(stderr, "heap check failed after operation %llu: %s\n", (unsigned long long)r->seq, msg);
			c->checkfail = 1;
		}
	}
	if (r->status != ALLOC_OK) {
		c->faults++;
		snprintf(c->lastmsg, sizeof c->lastmsg, "%s", r->msg);
	}
}

static void b_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

int batch_run(const batch_opts *o)
{
	char err[512];
	script *sc = script_load(o->path, err, sizeof err);
	if (!sc) {
		fprintf(stderr, "heapscope: %s\n", err);
		return BATCH_SCRIPT_ERROR;
	}
	bctx c = {.o = o};
	c.e = eng_new(o->aslr, o->seed);
	sess_frontend fe = {.ctx = &c, .print = b_print, .op = b_op, .ui = NULL};
	session *s = sess_new(c.e, &fe);
	s->scr = sc;
	script_check_header(sc, b_warn, NULL);
	int status = BATCH_OK;
	for (;;) {
		int rc = sess_step(s);
		if (rc == SESS_QUIT)
			break;
		if (rc == SESS_ERROR) {
			status = BATCH_SCRIPT_ERROR;
			break;
		}
		if (rc == SESS_FAULTED && !o->keep_going) {
			fprintf(stderr, "%s:%zu: the simulated program stopped: %s\n", sc->path, sc->next, c.lastmsg);
			status = BATCH_FAULT;
			break;
		}
	}
	if (c.checkfail)
		status = 4;
	if (status == BATCH_OK && c.faults && o->keep_going)
		status = BATCH_FAULT;
	if (o->summary && !o->jsonl && status != BATCH_SCRIPT_ERROR) {
		sbuf b = {0};
		sb_printf(&b, "\n");
		report_chunks(&b, c.e, sess_view(s));
		report_bins(&b, c.e, sess_view(s), false, false);
		fputs(b.s, stdout);
		sb_free(&b);
	}
	fflush(stdout);
	sb_free(&c.b);
	sess_free(s);
	eng_free(c.e);
	return status;
}
