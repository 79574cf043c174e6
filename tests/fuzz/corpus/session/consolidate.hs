# consolidate.hs - fastbin chunks merge only when malloc_consolidate runs.
tunable tcache_count 0      # no tcache: see the fastbins directly
a = malloc(0x18)
b = malloc(0x18)
c = malloc(0x18)
guard = malloc(0x18)
free(a)
free(b)
free(c)                     # three 0x20 fastbin chunks, side by side
pause
big = malloc(0x400)         # a large request consolidates them first
