/*
 * globals.c - the program's global variables, placed as GCC and ld place
 * them in a small PIE (one that calls malloc and printf):
 *   - .data holds the C runtime's 16 bytes from 0x4010, then the
 *     initialised variables in declaration order, then those initialised
 *     with an address (a char * to a string: .data.rel.local);
 *   - .bss starts aligned to its largest alignment, with the runtime's
 *     1-byte completed.0 first and the program's zero variables after it,
 *     aligned again;
 *   - string literals and const objects go to .rodata after its 4 bytes;
 *   - an object of 32 bytes or more is aligned to 32, of 16 or more to 16
 *     (the x86-64 ABI's rule as GCC applies it), others to their type.
 * (GCC sometimes emits .bss variables in another order than they were
 * declared; heapscope keeps declaration order.)
 *
 * Globals exist from the program's start, so they are declared before the
 * first allocator call; when .data and .bss outgrow their page, the
 * program image grows as the loader maps it: .data's pages from the file,
 * the rest of .bss as anonymous memory after them, and the heap (the
 * initial break) starts on the page after .bss.
 */
#include <string.h>

#include "internal.h"

#define DATA_START 0x4000ull /* the rw page, from the PIE base */
#define DATA_USER 0x4020ull /* after .got's tail and the runtime's __data_start, __dso_handle */
#define RODATA_START 0x2004ull /* after _IO_stdin_used */
#define RODATA_END 0x2f00ull /* .eh_frame and friends follow */

/* GCC's alignment for an object of g's size. */
static uint64_t align_of(const alloc_global *g)
{
	if (g->is_array && g->size >= 32)
		return 32;
	if (g->is_array && g->size >= 16)
		return 16;
	return g->align;
}

/* Lay out every global again and map the image to fit. */
static bool relayout(alloc *a)
{
	alloc_layout *l = &a->lay;
	uint64_t data = l->pie + DATA_USER, ro = l->pie + RODATA_START;
	/* .data, then .data.rel.local (pointers to strings) */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < a->nglobals; i++) {
			alloc_global *g = &a->globals[i];
			if (g->seg == ALLOC_SEG_DATA && g->ptr_to_str == (pass == 1)) {
				data = ALIGN_UP(data, align_of(g));
				g->addr = data;
				data += g->size;
			}
		}
	for (unsigned i = 0; i < a->nglobals; i++) {
		alloc_global *g = &a->globals[i];
		if (g->strlen) {
			ro = ALIGN_UP(ro, g->seg == ALLOC_SEG_RODATA ? align_of(g) : 1);
			g->str = ro;
			ro += g->strlen;
			if (g->seg == ALLOC_SEG_RODATA) /* a const object: it is its bytes */
				g->addr = g->str;
		}
	}
	if (ro > l->pie + RODATA_END)
		return false;
	uint64_t balign = 1;
	for (unsigned i = 0; i < a->nglobals; i++)
		if (a->globals[i].seg == ALLOC_SEG_BSS && align_of(&a->globals[i]) > balign)
			balign = align_of(&a->globals[i]);
	uint64_t bss = ALIGN_UP(data, balign > 8 ? balign : 8) + 1; /* completed.0 */
	bss = ALIGN_UP(bss, balign);
	for (unsigned i = 0; i < a->nglobals; i++) {
		alloc_global *g = &a->globals[i];
		if (g->seg == ALLOC_SEG_BSS) {
			bss = ALIGN_UP(bss, align_of(g));
			g->addr = bss;
			bss += g->size;
		}
	}
	l->data_end = data;
	l->bss = data;
	l->bss_end = bss;
	/* the image: .data's pages from the file, the rest of .bss anonymous */
	uint64_t rw = l->pie + DATA_START, file_end = ALIGN_UP(data, PAGE), end = ALIGN_UP(bss, PAGE);
	if (file_end == rw)
		file_end = rw + PAGE;
	if (end < file_end)
		end = file_end;
	mem_map *old = mem_map_at(a->mem, rw);
	if (!old)
		return false;
	/* the new image's range must be free beyond the current image (its
	 * file part and the anonymous .bss tail of the last layout) before
	 * anything changes; then the tail goes and the image is mapped again */
	mem_map *tail = mem_map_at(a->mem, old->end);
	if (tail && tail->kind != MEM_BSS)
		tail = NULL;
	uint64_t cur_end = tail ? tail->end : old->end;
	if (end > cur_end && mem_find_gap_above(a->mem, cur_end, end - cur_end, end) != cur_end)
		return false;
	if (tail)
		mem_unmap(a->mem, tail->start, tail->end - tail->start);
	old = mem_map_at(a->mem, rw);
	if (file_end != old->end && !mem_resize(a->mem, rw, file_end - rw))
		return false;
	if (end > file_end && !mem_map_file(a->mem, file_end, end - file_end, MEM_BSS, MEM_R | MEM_W, "", file_end))
		return false;
	l->heap = a->brk = end + l->brk_rnd;
	return true;
}

/* Write the loader's bytes into the read-only .rodata page. */
static bool load_rodata(alloc *a, uint64_t at, const void *src, size_t n)
{
	mem_map *ro = mem_map_at(a->mem, a->lay.pie + 0x2000);
	if (!ro)
		return false;
	uint8_t prot = ro->prot;
	ro->prot |= MEM_W;
	mem_tlb_flush(a->mem);
	bool ok = mem_write(a->mem, at, src, n);
	ro = mem_map_at(a->mem, a->lay.pie + 0x2000);
	ro->prot = prot;
	mem_tlb_flush(a->mem);
	return ok;
}

int alloc_global_add(alloc *a, const alloc_global *g, const void *init, size_t initlen, const char *str)
{
	if (a->initialized || a->brk != a->lay.heap || a->program_moved_brk || a->n_mmaps)
		return -2;
	if (a->nglobals == ALLOC_MAX_GLOBALS)
		return -3;
	for (unsigned i = 0; i < a->nglobals; i++)
		if (!strcmp(a->globals[i].name, g->name))
			return -4;
	alloc_global saved[ALLOC_MAX_GLOBALS];
	memcpy(saved, a->globals, sizeof saved);
	alloc_layout lay = a->lay;
	a->globals[a->nglobals++] = *g;
	if (!relayout(a)) {
		memcpy(a->globals, saved, sizeof saved);
		a->nglobals--;
		a->lay = lay;
		return -1;
	}
	/* the file's bytes: the initialiser, the string; a pointer to it */
	const alloc_global *n = &a->globals[a->nglobals - 1];
	if (n->strlen && !load_rodata(a, n->str, str, n->strlen))
		return -1;
	if (initlen && !mem_write(a->mem, n->addr, init, initlen < n->size ? initlen : n->size))
		return -1;
	if (n->strlen && n->ptr_to_str)
		mem_wr64(a->mem, n->addr, n->str);
	return 0;
}

const alloc_global *alloc_global_find(const alloc *a, const char *name)
{
	for (unsigned i = 0; i < a->nglobals; i++)
		if (!strcmp(a->globals[i].name, name))
			return &a->globals[i];
	return NULL;
}

const alloc_global *alloc_global_at(const alloc *a, uint64_t addr)
{
	for (unsigned i = 0; i < a->nglobals; i++) {
		const alloc_global *g = &a->globals[i];
		if (addr >= g->addr && addr < g->addr + g->size)
			return g;
		if (g->strlen && addr >= g->str && addr < g->str + g->strlen)
			return g;
	}
	return NULL;
}
