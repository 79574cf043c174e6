/* mm.h - the allocator heapscope runs: the malloc lab's interface.
 * mm_walk is optional: define it to show your blocks in heapscope's
 * chunk pane; call visit once per block, in address order, with the
 * block's first byte (its header), its size in bytes and whether it is
 * allocated. */
#include <stddef.h>
typedef struct { char *teamname, *name1, *id1, *name2, *id2; } team_t;
extern team_t team;
int mm_init(void);
void *mm_malloc(size_t size);
void mm_free(void *ptr);
void *mm_realloc(void *ptr, size_t size);
typedef void (*mm_visit)(void *block, size_t size, int allocated);
void mm_walk(mm_visit visit);
