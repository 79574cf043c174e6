# The program's own mmap, mmap_file, mprotect and munmap, checked against the
# real kernel by tests/process; here their output, narration and errors.
m = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
*(m) = 0x41
n = mmap(NULL, 3 * 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
f = mmap_file("data.bin", 3 * 4096)
mprotect(n + 4096, 4096, PROT_READ)
maps
*(n + 4096) = 1
mprotect(n + 4096, 4096, PROT_READ|PROT_WRITE)
munmap(n + 4096, 4096)
maps
x = mmap(NULL, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
y = mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0)
munmap(m + 1, 10)
mprotect(0x1000, 4096, PROT_READ)
where m
