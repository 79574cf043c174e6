# every kind of statement once, for the fuzzer to start from
tunable tcache_count 2
p = malloc(0x18); q = calloc(4, 8)
r = realloc(q, 0x100) // a comment after code
*(p - 8) = 0x21
memset(p, 0x41, 8)
strcpy(r, "a#b \x41\n")
free(p)
hexdump (p - 16) 32 # header
mallopt(M_MMAP_THRESHOLD, 1 << 16)
x = ((p >> 12) ^ r) & ~0xf
malloc 24
realloc p1 48
free $1
bins all raw
goto 2
undo
redo
pause
theme mono
load /nonexistent/x.hs
help hexdump
