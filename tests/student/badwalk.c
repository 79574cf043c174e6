/* badwalk.c - csapp.c with an mm_walk that reports every block as free:
 * heapscope's check must notice that live payloads sit in "free" blocks. */
#include "csapp.c"

void mm_walk(mm_visit visit)
{
	for (char *bp = NEXT(heap); SIZE(HDRP(bp)) > 0; bp = NEXT(bp))
		visit(HDRP(bp), SIZE(HDRP(bp)), 0);
}
