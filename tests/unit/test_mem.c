/*
 * test_mem.c - the simulated address space: bounds, holes, copy-on-write
 * sharing between clones, and gap search for mmap placement.
 */
#include "check.h"

int main(void)
{
	mem_space *m = mem_new();
	CHECK(mem_map_add(m, 0x10000, 0x3000, MEM_HEAP, MEM_R | MEM_W, "[heap]"));
	CHECK(!mem_map_add(m, 0x12000, 0x1000, MEM_ANON, MEM_R | MEM_W, "")); /* overlap */
	CHECK(mem_map_add(m, 0x20000, 0x1000, MEM_TEXT, MEM_R | MEM_X, "a.out"));
	uint64_t v = 1;
	CHECK(mem_rd64(m, 0x10000, &v) && v == 0); /* untouched pages read as zero */
	CHECK(mem_wr64(m, 0x10ffc, 0x1122334455667788ull)); /* crosses a page */
	CHECK(mem_rd64(m, 0x10ffc, &v) && v == 0x1122334455667788ull);
	CHECK(!mem_rd64(m, 0x13000, &v));
	CHECK_EQ(m->fault, 0x13000);
	CHECK(!mem_wr64(m, 0x20000, 1)); /* read-only */
	CHECK(!mem_rd64(m, 0x12ffc, &v)); /* runs off the end */

	/* a write-only page: a write must not make it readable through the
	 * translation cache (found by fuzz-ops), in 64- and 32-bit words */
	CHECK(mem_map_add(m, 0x30000, 0x1000, MEM_ANON, MEM_W, ""));
	CHECK(mem_wr64(m, 0x30000, 5));
	CHECK(!mem_rd64(m, 0x30000, &v));
	uint32_t w32 = 0;
	CHECK(mem_wr32(m, 0x30008, 6));
	CHECK(!mem_rd32(m, 0x30008, &w32));
	CHECK(mem_wr32(m, 0x10010, 0xabcd1234u) && mem_rd32(m, 0x10010, &w32) && w32 == 0xabcd1234u);
	mem_unmap(m, 0x30000, 0x1000);

	mem_space *c = mem_clone(m);
	CHECK(mem_wr64(m, 0x10000, 7));
	CHECK(mem_rd64(c, 0x10000, &v) && v == 0); /* the clone does not see it */
	CHECK(mem_rd64(c, 0x10ffc, &v) && v == 0x1122334455667788ull);
	CHECK(mem_wr64(c, 0x10ff0, 9));
	CHECK(mem_rd64(m, 0x10ff0, &v) && v == 0);
	mem_free(c);

	CHECK(mem_resize(m, 0x10000, 0x5000));
	CHECK(mem_rd64(m, 0x14ff8, &v) && v == 0);
	CHECK(mem_resize(m, 0x10000, 0x1000));
	CHECK(!mem_rd64(m, 0x11000, &v));
	CHECK(mem_resize(m, 0x10000, 0x2000));
	CHECK(mem_rd64(m, 0x11000, &v) && v == 0); /* regrown pages are fresh */
	mem_unmap(m, 0x11000, 0x1000); /* a hole */
	CHECK(!mem_rd64(m, 0x11000, &v));
	CHECK(mem_rd64(m, 0x10000, &v) && v == 7);

	uint64_t g = mem_find_gap_below(m, 0x22000, 0x1000, 0);
	CHECK_EQ(g, 0x21000);
	g = mem_find_gap_below(m, 0x21000, 0x2000, 0);
	CHECK_EQ(g, 0x1e000);
	CHECK(mem_fill(m, 0x10000, 0x41, 16));
	uint8_t b[16];
	CHECK(mem_read(m, 0x10000, b, 16) && b[15] == 0x41);
	mem_free(m);

	/* areas merge as Linux's mmap merges them */
	m = mem_new();
	const int rw = MEM_R | MEM_W;
	CHECK(mem_map_file(m, 0x50000, 0x2000, MEM_ANON, rw, "", 0x50000)); /* touched: its own area */
	CHECK(mem_map_file(m, 0x40000, 0x3000, MEM_ANON, rw, "", 0x40000)); /* touched: its own area */
	CHECK(mem_map_file(m, 0x4c000, 0x4000, MEM_CHUNK, rw, "", 0x4c000));
	mem_vma_merge(m, 0x4c000); /* joins the area above */
	CHECK_EQ(m->maps[1].vma, m->maps[2].vma);
	CHECK(mem_map_file(m, 0x43000, 0x9000, MEM_CHUNK, rw, "", 0x43000));
	mem_vma_merge(m, 0x43000); /* fits exactly, but the two areas stay apart: it joins the lower one */
	CHECK_EQ(m->maps[0].vma, m->maps[1].vma);
	CHECK(m->maps[1].vma != m->maps[2].vma);
	CHECK(mem_map_file(m, 0x3f000, 0x1000, MEM_CHUNK, rw, "", 0x20000)); /* offsets do not continue */
	mem_vma_merge(m, 0x3f000);
	CHECK(m->maps[0].end == m->maps[1].start && m->maps[0].vma != m->maps[1].vma);
	CHECK(mem_map_file(m, 0x52000, 0x1000, MEM_CHUNK, MEM_R, "", 0x52000)); /* other permissions */
	mem_vma_merge(m, 0x52000);
	CHECK(m->maps[4].end == m->maps[5].start && m->maps[4].vma != m->maps[5].vma);
	mem_free(m);

	/* a split keeps every byte where it was; the parts are two mappings */
	m = mem_new();
	CHECK(mem_map_file(m, 0x100000, 0x4000, MEM_ANON, MEM_R | MEM_W, "", 0x100000));
	CHECK(mem_wr64(m, 0x100ff8, 0x1111) && mem_wr64(m, 0x101000, 0x2222) && mem_wr64(m, 0x103ff8, 0x3333));
	mem_space *before = mem_clone(m);
	CHECK(mem_split(m, 0x101000));
	CHECK_EQ(m->n, 2);
	CHECK_EQ(m->maps[0].end, 0x101000);
	CHECK_EQ(m->maps[1].start, 0x101000);
	CHECK_EQ(m->maps[1].off, 0x101000);
	CHECK(m->maps[0].vma != m->maps[1].vma && m->maps[0].anon == m->maps[1].anon);
	CHECK(mem_rd64(m, 0x100ff8, &v) && v == 0x1111);
	CHECK(mem_rd64(m, 0x101000, &v) && v == 0x2222);
	CHECK(mem_rd64(m, 0x103ff8, &v) && v == 0x3333);
	CHECK(!mem_split(m, 0x101800)); /* not page-aligned */
	CHECK(mem_split(m, 0x200000)); /* nothing there: nothing to do */
	CHECK_EQ(m->mapped, 0x4000);
	/* the clone taken before still sees one mapping with the same bytes */
	CHECK_EQ(before->n, 1);
	CHECK(mem_rd64(before, 0x101000, &v) && v == 0x2222);
	mem_free(before);
	/* growing down keeps the bytes at their addresses */
	CHECK(mem_grow_down(m, 0x100000, 0xfe000));
	CHECK_EQ(m->maps[0].start, 0xfe000);
	CHECK(mem_rd64(m, 0xfe000, &v) && v == 0); /* new pages read as zero */
	CHECK(mem_rd64(m, 0x100ff8, &v) && v == 0x1111);
	CHECK(!mem_grow_down(m, 0xfe000, 0xff000)); /* not below */
	CHECK_EQ(m->mapped, 0x6000);
	mem_free(m);

	/* packing history: three snapshots a page lives through, then the
	 * page changes; packing keeps every snapshot's bytes (and digest) in a
	 * fraction of the memory, and a clone of a packed snapshot reads and
	 * writes as the original did */
	m = mem_new();
	CHECK(mem_map_add(m, 0x400000, 0x40000, MEM_HEAP, MEM_R | MEM_W, "[heap]"));
	for (uint64_t a = 0x400000; a < 0x440000; a += 0x1000)
		CHECK(mem_wr64(m, a + 0x10, a) && mem_wr64(m, a + 0xff8, ~a));
	mem_space *snap[4];
	uint64_t dig[4];
	for (int k = 0; k < 3; k++) {
		snap[k] = mem_clone(m);
		dig[k] = mem_digest(snap[k]);
		/* one page changes in each interval, the rest live on */
		CHECK(mem_wr64(m, 0x400000 + 0x1000 * (uint64_t)k + 0x20, 100 + (uint64_t)k));
	}
	/* the page at 0x410000 lives through all three, then changes twice
	 * (a shared page, and then one only history holds); a page is wholly
	 * zeroed, and a mapping goes */
	CHECK(mem_wr64(m, 0x410010, 5) && mem_wr64(m, 0x410010, 6));
	CHECK(mem_wr64(m, 0x420010, 0) && mem_wr64(m, 0x420ff8, 0));
	mem_unmap(m, 0x430000, 0x10000);
	size_t before_bytes = mem_extra_bytes(snap, 3, m);
	/* the pages only history holds now (changed, zeroed, unmapped) pack;
	 * the count of bytes given back is exact */
	int64_t saved = mem_pack_history(snap, 3, m);
	CHECK(saved > 16 * 4096);
	CHECK_EQ(mem_extra_bytes(snap, 3, m), before_bytes - (size_t)saved);
	CHECK(mem_pack_history(snap, 3, m) == 0); /* nothing new to pack */
	for (int k = 0; k < 3; k++)
		CHECK_EQ(mem_digest(snap[k]), dig[k]);
	CHECK(mem_rd64(snap[0], 0x410010, &v) && v == 0x410000);
	CHECK(mem_rd64(snap[0], 0x400020, &v) && v == 0);
	CHECK(mem_rd64(snap[2], 0x401020, &v) && v == 101);
	CHECK(mem_rd64(snap[2], 0x438ff8, &v) && v == ~(uint64_t)0x438000);
	CHECK(mem_rd64(m, 0x410010, &v) && v == 6);
	/* a clone of a packed snapshot: reads unpack, writes stay its own */
	snap[3] = mem_clone(snap[1]);
	CHECK(mem_rd64(snap[3], 0x410ff8, &v) && v == ~(uint64_t)0x410000);
	CHECK(mem_wr64(snap[3], 0x410ff0, 77) && mem_rd64(snap[3], 0x410ff0, &v) && v == 77);
	CHECK(mem_wr64(snap[3], 0x434000, 78) && mem_rd64(snap[3], 0x434000, &v) && v == 78);
	CHECK(mem_rd64(snap[1], 0x410ff0, &v) && v == 0);
	CHECK_EQ(mem_digest(snap[1]), dig[1]);
	for (int k = 0; k < 4; k++)
		mem_free(snap[k]);
	mem_free(m);
	return check_done("test_mem");
}
