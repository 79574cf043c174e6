#!/bin/sh
# run-bench.sh - `make bench`: heapscope's model against the real glibc on
# the same 1,000,000-operation traces, in the same run, three rounds each
# (the fastest round counts); then the TUI frame-drawing benchmark.
b=${HS_BUILD:-build}
ops=${HS_BENCH_OPS:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-12s %10s %12s %12s %8s %14s %12s\n' trace ops "glibc ns/op" "model ns/op" ratio "history B/op" "peak RSS MB"
for sc in bench small mixed; do
	"$b/tests/gen-trace" $sc 7 "$ops" | grep -v -e mallopt -e malloc_trim -e tunable >"$tmp/$sc.hs"
	g=999999 m=999999 hist=0 rss=0 n=0
	for round in 1 2 3; do
		set -- $("$b/bench/bench-glibc" "$tmp/$sc.hs")
		g=$(echo "$1 $g" | awk '{print ($1 < $2) ? $1 : $2}')
		n=$2
		set -- $("$b/bench/bench-engine" "$tmp/$sc.hs" 2>"$tmp/goto$round")
		m=$(echo "$1 $m" | awk '{print ($1 < $2) ? $1 : $2}')
		hist=$3 rss=$4
	done
	ratio=$(echo "$m $g" | awk '{printf "%.2fx", $1 / $2}')
	printf '%-12s %10s %12s %12s %8s %14s %12.1f\n' $sc "$n" "$g" "$m" "$ratio" "$hist" "$(echo "$rss" | awk '{print $1 / 1048576}')"
	# every round's goto line: the worst case is a maximum, so noise shows
	for round in 1 2 3; do
		echo "   round $round: ($(cat "$tmp/goto$round"))"
	done
done
# an i386 process: the model (--arch=i386) against the real 32-bit glibc
# (bench-glibc built with -m32) on the bench trace
if ${CC:-cc} -m32 -std=c11 -D_DEFAULT_SOURCE -O2 -o "$tmp/bench-glibc32" tests/bench/bench-glibc.c 2>/dev/null; then
	g=999999 m=999999
	for round in 1 2 3; do
		set -- $("$tmp/bench-glibc32" "$tmp/bench.hs")
		g=$(echo "$1 $g" | awk '{print ($1 < $2) ? $1 : $2}')
		n=$2
		set -- $("$b/bench/bench-engine" "$tmp/bench.hs" i386 2>/dev/null)
		m=$(echo "$1 $m" | awk '{print ($1 < $2) ? $1 : $2}')
	done
	echo "i386 bench trace ($n ops): glibc -m32 $g ns/op, model --arch=i386 $m ns/op:" \
		"$(echo "$m $g" | awk '{printf "%.2fx", $1 / $2}')"
else
	echo "i386: cannot build bench-glibc with -m32 (Debian: apt-get install gcc-multilib)"
fi
# headless replay (batch mode, text output) with and without the narration
"$b/tests/gen-trace" bench 11 200000 | grep -v -e mallopt -e malloc_trim -e tunable >"$tmp/replay.hs"
best_ns() { # the best of three runs of a command, in ns
	bst=999999999999
	for round in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		bst=$(echo "$t0 $t1 $bst" | awk '{ d = $2 - $1; print (d < $3) ? d : $3 }')
	done
	echo "$bst"
}
best() { best_ns "$@" | awk -v n=200000 '{ printf "%.0f", $1 / n }'; } # ns per operation
ms() { best_ns "$@" | awk '{ printf "%.1f", $1 / 1e6 }'; }
off=$(best "$b/heapscope" --batch "$tmp/replay.hs" --no-summary)
on=$(best "$b/heapscope" --batch "$tmp/replay.hs" --no-summary --explain)
echo "headless replay of 200,000 operations (batch, text): $off ns/op without --explain, $on ns/op with it" \
	"(the narration costs $(echo "$on $off" | awk '{ printf "%.0f", $1 - $2 }') ns/op when on; off, it is never computed)"
"$b/bench/bench-draw"
# the recorder: a 400,000-call program with and without it (the cost per
# call); its recording replayed by the engine against glibc on the same
# operations, and as a script (batch and --verify) against the program's run
"${CC:-cc}" -O2 -o "$tmp/brec" tests/bench/bench-record.c
calls=400000
plain=$(ms "$tmp/brec" $calls)
mkdir -p "$tmp/rec"
recd=$(ms env LD_PRELOAD="$b/libheapscope-record.so" HEAPSCOPE_RECORD_DIR="$tmp/rec" "$tmp/brec" $calls)
rm -rf "$tmp/rec"
"$b/heapscope" record -o "$tmp/rec" -- "$tmp/brec" $calls >/dev/null
script=$(ls "$tmp"/rec/*.hs | head -1)
replay=$(ms "$b/heapscope" --batch "$script" --no-summary)
verify=$(ms "$b/heapscope" --verify "$script")
# the recording's operations through the model and through glibc, as the
# traces above (the engine with its history; parsing is not timed)
g=999999 m=999999
for round in 1 2 3; do
	set -- $("$b/bench/bench-glibc" "$script")
	g=$(echo "$1 $g" | awk '{print ($1 < $2) ? $1 : $2}')
	set -- $("$b/bench/bench-engine" "$script" 2>/dev/null)
	m=$(echo "$1 $m" | awk '{print ($1 < $2) ? $1 : $2}')
done
echo "recorded trace ($calls calls): glibc $g ns/op, model $m ns/op: $(echo "$m $g" | awk '{ printf "%.2fx", $1 / $2 }')"
echo "recorder: $calls calls in $plain ms plain, $recd ms recorded:" \
	"$(echo "$recd $plain $calls" | awk '{ printf "%.2f", ($1 - $2) * 1000 / $3 }') us per call;" \
	"replaying the recording takes $replay ms ($(echo "$replay $plain" | awk '{ printf "%.1fx", $1 / $2 }') glibc's own run)," \
	"--verify $verify ms ($(echo "$verify $plain" | awk '{ printf "%.1fx", $1 / $2 }'))"
# the textbook allocators (and the glibc model, without history) on a
# 100,000-operation malloc-lab trace, timed as the lab driver times them
"$b/tests/gen-trace" bench 13 100000 rep | grep -v '(' >"$tmp/lab.rep"
"$b/heapscope" --compare glibc,bump,implicit-first,implicit-next,implicit-best,explicit-lifo,explicit-addr,segregated,buddy \
	"$tmp/lab.rep" | awk '/^[a-z]/ { name = $1; sub(/:$/, "", name) }
	/Total/ { printf "%s%s %.0f ns/op (util %s)", sep, name, 1e6 / $NF, $(NF - 3); sep = ", " }
	END { printf "\n" }' | sed 's/^/allocators on a 100,000-operation lab trace: /'
# a student's allocator in its child process: the cost per operation of
# the round trip (the allocator, tests/bench/mm-bump.c, costs next to nothing)
"$b/heapscope" --compare tests/bench/mm-bump.c "$tmp/lab.rep" 2>/dev/null | awk '/Total/ {
	printf "student allocator in a child process: %.1f us per operation (%s Kops)\n", 1e3 / $NF, $NF }'
# the same trace replayed in batch mode with the student's allocator in
# glibc's place: each call a round trip, the pages it wrote checked and
# copied; the compile (an empty script) is taken out
ms() { s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
printf '' >"$tmp/empty.hs"
cc_ms=$(ms "$b/heapscope" --allocator=tests/bench/mm-bump.c --batch "$tmp/empty.hs")
stu_ms=$(ms "$b/heapscope" --allocator=tests/bench/mm-bump.c --batch "$tmp/lab.rep" --no-summary)
glb_ms=$(ms "$b/heapscope" --batch "$tmp/lab.rep" --no-summary)
echo "student allocator on the panes (batch replay of the 100,000-operation trace):" \
	"$(echo "$stu_ms $cc_ms" | awk '{ printf "%.1f", ($1 - $2) * 1000 / 100000 }') us per operation" \
	"(compile $cc_ms ms); the glibc model $(echo "$glb_ms" | awk '{ printf "%.1f", $1 * 1000 / 100000 }') us"
