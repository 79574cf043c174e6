# malloc_trim(0) after a free chunk's size was corrupted: glibc madvises
# the bogus range; heapscope touches only the pages that are mapped, so it
# answers at once instead of walking every page of the bogus size.
a = malloc(0x1000)
guard = malloc(0x18)
free(a)
*(a - 8) = 0x7ffffffff001
malloc_trim(0)
b = malloc(0x18)
