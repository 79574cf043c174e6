/*
 * compare.h - running malloc-lab traces through several allocators and
 * printing the lab driver's table for each (compare.c).
 */
#ifndef HEAPSCOPE_COMPARE_H
#define HEAPSCOPE_COMPARE_H

#include <stdbool.h>

/* allocators: comma-separated names (glibc, bump, implicit-first, ...);
 * paths: the traces.  An HS_EXIT_ status: FAULT when a check failed. */
int compare_run(const char *allocators, const char *const *paths, int npaths, bool check_heap, int limit_ms);

#endif
