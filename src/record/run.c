/*
 * run.c - `heapscope record [-o DIR] [--] PROG ARGS...`: runs PROG with the
 * recorder preloaded (libheapscope-record.so, found next to heapscope, in
 * its build/ folder or in the installed library folder), waits for it, and
 * converts every log its processes left in DIR into DIR/NAME.PID.hs.
 *
 * Programs the recorder cannot see into are refused before they run: one
 * not found or not executable, a statically linked one (no PT_INTERP: no
 * dynamic loader, so LD_PRELOAD does nothing) and a setuid or setgid one
 * (the loader ignores LD_PRELOAD for them).
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heapscope/status.h"
#include "record.h"

#ifndef HS_LIBDIR
#define HS_LIBDIR "/usr/local/lib/heapscope"
#endif
#define PRELOAD "libheapscope-record.so"

/* PROG as execvp would find it, into path; false if there is none. */
static bool find_program(const char *prog, char *path, size_t cap)
{
	if (strchr(prog, '/')) {
		snprintf(path, cap, "%s", prog);
		return access(path, F_OK) == 0;
	}
	const char *dirs = getenv("PATH");
	if (!dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (const char *d = dirs; *d;) {
		size_t n = strcspn(d, ":");
		snprintf(path, cap, "%.*s%s%s", (int)n, d, n ? "/" : "", prog);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return true;
		d += n + (d[n] == ':');
	}
	return false;
}

/* Whether the ELF file at path names a program interpreter (is dynamic);
 * -1 when it is not an ELF file we can read. */
static int has_interp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	Elf64_Ehdr eh;
	int r = -1;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		if (eh.e_ident[EI_CLASS] == ELFCLASS64) {
			r = 0;
			for (unsigned i = 0; i < eh.e_phnum && i < 4096; i++) {
				Elf64_Phdr ph;
				if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != (ssize_t)sizeof ph)
					break;
				if (ph.p_type == PT_INTERP)
					r = 1;
			}
		} else {
			Elf32_Ehdr e32;
			memcpy(&e32, &eh, sizeof e32);
			r = 0;
			for (unsigned i = 0; i < e32.e_phnum && i < 4096; i++) {
				Elf32_Phdr ph;
				if (pread(fd, &ph, sizeof ph, (off_t)(e32.e_phoff + (uint64_t)i * e32.e_phentsize)) != (ssize_t)sizeof ph)
					break;
				if (ph.p_type == PT_INTERP)
					r = 1;
			}
		}
	} else if (pread(fd, &eh, 2, 0) == 2 && !memcmp(&eh, "#!", 2)) {
		r = 1; /* a script: its interpreter is what runs (and is recorded) */
	}
	close(fd);
	return r;
}

/* The recorder library: $HEAPSCOPE_PRELOAD, beside this program, in its
 * build folder, or installed. */
static bool find_preload(char *path, size_t cap)
{
	const char *env = getenv("HEAPSCOPE_PRELOAD");
	if (env && *env) {
		snprintf(path, cap, "%s", env);
		return access(path, R_OK) == 0;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		const char *where[] = {"%s/" PRELOAD, "%s/build/" PRELOAD, "%s/../lib/heapscope/" PRELOAD};
		for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
			snprintf(path, cap, where[i], self);
			if (access(path, R_OK) == 0)
				return true;
		}
	}
	snprintf(path, cap, "%s/" PRELOAD, HS_LIBDIR);
	return access(path, R_OK) == 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: heapscope record [-o DIR] [--] PROG [ARGS...]\n"
			"Runs PROG with its malloc calls recorded, and writes one script per process to DIR\n"
			"(default: heapscope-record), named PROG.PID.hs; `heapscope --verify` replays one.\n");
	return HS_EXIT_USAGE;
}

int record_main(int argc, char **argv)
{
	const char *dir = "heapscope-record";
	int i = 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 >= argc)
				return usage();
			dir = argv[++i];
		} else if (!strncmp(argv[i], "--output=", 9)) {
			dir = argv[i] + 9;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return HS_EXIT_OK;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "heapscope record: unknown option '%s'\n", argv[i]);
			return usage();
		} else {
			break;
		}
	}
	if (i >= argc)
		return usage();
	const char *prog = argv[i];
	char path[PATH_MAX], lib[PATH_MAX];
	struct stat st;
	if (!find_program(prog, path, sizeof path)) {
		fprintf(stderr, "heapscope record: %s: program not found\n", prog);
		return HS_EXIT_RECORD;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		fprintf(stderr, "heapscope record: %s: not an executable file\n", path);
		return HS_EXIT_RECORD;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		fprintf(stderr, "heapscope record: %s is setuid or setgid; the dynamic loader ignores LD_PRELOAD for it\n",
			path);
		return HS_EXIT_RECORD;
	}
	int dyn = has_interp(path);
	if (dyn == 0) {
		fprintf(stderr, "heapscope record: %s is statically linked; LD_PRELOAD cannot see its malloc\n", prog);
		return HS_EXIT_RECORD;
	}
	if (dyn < 0) {
		fprintf(stderr, "heapscope record: %s: not an ELF program heapscope can read\n", path);
		return HS_EXIT_RECORD;
	}
	if (!find_preload(lib, sizeof lib)) {
		fprintf(stderr, "heapscope record: cannot find %s (run `make`, or set HEAPSCOPE_PRELOAD)\n", PRELOAD);
		return HS_EXIT_RECORD;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "heapscope record: %s: %s\n", dir, strerror(errno));
		return HS_EXIT_OUTPUT;
	}
	char absdir[PATH_MAX];
	if (!realpath(dir, absdir)) {
		fprintf(stderr, "heapscope record: %s: %s\n", dir, strerror(errno));
		return HS_EXIT_OUTPUT;
	}
	/* logs from an earlier run in DIR would be converted again: note what
	 * is there now */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "heapscope record: cannot fork: %s\n", strerror(errno));
		return HS_EXIT_RECORD;
	}
	if (pid == 0) {
		const char *old = getenv("LD_PRELOAD");
		char pre[2 * PATH_MAX + 2];
		snprintf(pre, sizeof pre, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
		setenv("LD_PRELOAD", pre, 1);
		setenv("HEAPSCOPE_RECORD_DIR", absdir, 1);
		execv(path, argv + i);
		fprintf(stderr, "heapscope record: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	/* the program owns the terminal's signals while it runs */
	struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	int wst;
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (WIFSIGNALED(wst))
		fprintf(stderr, "heapscope record: %s was killed by signal %d; its log goes up to its last call\n", prog,
			WTERMSIG(wst));
	else if (WEXITSTATUS(wst))
		fprintf(stderr, "heapscope record: %s exited with status %d\n", prog, WEXITSTATUS(wst));
	/* every log in DIR without its script yet */
	DIR *d = opendir(absdir);
	int made = 0, status = HS_EXIT_OK;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".log"))
			continue;
		char logp[PATH_MAX + 256], hsp[PATH_MAX + 256], err[PATH_MAX + 512];
		snprintf(logp, sizeof logp, "%s/%s", absdir, de->d_name);
		snprintf(hsp, sizeof hsp, "%s/%.*s.hs", dir, (int)(n - 4), de->d_name);
		if (access(hsp, F_OK) == 0)
			continue;
		if (record_convert(logp, hsp, err, sizeof err) != 0) {
			fprintf(stderr, "heapscope record: %s\n", err);
			status = HS_EXIT_OUTPUT;
			continue;
		}
		unlink(logp);
		printf("%s\n", hsp);
		made++;
	}
	if (d)
		closedir(d);
	if (!made && status == HS_EXIT_OK)
		fprintf(stderr, "heapscope record: %s made no allocator call that reached the recorder\n", prog);
	return status;
}
