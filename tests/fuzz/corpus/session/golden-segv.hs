p = malloc(24)
*(p + 0x100000) = 1
