/* walk.c - csapp.c with mm_walk: heapscope draws the blocks the
 * allocator itself reports, with no block format given. */
#include "csapp.c"

void mm_walk(mm_visit visit)
{
	for (char *bp = NEXT(heap); SIZE(HDRP(bp)) > 0; bp = NEXT(bp))
		visit(HDRP(bp), SIZE(HDRP(bp)), (int)ALLOC(HDRP(bp)));
}
