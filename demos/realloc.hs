# realloc.hs - realloc's cases: grow in place, shrink and split, move, mremap, size 0.
title "realloc"
r = malloc(0x100)
r = realloc(r, 0x200)
pause "r borders top: it grows in place into top"
g = malloc(0x18)
r = realloc(r, 0x80)
pause "Shrinking splits off the tail and frees it"
r = realloc(r, 0x1000)
pause "g blocks growth in place: realloc mallocs, copies and frees the old chunk"
m = malloc(300000)
m = realloc(m, 600000)
pause "An mmapped chunk grows with mremap"
r = realloc(r, 0)
pause "realloc(p, 0) frees p and returns NULL"
