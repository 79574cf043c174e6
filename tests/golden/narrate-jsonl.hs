# The narration as a "why" array in JSON lines.
p = malloc(10)
free(p)
free(p)
