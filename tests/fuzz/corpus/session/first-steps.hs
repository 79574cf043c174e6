# first-steps.hs - a five-minute tour of glibc's malloc.  Open it with
#   ./heapscope demos/first-steps.hs
# and press F8 to run one line at a time (F5 runs to the next `pause`).

# The first malloc creates the heap: brk moves by 0x21000 and the first
# chunk (0x290 bytes) is the tcache_perthread_struct.  Our 24 bytes become a
# 0x20 chunk right after it.
a = malloc(24)
b = malloc(24)
c = malloc(100)
pause

# Freed small chunks go to the tcache: a LIFO list per size, 7 entries.
free(a)
free(b)
# The next malloc of that size takes the most recently freed one (b).
d = malloc(24)
pause

# Fill a tcache bin: the eighth free of one size goes to a fastbin.
t1 = malloc(0x68)
t2 = malloc(0x68)
t3 = malloc(0x68)
t4 = malloc(0x68)
t5 = malloc(0x68)
t6 = malloc(0x68)
t7 = malloc(0x68)
t8 = malloc(0x68)
free(t1)
free(t2)
free(t3)
free(t4)
free(t5)
free(t6)
free(t7)
free(t8)        # tcache bin 0x70 is full: this one lands in a fastbin
pause

# A large request (0x400 bytes and up) first runs malloc_consolidate: the
# fastbin chunk t8 borders top, so it merges into top.
u1 = malloc(0x420)
guard = malloc(0x38)  # keeps u1 away from top
# 0x430 is too big for the tcache and the fastbins: free puts it in the
# unsorted bin, and the next request that does not fit it sorts it into
# its large bin.
free(u1)
big = malloc(0x500)
pause

# A request of 128 KiB or more that top cannot serve gets its own mmap.
m1 = malloc(200000)
free(m1)        # munmap, and the mmap threshold rises to this size
pause

# glibc checks its lists; a double free aborts the program.  heapscope
# shows glibc's own message and keeps the heap as it was.
free(d)
free(d)
