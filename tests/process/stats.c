/*
 * stats.c - malloc_stats() after three threads: glibc prints each arena
 * along its ring (main, then the newest), which tests/process/stats.hs
 * must reproduce with `stats`.  Threads 1 and 2 run at the same time (two
 * arenas); after both exit, thread 3 takes the arena freed last.  Every
 * step waits for the one before it, so the run is always the same.
 */
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

static void *volatile keep[4];
static sem_t done[4], go_on[4];

static void *worker(void *x)
{
	long n = (long)x;
	static const size_t size[4] = {0, 100, 5000, 70000};
	keep[n] = malloc(size[n]);
	if (n == 3)
		free(keep[0]); /* main's chunk, into this thread's tcache */
	sem_post(&done[n]);
	sem_wait(&go_on[n]);
	return x;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		sem_init(&done[i], 0, 0);
		sem_init(&go_on[i], 0, 0);
	}
	keep[0] = malloc(10);
	for (long n = 1; n <= 3; n++) {
		pthread_create(&t[n], 0, worker, (void *)n);
		sem_wait(&done[n]);
		if (n == 2) { /* both running so far; now 1 exits, then 2 */
			sem_post(&go_on[1]);
			pthread_join(t[1], 0);
			sem_post(&go_on[2]);
			pthread_join(t[2], 0);
		}
	}
	sem_post(&go_on[3]);
	pthread_join(t[3], 0);
	malloc_stats();
	return 0;
}
