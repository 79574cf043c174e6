#!/bin/sh
# run.sh - `heapscope record` on real programs: each recording replays with
# --verify and every recorded result must agree; the recorder must not move
# the heap; programs it cannot see into are refused with their reason.
# Needs Linux x86-64 with glibc 2.36 (the model's oracle).
bin=${1:-build/heapscope}
pass=0 fail=0
arch=$(uname -m)
ver=$(getconf GNU_LIBC_VERSION 2>/dev/null)
if [ "$(uname -s)" != Linux ] || [ "$arch" != x86_64 ] || [ "$ver" != "glibc 2.36" ]; then
	echo "record: skipped: recordings replay only against Linux x86_64 glibc 2.36, this machine has '$ver' on $(uname -s) $arch"
	echo "record: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "record: FAILED: $*"; }
cc=${CC:-cc}
for p in fork-memalign threads addrs killed; do
	$cc -O0 -pthread -o "$tmp/$p" "tests/record/$p.c" || bad "cannot build $p.c"
done

# record NAME PROG ARGS...: record into $tmp/NAME; every script must verify
record() {
	name=$1
	shift
	if ! "$bin" record -o "$tmp/$name" -- "$@" >"$tmp/$name.list" 2>"$tmp/$name.err" </dev/null; then
		bad "$name: record failed: $(head -3 "$tmp/$name.err")"
		return
	fi
	n=0
	for s in "$tmp/$name"/*.hs; do
		[ -f "$s" ] || continue
		n=$((n + 1))
		if "$bin" --verify "$s" >"$tmp/v.out" 2>&1; then
			ok
		else
			bad "$name: $(basename "$s") does not verify: $(head -3 "$tmp/v.out")"
		fi
	done
	[ $n -gt 0 ] || bad "$name: no script was written"
}

record ls ls -la /usr/lib
seq 1 30000 | awk '{ print ($1 * 7919) % 30011 }' >"$tmp/nums"
record sort sort -n "$tmp/nums"
py=$(command -v python3.11 || command -v python3)
if [ -n "$py" ] && [ -x /usr/bin/python3 ]; then
	record python /usr/bin/python3 -c 'import json; print(len(json.dumps([str(i) * 10 for i in range(20000)])))'
else
	echo "record: python3 is not installed: that recording is left out"
fi
record fork "$tmp/fork-memalign"
# the child's script begins with the parent's calls up to the fork
child=$(grep -l 'a child of process' "$tmp/fork"/*.hs 2>/dev/null | head -1)
parent=$(grep -L 'a child of process' "$tmp/fork"/*.hs 2>/dev/null | head -1)
if [ -n "$child" ] && [ -n "$parent" ] &&
	[ "$(grep -m1 'malloc(100)' "$child")" = "$(grep -m1 'malloc(100)' "$parent")" ] &&
	grep -q 'fork(): the child' "$child"; then ok; else bad "fork: the child's script does not start with its parent's calls"; fi
grep -q 'posix_memalign(&v3, 256, 1000)' "$parent" && grep -q 'memalign(65536, 300000)' "$parent" && ok ||
	bad "fork: the memalign family is missing from the recording"

# the recorder does not move the heap: the same heap addresses and break
# with and without it; the mmap area sits lower by the recorder library's
# own mapping (as any preloaded library moves it), so an mmapped block keeps
# only its offset in the page
setarch -R "$tmp/addrs" >"$tmp/plain" 2>&1
setarch -R "$bin" record -o "$tmp/addrs-rec" -- "$tmp/addrs" 2>&1 | grep -v "$tmp/addrs-rec" >"$tmp/recorded"
heap_lines() { grep -v '^7f' "$1"; }
mmap_offsets() { grep '^7f' "$1" | sed 's/.*\(...\)$/\1/'; }
if [ "$(wc -l <"$tmp/plain")" -ge 60 ] && [ "$(heap_lines "$tmp/plain")" = "$(heap_lines "$tmp/recorded")" ] &&
	[ "$(mmap_offsets "$tmp/plain")" = "$(mmap_offsets "$tmp/recorded")" ]; then
	ok
else
	bad "the recorder moved the heap: $(diff "$tmp/plain" "$tmp/recorded" | head -4)"
fi

# threads: two waves of workers, each in its own arena, freeing each
# other's blocks, exiting one at a time; the second wave reuses the
# arenas and the stacks; then threads joined late, or detached: the
# recording replays thread by thread
record thr "$tmp/threads"
s=$(ls "$tmp/thr"/*.hs 2>/dev/null | head -1)
if [ -n "$s" ] && [ "$(grep -c '^thread_create\|^t[0-9]*: thread_create' "$s")" -ge 8 ] &&
	[ "$(grep -c '^thread_exit' "$s")" -ge 8 ] && grep -q '^t[1-9]: ' "$s" &&
	grep -q 'thread_create [0-9]* [0-9]* // => ret=' "$s"; then
	ok
else
	bad "threads: the script lacks its threads: $(grep -c thread "$s" 2>/dev/null) lines name them"
fi
# the late joins: six threads return before any is joined, then a detached
# one and one detached after it returned
if [ "$(grep -c '^thread_exit [0-9]* unjoined' "$s")" -ge 8 ] && [ "$(grep -c 'thread_join ' "$s")" -ge 8 ] &&
	grep -q "a joined thread's dtv, freed by the model" "$s"; then
	ok
else
	bad "threads: the late joins are not in the script: $(grep -c 'unjoined' "$s") unjoined exits, $(grep -c 'thread_join' "$s") joins"
fi

# a program killed midway leaves its calls up to its death, which replay
"$bin" record -o "$tmp/kill" -- "$tmp/killed" >/dev/null 2>"$tmp/kill.err"
s=$(ls "$tmp/kill"/*.hs 2>/dev/null | head -1)
if [ -n "$s" ] && grep -q 'killed by signal 9' "$tmp/kill.err" && [ "$(grep -c 'malloc(' "$s")" -ge 8 ] &&
	grep -q 'free(v4)' "$s" && "$bin" --verify "$s" >/dev/null 2>&1; then ok; else bad "killed: $(cat "$tmp/kill.err")"; fi

# an exec in the same process starts a recording of its own
"$bin" record -o "$tmp/exec" -- sh -c 'exec ls /' >/dev/null 2>&1
n=$(ls "$tmp/exec"/*.hs 2>/dev/null | wc -l)
if [ "$n" -ge 2 ] && ls "$tmp/exec" | grep -q '^ls\.'; then ok; else bad "exec: $(ls "$tmp/exec")"; fi
for s in "$tmp/exec"/*.hs; do
	"$bin" --verify "$s" >/dev/null 2>&1 && ok || bad "exec: $(basename "$s") does not verify"
done

# refusals, each with its reason and status 9
if $cc -static -o "$tmp/static" tests/record/static.c 2>/dev/null; then
	"$bin" record -o "$tmp/x" "$tmp/static" 2>"$tmp/e"
	[ $? = 9 ] && grep -q 'is statically linked; LD_PRELOAD cannot see its malloc' "$tmp/e" && ok || bad "static: $(cat "$tmp/e")"
else
	echo "record: no static libc here (libc6-dev's libc.a): the static refusal is not tested"
fi
"$bin" record -o "$tmp/x" no-such-program-here 2>"$tmp/e"
[ $? = 9 ] && grep -q 'program not found' "$tmp/e" && ok || bad "not found: $(cat "$tmp/e")"
echo 'not a program' >"$tmp/text" && chmod 644 "$tmp/text"
"$bin" record -o "$tmp/x" "$tmp/text" 2>"$tmp/e"
[ $? = 9 ] && grep -q 'not an executable file' "$tmp/e" && ok || bad "not executable: $(cat "$tmp/e")"
suid=$(find /usr/bin -maxdepth 1 -perm -4000 -type f 2>/dev/null | head -1)
if [ -n "$suid" ]; then
	"$bin" record -o "$tmp/x" "$suid" 2>"$tmp/e"
	[ $? = 9 ] && grep -q 'setuid or setgid' "$tmp/e" && ok || bad "setuid: $(cat "$tmp/e")"
fi
echo "record: $pass passed, $fail failed"
[ $fail = 0 ]
