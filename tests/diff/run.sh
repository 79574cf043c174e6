#!/bin/sh
# run.sh - the differential test: generated scripts run through the real
# glibc (glibc-driver) and through heapscope (--format=jsonl, heap checker
# after every operation); off, chunk, mmapped, brk and return values must
# agree for every operation.  Needs glibc 2.36 on x86-64: elsewhere it says
# it was skipped and why.  The same for an i386 process, with the driver
# built by gcc -m32 (a failure to build it is a failure, not a skip).
b=${HS_BUILD:-build}
bin=${1:-$b/heapscope}
ops=${HS_DIFF_OPS:-20000}
pass=0 fail=0 total=0
arch=$(uname -m)
ver=$(getconf GNU_LIBC_VERSION 2>/dev/null)
if [ "$arch" != x86_64 ] || [ "$ver" != "glibc 2.36" ]; then
	echo "diff: skipped: the oracle must be glibc 2.36 on x86_64, this machine has '$ver' on $arch"
	echo "diff: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compare NAME SCRIPT: run SCRIPT through heapscope and compare it with the
# driver's $tmp/real line for line; a differing script is kept in /tmp
compare() {
	"$bin" $march --batch "$2" --format=jsonl --no-summary --check-heap 2>"$tmp/err" |
		awk -v ABS="$abs" -f tests/diff/jsonl2cmp.awk >"$tmp/model"
	n=$(wc -l <"$tmp/real")
	if [ "$n" -gt 0 ] && cmp -s "$tmp/real" "$tmp/model" && [ ! -s "$tmp/err" ]; then
		pass=$((pass + 1))
		total=$((total + n))
	else
		fail=$((fail + 1))
		keep="/tmp/heapscope-diff-$(echo "$1" | tr / -).hs"
		echo "diff: $1 differs from glibc (first differences, real < > model):"
		diff "$tmp/real" "$tmp/model" | head -6
		head -3 "$tmp/err"
		cp "$2" "$keep" && echo "diff: script kept in $keep"
	fi
}

march="" # the model's machine: empty for x86-64

# Without ASLR (setarch -R) the driver's mmapped chunks sit where a
# minimal program's would, so they are compared by absolute address too.
abs="" norand=""
if setarch -R true 2>/dev/null; then
	abs=1 norand="setarch -R"
else
	echo "diff: setarch -R does not work here: mmapped chunks are compared by size only, not by address"
fi
for sc in tcache-fast small large mmap trim realloc mixed tunable memalign; do
	if [ $sc = memalign ] && [ -z "$abs" ]; then
		# an mmapped chunk's leader depends on its absolute address
		echo "diff: memalign: not compared: it needs setarch -R"
		fail=$((fail + 1))
		continue
	fi
	for seed in 1 2 3; do
		"$b/tests/gen-trace" $sc $seed "$ops" >"$tmp/t.hs"
		if ! HS_DRIVER_ABS=$abs $norand "$b/tests/glibc-driver" "$tmp/t.hs" >"$tmp/real" 2>"$tmp/start"; then
			echo "diff: $sc/$seed: the glibc driver failed"
			fail=$((fail + 1))
			continue
		fi
		# the model's heap starts where the driver's did
		{ grep '^heap_start ' "$tmp/start"; cat "$tmp/t.hs"; } >"$tmp/t2.hs"
		compare "$sc/$seed" "$tmp/t2.hs"
	done
done
# Threads: each call runs on its own real thread in the driver (created
# by main at its first call, as in the model), one at a time; the model
# is told how many cores this machine has (arena_get2's limit).  Chunks
# of thread arenas are compared by absolute address (setarch -R); the
# stack size is fixed because a thread's stack mapping takes RLIMIT_STACK.
if [ -n "$abs" ]; then
	for seed in 1 2 3; do
		"$b/tests/gen-trace" threads $seed "$ops" >"$tmp/t.hs"
		if ! (ulimit -s 8192 && HS_DRIVER_ABS=1 $norand "$b/tests/glibc-driver" "$tmp/t.hs" >"$tmp/real" 2>"$tmp/start"); then
			echo "diff: threads/$seed: the glibc driver failed"
			fail=$((fail + 1))
			continue
		fi
		{ grep '^heap_start ' "$tmp/start"; echo "cores $(nproc)"; cat "$tmp/t.hs"; } >"$tmp/t2.hs"
		compare "threads/$seed" "$tmp/t2.hs"
	done
else
	echo "diff: threads: not compared: thread arenas are compared by address, which needs setarch -R"
	fail=$((fail + 1))
fi
abs="" # the stdio cases below run without setarch
# stdio: the same script with stdout on a pipe, on a file and on a terminal
# (script(1) gives the driver a pty); heapscope is told where with `stdout`
for mode in pipe file tty; do
	for seed in 1 2; do
		"$b/tests/gen-trace" stdio $seed 3000 >"$tmp/s.hs"
		: >"$tmp/real"
		case $mode in
		pipe) "$b/tests/glibc-driver" "$tmp/s.hs" "$tmp/real" 2>/dev/null | cat >/dev/null ;;
		file) "$b/tests/glibc-driver" "$tmp/s.hs" "$tmp/real" >"$tmp/stdout.txt" 2>/dev/null ;;
		tty) script -qec "$b/tests/glibc-driver $tmp/s.hs $tmp/real 2>/dev/null" /dev/null >/dev/null ;;
		esac
		{ echo "stdout $mode"; cat "$tmp/s.hs"; } >"$tmp/sm.hs"
		compare "stdio/$mode/$seed" "$tmp/sm.hs"
	done
done

# An i386 process: the same driver built with gcc -m32 is the oracle of
# --arch=i386 --kernel=64 (a 32-bit program under this 64-bit kernel),
# every scenario again, mmapped chunks by absolute address under setarch -R.
x64_total=$total
total=0
cc=${CC:-cc}
if ! $cc -m32 -std=c11 -D_DEFAULT_SOURCE -O0 -o "$tmp/driver32" tests/diff/glibc-driver.c 2>"$tmp/cc32"; then
	echo "diff: i386: cannot build the glibc driver with $cc -m32 (Debian: apt-get install gcc-multilib):"
	head -3 "$tmp/cc32"
	fail=$((fail + 1))
else
	march="--arch=i386 --kernel=64"
	abs=$([ -n "$norand" ] && echo 1)
	for sc in tcache-fast small large mmap trim realloc mixed tunable memalign; do
		for seed in 1 2 3; do
			"$b/tests/gen-trace" $sc $seed "$ops" >"$tmp/t.hs"
			if ! HS_DRIVER_ABS=$abs $norand "$tmp/driver32" "$tmp/t.hs" >"$tmp/real" 2>"$tmp/start"; then
				echo "diff: i386 $sc/$seed: the -m32 glibc driver failed"
				fail=$((fail + 1))
				continue
			fi
			{ grep '^heap_start ' "$tmp/start"; cat "$tmp/t.hs"; } >"$tmp/t2.hs"
			compare "i386/$sc/$seed" "$tmp/t2.hs"
		done
	done
	abs=""
	for mode in pipe file tty; do
		"$b/tests/gen-trace" stdio 1 3000 >"$tmp/s.hs"
		: >"$tmp/real"
		case $mode in
		pipe) "$tmp/driver32" "$tmp/s.hs" "$tmp/real" 2>/dev/null | cat >/dev/null ;;
		file) "$tmp/driver32" "$tmp/s.hs" "$tmp/real" >"$tmp/stdout.txt" 2>/dev/null ;;
		tty) script -qec "$tmp/driver32 $tmp/s.hs $tmp/real 2>/dev/null" /dev/null >/dev/null ;;
		esac
		{ echo "stdout $mode"; cat "$tmp/s.hs"; } >"$tmp/sm.hs"
		compare "i386/stdio/$mode" "$tmp/sm.hs"
	done
	echo "diff: i386: $total operations compared op for op with the 32-bit glibc"
fi
total=$((total + x64_total))
echo "diff: x86-64: $x64_total operations compared op for op with glibc $(getconf GNU_LIBC_VERSION | cut -d' ' -f2)"
echo "diff: $pass passed, $fail failed"
[ $fail = 0 ]
