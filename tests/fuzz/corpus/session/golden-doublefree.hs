a = malloc(24)
free(a)
free(a)
b = malloc(24)
