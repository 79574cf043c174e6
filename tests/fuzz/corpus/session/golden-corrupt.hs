# Overwrite the size of the next chunk, then free: glibc notices.
tunable tcache_count 0
a = malloc(24)
b = malloc(24)
*(a + 24) = 0x11      # b's size word now says 0x10
free(b)
