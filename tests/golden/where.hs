# where: what holds an address, in every part of the address space; and
# what a stray store says when it hits memory it may not write.
p = malloc(10)
q = malloc(0x500)
g = malloc(1)
t = malloc(24)
free(q)
free(t)
where p
where p - 16
where p - 8
where q
where q + 8
where t
where 0x555555554000
where 0x555555555100
where 0x555555558008
where 0x7ffff7fa6cc0
where 0x7ffff7fc8000
where 0x7fffffffe000
where 0x1000
where 0xffff800000001000
where 0x900000000000
where 0xffffffffff600000
*(0x555555555000) = 1
*(0x7ffff7f4f000) = 5
*(0x1000) = 1
