#!/bin/sh
# run.sh - the fuzz harnesses as tests.  `run.sh test SECONDS` replays every
# input of the corpus (the seeds and each input that once found a bug) and
# then fuzzes each harness for SECONDS; `run.sh fuzz SECONDS` only fuzzes,
# longer.  New inputs go to build/fuzz/corpus-*, never into the repository;
# a crash, sanitizer report, timeout or memory blow-up fails the run and
# leaves its input in build/fuzz/ (add it to tests/fuzz/corpus/ with the fix).
# Ends with "fuzz: N passed, M failed".
b=${HS_BUILD:-build}
mode=${1:-test}
secs=${2:-25}
pass=0 fail=0
# the command names, from the command table, as a dictionary
dict="$b/fuzz/session.dict"
printf 'help\n' | "$b/heapscope" --batch - 2>/dev/null | awk '/^  [a-z_]+ / { printf "\"%s\"\n", $1 }' >"$dict"
printf '"t1:"\n"t3: "\n"0x"\n"("\n")"\n"="\n"*("\n"M_MXFAST"\n"M_MMAP_THRESHOLD"\n"$"\n"pause"\n"\\x0a"\n' >>"$dict"
opts="-timeout=20 -rss_limit_mb=3000 -max_len=8192 -print_final_stats=1"

one() { # one NAME ARGS...: run a harness; count it
	name=$1
	shift
	if "$@" >"$b/fuzz/$name.log" 2>&1; then
		pass=$((pass + 1))
		grep -E "stat::number_of_executed_units|^Done|exec/s" "$b/fuzz/$name.log" | tail -2 | sed "s/^/fuzz: $name: /"
	else
		fail=$((fail + 1))
		echo "fuzz: $name FAILED:"
		grep -E "ERROR|SUMMARY|fuzz-ops:|Test unit written|ALARM|out-of-memory" "$b/fuzz/$name.log" | head -8 | sed 's/^/    /'
	fi
}

for h in session ops; do
	mkdir -p "$b/fuzz/corpus-$h"
	# the session harness also starts from the demos and the golden scripts
	seeds="tests/fuzz/corpus/$h"
	[ $h = session ] && seeds="$seeds demos tests/golden"
	if [ "$mode" = test ]; then
		# every corpus input once: the regression part
		one "$h-corpus" "$b/fuzz/fuzz-$h" $opts -runs=0 $seeds
	fi
	d=""
	[ $h = session ] && d="-dict=$dict"
	one "$h-fuzz" "$b/fuzz/fuzz-$h" $opts $d -max_total_time="$secs" -artifact_prefix="$b/fuzz/$h-" \
		"$b/fuzz/corpus-$h" $seeds
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
