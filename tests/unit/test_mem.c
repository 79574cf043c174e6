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
	return check_done("test_mem");
}
