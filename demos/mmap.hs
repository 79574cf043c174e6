# mmap.hs - a request over 128 KiB gets its own mapping; freeing it raises the threshold.
title "mmap and the dynamic threshold"
m1 = malloc(200000)
pause "200000 bytes is at least mmap_threshold (128 KiB): its own mmap of 0x31000 bytes"
free(m1)
pause "free unmaps it at once, and mmap_threshold rises to 0x31000"
m2 = malloc(200000)
pause "The same request now comes from the heap: brk grows instead"
