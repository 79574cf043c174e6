# The stack: frames, locals and alloca, growth on a touch below the mapping,
# and the overflow past RLIMIT_STACK.
bt
call main_loop 64
local buf[100]
*(buf) = 0x4141
call parse 200000
bt
maps
*(buf - 200000) = 1
ret
ret
bt
ulimit -s 1024
call recurse 2000000
