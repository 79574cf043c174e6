/*
 * maps-probe.c - a minimal dynamically linked PIE, as heapscope models its
 * process: it makes the allocations named on its command line (sizes in
 * bytes, in order), then copies its own /proc/self/maps to stdout with
 * read() and write() only, so that nothing else touches the heap or the
 * mmap area.  An argument tN sets mallopt(M_MMAP_THRESHOLD, N) instead.
 * tests/process/run.sh runs it under setarch -R.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == 't')
			mallopt(M_MMAP_THRESHOLD, (int)strtol(argv[i] + 1, NULL, 0));
		else if (!malloc(strtoul(argv[i], NULL, 0)))
			return 1;
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
