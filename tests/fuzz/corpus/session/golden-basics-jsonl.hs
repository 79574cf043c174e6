# The first allocations of a process: the tcache struct, then user chunks.
p = malloc(24);
q = malloc(0x100)
r = calloc(4, 8);
free(p);
free(q);
malloc 24            # short form: the result gets an automatic name
q = realloc(r, 200);
big = malloc(200000);  // above the mmap threshold: its own mmap
free(big);
malloc_trim(0);
