/* threads.c - two threads allocating: their chunks come from other arenas,
 * which heapscope does not model yet (the recording says so). */
#include <pthread.h>
#include <stdlib.h>

static void *work(void *x)
{
	for (int i = 0; i < 100; i++) {
		void *volatile p = malloc(100 + (size_t)i);
		free(p);
	}
	return x;
}

int main(void)
{
	pthread_t t[2];
	void *a = malloc(10);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], 0, work, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	free(a);
	return 0;
}
