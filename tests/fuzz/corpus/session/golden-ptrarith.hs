p = malloc(64)
free(p + 16)
