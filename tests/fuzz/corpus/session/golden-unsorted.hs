# Fill the 0x90 tcache bin, then watch chunks go through the unsorted bin.
tunable tcache_count 1
a = malloc(0x88)
g1 = malloc(0x18)
b = malloc(0x88)
g2 = malloc(0x18)
c = malloc(0x88)
g3 = malloc(0x18)
free(a)          # tcache (one slot)
free(b)          # unsorted
free(c)          # unsorted
big = malloc(0x500)   # sorts b and c into small bin 9
bins
d = malloc(0x88)      # the tcache first
e = malloc(0x88)      # then the small bin, oldest first
