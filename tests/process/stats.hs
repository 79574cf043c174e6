# stats.hs - tests/process/stats.c's calls: `stats` prints malloc_stats()
# as the real program does, arena by arena along the ring.
a = malloc(10)
t1: b = malloc(100)
t2: c = malloc(5000)
thread_exit 1
thread_exit 2
t3: d = malloc(70000)
t3: free(a)
thread_exit 3
stats
