#!/bin/sh
# run.sh - golden-file tests of batch mode: each tests/golden/NAME.hs or
# NAME.rep runs with the arguments in NAME.args (if any); stdout, stderr and
# the exit status must equal NAME.out, NAME.err and NAME.status.
# HS_UPDATE_GOLDEN=1 rewrites the expectations (review the diff!).
bin=${1:-build/heapscope-san}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in tests/golden/*.hs tests/golden/*.rep; do
	n=${f%.*}
	args=""
	[ -f "$n.args" ] && args=$(cat "$n.args")
	# shellcheck disable=SC2086
	"$bin" --batch "$f" $args >"$tmp/out" 2>"$tmp/err" </dev/null
	echo $? >"$tmp/status"
	if [ "${HS_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$tmp/out" "$n.out"; cp "$tmp/err" "$n.err"; cp "$tmp/status" "$n.status"
	fi
	ok=1
	for k in out err status; do
		if ! cmp -s "$tmp/$k" "$n.$k"; then
			ok=0
			echo "golden: $f: $k differs:"
			diff "$n.$k" "$tmp/$k" | head -20
		fi
	done
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
