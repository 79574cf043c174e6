# Globals in their segments: .data, .bss, .rodata; where names them;
# a store into .rodata is a SIGSEGV naming the mapping.
int counter = 10;
static char buf[4096];
int total;
const char *msg = "hello";
char name[] = "abc";
const int answer = 42;
where &counter
where &buf
where &total
where msg
where &msg
where &name
where &answer
counter = counter + 5
where &counter
p = malloc(10)
printf("%d %s\n", counter, msg)
maps
*(msg) = 1
x = malloc(1)
int late = 1;
