#!/bin/sh
# abuse.sh - the TUI as a hostile or unlucky user meets it, in tmux: resize
# storms while a script plays, huge pastes, invalid UTF-8, suspend and
# resume, SIGWINCH under the help, odd terminals, no HOME, an unwritable
# history, bad themes, fatal signals.  Each time the session must survive
# (or, for fatal signals, die with the terminal restored), and the terminal
# must be sane afterwards.  Ends with "tui-abuse: N passed, M failed".
. "$(dirname "$0")/lib.sh"

# --- a resize storm while a script plays ---------------------------------
i=0
: >"$tmp/long.hs"
while [ $i -lt 300 ]; do
	echo "p$i = malloc($((i * 24 % 2000 + 1)))" >>"$tmp/long.hs"
	[ $((i % 3)) = 0 ] && echo "free(p$i)" >>"$tmp/long.hs"
	i=$((i + 1))
done
HS_ARGS="$tmp/long.hs" start storm 120 40
type_line storm "play 0.01"
i=0
while [ $i -lt 100 ]; do
	w=$(( (i * 37) % 281 + 20 )) h=$(( (i * 13) % 96 + 5 ))
	$T resize-window -t storm -x $w -y $h 2>/dev/null
	i=$((i + 1))
done
$T resize-window -t storm -x 120 -y 40
expect storm "heapscope>" "resize storm: the prompt is back at 120x40"
expect storm "end of the script" "resize storm: the script played to its end"
snap storm
if fits 120; then ok; else bad "resize storm: lines fit after the storm"; fi
type_line storm "quit"
expect storm "EXITED:0" "resize storm: quit exits 0"
sane storm "resize storm"

# --- a SIGWINCH repaints the whole screen, even at the same size: the
# terminal may have reflowed what was on it (once a storm left the panes
# blank), and tmux ends a storm back at the first size this way
start winch 120 40
type_line winch "p = malloc(24)"
expect winch "#1 p = malloc(24)" "winch: the operation is shown"
$T pipe-pane -t winch -o "cat >>$tmp/winch.out"
pid=$($T list-panes -t winch -F '#{pane_pid}')
pkill -WINCH -P "$pid" -f heapscope
if poll grep -q "chunks (3 in the heap" "$tmp/winch.out"; then ok; else bad "SIGWINCH at the same size: the panes are repainted"; fi
$T pipe-pane -t winch
type_line winch "quit"
expect winch "EXITED:0" "winch: quit exits 0"

# --- pastes, invalid UTF-8, deep nesting at the prompt ---------------------
# bad_bytes NAME WHAT: bytes that are not UTF-8 typed at the prompt are
# named by the lexer (readline must not read 0xff as Meta-DEL), and the
# session goes on with its first operation
bad_bytes() {
	$T send-keys -t "$1" -l "x = "
	$T send-keys -t "$1" -H ff fe c3 28
	$T send-keys -t "$1" Enter
	expect "$1" "unexpected byte 0xff (not text)" "$2: a typed 0xff gets a message"
	type_line "$1" "p = malloc(24)"
	expect "$1" "#1 p = malloc(24) = 0x5555555592a0" "$2: the session goes on"
}
start paste 100 30
head -c 100000 /dev/zero | tr '\0' 'x' >"$tmp/paste"
$T load-buffer -b big "$tmp/paste"
$T paste-buffer -t paste -b big
$T send-keys -t paste Enter
expect paste "name is too long" "a 100 KB pasted line gets a message"
printf 'x = %s1%s' "$(head -c 30000 /dev/zero | tr '\0' '(')" "$(head -c 30000 /dev/zero | tr '\0' ')')" >"$tmp/deep"
$T load-buffer -b deep "$tmp/deep"
$T paste-buffer -t paste -b deep
$T send-keys -t paste Enter
expect paste "nests too deeply" "30,000 nested parentheses pasted: a message, no crash"
bad_bytes paste "invalid UTF-8"
# the history file holds the long line and is still a file
$T send-keys -t paste C-d
expect paste "EXITED:0" "paste: Ctrl-D exits 0"
sane paste "paste"
if [ -f "$tmp/state/heapscope/history" ] && [ "$(wc -c <"$tmp/state/heapscope/history")" -gt 100000 ]; then ok; else bad "the history was written"; fi

# --- the C locale: boxes without UTF-8, and typed bytes still reach the lexer
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/state TERM=tmux-256color LANG=C" start clocale 100 30
expect clocale "chunks" "LANG=C: the panes are drawn"
bad_bytes clocale "LANG=C"
type_line clocale "quit"
expect clocale "EXITED:0" "LANG=C: quit exits 0"
sane clocale "LANG=C"

# --- Ctrl-Z and fg; SIGWINCH under the help overlay -------------------------
$T kill-session -t susp 2>/dev/null
$T new-session -d -s susp -x 100 -y 30 "sh -i"
sleep 0.3
$T send-keys -t susp "sh -c 'env HOME=$tmp/home XDG_STATE_HOME=$tmp/state TERM=tmux-256color $bin; echo EXITED:\$?'" Enter
expect susp "heapscope>" "suspend: heapscope started in a shell"
type_line susp "p = malloc(24)"
$T send-keys -t susp C-z
if wait_alt susp 0; then ok; else bad "Ctrl-Z: the shell gets the normal screen back"; fi
$T send-keys -t susp "fg" Enter
expect susp "p = malloc(24)" "fg: the screen comes back with its state"
$T send-keys -t susp F1
expect susp "Keys" "the help overlay opens"
$T resize-window -t susp -x 80 -y 24
$T resize-window -t susp -x 60 -y 16
$T resize-window -t susp -x 140 -y 40
expect susp "Keys" "SIGWINCH under the help: it is redrawn"
$T send-keys -t susp Escape
type_line susp "quit"
expect susp "EXITED:0" "suspend: quit after fg exits 0"

# --- odd terminals ----------------------------------------------------------
for term in vt100 linux screen xterm-mono; do
	HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/state TERM=$term" start "t-$term" 100 30
	type_line "t-$term" "p = malloc(24)"
	expect "t-$term" "0x5555555592a0" "TERM=$term: the chunk is shown"
	type_line "t-$term" "free(p)"
	expect "t-$term" "tcache" "TERM=$term: the tcache is shown"
	type_line "t-$term" "quit"
	expect "t-$term" "EXITED:0" "TERM=$term: quit exits 0"
	sane "t-$term" "TERM=$term"
done

# --- no HOME; an unwritable XDG_STATE_HOME; a planted symlink; a long path --
HS_ENV="-u HOME -u XDG_STATE_HOME TERM=tmux-256color" start nohome 100 30
expect nohome "the history will not be saved: neither XDG_STATE_HOME" "HOME unset: one warning"
type_line nohome "p = malloc(24)"
expect nohome "0x5555555592a0" "HOME unset: the session works"
type_line nohome "quit"
expect nohome "EXITED:0" "HOME unset: quit exits 0"
mkdir -p "$tmp/ro"
chmod 500 "$tmp/ro"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/ro TERM=tmux-256color" start rostate 100 30
type_line rostate "p = malloc(24)"
expect rostate "0x5555555592a0" "unwritable XDG_STATE_HOME: the session works"
type_line rostate "quit"
expect rostate "EXITED:0" "unwritable XDG_STATE_HOME: quit exits 0"
printf 'not a dir' >"$tmp/statefile"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/statefile TERM=tmux-256color" start filestate 250 30
expect filestate "the history will not be saved:" "XDG_STATE_HOME a file: one warning"
expect filestate "is not a writable directory" "XDG_STATE_HOME a file: the warning says why"
type_line filestate "p = malloc(24)"
type_line filestate "q = malloc(24)"
snap filestate
if [ "$(grep -c 'history' "$tmp/screen")" -le 1 ]; then ok; else bad "the history warning is said once"; fi
type_line filestate "quit"
expect filestate "EXITED:0" "XDG_STATE_HOME a file: quit exits 0"
# a symlink planted where the history goes is replaced, never followed
mkdir -p "$tmp/sym/heapscope"
printf 'keep me\n' >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/sym/heapscope/history"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$tmp/sym TERM=tmux-256color" start sym 100 30
type_line sym "p = malloc(24)"
type_line sym "quit"
expect sym "EXITED:0" "symlinked history: quit exits 0"
if [ "$(cat "$tmp/victim")" = "keep me" ] && [ ! -L "$tmp/sym/heapscope/history" ] &&
	grep -q "p = malloc(24)" "$tmp/sym/heapscope/history"; then ok; else bad "the symlink's target was touched"; fi
long="$tmp/$(head -c 520 /dev/zero | tr '\0' 'd')"
mkdir -p "$long" 2>/dev/null || long="$tmp/$(head -c 200 /dev/zero | tr '\0' 'd')/$(head -c 200 /dev/zero | tr '\0' 'e')/$(head -c 120 /dev/zero | tr '\0' 'f')"
mkdir -p "$long"
HS_ENV="HOME=$tmp/home XDG_STATE_HOME=$long TERM=tmux-256color" start longpath 100 30
type_line longpath "p = malloc(24)"
type_line longpath "quit"
expect longpath "EXITED:0" "a ${#long}-character XDG_STATE_HOME: quit exits 0"
if grep -q "p = malloc(24)" "$long/heapscope/history" 2>/dev/null; then ok; else bad "the history is written inside a long XDG_STATE_HOME"; fi

# --- themes: garbage, very long lines, paths as names; FIFOs ----------------
start themes 120 30
head -c 3000 /dev/urandom >"$tmp/garbage.theme"
type_line themes "theme $tmp/garbage.theme"
expect themes "cannot read as a theme\|is this a theme file\|bad colour\|unknown role" "a garbage theme gets a message"
head -c 5000 /dev/zero | tr '\0' 'a' >"$tmp/long.theme"
type_line themes "theme $tmp/long.theme"
expect themes "long.theme:1: line is too long" "a theme with a very long line gets a message"
type_line themes "theme ../../../../../../etc/passwd"
expect themes "passwd:1: expected a role name such as 'tcache'" "theme ../../etc/passwd: read only as a theme file"
snap themes
if grep -q "root:" "$tmp/screen"; then bad "a foreign file's contents were echoed"; else ok; fi
mkfifo "$tmp/fifo.theme" "$tmp/fifo.hs"
type_line themes "theme $tmp/fifo.theme"
expect themes "cannot read as a theme: it is not a regular file" "a FIFO theme is refused at once"
type_line themes "load $tmp/fifo.hs"
expect themes "cannot read a script from a FIFO" "load FIFO is refused at once"
type_line themes "play nan"
expect themes "expected a number such as 0.5" "play nan gets a message"
type_line themes "p = malloc(24)"
expect themes "#1 p = malloc(24) = 0x5555555592a0" "themes: the session goes on"
type_line themes "quit"
expect themes "EXITED:0" "themes: quit exits 0"

# --- load inside a script played with F5 (once a use-after-free) ------------
printf 'b = malloc(48)\n' >"$tmp/b.hs"
printf 'a = malloc(24)\nload %s\nnever = malloc(8)\n' "$tmp/b.hs" >"$tmp/a.hs"
HS_ARGS="$tmp/a.hs" start loader 120 30
$T send-keys -t loader F5
expect loader "ran 3 lines (2 operations); end of the script" "load in a played script goes on with the new file"
expect loader "1/1 b.hs" "the script pane shows the new script"
type_line loader "quit"
expect loader "EXITED:0" "loader: quit exits 0"

# --- signals: ending ones exit 128+N, fatal ones restore the terminal --------
signum() { case $1 in HUP) echo 1 ;; INT) echo 2 ;; QUIT) echo 3 ;; ABRT) echo 6 ;; USR1) echo 10 ;;
	SEGV) echo 11 ;; PIPE) echo 13 ;; ALRM) echo 14 ;; TERM) echo 15 ;; esac; }
# TERM, HUP and INT end heapscope cleanly; the others kill it, after the
# crash guard has restored the terminal; either way the status is 128+N
for sig in TERM HUP INT QUIT ABRT USR1 PIPE ALRM SEGV; do
	start "sig$sig" 100 30
	pid=$($T list-panes -t "sig$sig" -F '#{pane_pid}')
	pkill -"$sig" -P "$pid" -f heapscope
	n=$(signum "$sig")
	expect "sig$sig" "EXITED:$((128 + n))" "SIG$sig: exit status $((128 + n))"
	sane "sig$sig" "SIG$sig"
done

echo "tui-abuse: $pass passed, $fail failed"
[ $fail = 0 ]
