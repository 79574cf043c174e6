# tcache-poisoning.hs - forge a safe-linked tcache pointer to get a chunk on the stack.
title "Attack: tcache poisoning"
tunable tcache_count 2
a = malloc(0x18)
b = malloc(0x18)
free(a)
free(b)
say "Safe-linking stores next as (slot >> 12) ^ next. Read b's next field and decrypt it:"
leak = *(b)
next = leak ^ (b >> 12)
next
pause "next is a: the tcache list is b -> a. Knowing the slot, anyone can forge it too"
target = 0x7fffffffe000
*(b) = (b >> 12) ^ target
x = malloc(0x18)
y = malloc(0x18)
pause "y is the target, a stack address: the technique worked"
