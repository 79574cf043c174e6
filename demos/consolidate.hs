# consolidate.hs - fastbin chunks merge only when malloc_consolidate runs.
title "malloc_consolidate"
tunable tcache_count 0      # no tcache: see the fastbins directly
a = malloc(0x18)
b = malloc(0x18)
c = malloc(0x18)
guard = malloc(0x18)
free(a)
free(b)
free(c)                     # three 0x20 fastbin chunks, side by side
pause "Three 0x20 chunks side by side in fastbin 0x20: fastbin chunks are never merged on free"
big = malloc(0x400)         # a large request consolidates them first
pause "A large request (0x400 or more) consolidates the fastbins: the three merge into one 0x60 chunk"
