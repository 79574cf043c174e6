#!/bin/sh
# lib.sh - helpers for the tmux-driven TUI tests (sourced): start heapscope
# in its own tmux session, capture the screen, wait for text, count results.
# After heapscope exits the pane prints EXITED:STATUS, ALT:N (whether the
# terminal is still in the alternate screen) and the tty's line modes.
bin=$(cd "$(dirname "${1:-build/heapscope}")" && pwd)/$(basename "${1:-build/heapscope}")
pass=0 fail=0
# the locale is pinned, not inherited from whoever runs the tests: UTF-8
# (for tmux and heapscope alike) unless a test sets LANG=C for itself
unset LC_ALL LC_CTYPE LC_COLLATE LC_MESSAGES LANGUAGE
export LANG=C.UTF-8
if ! command -v tmux >/dev/null 2>&1; then
	echo "tui: tmux is not installed (apt-get install tmux); these tests need it"
	echo "tui: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d)
sock="hs-test-$$"
T="tmux -L $sock -f /dev/null"
cleanup() { $T kill-server 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/home" "$tmp/state" "$tmp/config/heapscope/themes"

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "tui: FAILED: $1"
	# the last screen captured, without its blank bottom rows
	[ -f "$tmp/screen" ] && awk '{ l[NR] = $0 } NF { last = NR } END { for (i = 1; i <= last && i <= 60; i++) print "    | " l[i] }' "$tmp/screen"
}

# start NAME COLS ROWS [ENV...]: a fresh heapscope in its own tmux session
# (HS_ARGS: its arguments; HS_ENV: replaces the default environment)
start() {
	name=$1 cols=$2 rows=$3
	shift 3
	env=${HS_ENV:-"HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config TERM=tmux-256color"}
	$T kill-session -t "$name" 2>/dev/null
	$T new-session -d -s "$name" -x "$cols" -y "$rows" \
		"env $env $* $bin $HS_ARGS; echo EXITED:\$?; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)\$' | tr '\\n' ' '; echo; sleep 60"
	$T set-option -t "$name" -g default-terminal tmux-256color >/dev/null 2>&1
	wait_for "$name" "${HS_READY:-heapscope>}" || bad "$name: heapscope did not start"
}

snap() { $T capture-pane -t "$1" -p $2 >"$tmp/screen" 2>/dev/null; }

# alt NAME: 1 when the pane is in the alternate screen
alt() { $T display -p -t "$1" '#{alternate_on}'; }

# fits COLS: every captured line is at most COLS characters (box drawing
# characters are several bytes, so count them as one)
fits() {
	sed -e 's/─/-/g' -e 's/│/|/g' -e 's/┌/+/g' -e 's/┐/+/g' -e 's/└/+/g' -e 's/┘/+/g' "$tmp/screen" |
		awk -v w="$1" '{ if (length($0) > w) exit 1 }'
}

# poll CMD...: run CMD every 0.1 s until it succeeds, for up to 10 s (a
# check that something went away must not pass by looking early, nor any
# check fail by looking before the key was read)
poll() {
	_poll=0
	while [ $_poll -lt 100 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		_poll=$((_poll + 1))
	done
	return 1
}
shows() { snap "$1" "$3" && grep -q -- "$2" "$tmp/screen"; }
lacks() { snap "$1" "$3" && ! grep -q -- "$2" "$tmp/screen"; }
bottom_lacks() { snap "$1" && ! tail -1 "$tmp/screen" | grep -q -- "$2"; }
alt_is() { [ "$(alt "$1")" = "$2" ]; }

# wait_for NAME PATTERN [capture flags]: until the screen shows PATTERN
wait_for() { poll shows "$@"; }
# gone NAME PATTERN [capture flags]: until no line matches
gone() { poll lacks "$@"; }
# last_line_lacks NAME PATTERN: until the bottom line does not match
last_line_lacks() { poll bottom_lacks "$@"; }
# wait_alt NAME VALUE: until the pane's alternate screen is VALUE
wait_alt() { poll alt_is "$@"; }

expect() { # expect NAME PATTERN DESCRIPTION [capture flags]
	if wait_for "$1" "$2" "$4"; then ok; else bad "$3 (pattern '$2')"; fi
}

# sane NAME DESCRIPTION: heapscope has exited and left the terminal as it
# found it: normal screen, canonical mode and echo on
sane() {
	if wait_for "$1" "icanon echo" && [ "$(alt "$1")" = 0 ]; then ok; else bad "$2: the terminal is not sane afterwards"; fi
}

type_line() { $T send-keys -t "$1" -l "$2"; $T send-keys -t "$1" Enter; }

