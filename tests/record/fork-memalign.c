/* fork-memalign.c - the memalign family and a fork: the child's recording
 * must start with its parent's calls up to the fork. */
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	void *a = malloc(100), *b = malloc(5000), *c = NULL, *d = NULL;
	if (posix_memalign(&c, 256, 1000) || posix_memalign(&d, 12, 10) != 22)
		return 1;
	void *e = memalign(4096, 300), *f = valloc(100), *g = aligned_alloc(64, 640), *h = calloc(10, 30);
	free(a);
	pid_t p = fork();
	if (p == 0) {
		void *x = malloc(200);
		free(b);
		x = realloc(x, 3000);
		_exit(x ? 0 : 1);
	}
	waitpid(p, NULL, 0);
	void *big = memalign(65536, 300000);
	free(c);
	free(big);
	free(e);
	free(f);
	free(g);
	free(h);
	return 0;
}
