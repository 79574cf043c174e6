# globals.hs - the globals of tests/process/globals.c, declared the same
# way: their addresses and the heap's start must be the real program's.
int counter = 10;
int total;
static char buf[4096];
const char *msg = "hello";
char name[] = "abc";
const int answer = 42;
stdout pipe
p = malloc(10)
printf("%p %p %p %p %p %p %p %p\n", &counter, buf, &total, msg, &msg, name, &answer, p)
