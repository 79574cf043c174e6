/*
 * student.h - a student's malloc-lab allocator (mm.c, or a prebuilt .so)
 * compiled with the system compiler and run in a child process, one
 * request at a time, so that nothing it does can crash or corrupt
 * heapscope (student.c).
 *
 * The child's heap is memory shared with heapscope: after each request
 * heapscope reads the heap's bytes directly, and (when tracked) learns
 * which pages the request wrote.  A crash, a failed check in the child or
 * a request that takes longer than the limit ends the child; the next
 * request starts a fresh one (student_start).
 */
#ifndef HEAPSCOPE_STUDENT_H
#define HEAPSCOPE_STUDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STUDENT_HEAP_MAX (1ull << 32) /* mem_sbrk's limit */
#define STUDENT_PAGE 4096u

typedef struct student student;

/* One block as the student's mm_walk reported it. */
typedef struct student_block {
	uint64_t addr, size, allocated;
} student_block;

/* What a request left: its result, the heap's extent, the pages it wrote
 * (student_dirty, or every page when all_dirty) and mm_walk's blocks. */
typedef struct student_answer {
	uint64_t ret, lo, brk;
	uint32_t ndirty, nblocks;
	bool refused; /* mem_sbrk said no during the request */
	bool all_dirty, walk, more_blocks;
} student_answer;

/* Compile file (mm.c, or link a prebuilt .so); NULL with *err set to what
 * went wrong (the compiler's words; free it) when it does not build.
 * limit_ms bounds each request; quiet: what the allocator prints is
 * dropped (the TUI owns the terminal), else it goes to standard error.
 * The child reads nothing: its standard input is /dev/null. */
student *student_open(const char *file, int limit_ms, bool quiet, char **err);
/* A fresh child with its heap at heap, and mm_init; track: note the pages
 * each request writes.  false with the reason in why. */
bool student_start(student *s, uint64_t heap, bool track, student_answer *ans, char *why, size_t whylen);
/* Whether a child is running (none before student_start, or after a
 * failed request). */
bool student_alive(const student *s);
/* One request: op 'm' (malloc size), 'f' (free ptr, whose old payload
 * bytes hold pattern) or 'r' (realloc ptr to size); pattern -1 fills and
 * checks nothing.  false with the reason in why (a crash names the
 * function and the signal; what names the operation). */
bool student_op(student *s, char op, uint64_t ptr, uint64_t size, uint64_t old, int pattern, student_answer *ans,
		char *why, size_t whylen, const char *what);
/* The heap's bytes as the child sees them, from its start; NULL without
 * a child.  heapscope may write here too (the program's own stores). */
uint8_t *student_heap(student *s);
/* The pages (from the heap's start) the last request wrote. */
const uint32_t *student_dirty(const student *s);
/* The blocks mm_walk reported after the last request. */
const student_block *student_blocks(const student *s);
/* Whether name is a student's allocator by its suffix: .c or .so. */
bool student_file_name(const char *name);
/* The file's name, for tables and titles. */
const char *student_name(const student *s);
/* Stop the child and remove the build. */
void student_close(student *s);

#endif
