# double-free.hs - the checks glibc runs on free(), and their messages.
p = malloc(40)
free(p)
free(p)              # free(): double free detected in tcache 2
q = malloc(64)
free(q + 16)         # free(): invalid pointer (not a chunk start)
r = malloc(24)
*(r - 8) = 0x11      # overwrite r's size field: now it claims 0x10
free(r)              # free(): invalid size
