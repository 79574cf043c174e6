/*
 * student.h - a student's mm.c compiled and run in a child process,
 * operation by operation (student.c).
 */
#ifndef HEAPSCOPE_STUDENT_H
#define HEAPSCOPE_STUDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct student student;

/* Compile file (the compiler's words go to stderr on failure); NULL with
 * *status 1 when it does not build.  limit_ms bounds each operation. */
student *student_open(const char *file, int limit_ms, int *status);
/* A fresh process and mm_init; false with the reason in why. */
bool student_start(student *s, char *why, size_t whylen);
/* One operation: op 'm' (malloc size), 'f' (free ptr whose payload of old
 * bytes holds pattern) or 'r' (realloc ptr to size); *ret the result, *lo
 * and *brk the heap's extent after it.  false with the reason in why (a
 * crash names the function and the signal; what names the operation). */
bool student_op(student *s, char op, uint64_t ptr, uint64_t size, uint64_t old, int pattern, uint64_t *ret,
		uint64_t *lo, uint64_t *brk, char *why, size_t whylen, const char *what);
/* The file's name, for tables. */
const char *student_name(const student *s);
/* Stop the child and remove the build. */
void student_close(student *s);

#endif
