#!/bin/sh
# run.sh - drives the real heapscope binary in tmux (which provides the
# terminal, also in CI) at several sizes: types commands, steps and plays a
# script, resizes, switches themes, and asserts on capture-pane output
# (with -e for colours).  Ends with "tui: N passed, M failed".
. "$(dirname "$0")/lib.sh"

# --- 80x24: malloc and free change the panes ------------------------------
start s80 80 24
expect s80 "chunks" "80x24: chunk pane title"
expect s80 "bins" "80x24: bin pane title"
type_line s80 "p = malloc(24)"
expect s80 "brk(0x55555557a000) = 0x55555557a000" "80x24: the first brk in the log"
expect s80 "0x555555559290 0x20 *in use *p" "80x24: the new chunk and its variable in the chunk pane"
expect s80 "why: 24 bytes + 8 for the size field" "80x24: the narration strip says why"
expect s80 "38;5;117m why:" "80x24: the narration in its theme colour" -e
$T send-keys -t s80 F3
if gone s80 "why:"; then ok; else bad "F3 hides the narration"; fi
$T send-keys -t s80 F3
expect s80 "why: 24 bytes" "F3 shows the narration again"
type_line s80 "free(p)"
expect s80 "0x555555559290 0x20 *tcache 0x20" "80x24: free puts the chunk in the tcache"
expect s80 "why: Tcache bin 0x20 had room" "80x24: the narration follows the last operation"
expect s80 "brk 55555557a000" "80x24: top and the program break stay visible"
expect s80 "0x20  \[1/7\] 0x5555555592a0" "80x24: the tcache bin chain"
expect s80 "38;5;214m 0x20" "80x24: the tcache bin in its theme colour (214)" -e
expect s80 "48;5;226m0x555555559290" "80x24: the changed chunk highlighted" -e
snap s80
if fits 80; then ok; else bad "80x24: a line wider than the terminal"; fi
type_line s80 "frobnicate 3"
expect s80 "unknown command 'frobnicate'" "80x24: an unknown command gets a message"
type_line s80 "free(p)"
expect s80 "free(): double free detected in tcache 2" "80x24: glibc's double-free message"
expect s80 "why: Abort: glibc's check says" "80x24: the narration of an abort"
type_line s80 "explain"
expect s80 "the failed check" "80x24: explain after an abort tells the check"
type_line s80 "q = malloc(24)"
expect s80 "#4 q = malloc(24) = 0x5555555592a0" "80x24: the session goes on with its state"
type_line s80 "malloc(-1)"
expect s80 "= NULL" "80x24: malloc(-1) returns NULL"
# the heap map is drawn to scale: thirty chunks and top all show (once
# it read fTTTT...: top hid every chunk)
i=1
while [ $i -le 30 ]; do type_line s80 "m$i = malloc($((i * 8)))"; i=$((i + 1)); done
expect s80 "chunk *size *state" "80x24: the chunk pane has column headers"
expect s80 "m30 = malloc(240)" "80x24: the thirty mallocs ran"
if sed -n 2p "$tmp/screen" | grep -q '####.*TT'; then ok; else bad "80x24: the heap map shows the chunks, not only top"; fi
# a new mmap is followed in the address pane, which says what it hides
type_line s80 "mm = malloc(300000)"
expect s80 "7ffff7d[0-9a-f]*000 chunk" "80x24: the new mapping is in view in the address pane"
expect s80 "more above\|more below" "80x24: the address pane says how many rows it hides"
# Ctrl-C cancels the line being typed
$T send-keys -t s80 -l "garbage text"
expect s80 "heapscope> garbage text" "80x24: the line being typed is shown"
$T send-keys -t s80 C-c
if last_line_lacks s80 "garbage"; then ok; else bad "80x24: Ctrl-C keeps the line"; fi
# tab completion from the command table and the variables
$T send-keys -t s80 -l "mallop"
$T send-keys -t s80 Tab
$T send-keys -t s80 -l "(M_MMAP_T"
$T send-keys -t s80 Tab
$T send-keys -t s80 -l ", 4096)"
$T send-keys -t s80 Enter
expect s80 "mallopt (M_MMAP_THRESHOLD, 4096) = 1" "80x24: completion of mallopt and M_MMAP_THRESHOLD"
# tunable names complete from the allocator's list
$T send-keys -t s80 -l "tunable tcache_co"
$T send-keys -t s80 Tab
$T send-keys -t s80 -l "3"
$T send-keys -t s80 Enter
expect s80 "tunable tcache_count 3" "80x24: completion of a tunable name"
# undo with F9 goes back one operation
$T send-keys -t s80 F9
expect s80 "undone: now after operation" "80x24: F9 undoes"
# help overlay
$T send-keys -t s80 F1
expect s80 "F9  F10 *undo / redo" "80x24: F1 opens the help"
$T send-keys -t s80 NPage
expect s80 "Commands (help CMD" "80x24: the help scrolls to the commands"
k=0
until snap s80 && grep -q hexdump "$tmp/screen" || [ $k -ge 30 ]; do $T send-keys -t s80 NPage; sleep 0.2; k=$((k + 1)); done
expect s80 "hexdump" "80x24: the help scrolls on, its lines wrapped to the overlay"
snap s80
if fits 80; then ok; else bad "80x24: the help fits the terminal"; fi
$T send-keys -t s80 x
sleep 0.2
# shrink below the minimum, then grow back
$T resize-window -t s80 -x 50 -y 12
expect s80 "needs a terminal of at least 60x16" "resize: too small says how large"
$T resize-window -t s80 -x 30 -y 10
expect s80 "^30x10\.$" "resize: at 30 columns the message is wrapped, not cut (the size on a line of its own)"
expect s80 "^Ctrl-D to quit\.$" "resize: the way out is wrapped too"
$T resize-window -t s80 -x 120 -y 40
expect s80 "address space" "resize: panes come back at 120x40"
snap s80
if fits 120; then ok; else bad "resize: lines fit in 120 columns"; fi
# quit restores the terminal and exits 0
$T send-keys -t s80 C-d
expect s80 "EXITED:0" "Ctrl-D quits with status 0"
if [ -s "$tmp/state/heapscope/history" ] && grep -q "p = malloc(24)" "$tmp/state/heapscope/history"; then ok; else bad "history is saved under XDG_STATE_HOME"; fi

# --- 200x50: segments, script stepping and playing --------------------------
cat >"$tmp/demo.hs" <<'EOS'
tunable tcache_count 1
a = malloc(0x88)
b = malloc(0x88)
g = malloc(0x18)
free(a)
free(b)
pause
big = malloc(0x500)
c = malloc(0x20000)
d = malloc(0x20000)
free(d)
EOS
start s200 200 50 "" && :
$T kill-session -t s200 2>/dev/null
HS_ARGS="$tmp/demo.hs" start s200 200 50
expect s200 "text" "200x50: text segment"
expect s200 "stack" "200x50: stack segment"
expect s200 "kernel: 128T, no access from user mode" "200x50: the kernel half tops the address space"
expect s200 "non-canonical hole" "200x50: the non-canonical hole below it"
expect s200 "~~~ 128M unmapped ~~~ ########" "200x50: gaps and mappings carry a bar to a log scale"
expect s200 "libc" "200x50: libc mapping"
expect s200 "1/11 demo.hs" "200x50: the script pane"
$T send-keys -t s200 F8
$T send-keys -t s200 F8
expect s200 "#2 a = malloc(0x88) = 0x5555555592a0" "200x50: F8 steps through the script"
expect s200 "3/11 demo.hs" "200x50: the next line moves"
$T send-keys -t s200 F8
expect s200 "4/11 demo.hs" "200x50: a third step"
$T send-keys -t s200 F9
expect s200 "3/11 demo.hs" "200x50: undo moves the script back with the heap"
$T send-keys -t s200 F10
expect s200 "4/11 demo.hs" "200x50: redo moves it forward again"
type_line s200 "continue"
expect s200 "paused at line 7" "200x50: continue stops at pause"
expect s200 "unsorted \[1\]" "200x50: the unsorted bin filled"
type_line s200 "play 0.05"
expect s200 "end of the script" "200x50: play runs to the end"
expect s200 "mmap(NULL, 135168" "200x50: the mmap syscall in the log"
expect s200 "munmap(0x" "200x50: the munmap syscall in the log"
expect s200 "7 in the heap, 0 mmapped" "200x50: the second 0x20000 was mmapped and is gone after free"
expect s200 "0x5555555598e0 0x20010 *P-- in use *c " "200x50: the first 0x20000 request came from top"
type_line s200 "maps"
expect s200 "rw-p 00000000 00:00 0 *\[stack\]" "200x50: maps lists the stack like /proc/PID/maps"
# theme switching, live
expect s200 "38;5;214m" "200x50: the default theme draws in 256 colours" -e
type_line s200 "theme mono"
if gone s200 "38;5;214m" -e; then ok; else bad "theme mono: still 256 colours"; fi
type_line s200 "theme classroom"
expect s200 "48;5;226m" "theme classroom: tcache as a yellow background" -e
printf 'tcache 999 default\n' >"$tmp/bad.theme"
type_line s200 "theme $tmp/bad.theme"
expect s200 "bad.theme:1: bad colour '999'" "a malformed theme names its line"
expect s200 "using the default theme" "a malformed theme falls back to the default"
type_line s200 "theme nosuch"
expect s200 "no theme named 'nosuch'" "an unknown theme name"
printf 'tcache 201/magenta default bold\n' >"$tmp/config/heapscope/themes/mine.theme"
type_line s200 "theme mine"
expect s200 "38;5;201m" "a user theme from XDG_CONFIG_HOME" -e
# SIGTERM restores the terminal and exits
pid=$($T list-panes -t s200 -F '#{pane_pid}')
pkill -TERM -P "$pid" -f heapscope 2>/dev/null || true
expect s200 "EXITED:143" "SIGTERM ends heapscope cleanly with status 128+15"

# --- NO_COLOR and a mid-size terminal -----------------------------------------
start snc 100 30 NO_COLOR=1
type_line snc "p = malloc(24)"
type_line snc "free(p)"
expect snc "tcache 0x20" "NO_COLOR: states still labelled"
snap snc -e
if grep -q "38;5;" "$tmp/screen"; then bad "NO_COLOR: no colours"; else ok; fi
$T send-keys -t snc Tab
$T send-keys -t snc Tab
expect snc "\[1m┌─ chunks" "focus: Tab highlights a pane border (bold in mono)" -e
$T send-keys -t snc Escape
# export: the screen or a pane, the format from the extension
type_line snc "export $tmp/screen.svg"
expect snc "exported 100x30 to" "export writes the screen"
type_line snc "export chunks $tmp/chunks.txt"
expect snc "exported .* to .*chunks.txt" "export writes one pane"
if grep -q "chunks (" "$tmp/chunks.txt" && grep -q "<svg" "$tmp/screen.svg"; then ok; else bad "the exported files hold the screen"; fi
type_line snc "export /nonexistent/dir/x.svg"
expect snc "cannot write: No such file" "export to an unwritable path: a message"
type_line snc "export $tmp/x.png"
expect snc "unknown kind of file" "export with an unknown extension: a message"
type_line snc "quit"
expect snc "EXITED:0" "quit exits"

# --- a lecture: title, say, pause "text", reset ------------------------------
cat >"$tmp/lecture.hs" <<'EOS'
# This lecture shows how the tcache hands chunks back
title "Scene 1: the tcache"
say "malloc(10) gets a 0x20 chunk"
a = malloc(10)
pause "Look at the chunk pane"
reset
title "Scene 2: after reset"
b = malloc(10)
EOS
HS_ARGS="$tmp/lecture.hs" start lect 100 30
expect lect "│     chunks back" "a lecture: a long comment line wraps in the script pane"
$T send-keys -t lect F5
expect lect "Scene 1: the tcache" "a lecture: the title in the status bar"
expect lect "Look at the chunk pane" "a lecture: pause shows its text as the caption"
expect lect "48;5;229m  Look at the chunk pane" "a lecture: the caption in its theme colour" -e

# the stack grows when a frame touches memory below its mapping
printf 'call f 64\nlocal big[200000]\n*(big) = 1\n' >"$tmp/stack.hs"
HS_ARGS="$tmp/stack.hs" start stk 120 40
expect stk "stack  132K (8K" "the stack row says how much of the mapping is used"
$T send-keys -t stk F5
expect stk "stack  204K (203K" "stack growth: the mapping grew to the touched page"
expect stk ">7ffffffcc000 stack" "the row the last operation changed is marked"

# globals are labelled in their segment's row
printf 'int counter = 10;\nstatic char buf[4096];\n' >"$tmp/glob.hs"
HS_ARGS="$tmp/glob.hs" start glob 200 50
$T send-keys -t glob F5
expect glob ".data   counter 4B @558020" "a global's label in the address-space pane"
expect glob ".bss    buf\[\] 4K @558060" "a .bss array's label"

# a textbook design on the same panes: its blocks, its free lists
printf 'p = malloc(24)\nq = malloc(200)\nfree(p)\n' >"$tmp/design.hs"
HS_ARGS="--allocator=explicit-lifo $tmp/design.hs" start design 160 45
$T send-keys -t design F5
expect design "blocks of explicit-lifo (5)" "--allocator: the chunk pane shows the design's blocks"
expect design "free list (LIFO) \[2\] 0x555555559018" "--allocator: the bin pane shows its free list"
expect design "0x555555559048 0xe0     a-- in use       q" "--allocator: a block's row, allocated bit and variable"
type_line design "allocator buddy"
type_line design "x = malloc(100)"
expect design "blocks of buddy" "allocator NAME switches to a fresh process running NAME"

# a student's allocator in its child process, drawn live; a crash in it
# is a message, and the session goes on
printf 'p = malloc(24)\nq = malloc(200)\nfree(p)\n' >"$tmp/mm.hs"
HS_ARGS="--allocator=$PWD/tests/student/walk.c $tmp/mm.hs" start mm 160 45
$T send-keys -t mm F5
expect mm "blocks of walk.c (5)" "--allocator=FILE: the chunk pane shows the student's blocks (from mm_walk)"
expect mm "0x555555559018 0x30     --- free" "--allocator=FILE: a free block as mm_walk reports it"
expect mm "not visible: they live in your code" "--allocator=FILE: the bin pane says what it cannot see"
type_line mm "allocator $PWD/tests/student/crash.c"
type_line mm "a = malloc(24)"
type_line mm "b = malloc(24)"
type_line mm "c = malloc(24)"
type_line mm "free(a)"
type_line mm "free(b)"
type_line mm "free(c)"
expect mm "mm_free crashed with SIGSEGV at 0x0" "allocator FILE: a crash in the student's code is a message"
type_line mm "d = malloc(40)"
expect mm "d = malloc(40) = 0x5555555590" "after the crash the session goes on in a fresh child"

# compare NAME: a second allocator runs the same calls, drawn beside
printf 'compare implicit-first\np = malloc(24)\nq = malloc(100)\nr = malloc(40)\nfree(q)\ns = malloc(30)\n' >"$tmp/cmp.hs"
HS_ARGS="$tmp/cmp.hs" start cmp 200 45
$T send-keys -t cmp F5
expect cmp "compare: implicit-first (7 blocks)" "compare: the second allocator's pane"
expect cmp "0x555555559048 0x30     in use       q,s" "compare: first fit reused q's block for s, split"
$T send-keys -t cmp F9 F9
expect cmp "0x555555559048 0x80     in use       q" "compare: undo rebuilds the second allocator too"
type_line cmp "compare off"
expect cmp "tcache (7 per bin)" "compare off: the bins come back"

# what a student's allocator prints never reaches the screen
HS_ARGS="--allocator=$PWD/tests/student/chatty.c" start chatty 120 40
type_line chatty "p = malloc(24)"
expect chatty "p = malloc(24) = 0x555555559010" "--allocator=FILE in the TUI: the call answers (its stdin is empty)"
if $T capture-pane -p -t chatty | grep -q CHATTY; then bad "a student's printf reached the TUI's screen"; else ok; fi

# an i386 process: the 3G/1G split drawn, 32-bit chunks
HS_ARGS="--arch=i386" start i386 160 45
type_line i386 "p = malloc(10)"
expect i386 "kernel: 1G at c0000000" "--arch=i386: the kernel's gigabyte above 0xc0000000"
expect i386 "0x5655a198 0x10" "--arch=i386: malloc(10) is a 0x10 chunk after the 0x190 tcache struct"

# compare FILE: the student's allocator beside glibc, in step
printf 'compare %s\np = malloc(24)\nq = malloc(100)\nfree(p)\n' "$PWD/tests/student/walk.c" >"$tmp/cmpmm.hs"
HS_ARGS="$tmp/cmpmm.hs" start cmpmm 200 45
$T send-keys -t cmpmm F5
expect cmpmm "compare: walk.c (5 blocks)" "compare FILE: the student's allocator in the second pane"
expect cmpmm "0x555555559018 0x30     free" "compare FILE: its free block, as its mm_walk reports it"
$T send-keys -t cmpmm F9
expect cmpmm "0x555555559018 0x30     in use       p" "compare FILE: undo replays it in a fresh child"

# the classroom theme draws the caption in large block letters (UTF-8 only)
printf 'say "The tcache"\na = malloc(10)\nsay "%s"\nb = malloc(10)\n' \
	"a caption far too long for large letters at 80x24, so it is drawn as one line of plain text instead" >"$tmp/big.hs"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config TERM=tmux-256color LANG=C.UTF-8" \
	HS_ARGS="--theme classroom $tmp/big.hs" start big 80 24
$T send-keys -t big F8
expect big "▜▘▌▌▛▘" "classroom theme: a short caption in large block letters"
$T send-keys -t big F8 F8
expect big "  a caption far too long for large letters" "classroom theme: a long caption falls back to plain text"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config TERM=tmux-256color LANG=C" \
	HS_ARGS="--theme classroom $tmp/big.hs" start bigc 80 24
$T send-keys -t bigc F8
expect bigc "  The tcache" "classroom theme: without UTF-8 the caption stays plain text"
$T send-keys -t lect F5
expect lect "Scene 2: after reset" "a lecture: the second scene's title"
expect lect "0x555555559290 0x20 *in use *b" "a lecture: reset gives a fresh heap (b gets the first chunk)"
$T send-keys -t lect F9
$T send-keys -t lect F9
expect lect "op 1/3" "a lecture: undo goes back across the reset"
type_line lect "quit"
expect lect "EXITED:0" "a lecture: quit exits 0"

# --- threads: arenas in the panes, F4 cycles them -------------------------
start thr 140 40
type_line thr "a = malloc(24)"
type_line thr "t1: b = malloc(40)"
expect thr "arena 1 is new" "threads: the log says a new arena was made"
expect thr "bins of arena 0, tcache of thread 1" "threads: the bin pane names its arena and thread"
expect thr "main_arena: chunks" "threads: the chunk pane says it shows main_arena"
$T send-keys -t thr F4
expect thr "arena 1: chunks" "threads: F4 shows arena 1 in the chunk pane"
expect thr "0x7ffff0000b60 *0x30 *P-A in use *b" "threads: arena 1's chunk for b"
expect thr "ar1 .*132K.* heap" "threads: the address space labels arena 1's heap"
expect thr "th1 .* 8M.* stack" "threads: the address space labels thread 1's stack"
$T send-keys -t thr F4
expect thr "main_arena: chunks" "threads: F4 comes back to main_arena"
type_line thr "arena 1"
expect thr "arena 1: chunks" "threads: the arena command shows arena 1"
type_line thr "thread_exit 7"
expect thr "that thread is not running" "threads: exiting a thread that is not running is refused"
type_line thr "arena 9"
expect thr "there are 2 arenas" "threads: an arena number out of range is refused"
# a thread that returned keeps its stack until it is joined
type_line thr "thread_exit 1 unjoined"
expect thr "th1 .* 8M.* unjoined" "threads: a returned thread's stack is labelled unjoined"
type_line thr "thread_join 1"
expect thr "main joins thread 1" "threads: the log says who joined"
expect thr "th1 .* 8M.* cached" "threads: after the join the stack is in the cache"
type_line thr "quit"
expect thr "EXITED:0" "threads: quit exits 0"

echo "tui: $pass passed, $fail failed"
[ $fail = 0 ]
