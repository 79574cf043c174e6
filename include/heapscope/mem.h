/*
 * mem.h - the simulated address space of a 64-bit Linux process.
 *
 * Memory is a sorted list of mappings.  A mapping's pages sit in a two-level
 * table: a directory of leaves, each leaf holding 16 page pointers (64 KiB).
 * A NULL leaf or page reads as zeros and is materialised on first write, so
 * a mapping costs host memory only for the pages that hold data (a 64 GiB
 * mmap costs an 8 MiB directory).  Leaves and pages carry reference
 * counts: a clone of the address space (an undo checkpoint) copies only the
 * directories, and a leaf or page is copied when one side writes to it
 * (leaves are small because a checkpoint keeps a copy of every leaf written
 * after it).
 *
 * Invariants: mappings never overlap, are page-aligned at start, and are kept
 * sorted by address; together they cover at most MEM_LIMIT bytes (beyond it
 * mapping fails, which the allocator reports as ENOMEM).  Every access is
 * bounds-checked: an access that touches an address outside every mapping
 * (or a page punched out by munmap) fails and reports the faulting address
 * instead of touching host memory.
 */
#ifndef HEAPSCOPE_MEM_H
#define HEAPSCOPE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_PAGE 4096u
/* pages per leaf of a mapping's page table */
#define MEM_LEAF_PAGES 16u
/* the most address space all mappings together may cover (256 GiB) */
#define MEM_LIMIT (1ull << 38)

/* What a mapping holds; drives labels and colours in the views. */
typedef enum mem_kind {
	MEM_TEXT,
	MEM_RODATA, /* a read-only part of a program image: headers, .rodata, relro */
	MEM_DATA,
	MEM_BSS,
	MEM_HEAP,
	MEM_CHUNK, /* an mmapped malloc chunk */
	MEM_ANON, /* other anonymous mmap (heap substitute) */
	MEM_LIB,
	MEM_STACK,
	MEM_KERNEL, /* what the kernel maps: [vvar], [vdso], [vsyscall] */
	MEM_ARENA, /* a thread arena's heap (aux: the arena's number) */
	MEM_TSTACK, /* a thread's stack (aux: the thread's number) */
	MEM_KIND_COUNT
} mem_kind;

enum { MEM_R = 1, MEM_W = 2, MEM_X = 4 };

typedef struct mem_page mem_page;
typedef struct mem_leaf mem_leaf;

typedef struct mem_map {
	uint64_t start, end; /* [start, end) */
	uint8_t kind, prot;
	uint64_t off; /* file offset of start; for anonymous memory the kernel's
		       * page offset: its address at birth (mremap keeps it) */
	uint64_t aux; /* the owner's: alloc keeps where an mmapped chunk starts
		       * in its mapping (memalign may start it past the first page) */
	uint32_t anon; /* its anon_vma: areas merge only when theirs agree (a
			* split keeps it; a new mapping takes its neighbour's) */
	uint32_t vma; /* mappings with the same number form one area, as Linux
		       * merges them (one line in /proc/PID/maps) */
	char name[48]; /* the file's path, or [heap], [stack], [vdso]...; "" for anonymous */
	mem_leaf **dir; /* one leaf per MEM_LEAF_PAGES pages; NULL reads as zeros */
	size_t cap; /* slots in dir[] */
} mem_map;

/* A cached translation of one page: readable data, and whether the page may
 * be written in place (private, writable).  Flushed on every change of the
 * mappings, of page ownership (clone, copy-on-write) or of page identity. */
#define MEM_TLB 1024
typedef struct mem_tlb {
	uint64_t tag; /* page address, or MEM_TLB_NONE */
	uint8_t *data;
	uint8_t w;
} mem_tlb;
#define MEM_TLB_NONE UINT64_MAX

typedef struct mem_space {
	mem_map *maps;
	size_t n, cap;
	size_t hot; /* index of the mapping hit last */
	uint64_t fault; /* address of the last failed access */
	uint64_t detached; /* bytes of shared pages and leaves this space let go */
	uint64_t mapped; /* bytes covered by all mappings */
	uint32_t next_vma; /* the number the next new area (and anon_vma) gets */
	mem_tlb tlb[MEM_TLB];
} mem_space;

/* Make an empty address space. */
mem_space *mem_new(void);
/* Release an address space and drop its page references. */
void mem_free(mem_space *m);
/* Copy an address space, sharing pages copy-on-write. */
mem_space *mem_clone(const mem_space *m);
/* Add a mapping of len bytes at start; false if it overlaps another. */
bool mem_map_add(mem_space *m, uint64_t start, uint64_t len, mem_kind kind, int prot, const char *name);
/* Add a mapping of a file's bytes from offset off (as mmap of a file). */
bool mem_map_file(mem_space *m, uint64_t start, uint64_t len, mem_kind kind, int prot, const char *path,
		  uint64_t off);
/* The mapping that starts exactly at start, or NULL (to set its aux). */
mem_map *mem_map_at(mem_space *m, uint64_t start);
/* Merge the new anonymous mapping at start with its neighbours as Linux's
 * mmap does: with an unnamed neighbour of the same permissions whose page
 * offsets continue its own; both sides only when they were one area
 * already (two areas that have touched their pages have different
 * anon_vmas and stay apart), else the lower side. */
void mem_vma_merge(mem_space *m, uint64_t start);
/* Remove [start, start+len): whole mappings go, partial ranges become holes. */
void mem_unmap(mem_space *m, uint64_t start, uint64_t len);
/* Change the end of the mapping that starts at start; new pages read as zero. */
bool mem_resize(mem_space *m, uint64_t start, uint64_t newlen);
/* Merge the existing mapping at start with alike neighbours whose anon_vma
 * is its own (after mprotect or munmap changed a range). */
void mem_vma_rejoin(mem_space *m, uint64_t start);
/* Split the mapping that straddles page-aligned address at into two
 * mappings (the upper keeps the pages, the area number and, shifted, the
 * offset); true when done or when nothing straddles at. */
bool mem_split(mem_space *m, uint64_t at);
/* Extend the mapping that starts at start down to newstart (a stack
 * growing), keeping its bytes where they are; false if that range is taken. */
bool mem_grow_down(mem_space *m, uint64_t start, uint64_t newstart);
/* Move the mapping that starts at from so that it starts at to (mremap). */
bool mem_move(mem_space *m, uint64_t from, uint64_t to);
/* Drop the pages of a page-aligned range so it reads as zeros (MADV_DONTNEED);
 * only what is mapped is touched.  Returns whether anything changed. */
bool mem_discard(mem_space *m, uint64_t start, uint64_t len);
/* The mapping containing addr, or NULL. */
const mem_map *mem_find(mem_space *m, uint64_t addr);
/* The lowest free range of len bytes at or above base that ends by
 * ceiling, or 0 (bottom-up first fit). */
uint64_t mem_find_gap_above(const mem_space *m, uint64_t base, uint64_t len, uint64_t ceiling);
/* Lowest free address range of len bytes at or below hint-len, searching down. */
uint64_t mem_find_gap_below(const mem_space *m, uint64_t hint, uint64_t len, uint64_t floor);
/* Copy n bytes out of simulated memory; false (and m->fault set) on a fault. */
bool mem_read(mem_space *m, uint64_t addr, void *dst, size_t n);
/* Copy n bytes into simulated memory; false (and m->fault set) on a fault. */
bool mem_write(mem_space *m, uint64_t addr, const void *src, size_t n);
/* Copy n bytes within the space (memcpy), skipping never-written pages. */
bool mem_copy(mem_space *m, uint64_t dst, uint64_t src, uint64_t n);
/* Fill n bytes with a byte value; false on a fault. */
bool mem_fill(mem_space *m, uint64_t addr, int byte, uint64_t n);
/* Slow paths of the word accessors below. */
bool mem_rd64_slow(mem_space *m, uint64_t addr, uint64_t *out);
bool mem_wr64_slow(mem_space *m, uint64_t addr, uint64_t v);
/* Forget every cached translation (after mappings or pages change). */
void mem_tlb_flush(mem_space *m);

/* Read one 64-bit little-endian word; false (m->fault set) on a fault. */
static inline bool mem_rd64(mem_space *m, uint64_t addr, uint64_t *out)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	/* one compare: the page matches and the word is 8-aligned (so it cannot
	 * cross into the next page); anything else takes the slow path */
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 8))) {
		__builtin_memcpy(out, t->data + (addr & (MEM_PAGE - 1)), 8);
		return true;
	}
	return mem_rd64_slow(m, addr, out);
}

/* Read one 16-bit word (the tcache's counts); false on a fault. */
static inline bool mem_rd16(mem_space *m, uint64_t addr, uint16_t *out)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 1)) && (addr & (MEM_PAGE - 1)) <= MEM_PAGE - 2) {
		__builtin_memcpy(out, t->data + (addr & (MEM_PAGE - 1)), 2);
		return true;
	}
	return mem_read(m, addr, out, 2);
}

/* Write one 16-bit word; false on a fault. */
static inline bool mem_wr16(mem_space *m, uint64_t addr, uint16_t v)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 1)) && t->w && (addr & (MEM_PAGE - 1)) <= MEM_PAGE - 2) {
		__builtin_memcpy(t->data + (addr & (MEM_PAGE - 1)), &v, 2);
		return true;
	}
	return mem_write(m, addr, &v, 2);
}

/* Read one 32-bit word (an i386 process's size fields and pointers). */
static inline bool mem_rd32(mem_space *m, uint64_t addr, uint32_t *out)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 4))) {
		__builtin_memcpy(out, t->data + (addr & (MEM_PAGE - 1)), 4);
		return true;
	}
	return mem_read(m, addr, out, 4);
}

/* Write one 32-bit word; false on a fault. */
static inline bool mem_wr32(mem_space *m, uint64_t addr, uint32_t v)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 4)) && t->w) {
		__builtin_memcpy(t->data + (addr & (MEM_PAGE - 1)), &v, 4);
		return true;
	}
	return mem_write(m, addr, &v, 4);
}

/* Write one 64-bit word; false (m->fault set) on a fault. */
static inline bool mem_wr64(mem_space *m, uint64_t addr, uint64_t v)
{
	mem_tlb *t = &m->tlb[(addr >> 12) & (MEM_TLB - 1)];
	if (t->tag == (addr & ~(uint64_t)(MEM_PAGE - 8)) && t->w) {
		__builtin_memcpy(t->data + (addr & (MEM_PAGE - 1)), &v, 8);
		return true;
	}
	return mem_wr64_slow(m, addr, v);
}
/* Exact bytes held by the spaces in snaps beyond what cur references:
 * their page tables plus every distinct page that cur does not share. */
size_t mem_extra_bytes(mem_space *const *snaps, size_t n, const mem_space *cur);
/* Bytes that left the sharing of this space since the counter was read
 * (copy-on-write copies and drops of shared pages and leaves): memory now
 * held only by the clones. */
uint64_t mem_take_detached(mem_space *m);
/* Pack the pages the newest of snaps (oldest first, each a clone of the
 * space before the next) holds and cur no longer does, in that snapshot
 * and in the older ones that share them: the same bytes in a twentieth of
 * the memory.  cur's cached translations are flushed.  Returns the host
 * bytes this gave back (negative when other clones keep the pages too). */
int64_t mem_pack_history(mem_space *const *snaps, size_t n, mem_space *cur);
/* A hash of the mappings and their contents (equal contents hash equal,
 * however the pages are stored); costs the materialised pages only. */
uint64_t mem_digest(const mem_space *m);
/* Number of materialised pages referenced (shared or not). */
size_t mem_page_count(const mem_space *m);
/* The pages of [lo, hi) whose bytes may differ between old and cur (cur a
 * copy-on-write clone's descendant: a page both still share is unchanged),
 * their addresses into out, at most max: the count, or max + 1 when more. */
size_t mem_dirty_pages(const mem_space *old, const mem_space *cur, uint64_t lo, uint64_t hi, uint64_t *out,
		       size_t max);

#endif
