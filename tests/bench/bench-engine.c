/*
 * bench-engine.c - heapscope's model replaying the same trace, with its
 * history kept (every operation logged, checkpoints taken).
 * Prints: ns_per_op OPS history_bytes_per_op peak_rss_bytes
 */
#include <sys/resource.h>

#include "heapscope/engine.h"
#include "trace-ops.h"

/* Replay the trace on e; returns the number of failed operations. */
static size_t run(engine *e, const top *ops, size_t n, const int32_t *var)
{
	eng_result r;
	size_t faults = 0;
	for (size_t i = 0; i < n; i++) {
		const top *o = &ops[i];
		eng_op op = {.dst = var[o->var]};
		uint64_t cur = 0;
		switch (o->kind) {
		case T_MALLOC:
			op.kind = ENG_MALLOC;
			op.x = o->a;
			break;
		case T_CALLOC:
			op.kind = ENG_CALLOC;
			op.x = o->a;
			op.y = o->b;
			break;
		case T_REALLOC:
			eng_var_get(e, var[o->var], &cur);
			op.kind = ENG_REALLOC;
			op.x = cur;
			op.y = o->a;
			break;
		case T_FREE:
			eng_var_get(e, var[o->var], &cur);
			op.kind = ENG_FREE;
			op.dst = -1;
			op.x = cur;
			break;
		}
		if (eng_exec(e, &op, &r) != ALLOC_OK)
			faults++;
	}
	return faults;
}

static int32_t *make_vars(engine *e, uint32_t nv)
{
	int32_t *var = malloc(sizeof *var * (nv ? nv : 1));
	char name[24];
	for (uint32_t i = 0; i < nv; i++) {
		snprintf(name, sizeof name, "v%u", i);
		var[i] = eng_var(e, name, true);
	}
	return var;
}

/* Time one undo. */
static double undo_ns(engine *e)
{
	double a = now_ns();
	eng_undo(e);
	return now_ns() - a;
}

int main(int argc, char **argv)
{
	size_t n;
	uint32_t nv;
	if (argc != 2 && !(argc == 3 && !strcmp(argv[2], "i386")))
		return 2;
	/* with "i386": an i386 process, as a 32-bit program on this kernel */
	alloc_arch arch = argc == 3 ? ALLOC_ARCH_I386_K64 : ALLOC_ARCH_X86_64;
	top *ops = trace_read(argv[1], &n, &nv);
	engine *e = eng_new_arch(false, 1, false, NULL, arch);
	int32_t *var = make_vars(e, nv);
	double t0 = now_ns();
	size_t faults = run(e, ops, n, var);
	double t1 = now_ns();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%.2f %zu %.1f %ld %zu\n", (t1 - t0) / (double)n, n, (double)eng_history_bytes(e) / (double)n,
	       ru.ru_maxrss * 1024L, faults);
	/* the first undo after the run: with the TUI's idle preparation, and
	 * (on a second engine) without it */
	double a = now_ns();
	eng_prepare_undo(e);
	double prep = now_ns() - a, first_prepared = undo_ns(e);
	/* then undo and redo one at a time, at the end and in the middle */
	eng_result r;
	double worst = 0, total = 0, t2, t3;
	int steps = 0;
	/* goto: to the start, the end and six places between, in a jumbled order */
	static const int at[] = {3, 0, 5, 1, 7, 2, 6, 4};
	double gworst = 0;
	t2 = now_ns();
	for (size_t k = 0; k < sizeof at / sizeof *at; k++) {
		double g0 = now_ns();
		eng_goto(e, n * (size_t)at[k] / 7);
		double g = now_ns() - g0;
		gworst = g > gworst ? g : gworst;
	}
	t3 = now_ns();
	for (int round = 0; round < 2; round++) {
		eng_goto(e, round ? n / 3 : n);
		for (int k = 0; k < 2000; k++) {
			double b = now_ns();
			if (k < 1000)
				eng_undo(e);
			else
				eng_redo(e, &r);
			double c = now_ns() - b;
			total += c;
			worst = c > worst ? c : worst;
			steps++;
		}
	}
	/* the cold first undo, last: tearing the second engine down (500 MB
	 * on the mmap-heavy trace) slowed the next goto on e by 2-5 ms */
	engine *e2 = eng_new_arch(false, 1, false, NULL, arch);
	int32_t *var2 = make_vars(e2, nv);
	run(e2, ops, n, var2);
	double first_cold = undo_ns(e2);
	eng_free(e2);
	free(var2);
	fprintf(stderr,
		"goto: mean %.1f ms, worst %.1f ms over 8 places (checkpoints %zu); undo/redo x%d: mean %.1f us, "
		"worst %.2f ms; first undo after the run %.2f ms cold, %.3f ms after idle preparation (%.1f ms)",
		(t3 - t2) / 8e6, gworst / 1e6, eng_checkpoints(e), steps, total / steps / 1e3, worst / 1e6, first_cold / 1e6,
		first_prepared / 1e6, prep / 1e6);
	return faults ? 1 : 0;
}
