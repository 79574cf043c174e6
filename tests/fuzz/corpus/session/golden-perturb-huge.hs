# M_PERTURB fills every allocation with perturb^0xff and every free with
# perturb: a 4 GiB block is filled without 4 GiB of memory (uniform pages).
mallopt(M_PERTURB, 0x41)
p = malloc(0x100000000)
hexdump p + 0xfffffff0 16
q = calloc(1, 0x100000)
hexdump q + 0x1000 16
r = realloc(q, 0x200000)
hexdump r + 0x150000 16
free(p)
