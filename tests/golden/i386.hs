# i386.hs - a 32-bit process (--arch=i386): 8-byte headers, 16-byte
# alignment, the 0x190 tcache struct, and glibc's checks on 32-bit words
# (run with tests/golden/i386.args)
p = malloc(24)
q = malloc(24)
free(p)
free(p)
free(q)
r = malloc(10)
where r + 4
x = malloc(200000)
free(x)
bins
