/* killed.c - allocates, then is killed: its recording must still hold
 * every call it made and replay them. */
#include <signal.h>
#include <stdlib.h>

int main(void)
{
	void *keep[8];
	for (int i = 0; i < 8; i++)
		keep[i] = malloc(100 * (size_t)(i + 1));
	free(keep[3]);
	raise(SIGKILL);
	return keep[0] != NULL;
}
