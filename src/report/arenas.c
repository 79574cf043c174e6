/*
 * arenas.c - the `arenas` listing: every arena along the ring from
 * main_arena, with its heaps (non-main: each heap_info's mapping), its top,
 * the memory it got from the system, and the threads attached to it; then
 * the threads with their tcache and stack, and the stack cache.
 */
#include "heapscope/report.h"

#define X(v) ((unsigned long long)(v))

void report_arenas(sbuf *b, alloc *a)
{
	unsigned k = 0;
	do {
		alloc_arena ar;
		alloc_arena_get(a, k, &ar);
		if (k == 0)
			sb_printf(b, "arena 0 (main_arena at 0x%llx, in libc's data): heap 0x%llx-0x%llx (brk)", X(ar.state),
				  X(a->lay.heap), X(a->brk));
		else
			sb_printf(b, "arena %u (malloc_state at 0x%llx, in its first heap)", k, X(ar.state));
		sb_printf(b, ", top 0x%llx, system_mem 0x%llx", X(ar.top), X(ar.system_mem));
		sb_printf(b, ", threads:");
		unsigned n = 0;
		for (unsigned t = 0; t < ALLOC_MAX_THREADS; t++)
			if (a->th[t].alive && a->th[t].arena == (int)k)
				sb_printf(b, " %u", t), n++;
		if (!n)
			sb_printf(b, k && ar.attached == 0 ? " none (on the free list)" : " none");
		sb_printf(b, "\n");
		for (uint64_t h = ar.heap, i = 0; k && h && i < 64; i++) {
			uint64_t size = 0, mp = 0, prev = 0;
			if (!alloc_rdword(a, h + 2 * alloc_ssz(a), &size) || !alloc_rdword(a, h + 3 * alloc_ssz(a), &mp) ||
			    !alloc_rdword(a, h + alloc_ssz(a), &prev)) {
				sb_printf(b, "  heap 0x%llx: its heap_info cannot be read\n", X(h));
				break;
			}
			sb_printf(b, "  heap 0x%llx: size 0x%llx, writable 0x%llx of 0x%llx reserved\n", X(h), X(size), X(mp),
				  X(alloc_heap_of(a, h) == h ? (a->ssz == 8 ? 64ull << 20 : 1ull << 20) : 0));
			h = prev;
		}
		k = a->ar[k].next;
	} while (k != 0);
	if (a->free_list >= 0) {
		sb_printf(b, "free list:");
		for (int f = a->free_list; f >= 0; f = a->ar[f].next_free)
			sb_printf(b, " arena %d", f);
		sb_printf(b, "\n");
	}
	if (a->narenas_limit)
		sb_printf(b, "arena limit: %llu (read once, when the %s)\n", X(a->narenas_limit),
			  a->mp.arena_max ? "arena_max was set" : "arenas passed arena_test");
	for (unsigned t = 0; t < ALLOC_MAX_THREADS; t++) {
		const alloc_thread *th = &a->th[t];
		if (th->unjoined)
			sb_printf(b, "thread %u: returned, not joined yet: stack 0x%llx-0x%llx stays mapped, dtv 0x%llx\n", t,
				  X(th->stack), X(th->stack + th->stack_len), X(th->dtv));
		if (!th->alive)
			continue;
		uint64_t tc = t == a->thread ? a->tcache : th->tcache;
		sb_printf(b, "thread %u%s: arena %d, tcache ", t, t == a->thread ? " (running)" : "", th->arena);
		if (tc)
			sb_printf(b, "0x%llx", X(tc));
		else
			sb_printf(b, "none yet");
		if (t)
			sb_printf(b, ", stack 0x%llx-0x%llx (guard page 0x%llx), dtv 0x%llx", X(th->stack),
				  X(th->stack + th->stack_len), X(th->stack), X(th->dtv));
		sb_printf(b, "\n");
	}
	for (unsigned i = 0; i < a->ncached; i++)
		sb_printf(b, "cached stack 0x%llx-0x%llx (dtv 0x%llx)\n", X(a->cstack[i].stack),
			  X(a->cstack[i].stack + a->cstack[i].len), X(a->cstack[i].dtv));
}
