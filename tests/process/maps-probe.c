/*
 * maps-probe.c - a minimal dynamically linked PIE, as heapscope models its
 * process: it makes the allocations named on its command line (sizes in
 * bytes, in order), then copies its own /proc/self/maps to stdout with
 * read() and write() only, so that nothing else touches the heap or the
 * mmap area.  An argument tN sets mallopt(M_MMAP_THRESHOLD, N) instead;
 * mN maps N bytes of anonymous memory itself and writes its first byte,
 * pOFF:LEN:PROT mprotects and uOFF:LEN munmaps a range of the last one.
 * Threads: cN has main create thread N (it waits on a semaphore), wN:SIZE
 * makes thread N malloc SIZE, xN makes it return and main join it.
 * tests/process/run.sh runs it under setarch -R.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static sem_t go[16], done[16];
static size_t want[16];
static int quit[16];

static void *worker(void *arg)
{
	long n = (long)arg;
	for (;;) {
		sem_wait(&go[n]);
		if (quit[n])
			return NULL;
		if (!malloc(want[n]))
			return NULL;
		sem_post(&done[n]);
	}
}

int main(int argc, char **argv)
{
	pthread_t th[16];
	for (int i = 0; i < 16; i++) {
		sem_init(&go[i], 0, 0);
		sem_init(&done[i], 0, 0);
	}
	char *last = NULL, *end;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i] + 1;
		unsigned long off = strtoul(a, &end, 0), len = *end == ':' ? strtoul(end + 1, &end, 0) : 0;
		int prot = *end == ':' ? (int)strtol(end + 1, NULL, 0) : 0;
		if (argv[i][0] == 't')
			mallopt(M_MMAP_THRESHOLD, (int)off);
		else if (argv[i][0] == 'c') {
			quit[off & 15] = 0;
			if (pthread_create(&th[off & 15], NULL, worker, (void *)(off & 15)))
				return 1;
		} else if (argv[i][0] == 'w') {
			want[off & 15] = len;
			sem_post(&go[off & 15]);
			sem_wait(&done[off & 15]);
		} else if (argv[i][0] == 'x') {
			quit[off & 15] = 1;
			sem_post(&go[off & 15]);
			pthread_join(th[off & 15], NULL);
		}
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
