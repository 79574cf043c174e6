/* bench-draw.c - placeholder until the TUI lands */
#include <stdio.h>
int main(void) { puts("draw: the TUI is not built yet"); return 0; }
