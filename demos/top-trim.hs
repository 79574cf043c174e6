# top-trim.hs - top grows with brk and shrinks when it exceeds trim_threshold.
title "Top and trimming"
a = malloc(0x100)
pause "The first call made the heap: brk grew by 0x21000"
big = malloc(0x1f000)
pause "0x1f000 is below mmap_threshold (0x20000) but top is too small: brk grows again"
free(big)
pause "big bordered top: top now exceeds trim_threshold (128 KiB), so brk gives memory back"
b = malloc(0x100)
free(b)
malloc_trim(0)
pause "malloc_trim(0) shrinks top to the pad and returns free pages"
