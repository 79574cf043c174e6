# glibc's checks, one scene each (reset between), with the narration of each
# abort: the message, what it guards against, and that a program would stop.
p = malloc(24)
free(p)
free(p)
reset
p = malloc(24)
free(p + 8)
reset
p = malloc(24)
*(p - 8) = 0x11
free(p)
reset
tunable tcache_count 0
a = malloc(0x18)
free(a)
free(a)
reset
p = malloc(0x18)
free(p + 0x20)
reset
tunable tcache_count 0
a = malloc(0x88)
g = malloc(0x18)
free(a)
free(a)
reset
tunable tcache_count 0
a = malloc(0x18)
*(a + 0x18) = 0
free(a)
reset
tunable tcache_count 0
a = malloc(0x88)
g = malloc(0x18)
*(a + 0x88) = 1
free(a)
reset
tunable tcache_count 0
a = malloc(0x18)
b = malloc(0x18)
free(a)
*(a - 8) = 0x41
c = malloc(0x18)
reset
a = malloc(0x18)
b = malloc(0x18)
free(a)
free(b)
*(b) = (b >> 12) ^ (a + 8)
c = malloc(0x18)
d = malloc(0x18)
reset
p = malloc(0x18)
*(p + 0x18) = 0x7ffffffffff1
q = malloc(0x500)
reset
free(0x4141414141414140)
reset
m = malloc(200000)
*(m - 8) = 0x31012
free(m)
reset
tunable tcache_count 0
a = malloc(0x418)
g = malloc(0x18)
free(a)
*(a - 8) = 0x11
b = malloc(0x18)
reset
a = malloc(0x18)
b = malloc(0x18)
free(a)
free(b)
*(b) = (b >> 12) ^ (a + 8)
free(a)
reset
tunable tcache_count 0
a = malloc(0x88)
b = malloc(0x88)
g = malloc(0x18)
free(a)
*(a - 8) = 0xa1
free(b)
reset
tunable tcache_count 0
a = malloc(0x88)
b = malloc(0x88)
g = malloc(0x18)
free(a)
*(a) = b - 0x10
free(b)
reset
tunable tcache_count 0
a = malloc(0x88)
g = malloc(0x18)
free(a)
big = malloc(0x200)
*(a + 8) = g - 0x10
c = malloc(0x88)
reset
tunable tcache_count 0
a = malloc(0x418)
g = malloc(0x18)
free(a)
*(a + 8) = g - 0x10
c = malloc(0x18)
reset
tunable tcache_count 0
a = malloc(0x418)
g = malloc(0x18)
free(a)
*(a + 0x410) = 0x100
c = malloc(0x18)
reset
tunable tcache_count 0
a = malloc(0x418)
g = malloc(0x18)
free(a)
*(a + 0x418) = 1
c = malloc(0x18)
reset
tunable tcache_count 0
a = malloc(0x18)
g = malloc(0x18)
free(a)
*(a - 8) = 0x31
big = malloc(0x500)
reset
p = malloc(0x18)
*(p - 8) = 0x10
p = realloc(p, 0x100)
reset
p = malloc(0x18)
g = malloc(0x18)
*(p + 0x18) = 1
p = realloc(p, 0x100)
