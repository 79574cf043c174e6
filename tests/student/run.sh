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
# the folder it compiled in is gone afterwards
if ls /tmp/heapscope-mm-* >/dev/null 2>&1 && [ -n "$(find /tmp -maxdepth 1 -name 'heapscope-mm-*' -newer "$tmp/t.rep" 2>/dev/null)" ]; then
	fail=$((fail + 1))
	echo "student: FAILED: a build folder was left in /tmp"
else
	pass=$((pass + 1))
fi
echo "student: $pass passed, $fail failed"
[ $fail = 0 ]
