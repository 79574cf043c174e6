/*
 * preload.c - libheapscope-record.so, loaded into a program with
 * LD_PRELOAD by `heapscope record`: it interposes the allocator's entry
 * points, calls glibc's own, and logs every call.
 *
 * Invariants:
 *   - it never allocates: lines are formatted by hand into a stack buffer
 *     and go out with one raw write() each, so the recorded heap is the
 *     heap the program has without the recorder, and a program that
 *     crashes or is killed leaves its log up to its last call;
 *   - one lock is held around each call and its line, so that the log's
 *     order is the order in which the real allocator ran the calls;
 *   - a call made while the recorder itself is working (dlsym) goes
 *     straight to glibc and is not logged.
 *
 * The log (HEAPSCOPE_RECORD_DIR/NAME.PID.log, NAME the program's file
 * name; NAME.PID.2.log and so on after an exec in the same process) has
 * header lines `H key value` and then one line per call:
 *     OP TID ARG... = RESULT SIZEFIELD PREVSIZE BRK
 * with numbers in hex (see src/record/convert.c, which reads it).  A fork
 * child copies its parent's log up to the fork into a log of its own.
 *
 * Threads: pthread_create is interposed too.  `H thread_create K TID`
 * says thread TID starts creating the K-th thread, whose dtv calloc (made
 * inside pthread_create) is logged with op D; the new thread logs
 * `H thread_start K TID` with its own TID before it runs, and
 * `H thread_exit K TID` from a thread-specific-data destructor, which
 * glibc runs just before it empties the thread's tcache.  A successful
 * pthread_join (or tryjoin, timedjoin, clockjoin) of thread K logs
 * `H thread_join K TID` after it returns, TID the joiner's, and
 * pthread_detach (or a detached attribute at creation) logs
 * `H thread_detach K TID`: they say when its stack goes to the cache.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc's own entry points (exported by libc.so.6) */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern int __libc_mallopt(int, int);

static int logfd = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* initial-exec: the preloaded library's TLS is static, and reaching it
 * never allocates */
static __thread __attribute__((tls_model("initial-exec"))) int busy; /* inside the recorder: do not log */
static __thread __attribute__((tls_model("initial-exec"))) long tid;
static __thread __attribute__((tls_model("initial-exec"))) int creating; /* inside pthread_create */
static pthread_key_t exit_key; /* its destructor logs a thread's exit */
static bool have_exit_key;
static void exiting(void *v);
static int (*real_trim)(size_t);
static size_t (*real_usable)(void *);
static off_t fork_at; /* the parent's log size when it forked */

/* --- formatting without malloc ------------------------------------------- */

typedef struct line {
	char b[4096 + 64];
	size_t n;
} line;

static void put(line *l, const char *s)
{
	while (*s && l->n < sizeof l->b - 1)
		l->b[l->n++] = *s++;
}

static void hex(line *l, uint64_t v)
{
	char t[20];
	int k = 0;
	do
		t[k++] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	put(l, " ");
	while (k && l->n < sizeof l->b - 1)
		l->b[l->n++] = t[--k];
}

static void flush(line *l)
{
	l->b[l->n++] = '\n';
	size_t off = 0;
	while (off < l->n) {
		ssize_t w = write(logfd, l->b + off, l->n - off);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		off += (size_t)w;
	}
}

/* --- the log --------------------------------------------------------------- */

static void header(const char *key, const char *value)
{
	line l = {.n = 0};
	put(&l, "H ");
	put(&l, key);
	put(&l, " ");
	put(&l, value);
	flush(&l);
}

static void header_hex(const char *key, uint64_t v)
{
	line l = {.n = 0};
	put(&l, "H ");
	put(&l, key);
	hex(&l, v);
	flush(&l);
}

/* Read a small file into buf (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	if (fd < 0)
		return 0;
	ssize_t k;
	while (n < cap - 1 && (k = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	buf[n] = 0;
	return n;
}

/* Open DIR/NAME.PID[.K].log, the first that does not exist. */
static int open_log(const char *dir, const char *name, long pid)
{
	for (int k = 1; k < 100; k++) {
		line p = {.n = 0};
		put(&p, dir);
		put(&p, "/");
		put(&p, name);
		put(&p, ".");
		char num[24];
		int d = 0;
		long v = pid;
		do
			num[d++] = (char)('0' + v % 10);
		while (v /= 10);
		while (d)
			p.b[p.n++] = num[--d];
		if (k > 1) {
			put(&p, ".");
			p.b[p.n++] = (char)('0' + k / 10 % 10);
			p.b[p.n++] = (char)('0' + k % 10);
		}
		put(&p, ".log");
		p.b[p.n] = 0;
		int fd = open(p.b, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			/* out of the way of the descriptors the program uses */
			int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
			if (high >= 0) {
				close(fd);
				fd = high;
			}
			return fd;
		}
		if (errno != EEXIST)
			return fd;
	}
	return -1;
}

/* The program's file name, its arguments, where its heap and mmap area
 * start, its allocator environment and where stdout goes. */
static void describe(void)
{
	static char buf[65536];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	header("exe", buf);
	size_t len = slurp("/proc/self/cmdline", buf, sizeof buf);
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		header("arg", buf + i);
	header_hex("heap_start", (uint64_t)(uintptr_t)sbrk(0));
	/* the mmap base: where ld.so's last mapping ends */
	len = slurp("/proc/self/maps", buf, sizeof buf);
	uint64_t base = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (strstr(l, "/ld-linux")) {
			uint64_t end = strtoull(strchr(l, '-') + 1, NULL, 16);
			if (end > base)
				base = end;
		}
		if (nl)
			*nl = '\n';
	}
	header_hex("mmap_base", base);
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, "GLIBC_TUNABLES=", 15) || !strncmp(*e, "MALLOC_", 7))
			header("env", *e);
	struct stat st;
	const char *out = "tty";
	if (!isatty(1))
		out = fstat(1, &st) == 0 && S_ISREG(st.st_mode) ? "file" : "pipe";
	header("stdout", out);
}

static void start_log(void)
{
	const char *dir = getenv("HEAPSCOPE_RECORD_DIR");
	if (!dir)
		return;
	static char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	const char *name = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	logfd = open_log(dir, *name ? name : "program", (long)getpid());
	if (logfd >= 0)
		describe();
}

/* Called with the lock held: the log is open (or recording is off). */
static bool ready(void)
{
	if (logfd == -1 && getenv("HEAPSCOPE_RECORD_DIR")) {
		logfd = -2; /* opening: a call from inside does not recurse */
		start_log();
	}
	if (!tid)
		tid = syscall(SYS_gettid);
	return logfd >= 0;
}

static void fork_prepare(void)
{
	pthread_mutex_lock(&lock);
	fork_at = logfd >= 0 ? lseek(logfd, 0, SEEK_END) : 0;
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/* The child's log starts with its parent's calls up to the fork. */
static void fork_child(void)
{
	tid = 0;
	int parent = logfd;
	const char *dir = getenv("HEAPSCOPE_RECORD_DIR");
	if (parent >= 0 && dir) {
		static char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = 0;
		const char *name = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
		logfd = open_log(dir, name, (long)getpid());
		static char buf[65536];
		for (off_t at = 0; logfd >= 0 && at < fork_at;) {
			size_t want = (size_t)(fork_at - at) < sizeof buf ? (size_t)(fork_at - at) : sizeof buf;
			ssize_t k = pread(parent, buf, want, at);
			if (k <= 0 || write(logfd, buf, (size_t)k) != k)
				break;
			at += k;
		}
		close(parent);
		header_hex("fork_of", (uint64_t)getppid());
	}
	pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void record_init(void)
{
	busy++;
	real_trim = (int (*)(size_t))dlsym(RTLD_NEXT, "malloc_trim");
	real_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	have_exit_key = pthread_key_create(&exit_key, exiting) == 0;
	busy--;
	pthread_mutex_lock(&lock);
	ready();
	pthread_mutex_unlock(&lock);
}

/* One line: OP TID ARGS... = RESULT SIZEFIELD PREVSIZE BRK. */
static void entry(char op, int nargs, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t ret, const void *block)
{
	line l = {.n = 0};
	l.b[l.n++] = op;
	hex(&l, (uint64_t)tid);
	uint64_t args[3] = {a0, a1, a2};
	for (int i = 0; i < nargs; i++)
		hex(&l, args[i]);
	put(&l, " =");
	hex(&l, ret);
	hex(&l, block ? ((const uint64_t *)block)[-1] : 0);
	hex(&l, block ? ((const uint64_t *)block)[-2] : 0); /* an mmapped chunk's offset in its mapping */
	hex(&l, (uint64_t)(uintptr_t)sbrk(0));
	flush(&l);
}

#define ENTER()                                 \
	bool logged = !busy;                    \
	if (logged) {                           \
		pthread_mutex_lock(&lock);      \
		busy++;                         \
		logged = ready();               \
		busy--;                         \
		if (!logged)                    \
			pthread_mutex_unlock(&lock); \
	}
#define LEAVE(op, nargs, a0, a1, a2, ret, block)                     \
	if (logged) {                                                 \
		entry(op, nargs, a0, a1, a2, (uint64_t)(ret), block); \
		pthread_mutex_unlock(&lock);                          \
	}

void *malloc(size_t n)
{
	ENTER();
	void *p = __libc_malloc(n);
	LEAVE('M', 1, n, 0, 0, (uintptr_t)p, p);
	return p;
}

void free(void *p)
{
	ENTER();
	__libc_free(p);
	LEAVE('F', 1, (uintptr_t)p, 0, 0, 0, NULL);
}

void *calloc(size_t n, size_t m)
{
	ENTER();
	void *p = __libc_calloc(n, m);
	LEAVE(creating ? 'D' : 'C', 2, n, m, 0, (uintptr_t)p, p);
	return p;
}

void *realloc(void *old, size_t n)
{
	ENTER();
	void *p = __libc_realloc(old, n);
	LEAVE('R', 2, (uintptr_t)old, n, 0, (uintptr_t)p, p);
	return p;
}

void *reallocarray(void *old, size_t n, size_t m)
{
	/* glibc checks the product, then is realloc */
	size_t bytes;
	if (__builtin_mul_overflow(n, m, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	ENTER();
	void *p = __libc_realloc(old, bytes);
	LEAVE('R', 2, (uintptr_t)old, bytes, 0, (uintptr_t)p, p);
	return p;
}

void *memalign(size_t al, size_t n)
{
	ENTER();
	void *p = __libc_memalign(al, n);
	LEAVE('A', 2, al, n, 0, (uintptr_t)p, p);
	return p;
}

void *aligned_alloc(size_t al, size_t n)
{
	ENTER();
	void *p = __libc_memalign(al, n); /* the same function in glibc 2.36 */
	LEAVE('L', 2, al, n, 0, (uintptr_t)p, p);
	return p;
}

int posix_memalign(void **out, size_t al, size_t n)
{
	/* glibc's own checks, then memalign */
	if (al % sizeof(void *) != 0 || (al / sizeof(void *) & (al / sizeof(void *) - 1)) != 0 || al == 0) {
		ENTER();
		LEAVE('P', 3, al, n, EINVAL, 0, NULL);
		return EINVAL;
	}
	ENTER();
	void *p = __libc_memalign(al, n);
	int rc = p ? 0 : ENOMEM;
	if (p)
		*out = p;
	LEAVE('P', 3, al, n, (uint64_t)rc, (uint64_t)(uintptr_t)p, p);
	return rc;
}

void *valloc(size_t n)
{
	ENTER();
	void *p = __libc_valloc(n);
	LEAVE('V', 1, n, 0, 0, (uintptr_t)p, p);
	return p;
}

void *pvalloc(size_t n)
{
	ENTER();
	void *p = __libc_pvalloc(n);
	LEAVE('Q', 1, n, 0, 0, (uintptr_t)p, p);
	return p;
}

size_t malloc_usable_size(void *p)
{
	ENTER();
	size_t n = real_usable ? real_usable(p) : 0;
	LEAVE('U', 1, (uintptr_t)p, 0, 0, n, NULL);
	return n;
}

int mallopt(int param, int value)
{
	ENTER();
	int rc = __libc_mallopt(param, value);
	LEAVE('O', 2, (uint64_t)(int64_t)param, (uint64_t)(int64_t)value, 0, rc, NULL);
	return rc;
}

int malloc_trim(size_t pad)
{
	ENTER();
	int rc = real_trim ? real_trim(pad) : 0;
	LEAVE('T', 1, pad, 0, 0, rc, NULL);
	return rc;
}

/* --- threads ---------------------------------------------------------- */

/* what a new thread runs first: its function and argument, and which
 * creation it is (a ring: far more threads than slots would have to be
 * starting at once to reuse one too early) */
#define START_SLOTS 4096
static struct start {
	void *(*fn)(void *);
	void *arg;
	uint64_t k;
} starts[START_SLOTS];
static uint64_t ncreated;

/* `H WHAT K TID`, with the lock held */
static void thread_line(const char *what, uint64_t k)
{
	line l = {.n = 0};
	put(&l, "H ");
	put(&l, what);
	hex(&l, k);
	hex(&l, (uint64_t)tid);
	flush(&l);
}

static void thread_event(const char *what, uint64_t k)
{
	pthread_mutex_lock(&lock);
	if (ready())
		thread_line(what, k);
	pthread_mutex_unlock(&lock);
}

/* the thread-specific-data destructor: the thread is exiting */
static void exiting(void *v)
{
	thread_event("thread_exit", (uint64_t)(uintptr_t)v);
}

static void *trampoline(void *p)
{
	struct start *st = p;
	void *(*fn)(void *) = st->fn;
	void *arg = st->arg;
	uint64_t k = st->k;
	thread_event("thread_start", k);
	if (have_exit_key)
		pthread_setspecific(exit_key, (void *)(uintptr_t)k);
	return fn(arg);
}

/* pthread_t -> K for the threads created and not yet joined or detached:
 * open addressing, a slot whose k is 0 is empty; touched under the lock */
#define IDS 4096
static struct {
	pthread_t id;
	uint64_t k;
} ids[IDS];

static size_t id_slot(pthread_t id)
{
	size_t i = (size_t)(((uint64_t)id >> 4) * 0x9e3779b97f4a7c15ull) & (IDS - 1);
	for (size_t n = 0; n < IDS && ids[i].k && ids[i].id != id; n++)
		i = (i + 1) & (IDS - 1);
	return i;
}

/* the thread's K, forgotten from now on (0: not one the recorder saw) */
static uint64_t id_take(pthread_t id)
{
	size_t i = id_slot(id);
	uint64_t k = ids[i].id == id ? ids[i].k : 0;
	if (!k)
		return 0;
	ids[i].k = 0;
	/* re-insert the rest of the cluster so that probing still finds it */
	for (size_t j = (i + 1) & (IDS - 1); ids[j].k; j = (j + 1) & (IDS - 1)) {
		pthread_t jid = ids[j].id;
		uint64_t jk = ids[j].k;
		ids[j].k = 0;
		size_t to = id_slot(jid);
		ids[to].id = jid;
		ids[to].k = jk;
	}
	return k;
}

/* `H WHAT K TID` for the thread id, which leaves the table */
static void thread_done(const char *what, pthread_t id)
{
	pthread_mutex_lock(&lock);
	uint64_t k = id_take(id);
	if (k && ready())
		thread_line(what, k);
	pthread_mutex_unlock(&lock);
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	if (!real) {
		busy++;
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(RTLD_NEXT,
												    "pthread_create");
		busy--;
		if (!real)
			return EAGAIN;
	}
	pthread_mutex_lock(&lock);
	uint64_t k = ++ncreated;
	struct start *st = &starts[k % START_SLOTS];
	st->fn = fn;
	st->arg = arg;
	st->k = k;
	if (ready())
		thread_line("thread_create", k);
	pthread_mutex_unlock(&lock);
	creating++;
	int rc = real(th, attr, trampoline, st);
	creating--;
	if (rc) {
		thread_event("thread_failed", k);
		return rc;
	}
	int detached = PTHREAD_CREATE_JOINABLE;
	if (attr)
		pthread_attr_getdetachstate(attr, &detached);
	pthread_mutex_lock(&lock);
	if (detached == PTHREAD_CREATE_DETACHED) {
		if (ready())
			thread_line("thread_detach", k);
	} else {
		size_t i = id_slot(*th);
		if (!ids[i].k || ids[i].id == *th) {
			ids[i].id = *th;
			ids[i].k = k;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* the join family and pthread_detach: the call, then its line on success */
#define JOINER(name, params, args)                                                      \
	int name params                                                                 \
	{                                                                               \
		static int(*real) params;                                               \
		if (!real) {                                                            \
			busy++;                                                         \
			real = (int(*) params)dlsym(RTLD_NEXT, #name);                  \
			busy--;                                                         \
			if (!real)                                                      \
				return ENOSYS;                                          \
		}                                                                       \
		int rc = real args;                                                     \
		if (rc == 0)                                                            \
			thread_done(strcmp(#name, "pthread_detach") ? "thread_join" : "thread_detach", th); \
		return rc;                                                              \
	}
JOINER(pthread_join, (pthread_t th, void **ret), (th, ret))
JOINER(pthread_tryjoin_np, (pthread_t th, void **ret), (th, ret))
JOINER(pthread_timedjoin_np, (pthread_t th, void **ret, const struct timespec *abstime), (th, ret, abstime))
JOINER(pthread_clockjoin_np, (pthread_t th, void **ret, clockid_t clock, const struct timespec *abstime),
       (th, ret, clock, abstime))
JOINER(pthread_detach, (pthread_t th), (th))
#undef JOINER

/* main's start: the calls before it are the C library's and constructors' */
typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;
int __libc_start_main(main_fn m, int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end);

static int marked_main(int argc, char **argv, char **envp)
{
	pthread_mutex_lock(&lock);
	if (ready())
		header("main", "");
	pthread_mutex_unlock(&lock);
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn m, int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
		(int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *))dlsym(
			RTLD_NEXT, "__libc_start_main");
	real_main = m;
	return real(marked_main, argc, argv, init, fini, rtld_fini, stack_end);
}
