# tcache-house-of-spirit.hs - attack: free a fake chunk, then malloc returns it.
title "Attack: tcache house of spirit"
p = malloc(0x18)
say "Forge a chunk header on the stack: only its size (0x40) matters to the tcache."
fake = 0x7fffffffe010
*(fake - 8) = 0x41
free(fake)
pause "free(fake): aligned, a plausible size, so it goes to tcache bin 0x40"
x = malloc(0x38)
pause "x is the fake chunk on the stack: the technique worked"
