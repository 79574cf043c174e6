# The segregated allocator (--allocator=segregated) on the same script as the other
# designs: its blocks, its free lists, its checker after every call.
a = malloc(24)
b = malloc(100)
c = malloc(40)
d = malloc(300)
free(b)
e = malloc(50)
free(c)
free(a)
f = malloc(5000)
g = realloc(d, 600)
h = calloc(4, 8)
