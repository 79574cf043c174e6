# Joins decide when a thread's stack can be reused: a thread that has
# returned keeps its stack mapped until someone joins it (pthread_join), so
# a thread created in between needs a stack of its own and main calloc's
# its dtv; after the join the next thread takes the cached stack, dtv and all.
a = malloc(24)
t1: b = malloc(40)
thread_exit 1 unjoined
t2: c = malloc(40)
t0: thread_join 1
t3: d = malloc(40)
thread_exit 2 unjoined
# the running thread joins: here thread 3 joins thread 2
t3: thread_join 2
thread_exit 3
# thread 1's number is free again after its join
t1: e = malloc(24)
thread_exit 1 unjoined
arenas
maps
# a thread that returned cannot run again before its join
t1: f = malloc(8)
