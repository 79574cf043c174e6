# largebins.hs - large bins hold a range of sizes, sorted, with nextsize links.
title "Large bins"
tunable tcache_count 0
l1 = malloc(0x418)
g1 = malloc(0x18)
l2 = malloc(0x438)
g2 = malloc(0x18)
l3 = malloc(0x428)
g3 = malloc(0x18)
free(l1)
free(l2)
free(l3)
big = malloc(0x500)
pause "Sorted into large bin 0x400-0x430 and 0x440-0x470, largest first, with fd_nextsize links"
bins
x = malloc(0x420)
pause "Best fit: the smallest chunk that fits (0x430) is taken"
