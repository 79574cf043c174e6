/*
 * test_engine.c - history: every state is reachable again exactly
 * (goto/undo/redo compared with a fingerprint of the whole process), a
 * failed operation leaves no trace, and history stays within its budget.
 */
#include <stdlib.h>

#include "check.h"
#include "heapscope/engine.h"

/* FNV-1a over the allocator scalars, the variables and every mapped byte. */
static uint64_t fingerprint(engine *e)
{
	alloc *a = eng_heap(e);
	uint64_t h = 1469598103934665603ull;
#define MIX(v)                                        \
	do {                                          \
		uint64_t v_ = (uint64_t)(v);          \
		for (int k_ = 0; k_ < 8; k_++)        \
			h = (h ^ ((v_ >> (8 * k_)) & 0xff)) * 1099511628211ull; \
	} while (0)
	MIX(a->top);
	MIX(a->last_remainder);
	MIX(a->system_mem);
	MIX(a->brk);
	MIX(a->n_mmaps);
	MIX(a->mmapped_mem);
	MIX(a->mp.mmap_threshold);
	MIX(a->mp.trim_threshold);
	MIX(a->have_fastchunks);
	for (int i = 0; i < ALLOC_NFASTBINS; i++)
		MIX(a->fastbins[i]);
	for (int i = 0; i < 4; i++)
		MIX(a->binmap[i]);
	for (uint32_t i = 0; i < eng_nnames(e); i++) {
		uint64_t v = 0;
		if (eng_var_get(e, (int32_t)i, &v)) {
			MIX(i);
			MIX(v);
		}
	}
	mem_space *m = a->mem;
	static uint8_t page[MEM_PAGE];
	for (size_t i = 0; i < m->n; i++) {
		MIX(m->maps[i].start);
		MIX(m->maps[i].end);
		if (m->maps[i].kind == MEM_TEXT || m->maps[i].kind == MEM_STACK)
			continue;
		for (uint64_t p = m->maps[i].start; p < m->maps[i].end; p += MEM_PAGE) {
			if (!mem_read(m, p, page, MEM_PAGE))
				continue;
			for (size_t k = 0; k < MEM_PAGE; k += 8) {
				uint64_t w;
				memcpy(&w, page + k, 8);
				if (w)
					MIX(w ^ (p + k));
			}
		}
	}
	return h;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	return check_xorshift(&rng);
}

static void run_random(engine *e, size_t nops, uint64_t *prints)
{
	eng_result r;
	char name[16];
	prints[0] = fingerprint(e);
	for (size_t i = 0; i < nops; i++) {
		eng_op op = {.dst = -1};
		int v = (int)(rnd() % 64);
		snprintf(name, sizeof name, "v%d", v);
		int32_t var = eng_var(e, name, true);
		uint64_t cur = 0;
		bool live = eng_var_get(e, var, &cur) && cur;
		uint64_t size = rnd() % 100 < 80 ? rnd() % 1200 : rnd() % 300000;
		if (!live) {
			op.kind = rnd() % 5 ? ENG_MALLOC : ENG_CALLOC;
			op.dst = var;
			op.x = op.kind == ENG_CALLOC ? 1 : size;
			op.y = size;
		} else if (rnd() % 4 == 0) {
			op.kind = ENG_REALLOC;
			op.dst = var;
			op.x = cur;
			op.y = size;
		} else {
			op.kind = ENG_FREE;
			op.x = cur;
			eng_exec(e, &op, &r);
			CHECK(r.status == ALLOC_OK);
			prints[eng_pos(e)] = fingerprint(e);
			op.kind = ENG_SET;
			op.dst = var;
			op.x = 0;
		}
		eng_exec(e, &op, &r);
		CHECK(r.status == ALLOC_OK);
		prints[eng_pos(e)] = fingerprint(e);
	}
}

static void goto_restores_exactly(size_t per_op, size_t floor)
{
	engine *e = eng_new(false, 1);
	eng_set_history_budget(e, per_op, floor);
	size_t n = 3000;
	uint64_t *prints = calloc(2 * n + 2, sizeof *prints);
	run_random(e, n, prints);
	size_t total = eng_count(e);
	CHECK(total >= n);
	char msg[256];
	for (int k = 0; k < 60; k++) {
		size_t to = (size_t)(rnd() % (total + 1));
		CHECK(eng_goto(e, to));
		CHECK_EQ(eng_pos(e), to);
		CHECK_EQ(fingerprint(e), prints[to]);
		CHECK(hv_check(eng_heap(e), msg, sizeof msg) == 0);
	}
	if (per_op < 10)
		CHECK(eng_checkpoints(e) <= 3); /* the tight budget really thinned the checkpoints */
	CHECK(eng_goto(e, 10));
	CHECK(eng_undo(e));
	CHECK_EQ(fingerprint(e), prints[9]);
	eng_result r;
	CHECK(eng_redo(e, &r));
	CHECK(eng_redo(e, &r));
	CHECK_EQ(fingerprint(e), prints[11]);
	CHECK(!eng_goto(e, total + 1));
	CHECK(eng_goto(e, 0));
	CHECK(!eng_undo(e));
	/* a new operation after undo drops the redo tail */
	CHECK(eng_goto(e, 5));
	eng_op op = {.kind = ENG_MALLOC, .dst = eng_var(e, "fresh", true), .x = 40};
	eng_exec(e, &op, &r);
	CHECK_EQ(eng_count(e), 6);
	CHECK(!eng_redo(e, &r));
	free(prints);
	eng_free(e);
}

static void failure_leaves_no_trace(void)
{
	engine *e = eng_new(false, 1);
	eng_result r;
	int32_t p = eng_var(e, "p", true);
	eng_op op = {.kind = ENG_MALLOC, .dst = p, .x = 24};
	eng_exec(e, &op, &r);
	uint64_t pv = r.ret;
	op = (eng_op){.kind = ENG_FREE, .dst = -1, .x = pv};
	eng_exec(e, &op, &r);
	uint64_t before = fingerprint(e);
	size_t count = eng_count(e);
	CHECK(eng_exec(e, &op, &r) == ALLOC_ABORT);
	CHECK_STR(r.msg, "free(): double free detected in tcache 2");
	CHECK_EQ(fingerprint(e), before);
	CHECK_EQ(eng_count(e), count + 1); /* logged, flagged failed */
	op = (eng_op){.kind = ENG_POKE, .dst = -1, .x = 0x10, .y = 1, .z = 8};
	CHECK(eng_exec(e, &op, &r) == ALLOC_SEGV);
	CHECK_EQ(fingerprint(e), before);
	/* replaying across failed entries reproduces the same state */
	CHECK(eng_goto(e, 0));
	CHECK(eng_goto(e, eng_count(e)));
	CHECK_EQ(fingerprint(e), before);
	/* the session goes on */
	op = (eng_op){.kind = ENG_MALLOC, .dst = p, .x = 24};
	CHECK(eng_exec(e, &op, &r) == ALLOC_OK);
	CHECK_EQ(r.ret, pv);
	eng_free(e);
}

static void history_budget(void)
{
	engine *e = eng_new(false, 1);
	size_t n = 200000;
	eng_result r;
	int32_t vars[256];
	char name[16];
	for (int i = 0; i < 256; i++) {
		snprintf(name, sizeof name, "b%d", i);
		vars[i] = eng_var(e, name, true);
	}
	uint64_t val[256] = {0};
	for (size_t i = 0; i < n; i++) {
		int v = (int)(rnd() % 256);
		eng_op op = {.dst = -1};
		if (val[v]) {
			op.kind = ENG_FREE;
			op.x = val[v];
			val[v] = 0;
		} else {
			op.kind = ENG_MALLOC;
			op.dst = vars[v];
			op.x = rnd() % 2000;
		}
		eng_exec(e, &op, &r);
		if (op.kind == ENG_MALLOC)
			val[v] = r.ret;
	}
	double per_op = (double)eng_history_bytes(e) / (double)n;
	printf("history: %.1f bytes per operation over %zu operations\n", per_op, n);
	CHECK(per_op <= 300.0); /* the default budget */
	eng_free(e);
}

/* Over budget, checkpoints go where they are closest together: the
 * replays between them stay even (every-other thinning, or keeping the
 * first few, leaves stretches several times the mean). */
static void thinning_keeps_gaps_even(void)
{
	engine *e = eng_new(false, 1);
	size_t n = 20000;
	uint64_t *prints = calloc(4 * n + 4, sizeof *prints); /* by position: a run may log 2n */
	/* many checkpoints first; then a budget that keeps a fraction */
	eng_set_history_budget(e, 400, 0);
	run_random(e, n, prints);
	size_t before = eng_checkpoints(e);
	eng_set_history_budget(e, 15, 0);
	run_random(e, n, prints);
	size_t k = eng_checkpoints(e), total = eng_count(e), widest = 0;
	CHECK(k >= 4); /* the budget still pays for a few */
	for (size_t i = 1; i <= k; i++) {
		size_t gap = eng_checkpoint_pos(e, i) - eng_checkpoint_pos(e, i - 1);
		widest = gap > widest ? gap : widest;
	}
	printf("thinning: %zu checkpoints, then %zu over %zu operations, widest gap %zu\n", before, k, total, widest);
	CHECK(k < before);
	/* gaps are even in replay time, which the random sizes vary */
	CHECK(widest <= 4 * total / k);
	free(prints);
	eng_free(e);
}

int main(void)
{
	goto_restores_exactly(50, 8u << 20); /* the default budget */
	goto_restores_exactly(4, 0); /* so tight that checkpoints are thinned */
	failure_leaves_no_trace();
	history_budget();
	thinning_keeps_gaps_even();
	return check_done("test_engine");
}
