# smallbins.hs - chunks sorted out of the unsorted bin into small bins (FIFO).
title "Small bins"
tunable tcache_count 0
a = malloc(0x88)
g1 = malloc(0x18)
b = malloc(0x88)
g2 = malloc(0x18)
free(a)
free(b)
pause "Two 0x90 chunks in the unsorted bin"
big = malloc(0x200)
pause "A request that neither fits sorts them into small bin 0x90"
x = malloc(0x88)
pause "small bin 0x90 hands out its oldest chunk first (FIFO): x is a"
