# Threads and arenas: every address here is what a real program printed
# on this machine (glibc 2.36, setarch -R) for the same calls made by
# real threads, one at a time.
tunable arena_max 2
a = malloc(24)
# thread 1's first call: main creates it (a stack, its dtv from main's
# heap), then its first malloc makes arena 1 and its tcache there
t1: b = malloc(24)
t1: c = malloc(5000)
# a chunk of arena 1 freed by main goes to main's tcache
free(c)
# thread 2: the limit of 2 arenas is reached, so it shares one
t2: d = malloc(100)
t2: free(b)
thread_exit 2
thread_exit 1
arenas
# a new thread takes arena 1 from the free list and a cached stack
t3: e = malloc(24)
arenas
stats
