#!/bin/sh
# run.sh - a student's mm.c run by heapscope in a child process: a correct
# allocator passes every check; broken ones (a crash in mm_free, overlapping
# or misaligned payloads, an infinite loop, a compile error, no mm_init)
# each end in their clear message and exit status, never in a crash or
# hang of heapscope.
bin=${1:-build/heapscope}
b=${HS_BUILD:-build}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$b/tests/gen-trace" bench 5 3000 rep | grep -v '(' >"$tmp/t.rep"
"$b/tests/gen-trace" realloc 6 2000 rep | grep -v '(' >"$tmp/r.rep"

# case NAME STATUS PATTERN: --compare tests/student/NAME.c on both traces
case_() {
	timeout 60 "$bin" --compare "tests/student/$1.c" "$tmp/t.rep" "$tmp/r.rep" >"$tmp/out" 2>&1
	st=$?
	if [ "$st" = "$2" ] && grep -q -- "$3" "$tmp/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "student: FAILED: $1: status $st (wanted $2), output:"
		head -8 "$tmp/out" | sed 's/^/    | /'
	fi
}

case_ good 0 "Total (valid traces)"
case_ crash 3 "mm_free crashed with SIGSEGV at 0x0 during operation #[0-9]*, free(p[0-9]*)"
case_ overlap 3 "overlaps p[0-9]*'s"
case_ misaligned 3 "operation #1, malloc([0-9]*) for p0: payload 0x555555559008 is not 16-byte aligned"
case_ loop 3 "took longer than 2000 ms: likely an infinite loop; it was stopped"
case_ syntax 1 "syntax.c:14:[0-9]*: error: expected expression"
case_ noinit 1 "undefined reference to .mm_init"
# after a crash, heapscope goes on with the next allocator
timeout 60 "$bin" --compare tests/student/crash.c,glibc "$tmp/t.rep" >"$tmp/out" 2>&1
if grep -q 'crashed with SIGSEGV' "$tmp/out" && grep -q '^glibc' "$tmp/out"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "student: FAILED: after a crash the next allocator does not run"
fi

# A student's allocator in place of glibc's, in scripts: --allocator=FILE
# and `allocator FILE`, its heap drawn from the shared pages.
# script NAME STATUS PATTERN ARGS...: run the script in $tmp/NAME.hs
script() {
	name=$1 want=$2 pat=$3
	shift 3
	timeout 60 "$bin" "$@" --batch "$tmp/$name.hs" >"$tmp/out" 2>&1
	st=$?
	if [ "$st" = "$want" ] && grep -q -- "$pat" "$tmp/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "student: FAILED: script $name: status $st (wanted $want, and '$pat'), output:"
		head -12 "$tmp/out" | sed 's/^/    | /'
	fi
}
# bytes the program stores reach the child: realloc copies them
printf 'p = malloc(24)\nstrcpy(p, "hello")\nq = malloc(40)\np = realloc(p, 300)\nhexdump p 16\n' >"$tmp/keep.hs"
script keep 0 '|hello\.\.\.' --allocator=tests/student/good.c
# undo and goto replay the history (stores included) in a fresh child
printf 'a = malloc(24)\nstrcpy(a, "abc")\nb = malloc(40)\nundo\nundo\nundo\nredo\nredo\nc = realloc(a, 300)\nhexdump c 16\ngoto 1\nchunks\n' >"$tmp/replay.hs"
script replay 0 '|abc\.\.\.' --allocator=tests/student/good.c
script replay 0 'heap 0x555555559000-0x555555559030 (3 blocks of good.c)' --allocator=tests/student/good.c
# a crash names the function, the signal and the call; heapscope goes on
printf 'a = malloc(24)\nb = malloc(24)\nc = malloc(24)\nfree(a)\nfree(b)\nfree(c)\nd = malloc(24)\n' >"$tmp/crash.hs"
script crash 3 'mm_free crashed with SIGSEGV at 0x0 during free(0x555555559070)' --allocator=tests/student/crash.c
script crash 3 '#7 d = malloc(24) = 0x555555559' --allocator=tests/student/crash.c --keep-going
printf 'p = malloc(100)\nfree(p)\nq = malloc(200)\n' >"$tmp/loop.hs"
script loop 3 'malloc(200) took longer than 2000 ms: likely an infinite loop; it was stopped' --allocator=tests/student/loop.c
script loop 3 'malloc(200) took longer than 300 ms' --allocator=tests/student/loop.c --time-limit=0.3
script loop 2 'time-limit needs seconds from 0.01 to 3600' --allocator=tests/student/loop.c --time-limit=0
printf 'p = malloc(24)\nfree(p)\nq = malloc(24)\nr = malloc(24)\n' >"$tmp/overlap.hs"
script overlap 3 'mm_malloc returned 0x555555559010 during malloc(24): its 24 bytes overlap the live payload at 0x555555559010' --allocator=tests/student/overlap.c
script overlap 3 'not 16-byte aligned' --allocator=tests/student/misaligned.c
printf 'a = malloc(16)\nb = malloc(16)\nstrcpy(b, "live")\nfree(a)\n' >"$tmp/scribble.hs"
script scribble 3 'mm_free wrote into the live payload at 0x555555559030 during free(0x555555559010) (its byte 0 changed)' --allocator=tests/student/scribble.c
# the blocks: CS:APP tags read by heapscope, or the allocator's mm_walk
printf 'p = malloc(24)\nq = malloc(100)\nfree(p)\nchunks\ncheck\n' >"$tmp/blocks.hs"
script blocks 0 '0x555555559018   0x30      --- free             p' --allocator=tests/student/csapp.c --block-format=cs-app
script blocks 0 'heap is consistent' --allocator=tests/student/csapp.c --block-format=cs-app
script blocks 0 '0x555555559048   0x80      a-- in use           q' --allocator=tests/student/walk.c
# a double free reaches the student's mm_free, and heapscope says what glibc would do
printf 'a = malloc(40)\nfree(a)\nfree(a)\n' >"$tmp/df.hs"
script df 0 'was not a live payload (freed already, or never returned by malloc): glibc would abort here' --allocator=tests/student/walk.c --explain
# check: mm_walk's blocks against the payloads heapscope knows
script blocks 0 'heap is consistent' --allocator=tests/student/walk.c --check-heap
script blocks 0 'a live payload lies in a block mm_walk reports as free' --allocator=tests/student/badwalk.c
script blocks 0 "heapscope cannot see your allocator's blocks" --allocator=tests/student/good.c
# `allocator FILE` in a script, a compile error at its line, and back to glibc
printf 'allocator tests/student/good.c\np = malloc(24)\nallocator glibc\nq = malloc(24)\n' >"$tmp/switch.hs"
script switch 0 '#4 q = malloc(24) = 0x5555555592a0  chunk 0x20' 
script switch 0 'a fresh process whose malloc is good.c: your allocator, run in its own process'
printf 'p = malloc(24)\nallocator tests/student/syntax.c\n' >"$tmp/bad.hs"
script bad 1 'bad.hs:2:11: error: tests/student/syntax.c does not compile:'
script bad 1 "syntax.c:14:[0-9]*: error: expected expression"
# what the allocator prints goes to standard error; it reads nothing
printf 'p = malloc(24)\n' >"$tmp/chatty.hs"
script chatty 0 'CHATTY malloc(24)' --allocator=tests/student/chatty.c
# (heapscope's own standard input has a line for it to steal, were it not /dev/null)
if echo "a line" | timeout 60 "$bin" --allocator=tests/student/chatty.c --batch "$tmp/chatty.hs" 2>/dev/null |
	grep -q '#1 p = malloc(24) = 0x555555559010'; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "student: FAILED: the allocator's process read heapscope's standard input"
fi
# a prebuilt .so
${CC:-cc} -shared -fPIC -O2 -Isrc/student/child -o "$tmp/good.so" tests/student/good.c
script keep 0 '|hello\.\.\.' --allocator="$tmp/good.so"
script keep 2 'block-format goes with --allocator' --block-format=cs-app
# implicit and explicit take their policy as an option or a second word
script blocks 0 'blocks of implicit-best)' --allocator=implicit --fit=best
script keep 2 "'best' is not a policy of --allocator=explicit" --allocator=explicit --fit=best
printf 'allocator explicit addr\np = malloc(10)\nallocator implicit worst\n' >"$tmp/policy.hs"
script policy 1 'a fresh process whose malloc is explicit-addr'
script policy 1 'policy.hs:3:20: error: not a policy of implicit'

# the folder it compiled in is gone afterwards
if ls /tmp/heapscope-mm-* >/dev/null 2>&1 && [ -n "$(find /tmp -maxdepth 1 -name 'heapscope-mm-*' -newer "$tmp/t.rep" 2>/dev/null)" ]; then
	fail=$((fail + 1))
	echo "student: FAILED: a build folder was left in /tmp"
else
	pass=$((pass + 1))
fi
echo "student: $pass passed, $fail failed"
[ $fail = 0 ]
