/*
 * pane_compare.c - `compare NAME`: a second allocator running the same
 * script in step, drawn in the bin pane's place, so a class sees glibc's
 * chunks beside a first-fit list's blocks.
 *
 * The TUI always keeps a journal of the session's allocation calls by
 * variable name, one entry per operation (a block the script calls p is
 * p in the second process too).  `compare NAME` starts a second engine
 * running the design NAME and replays the journal on it up to the
 * session's position; undo and goto rebuild it from the journal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/report.h"
#include "heapscope/xalloc.h"
#include "tui_internal.h"

typedef struct mirror_op {
	bool used; /* false: the operation had nothing to mirror */
	uint8_t kind; /* ENG_MALLOC, ENG_CALLOC, ENG_REALLOC or ENG_FREE */
	char dst[32], src[32];
	uint64_t x, y;
} mirror_op;

struct compare {
	const tb_alloc *design; /* NULL: glibc */
	alloc_mm *mm; /* a student's allocator (its design), owned here; or NULL */
	char name[32];
	engine *e; /* NULL while compare is off */
	mirror_op *log;
	size_t n, cap; /* entries, one per session operation */
	size_t applied; /* how many the engine has run */
	/* the session's pointers by the variable that got them */
	uint64_t *ptr;
	char (*var)[32];
	size_t nptr, capptr;
};

static const char *name_of_ptr(compare *c, uint64_t p)
{
	for (size_t i = 0; i < c->nptr; i++)
		if (c->ptr[i] == p && p)
			return c->var[i];
	return NULL;
}

static void remember(compare *c, uint64_t p, const char *name)
{
	for (size_t i = 0; i < c->nptr; i++)
		if (!strcmp(c->var[i], name)) {
			c->ptr[i] = p;
			return;
		}
	if (c->nptr == c->capptr) {
		c->capptr = c->capptr ? 2 * c->capptr : 64;
		c->ptr = xreallocarray(c->ptr, c->capptr, sizeof *c->ptr);
		c->var = xreallocarray(c->var, c->capptr, sizeof *c->var);
	}
	c->ptr[c->nptr] = p;
	snprintf(c->var[c->nptr], sizeof c->var[c->nptr], "%s", name);
	c->nptr++;
}

/* Run one logged call on the second engine. */
static void apply(compare *c, const mirror_op *m)
{
	if (!m->used)
		return;
	eng_op op = {.kind = m->kind, .dst = -1};
	uint64_t v = 0;
	if (m->kind == ENG_FREE || m->kind == ENG_REALLOC) {
		int32_t s = eng_var(c->e, m->src, false);
		if (s < 0 || !eng_var_get(c->e, s, &v))
			return; /* a pointer the mirror never handed out */
	}
	op.x = m->kind == ENG_MALLOC || m->kind == ENG_CALLOC ? m->x : v;
	op.y = m->kind == ENG_REALLOC ? m->y : m->kind == ENG_CALLOC ? m->y : 0;
	if (m->kind != ENG_FREE && m->dst[0])
		op.dst = eng_var(c->e, m->dst, true);
	eng_result r;
	eng_exec(c->e, &op, &r);
}

compare *compare_new(void)
{
	return xcalloc(1, sizeof(compare));
}

bool compare_on(const compare *c)
{
	return c && c->e;
}

/* A fresh second engine running the design (a student's is lent to it). */
static engine *second_engine(compare *c)
{
	engine *e = eng_new_layout(false, 1, false, c->design);
	if (c->mm)
		eng_add_allocator(e, c->mm, false);
	return e;
}

void compare_set(compare *c, const char *name, const tb_alloc *design, alloc_mm *mm)
{
	if (c->e)
		eng_free(c->e);
	alloc_mm_free(c->mm);
	c->mm = NULL;
	c->e = NULL;
	c->applied = 0;
	if (!name)
		return;
	c->mm = mm;
	c->design = mm ? alloc_mm_design(mm) : design;
	snprintf(c->name, sizeof c->name, "%s", name);
	c->e = second_engine(c);
}

void compare_free(compare *c)
{
	if (!c)
		return;
	if (c->e)
		eng_free(c->e);
	alloc_mm_free(c->mm);
	free(c->log);
	free(c->ptr);
	free(c->var);
	free(c);
}

void compare_op(compare *c, const eng_result *r, const char *id, size_t session_ops)
{
	/* the session's log: what it dropped (a new course after undo) goes */
	if (c->n > session_ops)
		c->n = session_ops;
	mirror_op m = {0};
	if (r->status == ALLOC_OK) {
		const char *src = name_of_ptr(c, r->arg);
		switch (r->kind) {
		case ENG_MALLOC:
		case ENG_CALLOC:
			m.kind = (uint8_t)r->kind;
			m.x = r->arg;
			m.y = r->arg2;
			break;
		case ENG_REALLOC:
		case ENG_FREE:
			if (!src)
				break;
			m.kind = (uint8_t)r->kind;
			snprintf(m.src, sizeof m.src, "%s", src);
			m.y = r->arg2;
			break;
		default:
			break;
		}
		m.used = (r->kind == ENG_MALLOC || r->kind == ENG_CALLOC) || ((r->kind == ENG_REALLOC || r->kind == ENG_FREE) && src);
		if (m.used && m.kind != ENG_FREE && id)
			snprintf(m.dst, sizeof m.dst, "%s", id);
		if (m.used && m.kind != ENG_FREE && id && r->ret)
			remember(c, r->ret, id);
	}
	size_t at = (size_t)r->seq;
	while (c->n <= at) {
		if (c->n == c->cap)
			c->log = xreallocarray(c->log, c->cap = c->cap ? 2 * c->cap : 256, sizeof *c->log);
		memset(&c->log[c->n++], 0, sizeof *c->log);
	}
	if (c->e && memcmp(&c->log[at], &m, sizeof m) && at < c->applied)
		c->applied = SIZE_MAX; /* what the engine ran changed: rebuild it */
	c->log[at] = m;
}

/* Follow the session's position (undo, redo, goto): pos operations run. */
static void follow(compare *c, size_t pos)
{
	if (pos > c->n)
		pos = c->n;
	if (pos < c->applied) {
		eng_free(c->e);
		c->e = second_engine(c);
		c->applied = 0;
	}
	while (c->applied < pos)
		apply(c, &c->log[c->applied++]);
}

void pane_compare_draw(tui *t, rect r)
{
	compare *c = t->cmp;
	follow(c, eng_pos(t->eng));
	heapview v;
	hv_build(&v, eng_heap(c->e));
	char title[96];
	snprintf(title, sizeof title, "compare: %s (%zu blocks)", c->name, v.n);
	ui_box(r, title, false);
	int x = r.x + 1, w = r.w - 2, y = r.y + 1;
	report_vars vr = {0};
	report_vars_update(&vr, c->e);
	ui_putf(y++, x, w, ROLE_TITLE, "%-15s%-9s%-13s%s", c->design ? "block" : "chunk", "size", "state", "vars");
	for (size_t k = 0; k < v.n && y < r.y + r.h - 1; k++, y++) {
		const hv_chunk *ch = &v.chunks[k];
		sbuf st = {0}, vs = {0};
		report_chunk_state(&st, eng_heap(c->e), ch);
		report_vars_names(&vs, &vr, c->e, ch->addr, ch->size, 40);
		int col = ui_putf(y, x, w, ROLE_NORMAL, "0x%-12llx 0x%-6llx ", (unsigned long long)ch->addr,
				  (unsigned long long)ch->size);
		col += ui_putf(y, x + col, w - col, pane_state_role(ch->state), "%-12s ", st.s ? st.s : "");
		ui_put(y, x + col, w - col, ROLE_NORMAL, vs.s ? vs.s : "");
		sb_free(&st);
		sb_free(&vs);
	}
	report_vars_free(&vr);
	hv_free(&v);
}
