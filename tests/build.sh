#!/bin/sh
# build.sh - the build as packagers and newcomers use it: the user's CFLAGS,
# CPPFLAGS, LDFLAGS and CC are honoured and never break it, the manual page
# renders, the exit statuses in the README and the manual are the
# program's own list, and every glibc check has its explanation.  Ends with "build: N passed, M failed".
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=${HS_JOBS:-2}

try() { # try NAME make-arguments...
	name=$1
	shift
	if make -j"$jobs" B="$tmp/$name" "$@" "$tmp/$name/heapscope" >"$tmp/$name.log" 2>&1 &&
		"$tmp/$name/heapscope" --version >/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "build: $name FAILED: make $*"
		tail -5 "$tmp/$name.log"
	fi
}

try cflags-g CFLAGS=-g
try cflags-o0 "CFLAGS=-O0 -g" CPPFLAGS=-DHS_TEST_CPPFLAGS=1 LDFLAGS=-Wl,-O1
if command -v clang >/dev/null 2>&1; then
	try clang CC=clang
else
	echo "build: clang is not installed; CC=clang not tried"
	fail=$((fail + 1))
fi

# the manual renders without warnings, with every exit status
if [ -f heapscope.1 ] && command -v groff >/dev/null 2>&1; then
	if groff -man -ww -z heapscope.1 2>"$tmp/groff" && [ ! -s "$tmp/groff" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "build: heapscope.1 has groff warnings:"
		head -5 "$tmp/groff"
	fi
fi
./heapscope --help | awk '/^Exit status:/ { on = 1; next } on && NF { print }' >"$tmp/statuses"
while read -r num text; do
	for f in README.md heapscope.1; do
		if grep -qF -- "$text" "$f"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "build: $f does not list exit status $num ($text)"
		fi
	done
done <"$tmp/statuses"
# every check the model implements has its explanation in the narration
grep -ho 'alloc_fail(a, "[^"]*")' src/alloc/*.c | sed 's/alloc_fail(a, "//; s/")$//' | sort -u >"$tmp/msgs"
grep -o '{"[^"]*",' src/report/narrate.c | sed 's/{"//; s/",$//' >"$tmp/reasons"
while read -r m; do
	found=0
	while read -r pf; do case "$m" in "$pf"*) found=1 ;; esac; done <"$tmp/reasons"
	if [ $found = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "build: no explanation for \"$m\" in narrate.c"; fi
done <"$tmp/msgs"
echo "build: $pass passed, $fail failed"
[ $fail = 0 ]
