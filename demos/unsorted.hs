# unsorted.hs - a freed 0x430 chunk waits in the unsorted bin, then is split.
title "The unsorted bin and the last remainder"
tunable tcache_count 0
u = malloc(0x420)
guard = malloc(0x18)
free(u)
pause "0x430 is too big for the fastbins: it goes to the unsorted bin"
s1 = malloc(0x18)
pause "A small request: the unsorted chunk is sorted, then split; the rest is the last remainder"
s2 = malloc(0x18)
pause "The next small request splits the last remainder again"
