/*
 * mem.h - the simulated address space of a 64-bit Linux process.
 *
 * Memory is a sorted list of mappings, each an array of 4 KiB pages.  A page
 * pointer of NULL reads as zeros and is materialised on first write; pages
 * carry a reference count so that a clone of the address space (an undo
 * checkpoint) shares them and copies a page only when one side writes to it.
 *
 * Invariants: mappings never overlap, are page-aligned at start, and are kept
 * sorted by address.  Every access is bounds-checked: an access that touches
 * an address outside every mapping (or a page punched out by munmap) fails
 * and reports the faulting address instead of touching host memory.
 */
#ifndef HEAPSCOPE_MEM_H
#define HEAPSCOPE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_PAGE 4096u

/* What a mapping holds; drives labels and colours in the views. */
typedef enum mem_kind {
	MEM_TEXT,
	MEM_DATA,
	MEM_BSS,
	MEM_HEAP,
	MEM_CHUNK, /* an mmapped malloc chunk */
	MEM_ANON, /* other anonymous mmap (heap substitute) */
	MEM_LIB,
	MEM_STACK,
	MEM_KIND_COUNT
} mem_kind;

enum { MEM_R = 1, MEM_W = 2, MEM_X = 4 };

typedef struct mem_page mem_page;

typedef struct mem_map {
	uint64_t start, end; /* [start, end) */
	uint8_t kind, prot;
	char name[30];
	mem_page **pages;
	size_t cap; /* slots in pages[] */
} mem_map;

typedef struct mem_space {
	mem_map *maps;
	size_t n, cap;
	size_t hot; /* index of the mapping hit last */
	uint64_t fault; /* address of the last failed access */
} mem_space;

/* Make an empty address space. */
mem_space *mem_new(void);
/* Release an address space and drop its page references. */
void mem_free(mem_space *m);
/* Copy an address space, sharing pages copy-on-write. */
mem_space *mem_clone(const mem_space *m);
/* Add a mapping of len bytes at start; false if it overlaps another. */
bool mem_map_add(mem_space *m, uint64_t start, uint64_t len, mem_kind kind, int prot, const char *name);
/* Remove [start, start+len): whole mappings go, partial ranges become holes. */
void mem_unmap(mem_space *m, uint64_t start, uint64_t len);
/* Change the end of the mapping that starts at start; new pages read as zero. */
bool mem_resize(mem_space *m, uint64_t start, uint64_t newlen);
/* Move the mapping that starts at from so that it starts at to (mremap). */
bool mem_move(mem_space *m, uint64_t from, uint64_t to);
/* Drop the pages of a page-aligned range so it reads as zeros (MADV_DONTNEED). */
void mem_discard(mem_space *m, uint64_t start, uint64_t len);
/* The mapping containing addr, or NULL. */
const mem_map *mem_find(mem_space *m, uint64_t addr);
/* Lowest free address range of len bytes at or below hint-len, searching down. */
uint64_t mem_find_gap_below(const mem_space *m, uint64_t hint, uint64_t len, uint64_t floor);
/* Copy n bytes out of simulated memory; false (and m->fault set) on a fault. */
bool mem_read(mem_space *m, uint64_t addr, void *dst, size_t n);
/* Copy n bytes into simulated memory; false (and m->fault set) on a fault. */
bool mem_write(mem_space *m, uint64_t addr, const void *src, size_t n);
/* Fill n bytes with a byte value; false on a fault. */
bool mem_fill(mem_space *m, uint64_t addr, int byte, uint64_t n);
/* Read one 64-bit little-endian word; false on a fault. */
bool mem_rd64(mem_space *m, uint64_t addr, uint64_t *out);
/* Write one 64-bit word; false on a fault. */
bool mem_wr64(mem_space *m, uint64_t addr, uint64_t v);
/* Bytes of page storage this address space owns alone (for accounting). */
size_t mem_private_bytes(const mem_space *m);
/* Number of materialised pages referenced (shared or not). */
size_t mem_page_count(const mem_space *m);

#endif
