/*
 * student.c - a student's malloc-lab allocator (mm.c: mm_init, mm_malloc,
 * mm_free, mm_realloc over memlib's mem_sbrk) compiled with the system
 * compiler and run in a child process, one operation at a time, so that
 * nothing it does can crash or corrupt heapscope.
 *
 * The child is the student's file linked with heapscope's memlib and a
 * small runner (both written into a temporary folder with mm.h and
 * memlib.h).  It reads requests on descriptor 3 and answers on 4, one line
 * each; it fills every new payload with a pattern and checks the pattern
 * on free and realloc itself.  A crash is caught by its signal handler,
 * which reports the signal, the address and the mm_ function it was in;
 * an operation that takes longer than the time limit is stopped.  While a
 * student's allocator runs, heapscope and its child share one CPU: each
 * operation is a round trip, and waking a process on another CPU costs
 * ten times the round trip itself.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include "student.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heapscope/xalloc.h"

#define HEAP_AT 0x7e0000000000ull /* where the child maps the student's heap */
#define HEAP_MAX (1ull << 32)

static const char mm_h[] = "/* mm.h - the allocator heapscope runs (the malloc lab's interface) */\n"
			   "#include <stddef.h>\n"
			   "typedef struct { char *teamname, *name1, *id1, *name2, *id2; } team_t;\n"
			   "extern team_t team;\n"
			   "int mm_init(void);\n"
			   "void *mm_malloc(size_t size);\n"
			   "void mm_free(void *ptr);\n"
			   "void *mm_realloc(void *ptr, size_t size);\n";

static const char memlib_h[] = "/* memlib.h - the heap the allocator grows with mem_sbrk */\n"
			       "#include <stddef.h>\n#include <stdint.h>\n"
			       "void mem_init(void);\nvoid mem_deinit(void);\nvoid *mem_sbrk(intptr_t incr);\n"
			       "void mem_reset_brk(void);\nvoid *mem_heap_lo(void);\nvoid *mem_heap_hi(void);\n"
			       "size_t mem_heapsize(void);\nsize_t mem_pagesize(void);\n";

/* memlib and the runner, compiled with the student's file */
static const char runner_c[] =
	"#define _GNU_SOURCE\n#include <errno.h>\n#include <signal.h>\n#include <stdint.h>\n#include <stdio.h>\n"
	"#include <stdlib.h>\n#include <string.h>\n#include <sys/mman.h>\n#include <unistd.h>\n"
	"#include \"mm.h\"\n#include \"memlib.h\"\n"
	"static char *lo, *brk_, *max_;\n"
	"void mem_init(void) { lo = mmap((void *)0x7e0000000000ull, 1ull << 32, PROT_READ | PROT_WRITE,\n"
	"  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);\n"
	"  if (lo == MAP_FAILED) _exit(90); brk_ = lo; max_ = lo + (1ull << 32); }\n"
	"void mem_deinit(void) {}\n"
	"void *mem_sbrk(intptr_t incr) { if (incr < 0 || incr > max_ - brk_) { errno = ENOMEM;\n"
	"  fprintf(stderr, \"mem_sbrk: the heap cannot grow by %ld bytes\\n\", (long)incr); return (void *)-1; }\n"
	"  char *old = brk_; brk_ += incr; return old; }\n"
	"void mem_reset_brk(void) { brk_ = lo; }\n"
	"void *mem_heap_lo(void) { return lo; }\n"
	"void *mem_heap_hi(void) { return brk_ - 1; }\n"
	"size_t mem_heapsize(void) { return (size_t)(brk_ - lo); }\n"
	"size_t mem_pagesize(void) { return 4096; }\n"
	"static const char *volatile where = \"the runner\";\n"
	"static void put(const char *s) { size_t n = strlen(s); while (n) { ssize_t w = write(4, s, n);\n"
	"  if (w <= 0) _exit(91); s += w; n -= (size_t)w; } }\n"
	"static void crashed(int sig, siginfo_t *si, void *ctx) { (void)ctx; char b[160];\n"
	"  snprintf(b, sizeof b, \"crash %d 0x%lx %s\\n\", sig, (unsigned long)si->si_addr, where); put(b);\n"
	"  _exit(128 + sig); }\n"
	"static int kept(const unsigned char *p, size_t n, int byte) { if (byte < 0) return 1; for (size_t i = 0; i < n; i++)\n"
	"  if (p[i] != (unsigned char)byte) return 0; return 1; }\n"
	"int main(void) { struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = crashed;\n"
	"  sa.sa_flags = SA_SIGINFO; int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};\n"
	"  for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, NULL);\n"
	"  mem_init(); FILE *in = fdopen(3, \"r\"); char line[128], b[160];\n"
	"  while (fgets(line, sizeof line, in)) { char op; unsigned long long ptr = 0, size = 0, old = 0; int pat = 0;\n"
	"    if (sscanf(line, \"%c %llx %llu %llu %d\", &op, &ptr, &size, &old, &pat) < 1) break;\n"
	"    void *r = NULL; const char *bad = NULL;\n"
	"    if (op == 'i') { where = \"mm_init\"; if (mm_init() < 0) bad = \"mm_init failed\"; }\n"
	"    else if (op == 'm') { where = \"mm_malloc\"; r = mm_malloc(size); where = \"the runner\";\n"
	"      if (r && pat >= 0 && (uintptr_t)r >= (uintptr_t)lo && (uintptr_t)r + size <= (uintptr_t)brk_) memset(r, pat, size); }\n"
	"    else if (op == 'f') { if (!kept((void *)ptr, old, pat)) bad = \"the payload was overwritten before its free\";\n"
	"      where = \"mm_free\"; mm_free((void *)ptr); }\n"
	"    else if (op == 'r') { if (!kept((void *)ptr, old, pat)) bad = \"the payload was overwritten before its realloc\";\n"
	"      where = \"mm_realloc\"; r = mm_realloc((void *)ptr, size); where = \"the runner\";\n"
	"      if (r && !bad && pat >= 0 && (uintptr_t)r >= (uintptr_t)lo && (uintptr_t)r + size <= (uintptr_t)brk_) {\n"
	"        if (!kept(r, old < size ? old : size, pat)) bad = \"realloc did not keep the old bytes\";\n"
	"        memset(r, pat, size); } }\n"
	"    where = \"the runner\";\n"
	"    if (bad) snprintf(b, sizeof b, \"bad %s\\n\", bad);\n"
	"    else snprintf(b, sizeof b, \"ok %llx %llx %llx\\n\", (unsigned long long)(uintptr_t)r,\n"
	"      (unsigned long long)(uintptr_t)lo, (unsigned long long)(uintptr_t)brk_);\n"
	"    put(b); }\n"
	"  return 0; }\n";

struct student {
	cpu_set_t cpus; /* heapscope's own CPUs, given back at the end */
	bool pinned;
	char dir[64];
	pid_t pid;
	int req, resp;
	int limit_ms;
	char name[64];
};

static bool write_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

static void remove_dir(const char *dir)
{
	const char *files[] = {"mm.h", "memlib.h", "runner.c", "runner", "cc.log"};
	char path[128];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Compile file into dir/runner; false with the compiler's words printed. */
static bool build(student *s, const char *file)
{
	char *cc = getenv("CC");
	char abs[4096];
	if (!realpath(file, abs)) {
		fprintf(stderr, "heapscope: %s: %s\n", file, strerror(errno));
		return false;
	}
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		char out[96], src[96], log[96], inc[96];
		snprintf(out, sizeof out, "%s/runner", s->dir);
		snprintf(src, sizeof src, "%s/runner.c", s->dir);
		snprintf(log, sizeof log, "%s/cc.log", s->dir);
		snprintf(inc, sizeof inc, "-I%s", s->dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp(cc && *cc ? cc : "cc", "cc", "-O2", "-g", "-std=gnu11", inc, "-o", out, src, abs, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	char log[96], line[512];
	snprintf(log, sizeof log, "%s/cc.log", s->dir);
	FILE *f = fopen(log, "r");
	fprintf(stderr, "heapscope: %s does not compile:\n", file);
	while (f && fgets(line, sizeof line, f))
		fputs(line, stderr);
	if (f)
		fclose(f);
	return false;
}

student *student_open(const char *file, int limit_ms, int *status)
{
	student *s = xcalloc(1, sizeof *s);
	s->pid = -1;
	s->limit_ms = limit_ms;
	snprintf(s->name, sizeof s->name, "%s", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	snprintf(s->dir, sizeof s->dir, "/tmp/heapscope-mm-XXXXXX");
	*status = 1;
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "heapscope: cannot make a folder to compile %s in: %s\n", file, strerror(errno));
		free(s);
		return NULL;
	}
	if (!write_file(s->dir, "mm.h", mm_h) || !write_file(s->dir, "memlib.h", memlib_h) ||
	    !write_file(s->dir, "runner.c", runner_c) || !build(s, file)) {
		remove_dir(s->dir);
		free(s);
		return NULL;
	}
	*status = 0;
	return s;
}

/* Start a fresh child (one per trace, and after a crash), on this CPU. */
static bool spawn(student *s)
{
	if (!s->pinned && sched_getaffinity(0, sizeof s->cpus, &s->cpus) == 0) {
		int cpu = sched_getcpu();
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu >= 0 ? cpu : 0, &one);
		s->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
	}
	int rq[2], rs[2];
	if (pipe(rq) || pipe(rs))
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* requests on 3, answers on 4; its own output goes to stderr */
		dup2(rq[0], 3);
		dup2(rs[1], 4);
		dup2(2, 1);
		for (int fd = 5; fd < 64; fd++)
			close(fd);
		char path[96];
		snprintf(path, sizeof path, "%s/runner", s->dir);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(rq[0]);
	close(rs[1]);
	s->pid = pid;
	s->req = rq[1];
	s->resp = rs[0];
	return true;
}

static void reap(student *s)
{
	if (s->pid <= 0)
		return;
	close(s->req);
	close(s->resp);
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->pid = -1;
}

/* Send one request and read its answer line (or learn how the child died). */
static int ask(student *s, const char *req, char *ans, size_t cap, char *why, size_t whylen, const char *what)
{
	if (s->pid <= 0 && !spawn(s)) {
		snprintf(why, whylen, "cannot start the allocator's process");
		return -1;
	}
	size_t n = strlen(req);
	signal(SIGPIPE, SIG_IGN);
	if (write(s->req, req, n) != (ssize_t)n) {
		snprintf(why, whylen, "the allocator's process is gone");
		reap(s);
		return -1;
	}
	size_t got = 0;
	while (got < cap - 1 && !memchr(ans, '\n', got)) {
		struct pollfd p = {.fd = s->resp, .events = POLLIN};
		int r = poll(&p, 1, s->limit_ms);
		if (r == 0) {
			snprintf(why, whylen, "%s took longer than %d ms: likely an infinite loop; it was stopped", what,
				 s->limit_ms);
			reap(s);
			return -1;
		}
		ssize_t k = r > 0 ? read(s->resp, ans + got, cap - 1 - got) : -1;
		if (k <= 0) {
			int st = 0;
			waitpid(s->pid, &st, 0);
			s->pid = -1;
			close(s->req);
			close(s->resp);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 90)
				snprintf(why, whylen, "the heap could not be mapped at 0x%llx", (unsigned long long)HEAP_AT);
			else
				snprintf(why, whylen, "the allocator's process ended (%s %d)",
					 WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			return -1;
		}
		got += (size_t)k;
	}
	ans[got] = 0;
	if (!strncmp(ans, "crash ", 6)) {
		int sig = 0;
		char addr[40] = "", fn[40] = "";
		sscanf(ans + 6, "%d %39s %39s", &sig, addr, fn);
		const char *abbrev = sigabbrev_np(sig);
		snprintf(why, whylen, "%s crashed with SIG%s at %s during %s", fn, abbrev ? abbrev : "NAL", addr, what);
		reap(s);
		return -1;
	}
	if (!strncmp(ans, "bad ", 4)) {
		snprintf(why, whylen, "%.*s (%s)", (int)strcspn(ans + 4, "\n"), ans + 4, what);
		return -1;
	}
	return 0;
}

bool student_start(student *s, char *why, size_t whylen)
{
	reap(s);
	char ans[160];
	return ask(s, "i\n", ans, sizeof ans, why, whylen, "mm_init") == 0;
}

bool student_op(student *s, char op, uint64_t ptr, uint64_t size, uint64_t old, int pattern, uint64_t *ret,
		uint64_t *lo, uint64_t *brk, char *why, size_t whylen, const char *what)
{
	char req[128], ans[160];
	snprintf(req, sizeof req, "%c %llx %llu %llu %d\n", op, (unsigned long long)ptr, (unsigned long long)size,
		 (unsigned long long)old, pattern);
	if (ask(s, req, ans, sizeof ans, why, whylen, what) != 0)
		return false;
	unsigned long long r = 0, l = 0, b = 0;
	sscanf(ans, "ok %llx %llx %llx", &r, &l, &b);
	*ret = r;
	*lo = l;
	*brk = b;
	return true;
}

const char *student_name(const student *s)
{
	return s->name;
}

void student_close(student *s)
{
	if (!s)
		return;
	reap(s);
	if (s->pinned)
		sched_setaffinity(0, sizeof s->cpus, &s->cpus);
	remove_dir(s->dir);
	free(s);
}
