/*
 * bench-engine.c - heapscope's model replaying the same trace, with its
 * history kept (every operation logged, checkpoints taken).
 * Prints: ns_per_op OPS history_bytes_per_op peak_rss_bytes
 */
#include <sys/resource.h>

#include "heapscope/engine.h"
#include "trace-ops.h"

int main(int argc, char **argv)
{
	size_t n;
	uint32_t nv;
	if (argc != 2)
		return 2;
	top *ops = trace_read(argv[1], &n, &nv);
	engine *e = eng_new(false, 1);
	int32_t *var = malloc(sizeof *var * (nv ? nv : 1));
	char name[24];
	for (uint32_t i = 0; i < nv; i++) {
		snprintf(name, sizeof name, "v%u", i);
		var[i] = eng_var(e, name, true);
	}
	eng_result r;
	size_t faults = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		top *o = &ops[i];
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
	double t1 = now_ns();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%.2f %zu %.1f %ld %zu\n", (t1 - t0) / (double)n, n, (double)eng_history_bytes(e) / (double)n,
	       ru.ru_maxrss * 1024L, faults);
	/* undo across the whole trace must stay cheap */
	double t2 = now_ns();
	eng_goto(e, n / 2);
	eng_goto(e, 0);
	eng_goto(e, n);
	double t3 = now_ns();
	fprintf(stderr, "goto middle, start, end: %.1f ms (checkpoints %zu, estimate %.1f B/op)\n", (t3 - t2) / 1e6, e->ncps, (double)e->cp_bytes / (double)n);
	return faults ? 1 : 0;
}
