# fastbins.hs - small chunks go to fastbins when their tcache bin is full.
title "Fastbins"
f1 = malloc(0x28)
f2 = malloc(0x28)
f3 = malloc(0x28)
f4 = malloc(0x28)
f5 = malloc(0x28)
f6 = malloc(0x28)
f7 = malloc(0x28)
f8 = malloc(0x28)
guard = malloc(0x18)
free(f1)
free(f2)
free(f3)
free(f4)
free(f5)
free(f6)
free(f7)
pause "Seven 0x30 chunks filled tcache bin 0x30"
free(f8)
pause "The eighth goes to fastbin 0x30 (sizes up to global_max_fast, 0x80), still marked in use"
