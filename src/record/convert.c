/*
 * convert.c - turns a recorder log (preload.c's NAME.PID.log) into a
 * heapscope script: header comments (program, arguments, heap start, mmap
 * base, calls before main), the directives that make the replay start
 * where the real run did (heap_start, mmap_base, stdout, tunables), then
 * one statement per call, each with the recorded result as a comment
 * `// => ret=0x... size=0x... brk=0x...` that `heapscope --verify` checks.
 *
 * Conversions (exact in glibc 2.36): free(NULL) and malloc_usable_size
 * become comments, realloc(NULL, n) becomes malloc(n), reallocarray is
 * realloc of the product.  Every block the program holds is a variable
 * v1, v2, ... for as long as it lives; a pointer the program frees but
 * never got is written as a number.
 *
 * Threads: the K-th pthread_create becomes `thread_create N` in the
 * creating thread (with its dtv calloc's result, or none when a cached
 * stack brought its own), N the lowest thread number free then (1..63);
 * a call from another thread than the previous one gets a `tN: ` prefix;
 * a thread's exit becomes `thread_exit N unjoined` and its pthread_join
 * (or a pthread_detach after it) `thread_join N` in the joining thread:
 * N stays taken in between, and only the join gives the stack to the
 * cache.  A detached thread's exit is `thread_exit N`, joined at once.
 * After an exit the model runs main.  glibc frees a joined thread's dtv
 * itself when the stack cache overflows, and so does the model: such
 * frees are comments here.
 */
#include "record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapscope/alloc.h"
#include "heapscope/xalloc.h"

/* pointer -> variable number, open addressing; 0 marks an empty slot */
typedef struct ptrmap {
	uint64_t *key;
	uint32_t *val;
	size_t cap, n;
} ptrmap;

static size_t slot(const ptrmap *m, uint64_t k)
{
	size_t i = (size_t)((k >> 4) * 0x9e3779b97f4a7c15ull) & (m->cap - 1);
	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void map_put(ptrmap *m, uint64_t k, uint32_t v)
{
	if (2 * (m->n + 1) > m->cap) {
		ptrmap g = {xcalloc(m->cap ? 2 * m->cap : 1024, 8), xcalloc(m->cap ? 2 * m->cap : 1024, 4),
			    m->cap ? 2 * m->cap : 1024, 0};
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i] && m->val[i])
				map_put(&g, m->key[i], m->val[i]);
		free(m->key);
		free(m->val);
		*m = g;
	}
	size_t i = slot(m, k);
	if (!m->key[i])
		m->n++;
	m->key[i] = k;
	m->val[i] = v;
}

/* The variable holding k, or 0; a removed entry keeps its key with value 0. */
static uint32_t map_get(const ptrmap *m, uint64_t k)
{
	return m->cap && k ? m->val[slot(m, k)] : 0;
}

static void map_del(ptrmap *m, uint64_t k)
{
	if (m->cap && k)
		m->val[slot(m, k)] = 0;
}

/* mallopt's parameter number as heapscope names it (M_MXFAST...), or NULL */
static const char *mallopt_name(long p)
{
	const char *name;
	for (unsigned i = 0; (name = alloc_mallopt_name_at(i)); i++) {
		int num;
		if (alloc_mallopt_find(name, &num) && num == p)
			return name;
	}
	return NULL;
}

/* GLIBC_TUNABLES=glibc.malloc.NAME=V:... and the MALLOC_*_ aliases as
 * tunable lines; what heapscope does not model stays a comment. */
static void tunables(FILE *out, const char *env)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = {{"MALLOC_TOP_PAD_", "top_pad"},
		       {"MALLOC_PERTURB_", "perturb"},
		       {"MALLOC_MMAP_THRESHOLD_", "mmap_threshold"},
		       {"MALLOC_TRIM_THRESHOLD_", "trim_threshold"},
		       {"MALLOC_MMAP_MAX_", "mmap_max"}};
	const char *eq = strchr(env, '=');
	if (!eq)
		return;
	if (!strncmp(env, "GLIBC_TUNABLES=", 15)) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", eq + 1);
		for (char *save = NULL, *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
			char *v = strchr(t, '=');
			char name[64] = "";
			if (v && (size_t)(v - t) < sizeof name + 13 && !strncmp(t, "glibc.malloc.", 13))
				snprintf(name, sizeof name, "%.*s", (int)(v - t - 13), t + 13);
			if (*name && alloc_tunable_find(name) >= 0)
				fprintf(out, "tunable %.*s %s\n", (int)(v - t - 13), t + 13, v + 1);
			else
				fprintf(out, "# not modelled: GLIBC_TUNABLES %s\n", t);
		}
		return;
	}
	for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
		if (!strncmp(env, aliases[i].alias, (size_t)(eq - env)) && strlen(aliases[i].alias) == (size_t)(eq - env)) {
			fprintf(out, "tunable %s %s\n", aliases[i].name, eq + 1);
			return;
		}
	fprintf(out, "# not modelled: %s\n", env);
}

typedef struct call {
	char op;
	uint64_t tid, arg[3], ret, size, prev, brk;
	int nargs;
} call;

/* Parse "OP TID ARG... = RET SIZE PREV BRK"; false for a torn last line. */
static bool parse_call(const char *l, call *c)
{
	c->op = l[0];
	c->nargs = 0;
	char *end;
	const char *p = l + 1;
	c->tid = strtoull(p, &end, 16);
	if (end == p)
		return false;
	p = end;
	while (*p == ' ' && p[1] != '=' && c->nargs < 3) {
		c->arg[c->nargs++] = strtoull(p, &end, 16);
		if (end == p)
			return false;
		p = end;
	}
	if (strncmp(p, " =", 2))
		return false;
	p += 2;
	uint64_t *r[4] = {&c->ret, &c->size, &c->prev, &c->brk};
	for (int i = 0; i < 4; i++) {
		*r[i] = strtoull(p, &end, 16);
		if (end == p)
			return false;
		p = end;
	}
	return true;
}

int record_convert(const char *logpath, const char *outpath, char *err, size_t errlen)
{
	FILE *in = fopen(logpath, "r");
	if (!in) {
		snprintf(err, errlen, "%s: %s", logpath, strerror(errno));
		return -1;
	}
	/* first pass: the header and the calls before main */
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	char exe[4096] = "", args[4096] = "", out_mode[16] = "";
	uint64_t heap = 0, mbase = 0, before_main = 0, calls = 0, pid_main = 0, forked = 0;
	bool seen_main = false;
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (line[0] == 'H' && line[1] == ' ') {
			const char *v = strchr(line + 2, ' ');
			v = v ? v + 1 : "";
			if (!strncmp(line + 2, "exe ", 4))
				snprintf(exe, sizeof exe, "%s", v);
			else if (!strncmp(line + 2, "arg ", 4) && strlen(args) + strlen(v) + 2 < sizeof args)
				strcat(strcat(args, *args ? " " : ""), v);
			else if (!strncmp(line + 2, "heap_start ", 11) && !heap)
				heap = strtoull(v, NULL, 16);
			else if (!strncmp(line + 2, "mmap_base ", 10) && !mbase)
				mbase = strtoull(v, NULL, 16);
			else if (!strncmp(line + 2, "stdout ", 7) && !*out_mode)
				snprintf(out_mode, sizeof out_mode, "%s", v);
			else if (!strncmp(line + 2, "main", 4))
				seen_main = true;
			else if (!strncmp(line + 2, "fork_of ", 8))
				forked = strtoull(v, NULL, 16);
			continue;
		}
		call c;
		if (!parse_call(line, &c))
			continue;
		if (!pid_main)
			pid_main = c.tid;
		calls++;
		if (!seen_main)
			before_main++;
	}
	FILE *out = fopen(outpath, "w");
	if (!out) {
		snprintf(err, errlen, "%s: %s", outpath, strerror(errno));
		fclose(in);
		free(line);
		return -1;
	}
	fprintf(out, "# heapscope recording of %s\n# arguments: %s\n", exe, args);
	fprintf(out, "# heap start 0x%" PRIx64 ", mmap base 0x%" PRIx64 "; %" PRIu64 " calls, %" PRIu64
		     " of them before main%s\n",
		heap, mbase, calls, before_main, seen_main ? "" : " (main never started, or this is a child)");
	if (forked)
		fprintf(out, "# a child of process %" PRIu64 ": its calls up to the fork come first\n", forked);
	fprintf(out, "# replay and compare every result: heapscope --verify %s\n", outpath);
	fprintf(out, "heap_start 0x%" PRIx64 "\n", heap);
	if (mbase)
		fprintf(out, "mmap_base 0x%" PRIx64 "\n", mbase);
	fprintf(out, "stdout %s\n", *out_mode ? out_mode : "tty");

	/* second pass: the environment, then the calls */
	rewind(in);
	ptrmap vars = {0}, dtvs = {0};
	uint32_t nextvar = 1;
	uint64_t other_threads = 0, n = 0, untracked = 0;
	/* threads: number -> its TID (0: free), and creations under way */
	uint64_t ttid[ALLOC_MAX_THREADS] = {0}, slot_k[ALLOC_MAX_THREADS] = {0}, pend_by[ALLOC_MAX_THREADS] = {0};
	bool created[ALLOC_MAX_THREADS] = {false}, detached[ALLOC_MAX_THREADS] = {false},
	     exited[ALLOC_MAX_THREADS] = {false};
	unsigned running = 0; /* the thread the replay runs now */
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (line[0] == 'H' && !strncmp(line, "H thread_", 9)) {
			char what[16] = "";
			unsigned long long k = 0, who = 0;
			if (sscanf(line + 9, "%15s %llx %llx", what, &k, &who) != 3)
				continue;
			unsigned nn = 1;
			if (!strcmp(what, "create")) {
				/* the lowest free number; it is taken from now on */
				while (nn < ALLOC_MAX_THREADS && slot_k[nn])
					nn++;
				if (nn < ALLOC_MAX_THREADS) {
					slot_k[nn] = k;
					pend_by[nn] = who;
					created[nn] = detached[nn] = exited[nn] = false;
				}
				continue;
			}
			while (nn < ALLOC_MAX_THREADS && slot_k[nn] != k)
				nn++;
			if (nn == ALLOC_MAX_THREADS)
				continue;
			if (!strcmp(what, "start")) {
				if (!created[nn]) {
					/* no dtv call came: a cached stack; created now */
					unsigned by = 0;
					for (unsigned t = 1; t < ALLOC_MAX_THREADS; t++)
						if (ttid[t] && ttid[t] == pend_by[nn])
							by = t;
					if (by != running)
						fprintf(out, "t%u: ", by);
					running = by;
					fprintf(out, "thread_create %u\n", nn);
					created[nn] = true;
				}
				ttid[nn] = who;
			} else if (!strcmp(what, "failed")) {
				slot_k[nn] = 0;
			} else if (!strcmp(what, "exit")) {
				ttid[nn] = 0;
				if (created[nn] && !detached[nn]) {
					/* the number stays taken until the join */
					fprintf(out, "thread_exit %u unjoined\n", nn);
					exited[nn] = true;
				} else {
					if (created[nn])
						fprintf(out, "thread_exit %u\n", nn);
					slot_k[nn] = 0;
				}
				running = 0;
			} else if (!strcmp(what, "join") || !strcmp(what, "detach")) {
				if (!exited[nn]) {
					detached[nn] = true; /* it gives its stack back itself */
					continue;
				}
				unsigned by = 0;
				for (unsigned t = 1; t < ALLOC_MAX_THREADS; t++)
					if (ttid[t] && ttid[t] == who)
						by = t;
				if (by != running)
					fprintf(out, "t%u: ", by);
				running = by;
				fprintf(out, "thread_join %u\n", nn);
				slot_k[nn] = 0;
				exited[nn] = false;
			}
			continue;
		}
		if (line[0] == 'H') {
			if (!strncmp(line, "H env ", 6))
				tunables(out, line + 6);
			else if (!strcmp(line, "H main "))
				fprintf(out, "# main() starts here, after %" PRIu64 " calls\n", n);
			else if (!strncmp(line, "H fork_of ", 10)) {
				/* the child's own main thread calls from here on */
				fprintf(out, "# fork(): the child's own calls follow\n");
				pid_main = 0;
			}
			continue;
		}
		call c;
		if (!parse_call(line, &c)) {
			fprintf(out, "# an unfinished line (the program stopped while writing it)\n");
			continue;
		}
		n++;
		if (!pid_main)
			pid_main = c.tid;
		char thr[48] = "";
		unsigned tn = 0;
		/* free(NULL) and malloc_usable_size become comments: they need
		 * no thread (an exiting thread makes some after its exit line) */
		bool silent = c.op == 'U' || (c.op == 'F' && !c.arg[0]);
		if (c.tid != pid_main && !silent) {
			other_threads++;
			for (unsigned t = 1; t < ALLOC_MAX_THREADS; t++)
				if (ttid[t] == c.tid)
					tn = t;
			if (!tn) {
				/* a thread the recorder did not see start: main creates it
				 * at its first call in the replay */
				untracked++;
				for (tn = 1; tn < ALLOC_MAX_THREADS - 1 && slot_k[tn]; tn++)
					;
				ttid[tn] = c.tid;
				slot_k[tn] = UINT64_MAX;
				created[tn] = true;
			}
		}
		if (c.op == 'D') {
			/* pthread_create's dtv: the creation it belongs to */
			unsigned nn = 1;
			while (nn < ALLOC_MAX_THREADS && !(slot_k[nn] && !created[nn] && pend_by[nn] == c.tid))
				nn++;
			if (nn < ALLOC_MAX_THREADS) {
				if (tn != running)
					fprintf(out, "t%u: ", tn);
				running = tn;
				created[nn] = true;
				if (c.ret)
					map_put(&dtvs, c.ret, 1);
				fprintf(out,
					"thread_create %u %" PRIu64 " // => ret=0x%" PRIx64 " size=0x%" PRIx64 " brk=0x%" PRIx64
					"\n",
					nn, c.arg[0], c.ret, c.size, c.brk);
				continue;
			}
			c.op = 'C'; /* a calloc of the thread library's own */
		}
		if (c.op == 'F' && c.arg[0] && map_get(&dtvs, c.arg[0])) {
			map_del(&dtvs, c.arg[0]);
			fprintf(out, "// free(0x%" PRIx64 "): a joined thread's dtv, freed by the model itself\n", c.arg[0]);
			continue;
		}
		if (!silent && tn != running) {
			fprintf(out, "t%u: ", tn);
			running = tn;
		}
		uint32_t dst = 0;
		char src[32];
		uint32_t sv = c.nargs ? map_get(&vars, c.arg[0]) : 0;
		if (sv)
			snprintf(src, sizeof src, "v%u", sv);
		else
			snprintf(src, sizeof src, "0x%" PRIx64, c.nargs ? c.arg[0] : 0);
		switch (c.op) {
		case 'M':
		case 'C':
		case 'A':
		case 'L':
		case 'V':
		case 'Q':
			if (c.ret)
				dst = nextvar++;
			if (dst)
				fprintf(out, "v%u = ", dst);
			else
				fprintf(out, "_ = ");
			if (c.op == 'M')
				fprintf(out, "malloc(%" PRIu64 ")", c.arg[0]);
			else if (c.op == 'C')
				fprintf(out, "calloc(%" PRIu64 ", %" PRIu64 ")", c.arg[0], c.arg[1]);
			else if (c.op == 'V' || c.op == 'Q')
				fprintf(out, "%s(%" PRIu64 ")", c.op == 'V' ? "valloc" : "pvalloc", c.arg[0]);
			else
				fprintf(out, "%s(%" PRIu64 ", %" PRIu64 ")", c.op == 'A' ? "memalign" : "aligned_alloc",
					c.arg[0], c.arg[1]);
			break;
		case 'P':
			if (c.ret)
				dst = nextvar++;
			if (dst)
				fprintf(out, "posix_memalign(&v%u, %" PRIu64 ", %" PRIu64 ")", dst, c.arg[0], c.arg[1]);
			else
				fprintf(out, "posix_memalign(&_, %" PRIu64 ", %" PRIu64 ")", c.arg[0], c.arg[1]);
			break;
		case 'R':
			if (!c.arg[0]) { /* realloc(NULL, n) is malloc(n) */
				if (c.ret)
					dst = nextvar++;
				if (dst)
					fprintf(out, "v%u = malloc(%" PRIu64 ")", dst, c.arg[1]);
				else
					fprintf(out, "_ = malloc(%" PRIu64 ")", c.arg[1]);
				break;
			}
			if (c.ret || !c.arg[1]) /* moved, resized or freed (size 0) */
				map_del(&vars, c.arg[0]);
			if (c.ret)
				dst = sv ? sv : nextvar++;
			if (dst)
				fprintf(out, "v%u = realloc(%s, %" PRIu64 ")", dst, src, c.arg[1]);
			else if (!c.arg[1] && sv)
				fprintf(out, "v%u = realloc(%s, 0)", sv, src);
			else
				fprintf(out, "_ = realloc(%s, %" PRIu64 ")", src, c.arg[1]);
			break;
		case 'F':
			if (!c.arg[0]) {
				fprintf(out, "// free(NULL)%s\n", thr);
				continue;
			}
			map_del(&vars, c.arg[0]);
			fprintf(out, "free(%s)", src);
			break;
		case 'U':
			fprintf(out, "// malloc_usable_size(%s) = %" PRIu64 "%s\n", src, c.ret, thr);
			continue;
		case 'O': {
			const char *name = mallopt_name((long)(int64_t)c.arg[0]);
			if (name)
				fprintf(out, "mallopt(%s, %" PRId64 ")", name, (int64_t)c.arg[1]);
			else {
				fprintf(out, "# not modelled: mallopt(%" PRId64 ", %" PRId64 ") = %" PRIu64 "%s\n",
					(int64_t)c.arg[0], (int64_t)c.arg[1], c.ret, thr);
				continue;
			}
			break;
		}
		case 'T':
			fprintf(out, "malloc_trim(%" PRIu64 ")", c.arg[0]);
			break;
		default:
			fprintf(out, "# unknown call '%c'\n", c.op);
			continue;
		}
		if (dst && c.ret)
			map_put(&vars, c.ret, dst);
		if (c.op == 'O' || c.op == 'T')
			fprintf(out, " // => ret=%" PRIu64 " brk=0x%" PRIx64 "%s\n", c.ret, c.brk, thr);
		else if (c.op == 'F')
			fprintf(out, " // => brk=0x%" PRIx64 "%s\n", c.brk, thr);
		else if (c.ret && (c.size & 2)) /* mmapped: and where in its mapping it starts */
			fprintf(out, " // => ret=0x%" PRIx64 " size=0x%" PRIx64 " lead=0x%" PRIx64 " brk=0x%" PRIx64 "%s\n",
				c.ret, c.size, c.prev, c.brk, thr);
		else
			fprintf(out, " // => ret=0x%" PRIx64 " size=0x%" PRIx64 " brk=0x%" PRIx64 "%s\n", c.ret, c.size,
				c.brk, thr);
	}
	if (untracked)
		fprintf(out,
			"# %" PRIu64 " calls came from threads whose start was not recorded; main creates them at "
			"their first call in the replay\n",
			untracked);
	free(vars.key);
	free(vars.val);
	free(dtvs.key);
	free(dtvs.val);
	free(line);
	fclose(in);
	if (fclose(out) != 0) {
		snprintf(err, errlen, "%s: %s", outpath, strerror(errno));
		return -1;
	}
	return 0;
}
