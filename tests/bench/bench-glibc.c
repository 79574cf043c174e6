/*
 * bench-glibc.c - the real glibc replaying a generated trace natively.
 * Prints: ns_per_op OPS
 */
#include "trace-ops.h"

int main(int argc, char **argv)
{
	size_t n;
	uint32_t nv;
	if (argc != 2)
		return 2;
	top *ops = trace_read(argv[1], &n, &nv);
	void **vars = calloc(nv, sizeof *vars);
	double t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		top *o = &ops[i];
		switch (o->kind) {
		case T_MALLOC:
			vars[o->var] = malloc(o->a);
			break;
		case T_CALLOC:
			vars[o->var] = calloc(o->a, o->b);
			break;
		case T_REALLOC:
			vars[o->var] = realloc(vars[o->var], o->a);
			break;
		case T_FREE:
			free(vars[o->var]);
			vars[o->var] = NULL;
			break;
		}
	}
	double t1 = now_ns();
	printf("%.2f %zu\n", (t1 - t0) / (double)n, n);
	return 0;
}
