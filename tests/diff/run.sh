#!/bin/sh
# run.sh - the differential test: generated scripts run through the real
# glibc (glibc-driver) and through heapscope (--format=jsonl, heap checker
# after every operation); off, chunk, mmapped, brk and return values must
# agree for every operation.  Needs glibc 2.36 on x86-64: elsewhere it says
# it was skipped and why.
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
for sc in tcache-fast small large mmap trim realloc mixed tunable; do
	for seed in 1 2 3; do
		"$b/tests/gen-trace" $sc $seed "$ops" >"$tmp/t.hs"
		if ! "$b/tests/glibc-driver" "$tmp/t.hs" >"$tmp/real"; then
			echo "diff: $sc/$seed: the glibc driver failed"
			fail=$((fail + 1))
			continue
		fi
		"$bin" --batch "$tmp/t.hs" --format=jsonl --no-summary --check-heap 2>"$tmp/err" |
			awk -f tests/diff/jsonl2cmp.awk >"$tmp/model"
		n=$(wc -l <"$tmp/real")
		if cmp -s "$tmp/real" "$tmp/model" && [ ! -s "$tmp/err" ]; then
			pass=$((pass + 1))
			total=$((total + n))
		else
			fail=$((fail + 1))
			echo "diff: $sc/$seed differs from glibc (first differences, real < > model):"
			diff "$tmp/real" "$tmp/model" | head -6
			head -3 "$tmp/err"
			cp "$tmp/t.hs" "/tmp/heapscope-diff-$sc-$seed.hs" && echo "diff: script kept in /tmp/heapscope-diff-$sc-$seed.hs"
		fi
	done
done
# stdio: the same script with stdout on a pipe, on a file and on a terminal
# (script(1) gives the driver a pty); heapscope is told where with `stdout`
for mode in pipe file tty; do
	for seed in 1 2; do
		"$b/tests/gen-trace" stdio $seed 3000 >"$tmp/s.hs"
		case $mode in
		pipe) "$b/tests/glibc-driver" "$tmp/s.hs" "$tmp/real" 2>/dev/null | cat >/dev/null ;;
		file) "$b/tests/glibc-driver" "$tmp/s.hs" "$tmp/real" >"$tmp/stdout.txt" 2>/dev/null ;;
		tty) script -qec "$b/tests/glibc-driver $tmp/s.hs $tmp/real 2>/dev/null" /dev/null >/dev/null ;;
		esac
		{ echo "stdout $mode"; cat "$tmp/s.hs"; } >"$tmp/sm.hs"
		"$bin" --batch "$tmp/sm.hs" --format=jsonl --no-summary --check-heap 2>"$tmp/err" |
			awk -f tests/diff/jsonl2cmp.awk >"$tmp/model"
		n=$(wc -l <"$tmp/real")
		if [ "$n" -gt 0 ] && cmp -s "$tmp/real" "$tmp/model" && [ ! -s "$tmp/err" ]; then
			pass=$((pass + 1))
			total=$((total + n))
		else
			fail=$((fail + 1))
			echo "diff: stdio/$mode/$seed differs from glibc (first differences, real < > model):"
			diff "$tmp/real" "$tmp/model" | head -6
			head -3 "$tmp/err"
			cp "$tmp/sm.hs" "/tmp/heapscope-diff-stdio-$mode-$seed.hs" && echo "diff: script kept in /tmp/heapscope-diff-stdio-$mode-$seed.hs"
		fi
	done
done
echo "diff: $total operations compared op for op with glibc $(getconf GNU_LIBC_VERSION | cut -d' ' -f2)"
echo "diff: $pass passed, $fail failed"
[ $fail = 0 ]
