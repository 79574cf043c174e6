/* threads.c - a program with two waves of threads: each worker allocates
 * in its own arena, frees blocks main allocated (into its own tcache) and
 * main frees some of the workers' blocks; the first wave exits one thread
 * at a time, and the second wave takes the freed arenas and the cached
 * stacks.  Then late joins: threads that have returned but are not joined
 * yet keep their stacks out of the cache (so later threads need stacks of
 * their own, and their dtv calloc), the joins fill the cache past 40 MiB;
 * a detached thread and a thread detached after it returned give theirs
 * back at once.  The recording must replay with every result agreeing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

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

static volatile pid_t ktid;

static void *brief(void *arg)
{
	free(malloc(200 + 50 * (size_t)(long)arg));
	ktid = (pid_t)syscall(SYS_gettid);
	return NULL;
}

/* Start a thread and wait until it has returned and the kernel has
 * reaped it, without joining it. */
static pthread_t start_and_wait(long i, const pthread_attr_t *attr)
{
	pthread_t t;
	ktid = 0;
	if (pthread_create(&t, attr, brief, (void *)i) != 0)
		exit(1);
	while (!ktid)
		usleep(100);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d", (int)ktid);
	while (access(path, F_OK) == 0)
		usleep(100);
	return t;
}

static void late_joins(void)
{
	pthread_t t[6];
	for (long i = 0; i < 6; i++)
		t[i] = start_and_wait(i, NULL);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	pthread_attr_t det;
	pthread_attr_init(&det);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	start_and_wait(6, &det);
	pthread_join(start_and_wait(7, NULL), NULL);
	pthread_detach(start_and_wait(8, NULL));
	pthread_join(start_and_wait(9, NULL), NULL);
	pthread_attr_destroy(&det);
}

int main(void)
{
	void *a = malloc(10);
	wave();
	wave();
	late_joins();
	free(a);
	return 0;
}
