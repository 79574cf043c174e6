/*
 * layout.c - the simulated process image: every mapping that a minimal
 * dynamically linked PIE C program has on Debian 12 x86-64 with glibc 2.36,
 * as its /proc/PID/maps prints them under `setarch -R` (ASLR off).
 *
 * Where the numbers come from: tests/process/run.sh builds such a program,
 * runs it under setarch -R (and setarch -L -R for the legacy layout) and
 * compares its maps with heapscope's `maps` line by line; they were first
 * measured on kernel 6.18 (the kernel that has [vvar_vclock]).  The layout is three independent bases, each moved by
 * ASLR on its own: the executable (PIE base), the libraries and everything
 * the kernel and ld.so map near them (mmap base), and the stack.
 *
 * Facts a reader needs to follow the table:
 *   - the executable's rw-p page holds .data and then .bss; the heap starts
 *     at the next page (the program break, without brk randomisation);
 *   - the kernel maps ld.so top-down from the mmap base 0x7ffff7fff000
 *     (TASK_SIZE less 128 MiB), then [vvar], [vvar_vclock] and [vdso] below;
 *   - ld.so maps two pages for itself, maps /etc/ld.so.cache (0xb000 here),
 *     maps libc below it and its static TLS block below libc, then unmaps
 *     the cache: that leaves the 0xb000 hole above libc's bss;
 *   - later anonymous mappings go top-down into the highest hole that fits,
 *     and Linux shows adjacent anonymous mappings with equal permissions as
 *     one line (report_maps merges them the same way);
 *   - the legacy layout (`setarch -L`, or an unlimited stack) starts the
 *     mmap area at TASK_SIZE / 3 = 0x2aaaaaaab000 and fills it bottom-up:
 *     ld.so, the vdso, ld.so's pages, the cache's hole, libc, its bss and
 *     then the TLS block, which merges with the bss.
 *
 * An i386 process (--arch=i386) has a table of its own, measured the same
 * way with a `gcc -m32` program on this machine: under a 64-bit kernel
 * (--kernel=64) its user space is 4 GiB, the stack ends at 0xffffe000 and
 * the mmap base is 128 MiB below it (0xf7ffe000); under a 32-bit kernel
 * with the 3G/1G split the stack ends at 0xc0000000 and the mmap area,
 * the same sizes in the same order, ends 128 MiB below that (0xb8000000).
 * Its libc has no TLS block below it and there is no [vsyscall].
 */
#include <string.h>

#include "internal.h"

/* Mappings come in groups that move together; each group's place is the
 * layout's (see group_at). */
enum { G_EXE, G_TLS, G_LIBC, G_LDANON, G_VDSO, G_LD, G_STACK, G_FIXED, G_COUNT };

#define EXE "/home/student/a.out"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LD "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
#define R MEM_R
#define RW (MEM_R | MEM_W)
#define RX (MEM_R | MEM_X)

/* group, offset in the group, length, permissions, file offset, kind, path */
#define ALLOC_IMAGE(X)                                                  \
	X(G_EXE, 0x0000, 0x1000, R, 0x0000, MEM_RODATA, EXE)            \
	X(G_EXE, 0x1000, 0x1000, RX, 0x1000, MEM_TEXT, EXE)             \
	X(G_EXE, 0x2000, 0x1000, R, 0x2000, MEM_RODATA, EXE)            \
	X(G_EXE, 0x3000, 0x1000, R, 0x2000, MEM_RODATA, EXE)            \
	X(G_EXE, 0x4000, 0x1000, RW, 0x3000, MEM_DATA, EXE)             \
	X(G_TLS, 0, 0x3000, RW, 0, MEM_ANON, "")                        \
	X(G_LIBC, 0x000000, 0x26000, R, 0x000000, MEM_LIB, LIBC)        \
	X(G_LIBC, 0x026000, 0x156000, RX, 0x026000, MEM_LIB, LIBC)      \
	X(G_LIBC, 0x17c000, 0x53000, R, 0x17c000, MEM_LIB, LIBC)        \
	X(G_LIBC, 0x1cf000, 0x4000, R, 0x1cf000, MEM_LIB, LIBC)         \
	X(G_LIBC, 0x1d3000, 0x2000, RW, 0x1d3000, MEM_LIB, LIBC)        \
	X(G_LIBC, 0x1d5000, 0xd000, RW, 0, MEM_ANON, "")                \
	X(G_LDANON, 0, 0x2000, RW, 0, MEM_ANON, "")                     \
	X(G_VDSO, 0x0000, 0x4000, R, 0, MEM_KERNEL, "[vvar]")           \
	X(G_VDSO, 0x4000, 0x2000, R, 0, MEM_KERNEL, "[vvar_vclock]")    \
	X(G_VDSO, 0x6000, 0x2000, RX, 0, MEM_KERNEL, "[vdso]")          \
	X(G_LD, 0x00000, 0x1000, R, 0x00000, MEM_LIB, LD)               \
	X(G_LD, 0x01000, 0x26000, RX, 0x01000, MEM_LIB, LD)             \
	X(G_LD, 0x27000, 0xa000, R, 0x27000, MEM_LIB, LD)               \
	X(G_LD, 0x31000, 0x2000, R, 0x31000, MEM_LIB, LD)               \
	X(G_LD, 0x33000, 0x2000, RW, 0x33000, MEM_LIB, LD)              \
	X(G_STACK, 0, 0x21000, RW, 0, MEM_STACK, "[stack]")             \
	X(G_FIXED, 0xffffffffff600000, 0x1000, MEM_X, 0, MEM_KERNEL, "[vsyscall]")

#define LIBC32 "/usr/lib32/libc.so.6"
#define LD32 "/usr/lib32/ld-linux.so.2"
#define LIBC32N "/usr/lib/i386-linux-gnu/libc.so.6" /* on a 32-bit system */
#define LD32N "/usr/lib/i386-linux-gnu/ld-linux.so.2"

/* the i386 process: group, offset, length, permissions, file offset,
 * kind, path under a 64-bit kernel, path under a 32-bit one */
#define ALLOC_IMAGE_I386(X)                                                          \
	X(G_EXE, 0x0000, 0x1000, R, 0x0000, MEM_RODATA, EXE, EXE)                    \
	X(G_EXE, 0x1000, 0x1000, RX, 0x1000, MEM_TEXT, EXE, EXE)                     \
	X(G_EXE, 0x2000, 0x1000, R, 0x2000, MEM_RODATA, EXE, EXE)                    \
	X(G_EXE, 0x3000, 0x1000, R, 0x2000, MEM_RODATA, EXE, EXE)                    \
	X(G_EXE, 0x4000, 0x1000, RW, 0x3000, MEM_DATA, EXE, EXE)                     \
	X(G_LIBC, 0x000000, 0x22000, R, 0x000000, MEM_LIB, LIBC32, LIBC32N)          \
	X(G_LIBC, 0x022000, 0x179000, RX, 0x022000, MEM_LIB, LIBC32, LIBC32N)        \
	X(G_LIBC, 0x19b000, 0x80000, R, 0x19b000, MEM_LIB, LIBC32, LIBC32N)          \
	X(G_LIBC, 0x21b000, 0x2000, R, 0x21b000, MEM_LIB, LIBC32, LIBC32N)           \
	X(G_LIBC, 0x21d000, 0x1000, RW, 0x21d000, MEM_LIB, LIBC32, LIBC32N)          \
	X(G_LIBC, 0x21e000, 0xa000, RW, 0, MEM_ANON, "", "")                         \
	X(G_LDANON, 0, 0x2000, RW, 0, MEM_ANON, "", "")                              \
	X(G_VDSO, 0x0000, 0x4000, R, 0, MEM_KERNEL, "[vvar]", "[vvar]")              \
	X(G_VDSO, 0x4000, 0x2000, R, 0, MEM_KERNEL, "[vvar_vclock]", "[vvar_vclock]") \
	X(G_VDSO, 0x6000, 0x2000, RX, 0, MEM_KERNEL, "[vdso]", "[vdso]")             \
	X(G_LD, 0x00000, 0x1000, R, 0x00000, MEM_LIB, LD32, LD32N)                   \
	X(G_LD, 0x01000, 0x23000, RX, 0x01000, MEM_LIB, LD32, LD32N)                 \
	X(G_LD, 0x24000, 0xe000, R, 0x24000, MEM_LIB, LD32, LD32N)                   \
	X(G_LD, 0x32000, 0x2000, R, 0x31000, MEM_LIB, LD32, LD32N)                   \
	X(G_LD, 0x34000, 0x1000, RW, 0x33000, MEM_LIB, LD32, LD32N)                  \
	X(G_STACK, 0, 0x21000, RW, 0, MEM_STACK, "[stack]", "[stack]")

/* Where each group of the mmap area starts, from libc's first byte:
 * flexible (top-down from the mmap base, ld.so ending there) and legacy
 * (bottom-up from the mmap base, ld.so starting there), as measured with
 * setarch -R and setarch -L -R. */
static const int64_t flexible_at[G_COUNT] = {[G_TLS] = -0x3000, [G_LIBC] = 0, [G_LDANON] = 0x1ed000,
					      [G_VDSO] = 0x1ef000, [G_LD] = 0x1f7000};
static const int64_t legacy_at[G_COUNT] = {[G_LD] = -0x4a000, [G_VDSO] = -0x15000, [G_LDANON] = -0xd000,
					   [G_LIBC] = 0, [G_TLS] = 0x1e2000};

/* the i386 process, from libc's first byte: ld.so's pages after the
 * cache's hole, the vdso, ld.so ending at the mmap base */
static const int64_t i386_at[G_COUNT] = {[G_LIBC] = 0, [G_LDANON] = 0x233000, [G_VDSO] = 0x235000, [G_LD] = 0x23d000};
#define PIE32 0x56555000ull
#define MMAP32_K64 0xf7ffe000ull /* 0xffffe000 less 128 MiB */
#define MMAP32 0xb8000000ull /* 0xc0000000 less 128 MiB */
#define LIBS32_SPAN 0x272000ull /* libc's first byte to ld.so's end */
#define LIBC32_SIZE 0x228000ull
#define MAIN_ARENA32 0x21d7c0ull /* &main_arena; its bin 1 at +0x38 was measured at libc + 0x21d7f8 */

/* where the bases sit without ASLR */
#define PIE_BASE 0x555555554000ull
#define LIB_BASE 0x7ffff7dd3000ull /* libc's first byte (flexible layout) */
#define MMAP_BASE 0x7ffff7fff000ull /* TASK_SIZE - 128 MiB: top-down placement starts below it */
#define LEGACY_BASE 0x2aaaaaaab000ull /* TASK_SIZE / 3: bottom-up placement starts above it */
#define LEGACY_LIB 0x2aaaaaaf5000ull /* libc's first byte (legacy layout) */
#define STACK_END 0x7ffffffff000ull
#define STACK_SIZE 0x21000ull
#define LIBC_SIZE 0x1e2000ull /* libc's five mappings and its bss */
#define LIBS_SPAN 0x22f000ull /* from the lowest to the end of the highest group of the mmap area */
#define MAIN_ARENA 0x1d3c60ull /* &main_arena, from libc's first byte */

uint64_t alloc_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The executable's sections from its base: text in the second page, .data
 * (data bytes of it) and then .bss in the fifth, the heap after it. */
static void image_at(alloc_layout *l, uint64_t pie, uint64_t data)
{
	l->pie = pie;
	l->text = pie + 0x1000;
	l->text_end = pie + 0x2000;
	l->data = pie + 0x4000;
	l->data_end = l->bss = pie + 0x4000 + data;
	l->bss_end = pie + 0x5000;
	l->heap = pie + 0x5000;
}

/* An i386 process (no ASLR, the flexible layout). */
static void layout_i386(alloc_layout *l, bool k64)
{
	image_at(l, PIE32, 8);
	l->mmap_top = k64 ? MMAP32_K64 : MMAP32;
	l->libc = l->mmap_top - LIBS32_SPAN;
	l->libc_end = l->libc + LIBC32_SIZE;
	l->ld = l->libc + (uint64_t)i386_at[G_LD];
	l->ld_end = l->ld + 0x35000;
	l->libs_lo = l->libc;
	l->arena = l->libc + MAIN_ARENA32;
	l->stack_end = k64 ? 0xffffe000ull : 0xc0000000ull;
	l->stack = l->stack_end - STACK_SIZE;
}

void alloc_layout_init(alloc_layout *l, bool aslr, uint64_t seed, bool legacy, alloc_arch arch)
{
	memset(l, 0, sizeof *l);
	l->arch = (uint8_t)arch;
	if (arch != ALLOC_ARCH_X86_64) {
		layout_i386(l, arch == ALLOC_ARCH_I386_K64);
		return;
	}
	uint64_t pie = PIE_BASE, brk_rnd = 0, mmap_rnd = 0, stack_rnd = 0;
	if (aslr) {
		/* the ranges of Linux x86-64: 28 bits of pages for the PIE and the
		 * mmap base, 13 for brk, 22 for the stack */
		uint64_t s = seed;
		pie += (alloc_splitmix(&s) & ((1ull << 28) - 1)) << 12;
		brk_rnd = (alloc_splitmix(&s) & 0x1fff) << 12;
		mmap_rnd = (alloc_splitmix(&s) & ((1ull << 28) - 1)) << 12;
		stack_rnd = (alloc_splitmix(&s) & ((1ull << 22) - 1)) << 12;
	}
	l->legacy = legacy;
	l->aslr = aslr;
	l->seed = seed;
	image_at(l, pie, 0x10);
	l->heap += brk_rnd;
	l->brk_rnd = brk_rnd;
	/* legacy: the mmap base moves up by the random offset, flexible: down */
	l->libc = legacy ? LEGACY_LIB + mmap_rnd : LIB_BASE - mmap_rnd;
	const int64_t *at = legacy ? legacy_at : flexible_at;
	l->libc_end = l->libc + LIBC_SIZE;
	l->ld = l->libc + (uint64_t)at[G_LD];
	l->ld_end = l->ld + 0x35000;
	l->mmap_top = legacy ? LEGACY_BASE + mmap_rnd : MMAP_BASE - mmap_rnd;
	l->libs_lo = legacy ? l->ld : l->libc - 0x3000;
	l->arena = l->libc + MAIN_ARENA;
	l->stack_end = STACK_END - stack_rnd;
	l->stack = l->stack_end - STACK_SIZE;
}

/* Map the mappings of the groups in mask (1 << G_...). */
static void map_groups(mem_space *m, const alloc_layout *l, unsigned mask)
{
	const int64_t *at = l->arch != ALLOC_ARCH_X86_64 ? i386_at : l->legacy ? legacy_at : flexible_at;
	uint64_t base[G_COUNT];
	for (int g = 0; g < G_COUNT; g++)
		base[g] = l->libc + (uint64_t)at[g];
	base[G_EXE] = l->pie;
	base[G_STACK] = l->stack;
	base[G_FIXED] = 0;
	/* an anonymous mapping's page offset is its own address; it merges
	 * with an anonymous neighbour as Linux merges them */
#define MAP(g, off_in, len, prot, off, kind, path)                                                     \
	if (mask & (1u << (g))) {                                                                      \
		uint64_t start = base[g] + (uint64_t)(off_in);                                          \
		mem_map_file(m, start, len, kind, prot, path, (path)[0] ? (uint64_t)(off) : start);     \
		if (!(path)[0])                                                                         \
			mem_vma_merge(m, start);                                                        \
	}
	if (l->arch == ALLOC_ARCH_X86_64) {
		ALLOC_IMAGE(MAP)
	} else if (l->arch == ALLOC_ARCH_I386_K64) {
#define MAP64(g, off_in, len, prot, off, kind, path, path32) MAP(g, off_in, len, prot, off, kind, path)
		ALLOC_IMAGE_I386(MAP64)
#undef MAP64
	} else {
#define MAP32(g, off_in, len, prot, off, kind, path, path32) MAP(g, off_in, len, prot, off, kind, path32)
		ALLOC_IMAGE_I386(MAP32)
#undef MAP32
	}
#undef MAP
}

void alloc_layout_map(mem_space *m, const alloc_layout *l)
{
	map_groups(m, l, ~0u);
}

/* Whether the process has not started yet: no allocator call, the break
 * where it began, nothing mapped by malloc or the program. */
static bool unstarted(const alloc *a)
{
	return !a->initialized && a->brk == a->lay.heap && !a->program_moved_brk && a->n_mmaps == 0;
}

int alloc_layout_check(const alloc *a, bool heap, uint64_t addr)
{
	if (!unstarted(a))
		return -2;
	const alloc_layout *l = &a->lay;
	if (addr % PAGE)
		return -1;
	if (heap)
		/* anywhere free, with a gigabyte of room above it (a non-PIE
		 * program's heap sits low, at 0x4xxxxx) */
		return addr >= 0x10000 && addr <= (1ull << 47) - (1ull << 30) &&
			       mem_find_gap_below(a->mem, addr + (1ull << 30), 1ull << 30, addr) == addr
			       ? 0
			       : -1;
	if (l->legacy) /* bottom-up: the libraries start at the base */
		return addr >= l->heap + ALLOC_MEMORY_LIMIT && addr + LIBS_SPAN + ALLOC_MEMORY_LIMIT <= l->stack ? 0 : -1;
	return addr >= LIBS_SPAN && addr - LIBS_SPAN >= l->heap + ALLOC_MEMORY_LIMIT && addr <= l->stack - PAGE ? 0 : -1;
}

int alloc_set_heap_start(alloc *a, uint64_t addr)
{
	int r = alloc_layout_check(a, true, addr);
	if (r == 0)
		a->lay.heap = a->brk = addr;
	return r;
}

int alloc_set_mmap_base(alloc *a, uint64_t addr)
{
	int r = alloc_layout_check(a, false, addr);
	if (r)
		return r;
	/* the libraries, vdso and ld.so move with the base */
	alloc_layout *l = &a->lay;
	mem_unmap(a->mem, l->libs_lo, LIBS_SPAN);
	uint64_t delta = addr - l->mmap_top;
	l->libc += delta;
	l->libc_end += delta;
	l->ld += delta;
	l->ld_end += delta;
	l->libs_lo += delta;
	l->arena += delta;
	l->mmap_top = addr;
	map_groups(a->mem, l, 1u << G_TLS | 1u << G_LIBC | 1u << G_LDANON | 1u << G_VDSO | 1u << G_LD);
	return 0;
}
