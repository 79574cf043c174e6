/*
 * student.c - a student's malloc-lab allocator (mm.c: mm_init, mm_malloc,
 * mm_free, mm_realloc over memlib's mem_sbrk) compiled with the system
 * compiler and run in a child process, one operation at a time, so that
 * nothing it does can crash or corrupt heapscope.
 *
 * The child is the student's file linked with heapscope's memlib and a
 * small runner (child/runner.c, written into a temporary folder with mm.h
 * and memlib.h and compiled there).  It reads requests on descriptor 3 and
 * answers on 4, one line each; its heap is a shared memory file that
 * heapscope maps too, so the heap's bytes need no copying.  A crash is
 * caught by its signal handler, which reports the signal, the address and
 * the mm_ function it was in; an operation that takes longer than the time
 * limit is stopped.  The runner is built without PIE so that its own image
 * never sits where the simulated heap must go.  While a
 * student's allocator runs, heapscope and its child share one CPU: each
 * operation is a round trip, and waking a process on another CPU costs
 * ten times the round trip itself.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include "heapscope/student.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heapscope/xalloc.h"

#include "student_child.h" /* runner.c, mm.h and memlib.h as strings (generated) */

#define CTL_BYTES (65536u * 4 + 65536u * sizeof(student_block))

struct student {
	cpu_set_t cpus; /* heapscope's own CPUs, given back at the end */
	bool pinned;
	char dir[64];
	pid_t pid;
	int req, resp;
	int shm; /* the shared heap's file, or -1 */
	uint8_t *map; /* heapscope's mapping of it: the heap, then the control area */
	int limit_ms;
	bool quiet;
	uint64_t heap; /* where the child maps the heap */
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

static char *saystr(const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
	char *m = xmalloc(n);
	snprintf(m, n, fmt, a, b);
	return m;
}

/* Compile file into dir/runner (a .so is linked, not compiled); false with
 * the compiler's words in *err. */
static bool build(student *s, const char *file, char **err)
{
	char *cc = getenv("CC");
	char abs[4096];
	if (!realpath(file, abs)) {
		*err = saystr("%s: %s\n", file, strerror(errno));
		return false;
	}
	size_t n = strlen(abs);
	bool so = n > 3 && !strcmp(abs + n - 3, ".so");
	char rpath[4200];
	snprintf(rpath, sizeof rpath, "-Wl,-rpath,%.*s", (int)(strrchr(abs, '/') - abs), abs);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		*err = saystr("cannot start the compiler for %s: %s\n", file, strerror(errno));
		return false;
	}
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
		const char *c = cc && *cc ? cc : "cc";
		if (so)
			execlp(c, c, "-O2", "-g", "-std=gnu11", "-no-pie", "-rdynamic", inc, "-o", out, src, abs, rpath,
			       (char *)NULL);
		else
			execlp(c, c, "-O2", "-g", "-std=gnu11", "-no-pie", inc, "-o", out, src, abs, (char *)NULL);
		fprintf(stderr, "cannot run the compiler %s: %s\n", c, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	char log[96];
	snprintf(log, sizeof log, "%s/cc.log", s->dir);
	FILE *f = fopen(log, "r");
	size_t cap = 4096, len = 0;
	char *m = xmalloc(cap);
	len = (size_t)snprintf(m, cap, "%s does not %s:\n", file, so ? "link" : "compile");
	int ch;
	while (f && (ch = getc(f)) != EOF) {
		if (len + 2 >= cap)
			m = xrealloc(m, cap *= 2);
		m[len++] = (char)ch;
	}
	m[len] = 0;
	if (f)
		fclose(f);
	*err = m;
	return false;
}

student *student_open(const char *file, int limit_ms, bool quiet, char **err)
{
	student *s = xcalloc(1, sizeof *s);
	s->quiet = quiet;
	s->pid = -1;
	s->shm = -1;
	s->limit_ms = limit_ms;
	*err = NULL;
	snprintf(s->name, sizeof s->name, "%s", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	snprintf(s->dir, sizeof s->dir, "/tmp/heapscope-mm-XXXXXX");
	if (!mkdtemp(s->dir)) {
		*err = saystr("cannot make a folder to compile %s in: %s\n", file, strerror(errno));
		free(s);
		return NULL;
	}
	if (!write_file(s->dir, "mm.h", student_mm_h) || !write_file(s->dir, "memlib.h", student_memlib_h) ||
	    !write_file(s->dir, "runner.c", student_runner_c)) {
		*err = saystr("cannot write the runner for %s in %s\n", file, s->dir);
		remove_dir(s->dir);
		free(s);
		return NULL;
	}
	if (!build(s, file, err)) {
		remove_dir(s->dir);
		free(s);
		return NULL;
	}
	return s;
}

static void unmap(student *s)
{
	if (s->map)
		munmap(s->map, STUDENT_HEAP_MAX + CTL_BYTES);
	if (s->shm >= 0)
		close(s->shm);
	s->map = NULL;
	s->shm = -1;
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

/* Start a fresh child (one per trace, and after a crash), on this CPU,
 * with a fresh shared heap. */
static bool spawn(student *s)
{
	if (!s->pinned && sched_getaffinity(0, sizeof s->cpus, &s->cpus) == 0) {
		int cpu = sched_getcpu();
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu >= 0 ? cpu : 0, &one);
		s->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
	}
	unmap(s);
	s->shm = memfd_create("heapscope-student-heap", MFD_CLOEXEC);
	if (s->shm < 0 || ftruncate(s->shm, (off_t)(STUDENT_HEAP_MAX + CTL_BYTES)) != 0)
		return false;
	s->map = mmap(NULL, STUDENT_HEAP_MAX + CTL_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, s->shm, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return false;
	}
	int rq[2], rs[2];
	if (pipe2(rq, O_CLOEXEC))
		return false;
	if (pipe2(rs, O_CLOEXEC)) {
		close(rq[0]);
		close(rq[1]);
		return false;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(rq[0]), close(rq[1]), close(rs[0]), close(rs[1]);
		return false;
	}
	if (pid == 0) {
		/* requests on 3, answers on 4, the heap on 5; its own output
		 * goes to stderr */
		int in = fcntl(rq[0], F_DUPFD, 64), out = fcntl(rs[1], F_DUPFD, 64), heap = fcntl(s->shm, F_DUPFD, 64);
		if (in < 0 || out < 0 || heap < 0)
			_exit(127);
		dup2(in, 3);
		dup2(out, 4);
		dup2(heap, 5);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			if (s->quiet)
				dup2(null, 2);
		}
		dup2(2, 1);
		for (int fd = 6; fd < 1024; fd++)
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

/* Send one request and read its answer line (or learn how the child died). */
static int ask(student *s, const char *req, char *ans, size_t cap, char *why, size_t whylen, const char *what)
{
	if (s->pid <= 0) {
		snprintf(why, whylen, "the allocator's process is not running");
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
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(why, whylen, "%s took longer than %d ms: likely an infinite loop; it was stopped", what,
				 s->limit_ms);
			reap(s);
			return -1;
		}
		ssize_t k = r > 0 ? read(s->resp, ans + got, cap - 1 - got) : -1;
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int st = 0;
			waitpid(s->pid, &st, 0);
			s->pid = -1;
			close(s->req);
			close(s->resp);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 90)
				snprintf(why, whylen,
					 "the allocator's process could not map its heap at 0x%llx, where the simulated "
					 "heap starts (its own program or libraries are there)",
					 (unsigned long long)s->heap);
			else if (WIFEXITED(st))
				snprintf(why, whylen, "the allocator's process exited with status %d during %s",
					 WEXITSTATUS(st), what);
			else
				snprintf(why, whylen, "the allocator's process was killed by signal %d during %s",
					 WTERMSIG(st), what);
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
		reap(s);
		return -1;
	}
	return 0;
}

static bool answer(const char *line, student_answer *a);

/* One request and its "ok" answer parsed; false with the reason in why. */
static bool request(student *s, const char *req, student_answer *ans, char *why, size_t whylen, const char *what)
{
	char line[200];
	if (ask(s, req, line, sizeof line, why, whylen, what) != 0)
		return false;
	if (!answer(line, ans)) {
		snprintf(why, whylen, "the allocator's process answered '%.40s'", line);
		reap(s);
		return false;
	}
	return true;
}

static bool answer(const char *line, student_answer *a)
{
	unsigned long long r = 0, l = 0, b = 0;
	unsigned nd = 0, nb = 0;
	int fl = 0;
	if (sscanf(line, "ok %llx %llx %llx %u %u %d", &r, &l, &b, &nd, &nb, &fl) != 6)
		return false;
	*a = (student_answer){.ret = r, .lo = l, .brk = b, .ndirty = nd, .nblocks = nb, .refused = fl & 1,
			      .all_dirty = fl & 2, .walk = fl & 4, .more_blocks = fl & 8};
	return true;
}

bool student_start(student *s, uint64_t heap, bool track, student_answer *ans, char *why, size_t whylen)
{
	reap(s);
	s->heap = heap;
	if (!spawn(s)) {
		snprintf(why, whylen, "cannot start the allocator's process: %s", strerror(errno));
		return false;
	}
	char req[96];
	snprintf(req, sizeof req, "i %llx %d 0 -1\n", (unsigned long long)heap, track);
	return request(s, req, ans, why, whylen, "mm_init");
}

bool student_alive(const student *s)
{
	return s->pid > 0;
}

bool student_op(student *s, char op, uint64_t ptr, uint64_t size, uint64_t old, int pattern, student_answer *ans,
		char *why, size_t whylen, const char *what)
{
	char req[128];
	snprintf(req, sizeof req, "%c %llx %llu %llu %d\n", op, (unsigned long long)ptr, (unsigned long long)size,
		 (unsigned long long)old, pattern);
	return request(s, req, ans, why, whylen, what);
}

uint8_t *student_heap(student *s)
{
	return s->map;
}

const uint32_t *student_dirty(const student *s)
{
	return (const uint32_t *)(s->map + STUDENT_HEAP_MAX);
}

const student_block *student_blocks(const student *s)
{
	return (const student_block *)(s->map + STUDENT_HEAP_MAX + 65536u * 4);
}

bool student_file_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 2 && !strcmp(name + n - 2, ".c")) || (n > 3 && !strcmp(name + n - 3, ".so"));
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
	unmap(s);
	if (s->pinned)
		sched_setaffinity(0, sizeof s->cpus, &s->cpus);
	remove_dir(s->dir);
	free(s);
}
