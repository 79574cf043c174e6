#!/bin/sh
# cli.sh - the command line as a user meets it: usage errors exit 2, a
# missing file exits 1 with its name, stdin works, and without a terminal
# heapscope offers batch mode instead of failing obscurely.
bin=${1:-build/heapscope-san}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect NAME STATUS PATTERN -- command...
	name=$1 want=$2 pat=$3
	shift 4
	"$@" >"$tmp/out" 2>&1 </dev/null
	got=$?
	if [ "$got" = "$want" ] && grep -q -- "$pat" "$tmp/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "cli: $name: status $got (wanted $want), output:"
		head -5 "$tmp/out"
	fi
}

expect missing-file 1 "nosuch.hs: cannot open: No such file or directory" -- "$bin" --batch nosuch.hs
expect bad-option 2 "unknown option '--frob'" -- "$bin" --frob
expect bad-format 2 "unknown format 'xml'" -- "$bin" --batch - --format=xml
expect batch-no-file 2 "needs a file" -- "$bin" --batch
expect bad-seed 2 "needs a non-negative number" -- "$bin" --seed abc --batch -
expect two-scripts 2 "only one script" -- "$bin" a.hs b.hs
expect help 0 "usage: heapscope" -- "$bin" --help
expect version 0 "heapscope 0" -- "$bin" --version
expect no-tty 2 "heapscope --batch" -- env TERM=xterm "$bin"
expect dumb-term 2 "heapscope --batch" -- env TERM=dumb "$bin"
expect directory 1 "tests" -- "$bin" --batch tests
printf 'p = malloc(24)\nfree(p)\n' >"$tmp/s.hs"
expect stdin 0 '"op":"free"' -- sh -c "\"$bin\" --batch - --format=jsonl < \"$tmp/s.hs\""
expect aslr 0 '"off":672' -- sh -c "\"$bin\" --batch - --format=jsonl --aslr --seed 7 < \"$tmp/s.hs\""
expect aslr-moves 0 '"ptr":"0x5' -- sh -c "\"$bin\" --batch - --format=jsonl --aslr --seed 7 < \"$tmp/s.hs\" | grep -v 0x5555555592a0"
# every demo runs without a script error (3 = it ends in a glibc abort on purpose)
for d in demos/*.hs; do
	"$bin" --batch "$d" --keep-going --no-summary >/dev/null 2>"$tmp/err" </dev/null
	st=$?
	if { [ $st = 0 ] || [ $st = 3 ]; } && ! grep -q "error:" "$tmp/err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "cli: demo $d: status $st"
		head -3 "$tmp/err"
	fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
