/*
 * alloc.h - heapscope's model of glibc 2.36 ptmalloc2 (main arena, one
 * thread, x86-64) running inside a simulated process.
 *
 * All allocator metadata that glibc keeps in the process lives in simulated
 * memory: chunk headers in the heap, the tcache_perthread_struct as the first
 * heap chunk, and the regular bin headers inside libc's data mapping, so user
 * writes corrupt exactly what they would corrupt in a real program.  Scalars
 * of main_arena and mp_ that a program cannot reach by writing into chunks
 * (top, last_remainder, fastbin heads, binmap, parameters) are plain fields.
 *
 * Every operation returns ALLOC_OK, or ALLOC_ABORT / ALLOC_SEGV with the
 * message glibc (or the kernel) would print in a->msg.  After a failed
 * operation the state is half-updated, exactly as the aborted process would
 * have left it; the engine restores the previous state from its history.
 */
#ifndef HEAPSCOPE_ALLOC_H
#define HEAPSCOPE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "heapscope/mem.h"
#include "heapscope/student.h"
#include "heapscope/textbook.h"

/* x86-64's sizes; an i386 process (--arch=i386) has its own: see
 * alloc_ssz, alloc_minsize */
#define ALLOC_SIZE_SZ 8u
#define ALLOC_MINSIZE 0x20u
#define ALLOC_NFASTBINS 10
#define ALLOC_NBINS 128
#define ALLOC_TCACHE_BINS 64
#define ALLOC_MIN_LARGE 0x400u
#define ALLOC_PREV_INUSE 1u
#define ALLOC_IS_MMAPPED 2u
#define ALLOC_NON_MAIN 4u
#define ALLOC_SIZE_BITS 7u

enum { ALLOC_OK = 0, ALLOC_ABORT = 1, ALLOC_SEGV = 2 };

/* mallopt parameters: X(NAME, number as in <malloc.h>).  The one list
 * that gives the enum, the names the script language knows and the
 * completions. */
#define ALLOC_MALLOPT_PARAMS(X)    \
	X(M_MXFAST, 1)             \
	X(M_TRIM_THRESHOLD, -1)    \
	X(M_TOP_PAD, -2)           \
	X(M_MMAP_THRESHOLD, -3)    \
	X(M_MMAP_MAX, -4)          \
	X(M_CHECK_ACTION, -5)      \
	X(M_PERTURB, -6)           \
	X(M_ARENA_TEST, -7)        \
	X(M_ARENA_MAX, -8)

enum {
#define ALLOC_PARAM_ENUM(name, num) ALLOC_##name = num,
	ALLOC_MALLOPT_PARAMS(ALLOC_PARAM_ENUM)
#undef ALLOC_PARAM_ENUM
};

/* GLIBC_TUNABLES settings of glibc.malloc: X(ID, name, largest value).
 * The id is stable: the history log stores it. */
#define ALLOC_TUNABLES(X)                                  \
	X(TCACHE_COUNT, "tcache_count", 65535)             \
	X(TCACHE_MAX, "tcache_max", 1032)                  \
	X(TCACHE_UNSORTED_LIMIT, "tcache_unsorted_limit", UINT64_MAX) \
	X(MXFAST, "mxfast", 160)                           \
	X(TOP_PAD, "top_pad", UINT64_MAX)                  \
	X(MMAP_THRESHOLD, "mmap_threshold", UINT64_MAX)    \
	X(TRIM_THRESHOLD, "trim_threshold", UINT64_MAX)    \
	X(MMAP_MAX, "mmap_max", UINT64_MAX)                \
	X(PERTURB, "perturb", UINT64_MAX)                  \
	X(ARENA_MAX, "arena_max", UINT64_MAX)              \
	X(ARENA_TEST, "arena_test", UINT64_MAX)

typedef enum alloc_tunable_id {
#define ALLOC_TUNABLE_ENUM(id, name, max) ALLOC_TUNABLE_##id,
	ALLOC_TUNABLES(ALLOC_TUNABLE_ENUM)
#undef ALLOC_TUNABLE_ENUM
	ALLOC_TUNABLE_COUNT
} alloc_tunable_id;

/* Which list a free chunk sits in; also the colour roles of the views. */
typedef enum alloc_bin_kind {
	ALLOC_BIN_NONE,
	ALLOC_BIN_TCACHE,
	ALLOC_BIN_FAST,
	ALLOC_BIN_UNSORTED,
	ALLOC_BIN_SMALL,
	ALLOC_BIN_LARGE,
	ALLOC_BIN_TOP,
	ALLOC_BIN_MMAP,
	ALLOC_BIN_FREE, /* a textbook design's free block */
	ALLOC_BIN_META, /* a textbook design's padding, prologue or epilogue */
	ALLOC_BIN_KIND_COUNT
} alloc_bin_kind;
/* the states of glibc's chunks (the designs add FREE and META) */
#define ALLOC_BIN_GLIBC_COUNT (ALLOC_BIN_MMAP + 1)

/* One thing the allocator did; an operation yields a list of these. */
typedef enum alloc_ev_kind {
	ALLOC_EV_TCACHE_GET, /* a=chunk bin=tcache idx */
	ALLOC_EV_TCACHE_PUT, /* a=chunk idx */
	ALLOC_EV_FAST_GET, /* a=chunk idx */
	ALLOC_EV_FAST_PUT, /* a=chunk idx */
	ALLOC_EV_STASH, /* a=chunk moved from bin kind `bin` into tcache idx */
	ALLOC_EV_SMALL_GET, /* a=chunk idx */
	ALLOC_EV_BIN_MISS, /* bin kind `bin`, idx searched and empty */
	ALLOC_EV_SORT, /* a=chunk b=size moved from unsorted into bin idx */
	ALLOC_EV_EXACT, /* a=chunk exact fit from unsorted */
	ALLOC_EV_LAST_REMAINDER, /* a=chunk b=nb c=remainder: split of last_remainder */
	ALLOC_EV_BEST_FIT, /* a=chunk b=size from large bin idx */
	ALLOC_EV_BINMAP, /* a=chunk b=size from bin idx found by the binmap scan */
	ALLOC_EV_SPLIT, /* a=chunk b=nb c=remainder put in unsorted */
	ALLOC_EV_TOP_SPLIT, /* a=chunk b=nb from top, c=new top */
	ALLOC_EV_MERGE, /* a=into b=absorbed c=new size */
	ALLOC_EV_TOP_MERGE, /* a=chunk c=new top size */
	ALLOC_EV_UNSORTED_PUT, /* a=chunk b=size */
	ALLOC_EV_CONSOLIDATE, /* b=fast chunks processed */
	ALLOC_EV_BRK, /* a=old break b=new break */
	ALLOC_EV_MMAP, /* a=addr b=len; c 0 read-write, 1 an arena's PROT_NONE reserve, 2 a thread stack */
	ALLOC_EV_MUNMAP, /* a=addr b=len */
	ALLOC_EV_MREMAP, /* a=old addr b=old len c=new addr, idx unused, d=new len */
	ALLOC_EV_MADVISE, /* a=addr b=len */
	ALLOC_EV_TRIM, /* b=bytes released */
	ALLOC_EV_THRESHOLD, /* a=new mmap threshold b=new trim threshold */
	ALLOC_EV_INPLACE, /* a=chunk b=new size: realloc kept the block */
	ALLOC_EV_COPY, /* a=old chunk c=new chunk b=bytes copied */
	ALLOC_EV_ALIGN, /* a=chunk b=leader bytes given back c=aligned chunk (bin MMAP: folded into prev_size) */
	ALLOC_EV_ALIGN_TAIL, /* a=chunk b=its new size c=tail chunk given back */
	ALLOC_EV_STACK_GROW, /* a=old start of the stack mapping b=new start */
	ALLOC_EV_FRAME, /* idx 0 call: a=sp before b=sp after c=frame bytes; 1 ret: a=sp b=restored sp; 2 alloca: a=sp b=bytes */
	ALLOC_EV_MPROTECT, /* a=addr b=len c=MEM_R|MEM_W|MEM_X (an arena's heap grows, a thread stack is set up) */
	ALLOC_EV_ARENA, /* idx 0 new arena (a=its malloc_state, b=its number), 1 reused from the free list, 2 reused
			 * (the limit c was reached), 3 freed (its last thread exited) */
	ALLOC_EV_THREAD, /* idx 0 created (b=thread, a=its stack; c=1 a cached stack), 1 exited (b=thread; c=1
			  * not joined yet), 2 joined (b=thread, c=the joiner) */
	ALLOC_EV_FAIL, /* the check that failed; text in alloc.msg */
	ALLOC_EV_KIND_COUNT
} alloc_ev_kind;

typedef struct alloc_ev {
	uint8_t kind, bin;
	uint16_t idx;
	uint64_t a, b, c, d;
} alloc_ev;

/* The machine (--arch, --kernel): x86-64, or an i386 process under a
 * 32-bit kernel (3G/1G split) or under a 64-bit kernel (4 GiB of user
 * space, as `gcc -m32` programs run on this machine). */
typedef enum alloc_arch { ALLOC_ARCH_X86_64, ALLOC_ARCH_I386, ALLOC_ARCH_I386_K64 } alloc_arch;

/* Where the simulated process's segments sit. */
typedef struct alloc_layout {
	uint8_t arch; /* alloc_arch */
	uint64_t pie; /* the executable's first byte */
	uint64_t text, text_end, data, data_end, bss, bss_end;
	uint64_t heap; /* start of the heap: the initial program break */
	uint64_t mmap_top; /* the mmap base: mappings go below it (above it when legacy) */
	uint64_t libs_lo; /* the lowest address of the libraries' groups */
	bool legacy; /* the classic layout: the mmap area grows up from TASK_SIZE / 3 */
	uint64_t brk_rnd; /* the heap's random distance above the image (ASLR) */
	bool aslr; /* the bases were randomised, from seed */
	uint64_t seed;
	uint64_t libc, libc_end, ld, ld_end;
	uint64_t stack, stack_end;
	uint64_t arena; /* &main_arena inside libc's data */
} alloc_layout;

/* mp_ and the tunables */
typedef struct alloc_params {
	uint64_t trim_threshold, top_pad, mmap_threshold;
	int64_t n_mmaps_max;
	bool no_dyn_threshold;
	uint64_t global_max_fast;
	int perturb;
	uint64_t tcache_bins, tcache_count, tcache_max_bytes, tcache_unsorted_limit;
	uint64_t arena_max, arena_test; /* 0: no limit set (arena_test then means 8 x 1 core) */
} alloc_params;

/* An arena: the scalars of its malloc_state.  The arena a call is running
 * in keeps them in alloc's own fields (top, fastbins, ...: the code reads
 * them there); ar[] holds everyone else's (thread.c switches). */
typedef struct alloc_arena {
	uint64_t state; /* its malloc_state: in libc's data (main_arena), or just
			 * after its first heap's heap_info */
	uint64_t top, last_remainder, system_mem, max_system_mem;
	uint64_t fastbins[ALLOC_NFASTBINS];
	uint32_t binmap[4];
	bool have_fastchunks, contiguous;
	uint8_t next; /* the next arena in the ring (main_arena.next ...) */
	int8_t next_free; /* the next on the free list, -1 at its end */
	uint16_t attached; /* attached_threads */
	uint64_t heap; /* non-main: its newest heap's heap_info */
} alloc_arena;
#define ALLOC_MAX_THREADS 64
#define ALLOC_MAX_ARENAS (ALLOC_MAX_THREADS + 2)

/* A thread of the process (thread.c); thread 0 is main. */
typedef struct alloc_thread {
	bool alive;
	bool unjoined; /* returned, but no thread has joined it: its stack stays mapped */
	int8_t arena; /* thread_arena (-1: none yet) */
	bool tcache_off; /* tcache_shutting_down */
	uint64_t tcache; /* its tcache (the running thread's is alloc.tcache) */
	uint64_t stack, stack_len; /* its stack mapping, guard page first */
	uint64_t dtv; /* its dtv, calloc'd by pthread_create */
} alloc_thread;
/* a joined thread's stack, kept for the next thread (nptl's stack cache) */
typedef struct alloc_cached_stack {
	uint64_t stack, len, dtv;
} alloc_cached_stack;
#define ALLOC_STACK_CACHE 16

/* A global variable of the program (globals.c). */
enum { ALLOC_SEG_DATA, ALLOC_SEG_BSS, ALLOC_SEG_RODATA };
typedef struct alloc_global {
	char name[24];
	uint64_t addr, size; /* where it lives and its bytes */
	uint64_t str; /* the string literal it points to or holds, in .rodata (strlen bytes) */
	uint32_t strlen;
	uint8_t seg, align, elem; /* ALLOC_SEG_*, alignment, bytes of one element */
	bool is_array, ptr_to_str, is_signed;
} alloc_global;
#define ALLOC_MAX_GLOBALS 32

/* A frame on the simulated stack: the stack pointer before its call. */
typedef struct alloc_frame {
	uint64_t sp;
	char name[24];
} alloc_frame;
#define ALLOC_MAX_FRAMES 64

typedef struct alloc {
	mem_space *mem;
	alloc_layout lay;
	uint8_t ssz; /* SIZE_SZ: 8, or 4 in an i386 process */
	alloc_params mp;
	/* main_arena scalars */
	uint64_t top, last_remainder, system_mem, max_system_mem, sbrk_base;
	uint64_t fastbins[ALLOC_NFASTBINS];
	uint32_t binmap[4];
	bool have_fastchunks, contiguous, initialized;
	/* stdio: where stdout goes, and its buffer (0 until the first output) */
	uint8_t stdout_mode; /* ALLOC_STDOUT_TTY, _PIPE, _FILE */
	bool stdout_unbuffered;
	bool program_moved_brk; /* the program called sbrk itself: top may end below the break */
	int vm_errno; /* the error of the program's last mmap, munmap or mprotect (0: none) */
	/* the main thread's stack (stack.c) */
	uint64_t sp, stack_limit; /* stack pointer; RLIMIT_STACK in bytes */
	alloc_frame frames[ALLOC_MAX_FRAMES];
	unsigned nframes;
	alloc_global globals[ALLOC_MAX_GLOBALS]; /* the program's globals, in declaration order */
	unsigned nglobals;
	/* a textbook design in glibc's place (design.c): its heap, started on
	 * the first call */
	const tb_alloc *design;
	tb_heap dh;
	bool design_started;
	struct alloc_mm_state *mm; /* a student's allocator's state (mmlab.c), or NULL */
	/* stretches of the heap mapping that are not malloc's (the program's own
	 * sbrk'd memory that malloc stepped over); a chunk walk jumps them */
	uint64_t gap_lo[8], gap_hi[8];
	uint8_t ngaps;
	uint64_t stdout_buf;
	/* tcache pointer (user address of tcache_perthread_struct) and key */
	uint64_t tcache, tcache_key;
	/* threads and arenas (thread.c): av is the arena whose scalars are in
	 * the fields above (0, main_arena, between operations) */
	uint8_t av, nar, next_to_use, thread, ncached, cores;
	int8_t free_list;
	bool multi; /* a thread was ever created (SINGLE_THREAD_P is false) */
	uint16_t dtv_slots; /* a dtv's entries: TLS modules + 14 spare + 2 (17: libc's TLS only) */
	uint64_t narenas_limit, aligned_heap_area, stack_cache_size;
	alloc_arena ar[ALLOC_MAX_ARENAS];
	alloc_thread th[ALLOC_MAX_THREADS];
	alloc_cached_stack cstack[ALLOC_STACK_CACHE];
	uint64_t brk; /* current program break */
	uint64_t n_mmaps, max_n_mmaps, mmapped_mem, max_mmapped_mem;
	/* per-operation output; not part of the state */
	alloc_ev *ev;
	uint32_t nev, evcap;
	int status;
	char msg[256];
	void *jb; /* the operation's unwind point (see OP_BEGIN in internal.h) */
} alloc;

/* SIZE_SZ of the process: 8, or 4 in an i386 process. */
static inline unsigned alloc_ssz(const alloc *a) { return a->ssz; }
/* A chunk's header (prev_size and size): the user pointer lies this far in. */
static inline unsigned alloc_hdr(const alloc *a) { return 2u * a->ssz; }
/* MINSIZE, the smallest chunk: 0x20, or 0x10 in an i386 process. */
static inline unsigned alloc_minsize(const alloc *a) { return a->ssz == 8 ? 0x20u : 0x10u; }
/* The heap's first chunk: its start, moved up so that user pointers are
 * 16-aligned (8 bytes on i386, whose header is 8 bytes). */
static inline uint64_t alloc_first_chunk(const alloc *a)
{
	uint64_t mis = (a->lay.heap + alloc_hdr(a)) & 15;
	return a->lay.heap + (mis ? 16 - mis : 0);
}
/* The chunk size tcache bin i holds, and fast bin i. */
static inline uint64_t alloc_tcache_size(const alloc *a, unsigned i) { return alloc_minsize(a) + 16u * i; }
static inline uint64_t alloc_fast_size(const alloc *a, unsigned i) { return (uint64_t)(i + 2) << (a->ssz == 8 ? 4 : 3); }
/* Read one word of the process (a size field or a pointer: 8 bytes, or 4
 * in an i386 process); false on a fault. */
static inline bool alloc_rdword(const alloc *a, uint64_t addr, uint64_t *v)
{
	if (a->ssz == 8)
		return mem_rd64(a->mem, addr, v);
	uint32_t w;
	bool ok = mem_rd32(a->mem, addr, &w);
	*v = w;
	return ok;
}

/* Set up a fresh process; seed 0 means no ASLR (gdb's default layout). */
alloc *alloc_new(bool aslr, uint64_t seed);
/* The same in the legacy (bottom-up) layout when legacy is true. */
alloc *alloc_new_layout(bool aslr, uint64_t seed, bool legacy);
/* The same on machine arch (an i386 process has neither ASLR nor the
 * legacy layout here). */
alloc *alloc_new_arch(bool aslr, uint64_t seed, bool legacy, alloc_arch arch);
/* Release the process. */
void alloc_free(alloc *a);
/* Deep copy (pages shared copy-on-write); events are not copied. */
alloc *alloc_clone(const alloc *a);

/* The operations. Each clears the event list, returns ALLOC_OK/ABORT/SEGV. */
int alloc_malloc(alloc *a, uint64_t n, uint64_t *out);
int alloc_free_ptr(alloc *a, uint64_t p);
int alloc_calloc(alloc *a, uint64_t n, uint64_t m, uint64_t *out);
/* The memalign family (memalign.c): fn is one of ALLOC_FN_*; *out gets the
 * block (0 when there is none) and *code the C function's error number
 * (posix_memalign returns it; the others set errno). */
int alloc_memalign(alloc *a, int fn, uint64_t align, uint64_t bytes, uint64_t *out, uint64_t *code);
int alloc_realloc(alloc *a, uint64_t p, uint64_t n, uint64_t *out);
int alloc_trim(alloc *a, uint64_t pad, uint64_t *out);
int alloc_mallopt(alloc *a, int param, int64_t value, uint64_t *out);
/* Apply a GLIBC_TUNABLES-style setting; only before the first call
 * (-2 after it, -3 when the value is out of range, -1 for a bad id). */
int alloc_tunable(alloc *a, int id, uint64_t value);
/* Start the heap (the initial program break) at addr instead, as a real
 * program's brk randomisation or larger image would: before the process
 * starts; 0, or -1 for an address that is not page-aligned or has no free
 * gigabyte above it, -2 when the process has started. */
int alloc_set_heap_start(alloc *a, uint64_t addr);
/* Move the mmap base (the top of the area where mmap places mappings
 * top-down; ld.so ends there, libc and the vdso sit below it) to addr:
 * before the process starts; 0, -1 or -2 as alloc_set_heap_start. */
int alloc_set_mmap_base(alloc *a, uint64_t addr);
/* What alloc_set_heap_start (heap) or alloc_set_mmap_base would answer,
 * without doing it. */
int alloc_layout_check(const alloc *a, bool heap, uint64_t addr);
/* Whether value is in range for tunable id (without applying it). */
bool alloc_tunable_valid(int id, uint64_t value);
/* The id of a tunable name, or -1. */
int alloc_tunable_find(const char *name);
/* The name of tunable id ("tcache_count"), or NULL. */
const char *alloc_tunable_name(int id);
/* The number of mallopt parameter name ("M_MXFAST"); false if unknown. */
bool alloc_mallopt_find(const char *name, int *param);
/* The name of mallopt parameter i in list order (NULL past the end). */
const char *alloc_mallopt_name_at(unsigned i);
/* malloc_usable_size(p). */
int alloc_usable_size(alloc *a, uint64_t p, uint64_t *out);
/* Write user bytes (a store by the simulated program); SEGV on a fault. */
int alloc_poke(alloc *a, uint64_t addr, const void *src, uint64_t n);
/* Fill user bytes (memset by the simulated program). */
int alloc_memset(alloc *a, uint64_t addr, int byte, uint64_t n);

/* Run a textbook design instead of glibc (before the process starts);
 * 0, or -2 when it has started. */
int alloc_set_design(alloc *a, const tb_alloc *d);
/* One call of the design: op 'm' malloc(n), 'f' free(p), 'r' realloc(p, n). */
int alloc_design_call(alloc *a, char op, uint64_t p, uint64_t n, uint64_t *out);
/* The program wrote [addr, addr + n) of simulated memory: a design that
 * runs elsewhere (a student's) gets the same bytes. */
void alloc_design_stored(alloc *a, uint64_t addr, uint64_t n);

/* A student's allocator (mmlab.c): the child process running their mm.c
 * and the history of calls a fresh child replays to reach any state.
 * alloc_set_design(a, alloc_mm_design(mm)) makes a process use it; the
 * engine owns it, every state running it shares it. */
typedef struct alloc_mm alloc_mm;
/* cs_app: the heap holds CS:APP blocks (an 8-byte size | allocated header
 * and a footer), which the panes then draw. */
alloc_mm *alloc_mm_new(student *s, bool cs_app);
const tb_alloc *alloc_mm_design(alloc_mm *mm);
void alloc_mm_free(alloc_mm *mm);
/* Whether a student's blocks are known (mm_walk, or CS:APP tags), or only
 * the payloads the calls returned. */
bool alloc_mm_blocks_known(const alloc *a);
/* Whether a student's allocator was last given a pointer that is not a
 * live payload (a double free, or one malloc never returned). */
bool alloc_mm_freed_unknown(const alloc *a);
/* Whether a student's heap holds CS:APP blocks (--block-format=cs-app). */
bool alloc_mm_cs_app(const alloc *a);
/* Set up a's per-state part when d is a student's (alloc_set_design). */
void alloc_mm_attach(alloc *a, const tb_alloc *d);

/* The program's own mappings (vm.c), answering as Linux does: *out gets
 * the address (mmap) or 0, or -1 with vm_errno set (MAP_FAILED / -1).
 * prot and flags are Linux's PROT_* and MAP_* values; path names a file
 * mapping (its bytes read as zeros here). */
int alloc_vm_mmap(alloc *a, uint64_t hint, uint64_t len, uint64_t prot, uint64_t flags, const char *path,
		  uint64_t *out);
int alloc_vm_munmap(alloc *a, uint64_t addr, uint64_t len, uint64_t *out);
int alloc_vm_mprotect(alloc *a, uint64_t addr, uint64_t len, uint64_t prot, uint64_t *out);

/* The stack (stack.c): push a frame of `frame` bytes (the return address
 * and saved rbp come first); pop it; take n bytes in the current frame;
 * *out gets the new stack pointer.  A stack that may not grow is a SIGSEGV. */
int alloc_call(alloc *a, const char *name, uint64_t frame, uint64_t *out);
int alloc_ret(alloc *a, uint64_t *out);
int alloc_alloca(alloc *a, uint64_t n, uint64_t *out);
/* Declare a global (before the process starts): placed by g's seg, align
 * and size, with initlen bytes of init, and when g->strlen a string
 * literal str in .rodata (ptr_to_str: the global points to it).  0, or -1
 * when the image cannot hold it, -2 when the process has started, -3 when
 * there are too many, -4 when the name is taken. */
int alloc_global_add(alloc *a, const alloc_global *g, const void *init, size_t initlen, const char *str);
/* The global named name, or NULL. */
const alloc_global *alloc_global_find(const alloc *a, const char *name);
/* The global whose bytes (or string) hold addr, or NULL. */
const alloc_global *alloc_global_at(const alloc *a, uint64_t addr);
/* RLIMIT_STACK in bytes (`ulimit -s`); -1 when below a page. */
int alloc_set_stack_limit(alloc *a, uint64_t bytes);

/* stdio as far as it allocates (stdio.c). */
enum { ALLOC_STDOUT_TTY, ALLOC_STDOUT_PIPE, ALLOC_STDOUT_FILE };
enum { ALLOC_STDOUT = 1, ALLOC_STDERR = 2 };
enum { ALLOC_FN_MEMALIGN, ALLOC_FN_ALIGNED_ALLOC, ALLOC_FN_POSIX_MEMALIGN, ALLOC_FN_VALLOC, ALLOC_FN_PVALLOC };
enum { ALLOC_IOFBF = 0, ALLOC_IOLBF = 1, ALLOC_IONBF = 2 }; /* as in <stdio.h> */
/* The program's own sbrk(incr): *out is the old break, or -1 (ENOMEM). */
int alloc_program_sbrk(alloc *a, int64_t incr, uint64_t *out);
/* Output on stdout or stderr: stdout's first allocates its buffer. */
int alloc_output(alloc *a, int stream);
/* setvbuf(stdout, NULL, mode, 0). */
int alloc_setvbuf_stdout(alloc *a, int mode);
/* fopen: malloc the FILE; *out is it (0 when malloc failed). */
int alloc_fopen(alloc *a, uint64_t *out);
/* A read or write on FILE f: the first mallocs its buffer. */
int alloc_file_io(alloc *a, uint64_t f);
/* fclose(f): free its buffer, then the FILE. */
int alloc_fclose(alloc *a, uint64_t f);

/* Threads (thread.c): make thread n (0..ALLOC_MAX_THREADS-1) the one that
 * runs the following calls; a thread not running yet is created first, by
 * the main thread, as pthread_create does it (its stack mapped or taken
 * from the stack cache, its dtv calloc'd).  *created says whether it was.
 * ALLOC_ABORT with a message for a thread number out of range or a
 * process that has no threads here (i386, a textbook design). */
int alloc_thread_switch(alloc *a, unsigned n, bool *created);
/* pthread_create(n) called by the running thread, which goes on running;
 * *dtv is the dtv it calloc'd (0 when a cached stack brought its own);
 * dtv_slots, when not 0, is the process's dtv size from now on (a
 * recording says it: each TLS module takes one). */
int alloc_thread_create(alloc *a, unsigned n, unsigned dtv_slots, uint64_t *dtv);
/* Thread n returns: its tcache is emptied into the arenas, its arena goes
 * to the free list when it was the last one attached; the main thread runs
 * next.  With join, main joins it at once (its stack to the stack cache);
 * without, its stack stays mapped until alloc_thread_join. */
int alloc_thread_exit(alloc *a, unsigned n, bool join);
/* pthread_join(n) called by the running thread: thread n, which has
 * returned, gives its stack to the stack cache (past 40 MiB the oldest
 * cached stacks are unmapped and their dtv freed, by the joiner). */
int alloc_thread_join(alloc *a, unsigned n);
/* The cores the process sees (1..64; arena_get2 allows 8 arenas per core). */
int alloc_set_cores(alloc *a, unsigned n);
/* Arena k's state as a view reads it: main_arena's (k 0) from the live
 * fields, the others' from ar[k]. */
void alloc_arena_get(const alloc *a, unsigned k, alloc_arena *out);
/* Address of bin idx's header in arena k. */
uint64_t alloc_arena_bin_at(const alloc *a, unsigned k, unsigned idx);
/* The arena a heap chunk belongs to (its A bit and its heap's heap_info),
 * or -1 when heap_info names no arena. */
int alloc_arena_of(alloc *a, uint64_t chunk);
/* heap_info's size, and the start of a non-main arena's heap holding addr. */
uint64_t alloc_heap_info_size(const alloc *a);
uint64_t alloc_heap_of(const alloc *a, uint64_t addr);

/* mallinfo2 as glibc computes it (int_mallinfo), without side effects. */
typedef struct alloc_info {
	uint64_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks;
	uint64_t uordblks, fordblks, keepcost;
	uint64_t max_mmapped_mem, max_n_mmaps;
} alloc_info;
/* Fill *out; ALLOC_ABORT if a fastbin chunk is misaligned. */
int alloc_mallinfo(alloc *a, alloc_info *out);
/* The same for arena k alone (malloc_stats prints each). */
int alloc_arena_info(alloc *a, unsigned k, alloc_info *out);

/* Request normalisation (request2size); false when n > PTRDIFF_MAX. */
bool alloc_request2size(const alloc *a, uint64_t n, uint64_t *nb);
/* The regular bin index for a chunk size (small or large). */
unsigned alloc_bin_index(const alloc *a, uint64_t size);
/* Inclusive chunk-size range a regular bin covers. */
void alloc_bin_range(const alloc *a, unsigned idx, uint64_t *lo, uint64_t *hi);
/* Address of bin idx's header seen as a chunk (fd at +0x10). */
uint64_t alloc_bin_at(const alloc *a, unsigned idx);
/* Name of an event kind, for logs and JSON. */
const char *alloc_ev_name(int kind);
/* Name of a bin kind ("tcache", "fastbin", ...). */
const char *alloc_bin_name(int kind);

#endif
