tunable arena_max 1
t1: a = malloc(10)
t2: b = calloc(3, 9)
t1: free(b)
thread_exit 2
t2: c = memalign(64, 100)
t5: d = realloc(a, 9000)
malloc_trim(0)
thread_create 6 20
t6: free(c)
thread_exit 6
thread_exit 1
arena 1
chunks
bins
undo
undo
redo
stats
