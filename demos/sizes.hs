# sizes.hs - malloc(10) gets more than 10 bytes: how a request becomes a chunk.
title "How big is a chunk?"
say "A chunk is the request + 8 bytes for the size field, rounded up to 16, never below 0x20."
a = malloc(10)
pause "malloc(10): a 0x20 chunk with 24 usable bytes; the first call also made the heap (brk 0x21000)"
malloc_usable_size(a)
b = malloc(24)
pause "malloc(24) still fits a 0x20 chunk: 24 + 8 = 32"
c = malloc(25)
pause "malloc(25) needs 0x30: 25 + 8 = 33, rounded up to 48"
d = malloc(0)
say "malloc(0) returns a minimum chunk (0x20), not NULL"
