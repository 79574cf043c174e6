# Failures on a heap with a 60 GiB mapping: each rollback costs the pages
# in use, not a page table of the whole mapping.
big = malloc(0xF00000000)
p = malloc(24)
free(p)
free(p)
free(p)
free(p)
q = malloc(24)
