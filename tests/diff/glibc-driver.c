/*
 * glibc-driver.c - replays a heapscope script with the real glibc malloc.
 *
 * It reads the whole script with read(), parses it into static arrays, takes
 * the initial program break with sbrk(0) before the first allocator call,
 * runs every operation and only then prints, with write(): stdio is never
 * used, because its first use allocates a buffer and would shift the heap.
 *
 * Accepted lines (the form the trace generator writes; names are vN):
 *   vN = malloc(S);  vN = calloc(N, S);  vN = realloc(vM, S);  free(vN);
 *   malloc_trim(P);  mallopt(M_NAME, V);  tunable NAME VALUE (first lines)
 *   printf("TEXT");  puts("TEXT");  fprintf(stderr, "TEXT");
 *   vN = fopen("PATH", "w");  fputs("TEXT", vN);  fclose(vN);
 *   vN = memalign(A, S);  vN = aligned_alloc(A, S);  posix_memalign(&vN, A, S);
 *   vN = valloc(S);  vN = pvalloc(S);
 *   setvbuf(stdout, NULL, _IONBF, 0);  sbrk(N);  stdout MODE (ignored: the caller
 *   arranges where stdout goes)
 * Output, one line per operation: seq op off chunk mmapped brk ret.  With a
 * second argument the lines go to that file, so that stdout is free for
 * the program's own output (whose buffer is what the stdio cases test).
 * With HS_DRIVER_ABS in the environment (run under setarch -R), an mmapped
 * chunk's off is its absolute address in hex instead of null, and the
 * heap's start goes to stderr as a `heap_start 0x...` line.
 *
 * Built with -m32 too, it is the oracle of an i386 process (--arch=i386).
 *
 * Threads: a `tN: ` prefix makes thread N run that line's call, `thread N`
 * every call after it, `thread_exit N` makes thread N return (main joins
 * it), `thread_exit N unjoined` makes it return with no join (the driver
 * waits for the task to be gone from /proc), and `thread_join N` has the
 * line's thread join it.  Main creates a thread when its first call comes, as heapscope's
 * model does; each call then runs on its thread while every other thread
 * waits on a semaphore, so the calls happen in the script's order.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>

#define MAXOPS (1 << 22)
#define MAXVARS (1 << 20)
#define MAXIN (64 << 20)

/* the operations that return a block come first (before O_TRIM) */
enum { O_MALLOC, O_FREE, O_CALLOC, O_REALLOC, O_MEMALIGN, O_ALIGNED_ALLOC, O_POSIX_MEMALIGN, O_VALLOC, O_PVALLOC,
       O_TRIM, O_MALLOPT, O_PRINT, O_EPRINT, O_PUTS, O_FOPEN, O_FPUTS, O_FCLOSE, O_SETVBUF, O_SBRK, O_TEXIT, O_TJOIN };
static const char *opname[] = {"malloc", "free", "calloc", "realloc", "memalign", "aligned_alloc",
			       "posix_memalign", "valloc", "pvalloc", "malloc_trim", "mallopt", "output",
			       "output", "output", "fopen", "file_io", "fclose", "setvbuf", "sbrk", "thread_exit", "thread_join"};
#define MAXTHREADS 64
static uint8_t thr[MAXOPS]; /* the thread that runs each operation */
static const char *text[MAXOPS];
static uint32_t textn[MAXOPS];
static int outfd = 1;

static char in[MAXIN];
static uint8_t kind[MAXOPS];
static uint32_t dst[MAXOPS], src[MAXOPS];
static uint64_t arg1[MAXOPS], arg2[MAXOPS];
static void *vars[MAXVARS];
static uint64_t r_off[MAXOPS], r_chunk[MAXOPS], r_brk[MAXOPS], r_ret[MAXOPS];
static uint8_t r_mm[MAXOPS], r_null[MAXOPS];
static char out[1 << 16];
static size_t outn;
static char tun[4096];
static size_t tunn;

static void flush(void)
{
	size_t o = 0;
	while (o < outn) {
		ssize_t k = write(outfd, out + o, outn - o);
		if (k <= 0)
			_exit(4);
		o += (size_t)k;
	}
	outn = 0;
}

static void puts_(const char *s)
{
	while (*s) {
		if (outn == sizeof out)
			flush();
		out[outn++] = *s++;
	}
}

static void putu(uint64_t v)
{
	char b[24];
	int k = 23;
	b[k] = 0;
	do
		b[--k] = (char)('0' + v % 10);
	while (v /= 10);
	puts_(b + k);
}

static void die(const char *msg, size_t line)
{
	puts_("driver: ");
	puts_(msg);
	puts_(" at line ");
	putu(line);
	puts_("\n");
	flush();
	_exit(2);
}

static const char *p;
static size_t lineno;

static void ws(void)
{
	while (*p == ' ' || *p == '\t')
		p++;
}

static int lit(const char *s)
{
	ws();
	size_t n = strlen(s);
	if (strncmp(p, s, n))
		return 0;
	p += n;
	return 1;
}

static uint64_t num(void)
{
	ws();
	uint64_t v = 0;
	int neg = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')) {
			v = v * 16 + (uint64_t)(*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
			p++;
		}
	} else {
		if (*p < '0' || *p > '9')
			die("expected a number", lineno);
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (uint64_t)(*p++ - '0');
	}
	return neg ? (uint64_t)0 - v : v;
}

static char line[4096];

/* A string literal "..." (no escapes): its text and length; p moves past. */
static const char *str(uint32_t *len)
{
	ws();
	if (*p != '"')
		die("expected a string", lineno);
	const char *s = ++p;
	while (*p && *p != '"' && *p != '\n')
		p++;
	if (*p != '"' || p - s >= (long)sizeof line)
		die("unterminated string", lineno);
	*len = (uint32_t)(p - s);
	p++;
	ws();
	return s;
}

static uint32_t var(void)
{
	ws();
	if (*p != 'v')
		die("expected a vN variable", lineno);
	p++;
	uint64_t v = num();
	if (v >= MAXVARS)
		die("variable index too large", lineno);
	return (uint32_t)v;
}

static int param(void)
{
	static const struct {
		const char *n;
		int v;
	} t[] = {{"M_MXFAST", M_MXFAST},		 {"M_TRIM_THRESHOLD", M_TRIM_THRESHOLD},
		 {"M_TOP_PAD", M_TOP_PAD},		 {"M_MMAP_THRESHOLD", M_MMAP_THRESHOLD},
		 {"M_MMAP_MAX", M_MMAP_MAX},		 {"M_PERTURB", M_PERTURB}};
	ws();
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (lit(t[i].n))
			return t[i].v;
	die("unknown mallopt parameter", lineno);
	return 0;
}

static char *base;

/* Run operation i on the calling thread and keep what it returned. */
static pthread_t tid[MAXTHREADS];
static volatile pid_t ktid[MAXTHREADS]; /* each worker's kernel thread id */

static void run_op(size_t i)
{
	void *r = NULL;
	size_t *hdr; /* a chunk's size field: the word before the user pointer */
	switch (kind[i]) {
	case O_MALLOC:
		r = vars[dst[i]] = malloc(arg1[i]);
		break;
	case O_CALLOC:
		r = vars[dst[i]] = calloc(arg1[i], arg2[i]);
		break;
	case O_MEMALIGN:
		r = vars[dst[i]] = memalign(arg1[i], arg2[i]);
		break;
	case O_ALIGNED_ALLOC:
		r = vars[dst[i]] = aligned_alloc(arg1[i], arg2[i]);
		break;
	case O_VALLOC:
		r = vars[dst[i]] = valloc(arg2[i]);
		break;
	case O_PVALLOC:
		r = vars[dst[i]] = pvalloc(arg2[i]);
		break;
	case O_POSIX_MEMALIGN: {
		void *m = NULL;
		r_ret[i] = (uint64_t)posix_memalign(&m, arg1[i], arg2[i]);
		if (r_ret[i] == 0)
			r = vars[dst[i]] = m;
		break;
	}
	case O_REALLOC:
		if (arg2[i] == 0 && vars[src[i]]) {
			hdr = (size_t *)vars[src[i]] - 1;
			r_chunk[i] = *hdr & ~(size_t)7;
			r_mm[i] = (*hdr & 2) != 0;
		}
		r = realloc(vars[src[i]], arg2[i]);
		vars[dst[i]] = r;
		break;
	case O_FREE:
		r = vars[src[i]];
		if (r) {
			hdr = (size_t *)r - 1;
			r_chunk[i] = *hdr & ~(size_t)7;
			r_mm[i] = (*hdr & 2) != 0;
		}
		free(r);
		break;
	case O_TRIM:
		r_ret[i] = (uint64_t)malloc_trim(arg1[i]);
		break;
	case O_MALLOPT:
		r_ret[i] = (uint64_t)mallopt((int)(int64_t)arg1[i], (int)arg2[i]);
		break;
	case O_PRINT:
		printf("%.*s", (int)textn[i], text[i]);
		break;
	case O_EPRINT:
		fprintf(stderr, "%.*s", (int)textn[i], text[i]);
		break;
	case O_PUTS:
		memcpy(line, text[i], textn[i]);
		line[textn[i]] = 0;
		puts(line);
		break;
	case O_FOPEN:
		memcpy(line, text[i], textn[i]);
		line[textn[i]] = 0;
		r = vars[dst[i]] = fopen(line, "w");
		if (r) {
			hdr = (size_t *)r - 1;
			r_chunk[i] = *hdr & ~(size_t)7;
		}
		break;
	case O_FPUTS:
		memcpy(line, text[i], textn[i]);
		line[textn[i]] = 0;
		fputs(line, vars[src[i]]);
		break;
	case O_FCLOSE:
		fclose(vars[src[i]]);
		break;
	case O_SETVBUF:
		setvbuf(stdout, NULL, _IONBF, 0);
		break;
	case O_SBRK:
		sbrk((intptr_t)arg1[i]);
		break;
	case O_TJOIN:
		pthread_join(tid[arg1[i]], NULL);
		break;
	}
	if (kind[i] < O_TRIM && kind[i] != O_FREE) {
		if (r) {
			hdr = (size_t *)r - 1;
			r_chunk[i] = *hdr & ~(size_t)7;
			r_mm[i] = (*hdr & 2) != 0;
		}
	}
	r_null[i] = r == NULL;
	r_off[i] = (uint64_t)((char *)r - base);
	r_brk[i] = (uint64_t)((char *)sbrk(0) - base);
}

static sem_t go[MAXTHREADS], done[MAXTHREADS];
static volatile size_t cur; /* the operation the woken thread runs */
static volatile bool quit[MAXTHREADS];

static void *worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	ktid[t] = (pid_t)syscall(SYS_gettid);
	for (;;) {
		sem_wait(&go[t]);
		if (quit[t])
			return NULL;
		run_op(cur);
		sem_post(&done[t]);
	}
}

int main(int argc, char **argv, char **envp)
{
	if (argc != 2 && argc != 3)
		return 2;
	if (argc == 3 && (outfd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return 2;
	size_t n = 0;
	ssize_t k;
	while ((k = read(fd, in + n, sizeof in - 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	in[n] = 0;
	size_t nops = 0;
	p = in;
	lineno = 1;
	unsigned deft = 0; /* the thread `thread N` chose */
	while (*p) {
		ws();
		thr[nops] = (uint8_t)deft;
		while (p[0] == 't' && p[1] >= '0' && p[1] <= '9') {
			/* tN: the call on this line runs on thread N */
			const char *save = p++;
			uint64_t t = num();
			if (*p != ':') {
				p = save;
				break;
			}
			p++;
			if (t >= MAXTHREADS)
				die("thread number too large", lineno);
			thr[nops] = (uint8_t)t;
			ws();
		}
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p) {
		} else if (lit("thread_exit ")) {
			kind[nops] = O_TEXIT;
			arg1[nops] = num();
			if (arg1[nops] == 0 || arg1[nops] >= MAXTHREADS)
				die("bad thread number", lineno);
			ws();
			arg2[nops] = lit("unjoined");
			nops++;
		} else if (lit("thread_join ")) {
			kind[nops] = O_TJOIN;
			arg1[nops] = num();
			if (arg1[nops] == 0 || arg1[nops] >= MAXTHREADS)
				die("bad thread number", lineno);
			nops++;
		} else if (lit("thread ")) {
			deft = (unsigned)num();
			if (deft >= MAXTHREADS)
				die("thread number too large", lineno);
		} else if (lit("cores")) {
			/* the model's setting; this machine has its own */
		} else if (lit("tunable")) {
			/* collect glibc.malloc.NAME=VALUE for a re-exec */
			ws();
			const char *s = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (!tunn)
				tunn = (size_t)(stpcpy(tun, "GLIBC_TUNABLES=") - tun);
			else
				tun[tunn++] = ':';
			tunn = (size_t)(stpcpy(tun + tunn, "glibc.malloc.") - tun);
			memcpy(tun + tunn, s, (size_t)(p - s));
			tunn += (size_t)(p - s);
			tun[tunn++] = '=';
			ws();
			while (*p >= '0' && *p <= '9')
				tun[tunn++] = *p++;
			tun[tunn] = 0;
		} else if (lit("stdout")) {
			/* where stdout goes is the caller's business */
		} else if (lit("setvbuf(stdout, NULL, _IONBF, 0)")) {
			kind[nops++] = O_SETVBUF;
		} else if (lit("printf(") || lit("puts(") || lit("fprintf(stderr,")) {
			/* which of the three: the character before the argument */
			char before = p[-1];
			kind[nops] = before == ',' ? O_EPRINT : p[-2] == 's' ? O_PUTS : O_PRINT;
			text[nops] = str(&textn[nops]);
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("fputs(")) {
			kind[nops] = O_FPUTS;
			text[nops] = str(&textn[nops]);
			if (!lit(","))
				die("expected ,", lineno);
			src[nops] = var();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("sbrk(")) {
			kind[nops] = O_SBRK;
			arg1[nops] = num();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("fclose(")) {
			kind[nops] = O_FCLOSE;
			src[nops] = var();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("free(")) {
			kind[nops] = O_FREE;
			src[nops] = var();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("posix_memalign(&")) {
			kind[nops] = O_POSIX_MEMALIGN;
			dst[nops] = var();
			if (!lit(","))
				die("expected ,", lineno);
			arg1[nops] = num();
			if (!lit(","))
				die("expected ,", lineno);
			arg2[nops] = num();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("malloc_trim(")) {
			kind[nops] = O_TRIM;
			arg1[nops] = num();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else if (lit("mallopt(")) {
			kind[nops] = O_MALLOPT;
			arg1[nops] = (uint64_t)(int64_t)param();
			if (!lit(","))
				die("expected ,", lineno);
			arg2[nops] = num();
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		} else {
			dst[nops] = var();
			if (!lit("="))
				die("expected =", lineno);
			if (lit("malloc(")) {
				kind[nops] = O_MALLOC;
				arg1[nops] = num();
			} else if (lit("memalign(") || lit("aligned_alloc(")) {
				kind[nops] = p[-2] == 'n' ? O_MEMALIGN : O_ALIGNED_ALLOC;
				arg1[nops] = num();
				if (!lit(","))
					die("expected ,", lineno);
				arg2[nops] = num();
			} else if (lit("valloc(") || lit("pvalloc(")) {
				kind[nops] = p[-8] == 'p' ? O_PVALLOC : O_VALLOC;
				arg2[nops] = num();
			} else if (lit("calloc(")) {
				kind[nops] = O_CALLOC;
				arg1[nops] = num();
				if (!lit(","))
					die("expected ,", lineno);
				arg2[nops] = num();
			} else if (lit("fopen(")) {
				kind[nops] = O_FOPEN;
				text[nops] = str(&textn[nops]);
				if (!lit(","))
					die("expected ,", lineno);
				str(&textn[MAXOPS - 1]);
			} else if (lit("realloc(")) {
				kind[nops] = O_REALLOC;
				src[nops] = var();
				if (!lit(","))
					die("expected ,", lineno);
				arg2[nops] = num();
			} else {
				die("unknown statement", lineno);
			}
			if (!lit(")"))
				die("expected )", lineno);
			nops++;
		}
		if (nops >= MAXOPS)
			die("too many operations", lineno);
		while (*p && *p != '\n')
			p++;
		if (*p == '\n') {
			p++;
			lineno++;
		}
	}
	if (tunn && !getenv("HS_DRIVER_CHILD")) {
		/* re-run with the tunables in the environment (read at startup) */
		static char *env[] = {tun, "HS_DRIVER_CHILD=1", NULL, NULL};
		const char *ab = getenv("HS_DRIVER_ABS");
		if (ab && *ab)
			env[2] = "HS_DRIVER_ABS=1";
		(void)envp;
		execve("/proc/self/exe", argv, env);
		die("cannot re-exec for tunables", 0);
	}

	base = sbrk(0);
	const char *ab = getenv("HS_DRIVER_ABS");
	bool abs_addr = ab && *ab;
	if (abs_addr) {
		/* where this program's heap starts (after its large bss), for
		 * the model's heap_start: memalign's offsets depend on it */
		char hs[64];
		int hn = snprintf(hs, sizeof hs, "heap_start %p\n", (void *)base);
		if (write(2, hs, (size_t)hn) != hn)
			return 1;
	}
	static bool alive[MAXTHREADS];
	for (unsigned t = 0; t < MAXTHREADS; t++) {
		sem_init(&go[t], 0, 0);
		sem_init(&done[t], 0, 0);
	}
	for (size_t i = 0; i < nops; i++) {
		unsigned t = kind[i] == O_TEXIT ? (unsigned)arg1[i] : thr[i];
		if (kind[i] == O_TEXIT) {
			if (alive[t]) {
				quit[t] = true;
				sem_post(&go[t]);
				if (!arg2[i])
					pthread_join(tid[t], NULL);
				else {
					/* returned, not joined: wait until the kernel
					 * has reaped the task, its exit work all done */
					char path[64];
					snprintf(path, sizeof path, "/proc/self/task/%d", (int)ktid[t]);
					while (access(path, F_OK) == 0)
						usleep(100);
				}
				alive[t] = false;
			}
			continue;
		}
		if (kind[i] == O_TJOIN && t == 0) {
			pthread_join(tid[arg1[i]], NULL);
			continue;
		}
		if (t == 0) {
			run_op(i);
			continue;
		}
		if (!alive[t]) {
			quit[t] = false;
			if (pthread_create(&tid[t], NULL, worker, (void *)(uintptr_t)t) != 0)
				die("pthread_create failed", 0);
			alive[t] = true;
		}
		cur = i;
		sem_post(&go[t]);
		sem_wait(&done[t]);
	}
	for (size_t i = 0, seq = 0; i < nops; i++) {
		if (kind[i] == O_TEXIT || kind[i] == O_TJOIN)
			continue;
		putu(seq++);
		puts_(" ");
		puts_(opname[kind[i]]);
		puts_(" ");
		bool addr = kind[i] < O_TRIM || kind[i] == O_FOPEN;
		if (addr && !r_null[i] && r_mm[i] && abs_addr) {
			/* the absolute address of an mmapped chunk (under setarch -R) */
			char hex[24];
			snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)(uintptr_t)(base + r_off[i]));
			puts_(hex);
		} else if (!addr || r_null[i] || r_mm[i])
			puts_("null");
		else
			putu(r_off[i]);
		puts_(" ");
		putu(addr ? r_chunk[i] : 0);
		puts_(r_mm[i] ? " true " : " false ");
		putu(r_brk[i]);
		puts_(" ");
		if (kind[i] == O_TRIM || kind[i] == O_MALLOPT || kind[i] == O_POSIX_MEMALIGN)
			putu(r_ret[i]);
		else
			puts_("-");
		puts_("\n");
	}
	flush();
	return 0;
}
