/*
 * compare.c - `heapscope --compare ALLOC,... TRACE...`: the same malloc-lab
 * traces through several allocators (the glibc model and the textbook
 * designs), with the lab driver's checks after every call and its table
 * for each allocator: valid, utilisation (peak live payload / final heap
 * size), operations, seconds and thousands of operations per second.
 *
 * The checks: every payload 16-byte aligned and inside the heap, no two
 * live payloads overlapping, the bytes of each payload kept (filled with a
 * pattern when allocated, checked on free and realloc, and realloc keeps
 * the old bytes), NULL only for a request that cannot be met.  With
 * check_heap the allocator's own invariant checker runs after every call.
 */
#include "compare.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heapscope/textbook.h"
#include "heapscope/student.h"
#include "heapscope/alloc.h"
#include "heapscope/heapview.h"
#include "heapscope/status.h"
#include "heapscope/xalloc.h"

#define COMPARE_HEAP 0x555555559000ull /* every allocator's heap starts where glibc's does */

typedef struct rop {
	char kind; /* a f r */
	uint32_t id;
	uint64_t size;
} rop;

typedef struct trace {
	const char *path;
	rop *ops;
	size_t n;
	uint32_t ids;
} trace;

/* A malloc-lab trace: four numbers (optional), then a/f/r lines. */
static bool load(const char *path, trace *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	char line[256];
	size_t cap = 0, lineno = 0;
	memset(t, 0, sizeof *t);
	t->path = path;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#' || isdigit((unsigned char)*p))
			continue; /* blank, comment, or a header number */
		rop o = {.kind = *p};
		unsigned long long id = 0, size = 0;
		int k = sscanf(p + 1, "%llu %llu", &id, &size);
		if (!strchr("afr", o.kind) || k < 1 || (o.kind != 'f' && k < 2) || id > 1000000) {
			snprintf(err, errlen, "%s:%zu: expected a ID SIZE, f ID or r ID SIZE", path, lineno);
			fclose(f);
			free(t->ops);
			return false;
		}
		o.id = (uint32_t)id;
		o.size = size;
		if (t->n == cap)
			t->ops = xreallocarray(t->ops, cap = cap ? 2 * cap : 1024, sizeof *t->ops);
		t->ops[t->n++] = o;
		if (o.id + 1 > t->ids)
			t->ids = o.id + 1;
	}
	fclose(f);
	return true;
}

/* One allocator under test: the glibc model or a textbook design. */
typedef struct subject {
	const tb_alloc *tb; /* NULL: the glibc model */
	alloc *g;
	tb_heap h;
	mem_space *m;
} subject;

static bool start(subject *s)
{
	if (!s->tb) {
		s->g = alloc_new(false, 1);
		s->m = s->g->mem;
		return true;
	}
	s->m = mem_new();
	memset(&s->h, 0, sizeof s->h);
	s->h.m = s->m;
	s->h.lo = s->h.brk = COMPARE_HEAP;
	s->h.limit = s->h.lo + (1ull << 34);
	s->h.variant = s->tb->variant;
	return s->tb->init(&s->h);
}

static void stop(subject *s)
{
	if (s->g)
		alloc_free(s->g);
	else
		mem_free(s->m);
	s->g = NULL;
	s->m = NULL;
}

static uint64_t do_malloc(subject *s, uint64_t n)
{
	uint64_t p = 0;
	if (!s->tb)
		return alloc_malloc(s->g, n, &p) == ALLOC_OK ? p : 0;
	return s->tb->malloc(&s->h, n);
}

static void do_free(subject *s, uint64_t p)
{
	if (!s->tb)
		alloc_free_ptr(s->g, p);
	else
		s->tb->free(&s->h, p);
}

static uint64_t do_realloc(subject *s, uint64_t p, uint64_t n)
{
	uint64_t q = 0;
	if (!s->tb)
		return alloc_realloc(s->g, p, n, &q) == ALLOC_OK ? q : 0;
	return s->tb->realloc(&s->h, p, n);
}

/* Bytes the heap occupies now: the break's distance from the heap's start
 * (and, for glibc, its mmapped chunks). */
static uint64_t heap_size(const subject *s)
{
	if (!s->tb)
		return s->g->brk - s->g->lay.heap + s->g->mmapped_mem;
	return s->h.brk - s->h.lo;
}

static bool in_heap(const subject *s, uint64_t p, uint64_t n)
{
	if (!s->tb) {
		if (p >= s->g->lay.heap && p + n <= s->g->brk)
			return true;
		const mem_map *m = mem_find(s->g->mem, p);
		return m && m->kind == MEM_CHUNK && p + n <= m->end;
	}
	return p >= s->h.lo && p + n <= s->h.brk;
}

static const char *invariants(subject *s)
{
	static char msg[256];
	if (s->tb)
		return s->tb->check(&s->h);
	return hv_check(s->g, msg, sizeof msg) == 0 ? NULL : msg;
}

/* The pattern byte of payload id. */
static int pattern(uint32_t id) { return (int)(id * 37 + 11) & 0xff; }

static bool pattern_kept(mem_space *m, uint64_t p, uint64_t n, int byte)
{
	uint8_t buf[4096];
	for (uint64_t off = 0; off < n; off += sizeof buf) {
		size_t k = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
		if (!mem_read(m, p + off, buf, k))
			return false;
		for (size_t i = 0; i < k; i++)
			if (buf[i] != byte)
				return false;
	}
	return true;
}

typedef struct result {
	bool valid;
	char why[256];
	double util, secs;
	size_t ops;
} result;

/* The first failed check of a run (later ones are not kept). */
static void fail(result *r, const char *fmt, ...)
{
	if (!r->valid)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	r->valid = false;
}

/* Replay t on a fresh s: checked (every check, utilisation) or timed
 * (nothing but the allocator's calls, as the lab driver times them). */
static void run(subject *s, const trace *t, bool check_heap, bool timed, result *r)
{
	memset(r, 0, sizeof *r);
	r->valid = true;
	r->ops = t->n;
	uint64_t *ptr = xcalloc(t->ids ? t->ids : 1, sizeof *ptr), *len = xcalloc(t->ids ? t->ids : 1, sizeof *len);
	uint64_t live = 0, peak = 0;
	if (!start(s)) {
		fail(r, "init failed");
		goto out;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < t->n && r->valid; i++) {
		const rop *o = &t->ops[i];
		uint64_t p = 0;
		if (timed) {
			if (o->kind == 'f')
				do_free(s, ptr[o->id]);
			else
				ptr[o->id] = o->kind == 'r' && ptr[o->id] ? do_realloc(s, ptr[o->id], o->size)
									  : do_malloc(s, o->size);
			if (o->kind == 'f')
				ptr[o->id] = 0;
			continue;
		}
		if (o->kind == 'f') {
			if (ptr[o->id] && !pattern_kept(s->m, ptr[o->id], len[o->id], pattern(o->id)))
				fail(r, "op %zu: payload %u was overwritten before its free", i, o->id);
			do_free(s, ptr[o->id]);
			live -= len[o->id];
			ptr[o->id] = len[o->id] = 0;
		} else {
			if (o->kind == 'r' && ptr[o->id]) {
				uint64_t keep = len[o->id] < o->size ? len[o->id] : o->size;
				p = do_realloc(s, ptr[o->id], o->size);
				if (p && !pattern_kept(s->m, p, keep, pattern(o->id)))
					fail(r, "op %zu: realloc lost the payload's bytes", i);
				live -= len[o->id];
				ptr[o->id] = len[o->id] = 0;
			} else {
				p = do_malloc(s, o->size);
			}
			if (!p && o->size) {
				fail(r, "op %zu: NULL for %llu bytes", i, (unsigned long long)o->size);
				break;
			}
			if (p % 16)
				fail(r, "op %zu: payload 0x%llx is not 16-byte aligned", i,
					 (unsigned long long)p);
			else if (p && !in_heap(s, p, o->size))
				fail(r, "op %zu: payload 0x%llx lies outside the heap", i,
					 (unsigned long long)p);
			for (uint32_t j = 0; j < t->ids && r->valid && p; j++)
				if (ptr[j] && p < ptr[j] + len[j] && ptr[j] < p + o->size)
					fail(r, "op %zu: payload 0x%llx overlaps payload %u", i,
						 (unsigned long long)p, j);
			if (p && !mem_fill(s->m, p, pattern(o->id), o->size)) {
				fail(r, "op %zu: payload 0x%llx cannot be written", i,
					 (unsigned long long)p);
			}
			ptr[o->id] = p;
			len[o->id] = o->size;
			live += o->size;
			if (live > peak)
				peak = live;
		}
		if (check_heap && r->valid) {
			const char *why = invariants(s);
			if (why)
				fail(r, "op %zu: %s", i, why);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!timed)
		r->util = heap_size(s) ? (double)peak / (double)heap_size(s) : 0;
out:
	stop(s);
	free(ptr);
	free(len);
}

/* A student's allocator: the same checks, the integrity ones done in its
 * process (it fills and checks the patterns itself). */
static void run_student(student *st, const trace *t, bool timed, result *r)
{
	memset(r, 0, sizeof *r);
	r->valid = true;
	r->ops = t->n;
	uint64_t *ptr = xcalloc(t->ids ? t->ids : 1, sizeof *ptr), *len = xcalloc(t->ids ? t->ids : 1, sizeof *len);
	uint64_t live = 0, peak = 0, lo = 0, brk = 0;
	char why[256];
	student_answer ans;
	if (!student_start(st, COMPARE_HEAP, false, &ans, why, sizeof why)) {
		fail(r, "%s", why);
		goto out;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < t->n && r->valid; i++) {
		const rop *o = &t->ops[i];
		char what[96];
		uint64_t p = 0, old = ptr[o->id];
		char op = o->kind == 'f' ? 'f' : o->kind == 'r' && old ? 'r' : 'm';
		snprintf(what, sizeof what, "operation #%zu, %s(%s%u%s)", i + 1,
			 op == 'f' ? "free" : op == 'r' ? "realloc" : "malloc", op == 'm' ? "" : "p", o->id,
			 op == 'f' ? "" : op == 'r' ? ", size" : "");
		if (op == 'm')
			snprintf(what, sizeof what, "operation #%zu, malloc(%llu) for p%u", i + 1,
				 (unsigned long long)o->size, o->id);
		/* the timed run checks nothing: no patterns written or read */
		if (!student_op(st, op, old, o->size, len[o->id], timed ? -1 : pattern(o->id), &ans, why, sizeof why,
				what)) {
			fail(r, "%s", why);
			break;
		}
		p = ans.ret, lo = ans.lo, brk = ans.brk;
		live -= len[o->id];
		ptr[o->id] = len[o->id] = 0;
		if (timed && op != 'f')
			ptr[o->id] = p, len[o->id] = o->size;
		if (op == 'f' || timed)
			continue;
		if (!p && o->size) {
			fail(r, "%s returned NULL", what);
			break;
		}
		if (p % 16)
			fail(r, "%s: payload 0x%llx is not 16-byte aligned", what, (unsigned long long)p);
		else if (p && (p < lo || p + o->size > brk))
			fail(r, "%s: payload 0x%llx lies outside the heap (0x%llx-0x%llx)", what, (unsigned long long)p,
			     (unsigned long long)lo, (unsigned long long)brk);
		for (uint32_t j = 0; j < t->ids && r->valid && p; j++)
			if (ptr[j] && p < ptr[j] + len[j] && ptr[j] < p + o->size)
				fail(r, "%s: payload 0x%llx overlaps p%u's", what, (unsigned long long)p, j);
		ptr[o->id] = p;
		len[o->id] = o->size;
		live += o->size;
		if (live > peak)
			peak = live;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!timed)
		r->util = brk > lo ? (double)peak / (double)(brk - lo) : 0;
out:
	free(ptr);
	free(len);
}

int compare_run(const char *allocators, const char *const *paths, int npaths, bool check_heap, int limit_ms)
{
	trace *tr = xcalloc((size_t)npaths, sizeof *tr);
	char err[512];
	int status = HS_EXIT_OK;
	for (int i = 0; i < npaths; i++)
		if (!load(paths[i], &tr[i], err, sizeof err)) {
			fprintf(stderr, "heapscope: %s\n", err);
			for (int k = 0; k < i; k++)
				free(tr[k].ops);
			free(tr);
			return HS_EXIT_SCRIPT_ERROR;
		}
	char *list = xstrdup(allocators);
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		subject s = {0};
		student *st = NULL;
		size_t nl = strlen(name);
		if (nl > 2 && !strcmp(name + nl - 2, ".c")) {
			/* a student's mm.c: compiled now, run in a child process */
			char *cc_err;
			if (!(st = student_open(name, limit_ms, false, &cc_err))) {
				fprintf(stderr, "heapscope: %s", cc_err);
				free(cc_err);
				status = HS_EXIT_SCRIPT_ERROR;
				break;
			}
		} else if (strcmp(name, "glibc") && !(s.tb = tb_find_variant(name, NULL))) {
			fprintf(stderr, "heapscope: unknown allocator '%s'; the built-in ones are glibc", name);
			for (int k = 0; tb_allocs[k]; k++)
				fprintf(stderr, ", %s", tb_allocs[k]->name);
			fprintf(stderr, "\n");
			status = HS_EXIT_USAGE;
			break;
		}
		printf("\n%s%s%s\n", name, st ? ": your allocator, in its own process" : s.tb ? ": " : ": the glibc 2.36 model",
		       st ? "" : s.tb ? s.tb->help : "");
		printf("  %-36s %5s %5s %8s %10s %8s\n", "trace", "valid", "util", "ops", "secs", "Kops");
		double util = 0, secs = 0;
		size_t ops = 0;
		int nvalid = 0;
		for (int i = 0; i < npaths; i++) {
			result r, timing;
			if (st) {
				run_student(st, &tr[i], false, &r);
				if (r.valid)
					run_student(st, &tr[i], true, &timing);
			} else {
				run(&s, &tr[i], check_heap, false, &r);
				run(&s, &tr[i], false, true, &timing);
			}
			r.secs = r.valid ? timing.secs : 0;
			const char *base = strrchr(tr[i].path, '/') ? strrchr(tr[i].path, '/') + 1 : tr[i].path;
			if (r.valid)
				printf("  %-36.36s %5s %4.0f%% %8zu %10.6f %8.0f\n", base, "yes", 100 * r.util, r.ops, r.secs,
				       r.secs > 0 ? (double)r.ops / r.secs / 1e3 : 0);
			else
				printf("  %-36.36s %5s %5s %8zu %10s %8s\n", base, "no", "-", r.ops, "-", "-");
			if (!r.valid) {
				printf("    check failed: %s\n", r.why);
				status = HS_EXIT_FAULT;
				continue;
			}
			nvalid++;
			util += r.util;
			secs += r.secs;
			ops += r.ops;
		}
		if (nvalid)
			printf("  %-36s %5s %4.0f%% %8zu %10.6f %8.0f\n", "Total (valid traces)", "", 100 * util / nvalid,
			       ops, secs, secs > 0 ? (double)ops / secs / 1e3 : 0);
		student_close(st);
	}
	free(list);
	for (int i = 0; i < npaths; i++)
		free(tr[i].ops);
	free(tr);
	return status;
}
