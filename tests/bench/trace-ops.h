/*
 * trace-ops.h - a tiny reader for the generated scripts (vN = malloc(S);
 * free(vN); vN = realloc(vM, S); vN = calloc(N, S)) shared by the two
 * benchmark programs, so both replay exactly the same operations.
 */
#ifndef HEAPSCOPE_BENCH_TRACE_OPS_H
#define HEAPSCOPE_BENCH_TRACE_OPS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { T_MALLOC, T_FREE, T_CALLOC, T_REALLOC };

typedef struct top {
	uint8_t kind;
	uint32_t var;
	uint64_t a, b;
} top;

static inline top *trace_read(const char *path, size_t *n, uint32_t *nvars)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	size_t cap = 1 << 20;
	top *ops = malloc(cap * sizeof *ops);
	char line[256];
	*n = 0;
	*nvars = 0;
	while (fgets(line, sizeof line, f)) {
		top o = {0};
		unsigned v, w;
		unsigned long long x, y;
		if (sscanf(line, "v%u = malloc(%llu)", &v, &x) == 2)
			o = (top){T_MALLOC, v, x, 0};
		else if (sscanf(line, "v%u = calloc(%llu, %llu)", &v, &x, &y) == 3)
			o = (top){T_CALLOC, v, x, y};
		else if (sscanf(line, "v%u = realloc(v%u, %llu)", &v, &w, &x) == 3)
			o = (top){T_REALLOC, v, x, 0};
		else if (sscanf(line, "free(v%u)", &v) == 1)
			o = (top){T_FREE, v, 0, 0};
		else
			continue;
		if (*n == cap)
			ops = realloc(ops, (cap *= 2) * sizeof *ops);
		if (o.var + 1 > *nvars)
			*nvars = o.var + 1;
		ops[(*n)++] = o;
	}
	fclose(f);
	return ops;
}

static inline double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

#endif
