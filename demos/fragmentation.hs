# fragmentation.hs - free every other chunk: the holes cannot serve a larger request.
title "Fragmentation"
tunable tcache_count 0
tunable mxfast 0
h1 = malloc(0x100)
h2 = malloc(0x100)
h3 = malloc(0x100)
h4 = malloc(0x100)
h5 = malloc(0x100)
h6 = malloc(0x100)
free(h1)
free(h3)
free(h5)
pause "Three free 0x110 holes, separated by chunks in use: none merge"
stats
big = malloc(0x300)
pause "0x310 does not fit any hole: it comes from top although 0x330 bytes are free"
