p = malloc(24)
free(p)
q = malloc(24)
