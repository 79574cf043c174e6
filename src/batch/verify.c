/*
 * verify.c - `--verify`: a recording (src/record/convert.c) writes each
 * call's real result beside it as `// => ret=0x... size=0x... brk=0x...`;
 * after the replayed operation runs, the same numbers are read from the
 * model and compared.  The first difference is reported with the line.
 *
 * The break and every heap chunk are compared exactly: address, size field
 * (with its P and M bits) and the break after the call.  An mmapped chunk
 * is compared by size field and by its offset in its page: where the
 * kernel put the mapping also depends on the program's own mmaps (its
 * libraries, locale files), which the recorder does not see; such chunks
 * are counted and said at the end.
 */
#include "verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of KEY= in the annotation, into *v; false when absent. */
static bool field(const char *ann, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	for (const char *p = ann; (p = strstr(p, key)); p += n)
		if ((p == ann || p[-1] == ' ') && p[n] == '=') {
			*v = strtoull(p + n + 1, NULL, 0);
			return true;
		}
	return false;
}

int verify_op(verify_state *vs, const char *line, const eng_result *r, alloc *a, char *msg, size_t cap)
{
	const char *ann = strstr(line, "// => ");
	if (!ann)
		return 0;
	ann += 6;
	vs->checked++;
	uint64_t ret, size, brk;
	bool has_ret = field(ann, "ret", &ret), has_size = field(ann, "size", &size), has_brk = field(ann, "brk", &brk);
	if (r->status != ALLOC_OK) {
		snprintf(msg, cap, "the replay stopped (%s) where the program went on", r->msg);
		return -1;
	}
	uint64_t got = r->ret;
	if (r->kind == ENG_POSIX_MEMALIGN && r->code)
		got = 0;
	uint64_t raw = 0, gotlead = 0, lead = 0;
	if (got) {
		mem_rd64(a->mem, got - 8, &raw);
		mem_rd64(a->mem, got - 16, &gotlead);
	}
	bool mm = has_size && (size & ALLOC_IS_MMAPPED) && (raw & ALLOC_IS_MMAPPED);
	if (has_ret && ret != got && !mm && (size & raw & ALLOC_NON_MAIN) &&
	    (ret & ((64ull << 20) - 1)) == (got & ((64ull << 20) - 1))) {
		/* a thread arena's heap elsewhere (it goes below every mapping,
		 * the program's libraries too): the same offset in its heap */
		vs->arena_elsewhere++;
		ret = got;
	}
	if (has_ret && ret != got) {
		/* an mmapped block elsewhere: the same offset in its page */
		if (!mm || (ret & 0xfff) != (got & 0xfff)) {
			snprintf(msg, cap, "%s: recorded 0x%" PRIx64 ", replayed 0x%" PRIx64,
				 eng_op_allocates(r->kind) ? "address" : "return value", ret, got);
			return -1;
		}
		vs->mmap_elsewhere++;
		/* memalign's lead depends on where the mapping is: then the
		 * mapping's size (lead + chunk) is what must agree */
		if (field(ann, "lead", &lead) && (size & ~7ull) + lead == (raw & ~7ull) + gotlead)
			size = raw;
	}
	if (has_size && size && got && raw != size) {
		snprintf(msg, cap, "chunk size field: recorded 0x%" PRIx64 ", replayed 0x%" PRIx64 "%s", size, raw,
			 (raw ^ size) & ALLOC_IS_MMAPPED ? " (the mmapped flag differs)" : "");
		return -1;
	}
	if (has_brk && brk != a->brk) {
		snprintf(msg, cap, "program break: recorded 0x%" PRIx64 ", replayed 0x%" PRIx64, brk, a->brk);
		return -1;
	}
	return 1;
}
