/*
 * fuzz-ops.c - libFuzzer harness for operation sequences on the model,
 * with the writes into simulated memory that corrupt a heap: header
 * overwrites, forged frees, safe-linked pointers aimed at other chunks and
 * at libc's bins, memset across chunks, malloc_trim, mallopt, tunables,
 * reset, and undo/redo/goto; every input twice, in an x86-64 and an i386
 * process.
 *
 * Beyond "no crash, no sanitizer report, no timeout" it checks the
 * engine's promises: a failed operation leaves the process exactly as it
 * was, and undo, redo and goto rebuild exactly the state each position had
 * (compared by a digest of the allocator, the variables and memory).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/engine.h"
#include "heapscope/report.h"

#define MAX_OPS 300
#define NVARS 16

typedef struct input {
	const uint8_t *d;
	size_t n, i;
} input;

static uint64_t byte(input *in)
{
	return in->i < in->n ? in->d[in->i++] : 0;
}

static uint64_t word(input *in, int bytes)
{
	uint64_t v = 0;
	for (int k = 0; k < bytes; k++)
		v |= byte(in) << (8 * k);
	return v;
}

static uint64_t digest(engine *e)
{
	alloc *a = eng_heap(e);
	uint64_t h = mem_digest(a->mem);
	uint64_t s[] = {a->top, a->last_remainder, a->system_mem, a->brk, a->n_mmaps, a->mmapped_mem,
			a->mp.mmap_threshold, a->mp.trim_threshold, a->mp.top_pad, a->mp.global_max_fast,
			(uint64_t)a->mp.n_mmaps_max, (uint64_t)a->mp.perturb, a->mp.tcache_count, a->have_fastchunks,
			a->tcache, a->initialized, a->sp, a->nframes, a->stack_limit, a->nglobals, a->mem->n};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	for (int i = 0; i < ALLOC_NFASTBINS; i++)
		h = (h ^ a->fastbins[i]) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ a->binmap[i]) * 0x100000001b3ull;
	for (uint32_t i = 0; i < eng_nnames(e); i++) {
		uint64_t v;
		if (eng_var_get(e, (int32_t)i, &v))
			h = (h ^ i ^ (v << 7)) * 0x100000001b3ull;
	}
	return h;
}

static void fail(const char *what, size_t pos)
{
	fprintf(stderr, "fuzz-ops: %s at position %zu\n", what, pos);
	abort();
}

static uint64_t size_of(input *in)
{
	switch (byte(in) % 8) {
	case 0: return byte(in);
	case 1: return word(in, 2) % 0x500;
	case 2: return word(in, 2) % 0x80;
	case 3: return 0x400 + word(in, 2) % 0x1000;
	case 4: return 0x1f000 + word(in, 3) % 0x40000;
	case 5: return word(in, 1) == 0 ? 0xF00000000ull : (uint64_t)-1 - byte(in);
	default: return word(in, 2) % 0x200;
	}
}

static uint64_t var(engine *e, int32_t *ids, input *in)
{
	uint64_t v = 0;
	eng_var_get(e, ids[byte(in) % NVARS], &v);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input's operations on a fresh process of machine arch. */
static void run_ops(const uint8_t *data, size_t size, alloc_arch arch)
{
	input in = {data, size, 0};
	engine *e = eng_new_arch(false, 1, false, NULL, arch);
	eng_set_history_budget(e, 8 + byte(&in) % 64, 1u << (14 + byte(&in) % 8));
	int32_t ids[NVARS];
	for (int i = 0; i < NVARS; i++) {
		char name[8];
		snprintf(name, sizeof name, "v%d", i);
		ids[i] = eng_var(e, name, true);
	}
	static uint64_t fps[MAX_OPS * 2 + 2];
	fps[0] = digest(e);
	for (int k = 0; k < MAX_OPS && in.i < in.n; k++) {
		eng_op op = {.dst = -1};
		int32_t dst = ids[byte(&in) % NVARS];
		switch (byte(&in) % 16) {
		case 0: case 1: case 2:
			op.kind = ENG_MALLOC, op.dst = dst, op.x = size_of(&in);
			break;
		case 3: case 4:
			op.kind = ENG_FREE, op.x = var(e, ids, &in);
			break;
		case 5:
			op.kind = ENG_CALLOC, op.dst = dst, op.x = 1 + byte(&in) % 8, op.y = size_of(&in);
			break;
		case 6:
			if (byte(&in) % 2) {
				op.kind = ENG_REALLOC, op.dst = dst, op.x = var(e, ids, &in), op.y = size_of(&in);
			} else { /* the memalign family, alignments 1 to 2^17 and odd ones */
				static const uint8_t kinds[] = {ENG_MEMALIGN, ENG_ALIGNED_ALLOC, ENG_POSIX_MEMALIGN,
								ENG_VALLOC, ENG_PVALLOC};
				op.kind = kinds[byte(&in) % 5], op.dst = dst;
				op.x = byte(&in) % 4 ? 1ull << (byte(&in) % 18) : word(&in, 8);
				op.y = size_of(&in);
			}
			break;
		case 7: { /* a store near a chunk: its header, its links */
			uint64_t at = var(e, ids, &in) + 8 * ((int64_t)(byte(&in) % 16) - 4);
			uint64_t v;
			switch (byte(&in) % 5) {
			case 0: v = word(&in, 2) | 1; break; /* a size */
			case 1: v = ((at >> 12) ^ (var(e, ids, &in) + 16 * ((int64_t)(byte(&in) % 5) - 2))); break;
			case 2: v = eng_heap(e)->lay.arena + 0x60 + 16 * (byte(&in) % 128); break;
			case 3: v = eng_heap(e)->lay.stack_end - 0x100 - 16 * byte(&in); break;
			default: v = word(&in, 8); break;
			}
			op.kind = ENG_POKE, op.x = at, op.y = v, op.z = 8;
			break;
		}
		case 8:
			op.kind = ENG_MEMSET, op.x = var(e, ids, &in) - 16 + byte(&in), op.y = byte(&in),
			op.z = word(&in, 2) % 0x600;
			break;
		case 9:
			op.kind = ENG_FREE, op.x = var(e, ids, &in) + 8 * ((int64_t)(byte(&in) % 64) - 32);
			break;
		case 10:
			switch (byte(&in) % 8) {
			case 0: /* the program's own mappings: placed, split, merged */
				op.kind = ENG_MMAP, op.dst = dst, op.x = byte(&in) % 4 ? 0 : var(e, ids, &in) & ~0xfffull;
				op.y = word(&in, 3) % (1u << 22), op.z = (byte(&in) & 7) | (uint64_t)(byte(&in) % 4 ? 0x22 : 0x32) << 8;
				break;
			case 1:
				op.kind = ENG_MUNMAP, op.x = (var(e, ids, &in) & ~0xfffull) + 4096 * (byte(&in) % 4);
				op.y = 4096 * (1 + byte(&in) % 8);
				break;
			case 2:
				op.kind = ENG_MPROTECT, op.x = (var(e, ids, &in) & ~0xfffull) + 4096 * (byte(&in) % 4);
				op.y = 4096 * (1 + byte(&in) % 8), op.z = byte(&in) & 7;
				break;
			case 3: /* the stack: frames that grow it, and past the limit */
				op.kind = ENG_CALL, op.dst = dst, op.x = word(&in, 3) % (byte(&in) % 8 ? 70000 : 20000000);
				op.y = eng_blob_add(e, "f", 2);
				break;
			case 4:
				op.kind = ENG_RET;
				break;
			case 5:
				op.kind = ENG_ALLOCA, op.dst = dst, op.x = word(&in, 2);
				break;
			default:
				op.kind = ENG_TRIM, op.x = byte(&in) % 3 ? 0 : word(&in, 3);
				break;
			}
			break;
		case 11: {
			static const int params[] = {ALLOC_M_MXFAST, ALLOC_M_TRIM_THRESHOLD, ALLOC_M_TOP_PAD,
						     ALLOC_M_MMAP_THRESHOLD, ALLOC_M_MMAP_MAX, ALLOC_M_PERTURB, 42};
			op.kind = ENG_MALLOPT, op.x = (uint64_t)(int64_t)params[byte(&in) % 7], op.y = word(&in, 3);
			break;
		}
		case 12:
			if (byte(&in) % 4 == 0)
				op.kind = ENG_RESET; /* a fresh process: undo must cross it */
			else
				op.kind = ENG_TUNABLE, op.x = byte(&in) % (ALLOC_TUNABLE_COUNT + 1), op.y = word(&in, 2);
			break;
		case 13: { /* history: check it rebuilds what each position had; the
			    * digest of the current state is always fps[eng_pos(e)] */
			int how = (int)(byte(&in) % 3);
			if (how == 0 && eng_undo(e) && digest(e) != fps[eng_pos(e)])
				fail("undo rebuilt a different state", eng_pos(e));
			eng_result r;
			if (how == 1 && eng_redo(e, &r) && digest(e) != fps[eng_pos(e)])
				fail("redo rebuilt a different state", eng_pos(e));
			if (how == 2) {
				size_t to = eng_count(e) ? (size_t)(word(&in, 2) % (eng_count(e) + 1)) : 0;
				eng_goto(e, to);
				if (digest(e) != fps[to])
					fail("goto rebuilt a different state", to);
			}
			continue;
		}
		case 14: {
			static const char text[] = "AAAAAAAABBBBBBBBCCCCCCCC";
			op.kind = ENG_STRCPY, op.x = var(e, ids, &in) + byte(&in) % 32;
			op.z = 1 + byte(&in) % (sizeof text - 1);
			op.y = eng_blob_add(e, text, (size_t)op.z);
			break;
		}
		default:
			op.kind = ENG_SET, op.dst = dst, op.x = var(e, ids, &in) + 16 * ((int64_t)(byte(&in) % 9) - 4);
			break;
		}
		uint64_t before = fps[eng_pos(e)];
		eng_result r;
		int st = eng_exec(e, &op, &r);
		/* the words for every outcome must come out (no hang, no crash) */
		sbuf why = {0};
		report_explain(&why, eng_heap(e), &r);
		sb_free(&why);
		uint64_t after = digest(e);
		if (st != ALLOC_OK && after != before)
			fail("a failed operation changed the state", eng_pos(e));
		/* the timeline now ends here: what was past it is gone */
		fps[eng_pos(e)] = after;
	}
	eng_free(e);
}

/* Every input runs twice: in an x86-64 process and in an i386 one. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_ops(data, size, ALLOC_ARCH_X86_64);
	run_ops(data, size, ALLOC_ARCH_I386_K64);
	return 0;
}
