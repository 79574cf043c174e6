#!/bin/sh
# cli.sh - the command line as a user meets it: usage errors exit 2, a
# missing file exits 1 with its name, stdin works, and without a terminal
# heapscope offers batch mode instead of failing obscurely.
bin=${1:-build/heapscope-san}
# AddressSanitizer cannot run under ulimit -v: memory limits use the release build
rel=${2:-$(dirname "$bin")/heapscope}
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
expect batch-no-file 2 "needs a script" -- "$bin" --batch
expect bad-seed 2 "needs a non-negative number" -- "$bin" --seed abc --batch -
expect two-scripts 2 "only one script" -- "$bin" a.hs b.hs
expect help 0 "usage: heapscope" -- "$bin" --help
expect version 0 "heapscope 0" -- "$bin" --version
expect no-tty 5 "heapscope --batch" -- env TERM=xterm "$bin"
expect dumb-term 5 "heapscope --batch" -- env TERM=dumb "$bin"
expect directory 1 "tests" -- "$bin" --batch tests
printf 'p = malloc(24)\nfree(p)\n' >"$tmp/s.hs"
expect stdin 0 '"op":"free"' -- sh -c "\"$bin\" --batch - --format=jsonl < \"$tmp/s.hs\""
# --compare: every built-in allocator through generated malloc-lab traces,
# each with its invariant checker after every call; all must stay valid
all=glibc,bump,implicit-first,implicit-next,implicit-best,explicit-lifo,explicit-addr,segregated,buddy
for sc in bench small large realloc; do
	"$(dirname "$bin")/tests/gen-trace" $sc 5 3000 rep | grep -v '(' >"$tmp/$sc.rep"
done
if "$bin" --compare $all --check-heap "$tmp/bench.rep" "$tmp/small.rep" "$tmp/large.rep" "$tmp/realloc.rep" >"$tmp/cmp" 2>&1 &&
	[ "$(grep -c 'Total (valid traces)' "$tmp/cmp")" = 9 ] && ! grep -q 'check failed' "$tmp/cmp"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "cli: compare: $(grep -m3 -e 'check failed' -e heapscope: "$tmp/cmp")"
fi
expect compare-unknown 2 "unknown allocator 'first-fit'; the built-in ones are glibc, bump" -- "$bin" --compare glibc,first-fit "$tmp/bench.rep"
printf 'a 0 10\nx 1\n' >"$tmp/bad.rep"
expect compare-bad-trace 1 "bad.rep:2: expected a ID SIZE, f ID or r ID SIZE" -- "$bin" --compare glibc "$tmp/bad.rep"
expect compare-no-trace 2 "needs malloc-lab traces" -- "$bin" --compare glibc

# the memalign family's and the layout directives' mistakes
printf 'posix_memalign(p, 64, 10)\n' >"$tmp/pm.hs"
expect posix-memalign-no-amp 1 "pm.hs:1:16: error: expected &NAME" -- "$bin" --batch "$tmp/pm.hs"
printf 'a = malloc(1)\nheap_start 0x600000000000\n' >"$tmp/hs1.hs"
expect heap-start-late 1 "hs1.hs:2:1: error: heap_start applies when the process starts" -- "$bin" --batch "$tmp/hs1.hs"
printf 'heap_start 0x600000000010\n' >"$tmp/hs2.hs"
expect heap-start-unaligned 1 "cannot start the heap: it must be page-aligned" -- "$bin" --batch "$tmp/hs2.hs"
printf 'heap_start 0x600000000000\nmmap_base 0x7fff00000000\na = malloc(10)\nm = malloc(200000)\n' >"$tmp/hs3.hs"
expect heap-start-moves 0 '"ptr":"0x6000000002a0"' -- "$bin" --batch "$tmp/hs3.hs" --format=jsonl
expect mmap-base-moves 0 '"ptr":"0x7ffeffda0010"' -- "$bin" --batch "$tmp/hs3.hs" --format=jsonl
expect aslr 0 '"off":672' -- sh -c "\"$bin\" --batch - --format=jsonl --aslr --seed 7 < \"$tmp/s.hs\""
expect aslr-moves 0 '"ptr":"0x5' -- sh -c "\"$bin\" --batch - --format=jsonl --aslr --seed 7 < \"$tmp/s.hs\" | grep -v 0x5555555592a0"
# options in any order, GNU style: --batch is a flag, the script an operand
expect batch-then-format 0 '"op":"free"' -- "$bin" --batch --format=jsonl "$tmp/s.hs"
expect format-then-batch 0 '"op":"free"' -- "$bin" --format jsonl "$tmp/s.hs" --batch
expect batch-equals 0 '"op":"free"' -- "$bin" --batch="$tmp/s.hs" --format=jsonl
expect double-dash 0 '"op":"free"' -- "$bin" --batch --format=jsonl -- "$tmp/s.hs"
expect help-statuses 0 "4   --check-heap found a broken heap invariant" -- "$bin" --help
# files that are not scripts: never block, never read forever
mkfifo "$tmp/fifo"
expect fifo 1 "cannot read a script from a FIFO" -- timeout 10 "$bin" --batch "$tmp/fifo"
expect dev-zero 1 "cannot read a script from a device" -- timeout 10 "$bin" --batch /dev/zero
expect zero-stdin 1 "line is longer than 1048576 bytes" -- sh -c "head -c 3000000 /dev/zero | timeout 20 \"$bin\" --batch -"
# output that cannot be written is an error, not a silent success
expect dev-full 6 "cannot write the output" -- sh -c "\"$bin\" --batch \"$tmp/s.hs\" >/dev/full"
expect closed-stdout 6 "cannot write the output" -- sh -c "\"$bin\" --batch \"$tmp/s.hs\" >&-"
expect help-dev-full 6 "cannot write the output" -- sh -c "\"$bin\" --help >/dev/full"
# a broken invariant found by --check-heap has its own status
printf 'p = malloc(24)\nq = malloc(24)\n*(p - 8) = 0x31\nr = malloc(8)\n' >"$tmp/chk.hs"
expect check-heap 4 "heap check failed" -- "$bin" --batch --check-heap --keep-going "$tmp/chk.hs"
# huge simulated mappings cost host memory only for the pages they use
i=0; : >"$tmp/big.hs"; while [ $i -lt 40 ]; do echo "malloc(0xF00000000)" >>"$tmp/big.hs"; i=$((i + 1)); done
echo "p = malloc(24)" >>"$tmp/big.hs"
expect huge-mmaps 0 "p = malloc(24) = 0x5555555592a0" -- sh -c "ulimit -v 4000000; \"$rel\" --batch --no-summary \"$tmp/big.hs\""
expect huge-mmaps-enomem 0 "p5 = malloc(0xF00000000) = NULL" -- sh -c "ulimit -v 4000000; \"$rel\" --batch --no-summary \"$tmp/big.hs\""
# the classic experiment (demos/printf-buffer.hs) at the article's addresses,
# measured on real glibc 2.36 with setarch -R: on a terminal, then on a pipe
for want in "a = malloc(1000) = 0x5555555596b0" "b = malloc(1000) = 0x555555559aa0" \
	"c = malloc(1000) = 0x555555559e90" "brk=0x55555557a000" "a = malloc(1000) = 0x55555555a2b0" \
	"b = malloc(1000) = 0x55555555a6a0" "c = malloc(1000) = 0x55555555aa90"; do
	expect "observing-malloc '$want'" 0 "$want" -- "$bin" --batch demos/printf-buffer.hs --no-summary
done
# slides without a terminal: one SVG and one HTML per pause and say
printf 'title "Scene 1"\nsay "malloc(10) gets a 0x20 chunk"\na = malloc(10)\npause "look at the chunk"\nfree(a)\n' >"$tmp/lec.hs"
expect export-pauses 0 "/02.html" -- "$bin" --batch "$tmp/lec.hs" --export-pauses "$tmp/slides" --size 100x30
if python3 - "$tmp/slides" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
from html.parser import HTMLParser
d = sys.argv[1]
svgs, htmls = sorted(glob.glob(d + "/*.svg")), sorted(glob.glob(d + "/*.html"))
assert len(svgs) == 2 and len(htmls) == 2, (svgs, htmls)
for f in svgs:
    root = ET.parse(f).getroot()
    assert root.tag.endswith("svg") and root.get("width") == str(100 * 9)
    assert any("fill" in e.attrib and e.attrib["fill"] not in ("#1c1c1c",) for e in root)
for f in htmls:
    HTMLParser().feed(open(f).read())
assert "look at the chunk" in open(d + "/02.html").read()
assert "color:#" in open(d + "/01.html").read()
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "cli: exported SVG/HTML do not parse or lack colours"; fi
expect export-bad-size 2 "needs COLSxROWS" -- "$bin" --batch "$tmp/lec.hs" --export-pauses "$tmp/s2" --size 10x10
: >"$tmp/afile"
expect export-not-dir 6 "not a directory" -- "$bin" --batch "$tmp/lec.hs" --export-pauses "$tmp/afile"
# every demo runs to the exit status demos/README.md documents, and every
# demo is listed there
for d in demos/*.hs; do
	name=$(basename "$d")
	want=$(awk -F'|' -v n="\`$name\`" '{ gsub(/ /, "", $2) } $2 == n { gsub(/ /, "", $4); print $4 }' demos/README.md)
	"$bin" --batch "$d" --keep-going --no-summary >/dev/null 2>"$tmp/err" </dev/null
	st=$?
	if [ -n "$want" ] && [ "$st" = "$want" ] && ! grep -q "error:" "$tmp/err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "cli: demo $d: status $st, demos/README.md says '${want:-(not listed)}'"
		head -3 "$tmp/err"
	fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
