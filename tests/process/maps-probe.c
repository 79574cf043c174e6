/*
 * maps-probe.c - a minimal dynamically linked PIE, as heapscope models its
 * process: it makes the allocations named on its command line (sizes in
 * bytes, in order), then copies its own /proc/self/maps to stdout with
 * read() and write() only, so that nothing else touches the heap or the
 * mmap area.  An argument tN sets mallopt(M_MMAP_THRESHOLD, N) instead;
 * mN maps N bytes of anonymous memory itself and writes its first byte,
 * pOFF:LEN:PROT mprotects and uOFF:LEN munmaps a range of the last one.
 * tests/process/run.sh runs it under setarch -R.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *last = NULL, *end;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i] + 1;
		unsigned long off = strtoul(a, &end, 0), len = *end == ':' ? strtoul(end + 1, &end, 0) : 0;
		int prot = *end == ':' ? (int)strtol(end + 1, NULL, 0) : 0;
		if (argv[i][0] == 't')
			mallopt(M_MMAP_THRESHOLD, (int)off);
		else if (argv[i][0] == 'm') {
			last = mmap(NULL, off, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (last == MAP_FAILED)
				return 1;
			*last = 1;
		} else if (argv[i][0] == 'p') {
			if (mprotect(last + off, len, prot))
				return 1;
		} else if (argv[i][0] == 'u') {
			if (munmap(last + off, len))
				return 1;
		} else if (!malloc(strtoul(argv[i], NULL, 0)))
			return 1;
	}
	char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return 1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return 0;
}
