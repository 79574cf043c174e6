#!/bin/sh
# run-all.sh - every test, as `make test` runs it: unit tests (sanitized),
# golden batch output, the command line, the differential test against the
# real glibc, the process image against a real process's maps, recordings
# of real programs replayed with --verify, the TUI driven in tmux, and the fuzz harnesses.  Ends with "N passed, M failed".
b=${HS_BUILD:-build}
tp=0 tf=0
log=$(mktemp)
summary=$(mktemp)
trap 'rm -f "$log" "$summary"' EXIT
# a failing suite's own messages are repeated at the very end, where a
# CI log cut to its last lines still shows what failed
remember() {
	{
		echo "run-all: failed in '$*':"
		if grep -q 'FAILED' "$log"; then
			grep 'FAILED' "$log" | cut -c1-200 | head -20
		else
			grep -v '^    |' "$log" | tail -8 | cut -c1-200
		fi
	} >>"$summary"
}
run() {
	{
		"$@" 2>&1
		echo "run-all-exit: $?"
	} | tee "$log"
	if ! grep -q '^run-all-exit: 0$' "$log"; then
		echo "run-all: '$*' exited with failure"
		tf=$((tf + 1))
		remember "$@"
	fi
	line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "run-all: '$*' printed no result line"
		tf=$((tf + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')
	tp=$((tp + p))
	tf=$((tf + f))
}
for t in "$b"/tests/test_*; do
	case $t in *.d) continue ;; esac
	run "$t"
done
run sh tests/golden/run.sh "$b/heapscope-san"
run sh tests/cli.sh "$b/heapscope-san"
run sh tests/build.sh
run sh tests/diff/run.sh "$b/heapscope"
run sh tests/process/run.sh "$b/heapscope"
run sh tests/record/run.sh "$b/heapscope"
run sh tests/student/run.sh "$b/heapscope-san"
run sh tests/tui/run.sh "$b/heapscope"
run sh tests/tui/abuse.sh "$b/heapscope"
# the fuzz corpus (regressions) and a short fuzzing run, about 60 s in all
run sh tests/fuzz/run.sh test "${HS_FUZZ_SECONDS:-25}"
cat "$summary"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ]
