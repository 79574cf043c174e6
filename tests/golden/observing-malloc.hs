# The classic experiment, as the article prints it, on a terminal and on a pipe.
title "Who allocated before my malloc?"
say "On a terminal, stdout's first output mallocs a 1024-byte buffer (st_blksize)."
printf("Before:%p", sbrk(0))
a = malloc(1000)
b = malloc(1000)
c = malloc(1000)
printf("\na=%p b=%p c=%p brk=%p\n", a, b, c, sbrk(0))
pause "a = 0x5555555596b0: after the 0x290 tcache struct and the 0x410 stdout buffer, as on real glibc 2.36"
reset
stdout pipe
say "On a pipe or a file, st_blksize is 4096: the buffer is a 0x1010 chunk."
printf("Before:%p", sbrk(0))
a = malloc(1000)
b = malloc(1000)
c = malloc(1000)
pause "a = 0x55555555a2b0 now, as `./prog | cat` prints on real glibc 2.36"
