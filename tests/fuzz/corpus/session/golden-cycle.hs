# A fastbin chunk whose safe-linked fd points at itself: glibc would spin
# forever walking it; heapscope stops and says so.
tunable tcache_count 0
a = malloc(0x18)
b = malloc(0x18)
g = malloc(0x18)
free(a)
free(b)
*(b) = ((b - 16) >> 12) ^ (b - 16)
big = malloc(0x500)
stats
