/*
 * vm.c - the program's own mappings: mmap, munmap and mprotect as Linux
 * x86-64 answers them, over the same address space as malloc's mmapped
 * chunks.
 *
 * A new mapping goes where the kernel would put it (sysmem.c's rule:
 * top-down, or bottom-up in the legacy layout; a free hint is taken as
 * is), munmap and mprotect split mappings at their page boundaries, and
 * neighbours that become alike merge as areas do.  Errors are the
 * kernel's: EINVAL for a zero length, an unaligned address or bad flags,
 * ENOMEM when no room is left or a range is not mapped (mprotect).
 */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

/* Linux's values (sys/mman.h) */
enum { PROT_R = 1, PROT_W = 2, PROT_X = 4 };
enum { F_SHARED = 0x01, F_PRIVATE = 0x02, F_FIXED = 0x10, F_ANON = 0x20 };

static int prot_of(uint64_t prot)
{
	return (prot & PROT_R ? MEM_R : 0) | (prot & PROT_W ? MEM_W : 0) | (prot & PROT_X ? MEM_X : 0);
}

/* Merge the mappings in [lo, hi) with their neighbours where they became alike. */
static void merge_range(alloc *a, uint64_t lo, uint64_t hi)
{
	mem_space *m = a->mem;
	for (size_t i = 0; i < m->n; i++)
		if (m->maps[i].end >= lo && m->maps[i].start <= hi && !m->maps[i].name[0])
			mem_vma_rejoin(m, m->maps[i].start);
}

int alloc_vm_mmap(alloc *a, uint64_t hint, uint64_t length, uint64_t prot, uint64_t flags, const char *path,
		  uint64_t *out)
{
	OP_BEGIN(a);
	uint64_t len = length;
	*out = (uint64_t)-1;
	a->vm_errno = 0;
	bool anon = flags & F_ANON;
	if (!len || ((flags & (F_SHARED | F_PRIVATE)) != F_SHARED && (flags & (F_SHARED | F_PRIVATE)) != F_PRIVATE) ||
	    (flags & F_FIXED && hint % PAGE) || (!anon && !path)) {
		a->vm_errno = EINVAL;
		OP_END(a);
	}
	len = ALIGN_UP(length, PAGE);
	if (len == 0 || len > ALLOC_MEMORY_LIMIT) {
		a->vm_errno = ENOMEM;
		OP_END(a);
	}
	uint64_t at = 0;
	if (flags & F_FIXED) {
		/* MAP_FIXED replaces whatever was there */
		mem_split(a->mem, hint);
		mem_split(a->mem, hint + len);
		mem_unmap(a->mem, hint, len);
		at = hint;
	} else if (hint && hint % PAGE == 0 && mem_find_gap_above(a->mem, hint, len, hint + len) == hint) {
		at = hint; /* a free hint is taken as it is */
	} else {
		at = alloc_place(a, len, 0);
	}
	char name[48] = "";
	if (!anon) /* a relative name is in the program's directory */
		snprintf(name, sizeof name, "%s%s", path[0] == '/' ? "" : "/home/student/", path);
	if (!at || !mem_map_file(a->mem, at, len, MEM_ANON, prot_of(prot), name, anon ? at : 0)) {
		a->vm_errno = ENOMEM;
		OP_END(a);
	}
	if (anon)
		mem_vma_merge(a->mem, at);
	alloc_emit(a, ALLOC_EV_MMAP, ALLOC_BIN_NONE, 0, at, len, 0);
	*out = at;
	OP_END(a);
}

int alloc_vm_munmap(alloc *a, uint64_t addr, uint64_t length, uint64_t *out)
{
	OP_BEGIN(a);
	uint64_t len = length;
	*out = (uint64_t)-1;
	a->vm_errno = 0;
	if (addr % PAGE || !len || addr + len < addr) {
		a->vm_errno = EINVAL;
		OP_END(a);
	}
	len = ALIGN_UP(length, PAGE);
	alloc_vm_unmap_range(a, addr, len);
	alloc_emit(a, ALLOC_EV_MUNMAP, ALLOC_BIN_NONE, 0, addr, len, 0);
	*out = 0;
	OP_END(a);
}

int alloc_vm_mprotect(alloc *a, uint64_t addr, uint64_t length, uint64_t prot, uint64_t *out)
{
	OP_BEGIN(a);
	uint64_t len = length;
	*out = (uint64_t)-1;
	a->vm_errno = 0;
	if (addr % PAGE || addr + len < addr || prot & ~(uint64_t)7) {
		a->vm_errno = EINVAL;
		OP_END(a);
	}
	len = ALIGN_UP(length, PAGE);
	/* every page of the range must be mapped */
	for (uint64_t p = addr; p < addr + len;) {
		const mem_map *mp = mem_find(a->mem, p);
		if (!mp) {
			a->vm_errno = ENOMEM;
			OP_END(a);
		}
		p = mp->end;
	}
	alloc_vm_protect_range(a, addr, len, prot_of(prot));
	*out = 0;
	OP_END(a);
}

void alloc_vm_unmap_range(alloc *a, uint64_t addr, uint64_t len)
{
	mem_split(a->mem, addr);
	mem_split(a->mem, addr + len);
	mem_space *m = a->mem;
	for (size_t i = 0; i < m->n;) {
		if (m->maps[i].start >= addr && m->maps[i].end <= addr + len && m->maps[i].kind != MEM_KERNEL)
			mem_unmap(m, m->maps[i].start, m->maps[i].end - m->maps[i].start);
		else
			i++;
	}
}

void alloc_vm_protect_range(alloc *a, uint64_t addr, uint64_t len, int prot)
{
	mem_split(a->mem, addr);
	mem_split(a->mem, addr + len);
	mem_space *m = a->mem;
	for (size_t i = 0; i < m->n; i++)
		if (m->maps[i].start >= addr && m->maps[i].end <= addr + len) {
			/* an area of its own until it rejoins alike neighbours */
			m->maps[i].prot = (uint8_t)prot;
			m->maps[i].vma = ++m->next_vma;
		}
	mem_tlb_flush(m);
	merge_range(a, addr, addr + len);
	alloc_emit(a, ALLOC_EV_MPROTECT, ALLOC_BIN_NONE, 0, addr, len, (uint64_t)prot);
}
