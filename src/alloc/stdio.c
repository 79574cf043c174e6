/*
 * stdio.c - the C library's stdio, as far as it allocates (glibc 2.36):
 * stdout's buffer is malloc'd at its first output, st_blksize bytes (1024
 * on a terminal, 4096 on a pipe or a file), unless setvbuf made it
 * unbuffered first (which frees a buffer it already had); stderr is
 * unbuffered and never allocates; fopen mallocs the FILE (0x1d8 bytes, a
 * 0x1e0 chunk), its first read or write mallocs a 4096-byte buffer whose
 * address the FILE keeps at +0x38 (_IO_buf_base) in simulated memory, and
 * fclose frees the buffer and then the FILE.  The program's own sbrk moves
 * the break under malloc, which then finds it elsewhere (a foreign sbrk).
 */
#include "internal.h"

/* i386: fopen's FILE is a 0x140 chunk (measured; the request's last few
 * bytes are not observable, 0x13c fills it), _IO_buf_base sits at +0x1c */
#define FILE_BYTES (a->ssz == 8 ? 0x1d8u : 0x13cu)
#define FILE_BUF (7 * SSZ)
#define FILE_BLKSIZE 4096u

static uint64_t stdout_blksize(const alloc *a)
{
	return a->stdout_mode == ALLOC_STDOUT_TTY ? 1024 : 4096;
}

int alloc_program_sbrk(alloc *a, int64_t incr, uint64_t *out)
{
	OP_BEGIN(a);
	uint64_t old;
	*out = alloc_sbrk(a, incr, &old) ? old : (uint64_t)-1;
	if (incr)
		a->program_moved_brk = true;
	OP_END(a);
}

int alloc_output(alloc *a, int stream)
{
	OP_BEGIN(a);
	if (!a->initialized)
		alloc_ptmalloc_init(a);
	if (stream == ALLOC_STDOUT && !a->stdout_unbuffered && !a->stdout_buf)
		a->stdout_buf = alloc_libc_malloc(a, stdout_blksize(a));
	OP_END(a);
}

int alloc_setvbuf_stdout(alloc *a, int mode)
{
	OP_BEGIN(a);
	if (mode == ALLOC_IONBF) {
		if (a->stdout_buf)
			alloc_libc_free(a, a->stdout_buf);
		a->stdout_buf = 0;
		a->stdout_unbuffered = true;
	} else {
		/* buffered with no buffer of the caller's: glibc allocates now */
		a->stdout_unbuffered = false;
		if (!a->stdout_buf)
			a->stdout_buf = alloc_libc_malloc(a, stdout_blksize(a));
	}
	OP_END(a);
}

int alloc_fopen(alloc *a, uint64_t *out)
{
	OP_BEGIN(a);
	*out = alloc_libc_malloc(a, FILE_BYTES);
	if (*out)
		wr(a, *out + FILE_BUF, 0);
	OP_END(a);
}

int alloc_file_io(alloc *a, uint64_t f)
{
	OP_BEGIN(a);
	if (!rd(a, f + FILE_BUF)) {
		uint64_t b = alloc_libc_malloc(a, FILE_BLKSIZE);
		wr(a, f + FILE_BUF, b);
	}
	OP_END(a);
}

int alloc_fclose(alloc *a, uint64_t f)
{
	OP_BEGIN(a);
	uint64_t b = rd(a, f + FILE_BUF);
	if (b)
		alloc_libc_free(a, b);
	alloc_libc_free(a, f);
	OP_END(a);
}
