# tcache.hs - the per-thread cache: seven chunks per size, LIFO, no merging.
title "The tcache"
say "Each size from 0x20 to 0x410 has a tcache bin of up to 7 chunks."
t1 = malloc(0x48)
t2 = malloc(0x48)
t3 = malloc(0x48)
guard = malloc(0x18)
free(t1)
free(t2)
free(t3)
pause "Three 0x50 chunks in tcache bin 0x50: t3 is at the head (last in)"
x = malloc(0x48)
pause "malloc takes the head: x is t3's chunk (LIFO), with no other bin looked at"
say "Tcache chunks stay marked in use: their neighbours do not merge with them."
