# Tcache poisoning with safe-linking: the forged next pointer is
# (slot >> 12) ^ target, and the second malloc returns the target, a stack
# address, labelled by its region.
tunable tcache_count 2
a = malloc(0x18)
b = malloc(0x18)
free(a)
free(b)
target = 0x7fffffffe000
*(b) = (b >> 12) ^ target
x = malloc(0x18)
y = malloc(0x18)
