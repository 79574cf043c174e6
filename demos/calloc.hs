# calloc.hs - calloc skips the tcache and clears what the kernel did not.
title "calloc"
say "calloc(n, size) checks n * size for overflow, then calls _int_malloc directly: never the tcache."
t = malloc(0x28)
guard = malloc(0x18)
free(t)
pause "A 0x30 chunk waits in the tcache"
c = calloc(5, 8)
pause "calloc(5, 8) asks 40 bytes (a 0x30 chunk) but does not take the tcache's: it comes from top"
m = malloc(0x28)
pause "malloc takes the tcache's chunk"
o = calloc(4294967296, 4294967296)
pause "n * size overflows 64 bits: NULL, nothing allocated"
