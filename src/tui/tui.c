/* tui.c - placeholder until the TUI lands */
#include "heapscope/tui.h"
#include <stdio.h>
const char *tui_unusable(void) { return "the TUI is not built yet"; }
int tui_run(const tui_opts *o) { (void)o; return 2; }
