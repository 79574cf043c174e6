/* threads.c - a program with two waves of threads: each worker allocates
 * in its own arena, frees blocks main allocated (into its own tcache) and
 * main frees some of the workers' blocks; the first wave exits one thread
 * at a time, and the second wave takes the freed arenas and the cached
 * stacks.  The recording must replay with every result agreeing. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#define WORKERS 4
static void *from_main[WORKERS], *kept[WORKERS][8];
static sem_t go_exit[WORKERS];
static pthread_barrier_t all_done;

static void *work(void *arg)
{
	long w = (long)arg;
	void *tmp[32];
	for (int i = 0; i < 32; i++)
		tmp[i] = malloc(24 + (size_t)(i * 40 + w * 8) % 600);
	for (int i = 0; i < 32; i += 2)
		free(tmp[i]);
	for (int i = 0; i < 8; i++)
		kept[w][i] = malloc(100 + 300 * (size_t)i);
	if (w == 1) {
		void *q;
		if (posix_memalign(&q, 256, 1000) == 0)
			kept[w][7] = realloc(q, 3000);
	}
	free(from_main[w]); /* main's chunk into this thread's tcache */
	for (int i = 1; i < 32; i += 2)
		free(tmp[i]);
	pthread_barrier_wait(&all_done);
	sem_wait(&go_exit[w]);
	return NULL;
}

static void wave(void)
{
	pthread_t t[WORKERS];
	for (long w = 0; w < WORKERS; w++) {
		from_main[w] = malloc(40 + 16 * (size_t)w);
		sem_init(&go_exit[w], 0, 0);
	}
	pthread_barrier_init(&all_done, NULL, WORKERS);
	for (long w = 0; w < WORKERS; w++)
		pthread_create(&t[w], NULL, work, (void *)w);
	/* one at a time: each exit empties its tcache before the next */
	for (long w = 0; w < WORKERS; w++) {
		sem_post(&go_exit[w]);
		pthread_join(t[w], NULL);
	}
	pthread_barrier_destroy(&all_done);
	for (long w = 0; w < WORKERS; w++)
		for (int i = 0; i < 8; i += 3)
			free(kept[w][i]);
}

int main(void)
{
	void *a = malloc(10);
	wave();
	wave();
	free(a);
	return 0;
}
