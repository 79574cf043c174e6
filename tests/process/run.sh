#!/bin/sh
# run.sh - the simulated process against a real one: a minimal PIE
# (maps-probe.c, built now with the system compiler) makes the same
# allocations as a heapscope script, under setarch -R, and its
# /proc/self/maps must equal heapscope's `maps` line for line: addresses,
# permissions, file offsets and names (the device and inode numbers, and the
# executable's own path, are the machine's and are left out).  Needs Linux on
# x86-64 with glibc 2.36: elsewhere it says it was skipped and why.  The
# same for an i386 process, with the probe built by gcc -m32, and the
# classic experiments (experiments.c) with their 32-bit addresses.
bin=${1:-build/heapscope}
pass=0 fail=0
arch=$(uname -m)
ver=$(getconf GNU_LIBC_VERSION 2>/dev/null)
if [ "$(uname -s)" != Linux ] || [ "$arch" != x86_64 ] || [ "$ver" != "glibc 2.36" ]; then
	echo "process: skipped: the oracle must be Linux x86_64 with glibc 2.36, this machine has '$ver' on $(uname -s) $arch"
	echo "process: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! ${CC:-cc} -O2 -o "$tmp/probe" tests/process/maps-probe.c; then
	echo "process: FAILED: cannot build tests/process/maps-probe.c"
	echo "process: 0 passed, 1 failed"
	exit 1
fi
if ! setarch -R true 2>/dev/null; then
	echo "process: FAILED: setarch -R does not work here (it turns ASLR off, which the comparison needs)"
	echo "process: 0 passed, 1 failed"
	exit 1
fi

# start end perms offset name, the executable's path as EXE
norm() {
	awk -v exe="$2" '/^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps] / {
		name = $6; if (name == exe) name = "EXE"; print $1, $2, $3, name }' "$1"
}

# maps NAME SIZE...: the probe's maps after malloc(SIZE)... against
# heapscope's after the same calls
maps() {
	name=$1
	shift
	# shellcheck disable=SC2086
	setarch $norand "$probe" "$@" >"$tmp/real.raw" || { echo "process: FAILED: $name: the probe failed"; fail=$((fail + 1)); return; }
	: >"$tmp/s.hs"
	i=0
	for n in "$@"; do
		case $n in
		t*) echo "mallopt(M_MMAP_THRESHOLD, ${n#t})" >>"$tmp/s.hs" ;;
		m*) printf 'last = mmap(NULL, %s, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n*(last) = 1\n' "${n#m}" >>"$tmp/s.hs" ;;
		p*) echo "${n#p}" | awk -F: '{ printf "mprotect(last + %s, %s, %s)\n", $1, $2, $3 }' >>"$tmp/s.hs" ;;
		u*) echo "${n#u}" | awk -F: '{ printf "munmap(last + %s, %s)\n", $1, $2 }' >>"$tmp/s.hs" ;;
		c*) echo "thread_create ${n#c}" >>"$tmp/s.hs" ;;
		w*) echo "${n#w}" | awk -F: '{ printf "t%s: malloc(%s)\nt0: sbrk(0)\n", $1, $2 }' >>"$tmp/s.hs" ;;
		x*) echo "thread_exit ${n#x}" >>"$tmp/s.hs" ;;
		*) echo "p$i = malloc($n)" >>"$tmp/s.hs" ;;
		esac
		i=$((i + 1))
	done
	echo maps >>"$tmp/s.hs"
	# shellcheck disable=SC2086
	"$bin" --batch "$tmp/s.hs" --no-summary $layout >"$tmp/model.raw" 2>&1
	norm "$tmp/real.raw" "$probe" >"$tmp/real"
	norm "$tmp/model.raw" /home/student/a.out >"$tmp/model"
	if cmp -s "$tmp/real" "$tmp/model"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "process: FAILED: $name: maps differ from the real process's (real < > heapscope):"
		diff "$tmp/real" "$tmp/model" | head -12
	fi
}

probe=$tmp/probe norand=-R layout=
maps "no heap yet"
maps "a small malloc makes the heap" 10
maps "mmapped chunks merge with the anonymous mapping above libc" 10 200000 1048576
maps "a 2 MiB mapping is aligned for huge pages" 10 2093056
maps "small mmaps fill the hole ld.so.cache left above libc" 0 126976 t4096 12288 24576 200000
maps "the program's own mmap: top-down into the hole above libc" 10 m8192 m12288 m200000
maps "mprotect splits an area, and mprotect back merges it" m16384 p4096:4096:1 m8192 p0:4096:3
maps "munmap punches a hole; a later mmap fills it" 10 m40960 u8192:8192 m8192 m4096
maps "mprotect back to the same permissions rejoins" m20480 p4096:8192:1 p4096:8192:3
(ulimit -s 8192 2>/dev/null) && ulimit -s 8192 # a thread's stack is RLIMIT_STACK
maps "threads: stacks with guard pages, arena heaps 64 MiB-aligned in their reserve" 10 c1 w1:24 c2 w2:5000 w1:200000
maps "threads: a heap grows with mprotect; an exited thread's stack is cached and reused" 10 c1 w1:100000 w1:100000 x1 c2 w2:24
maps "threads: arenas for four threads, one exits and its arena is reused" c1 c2 c3 c4 w1:10 w2:10 w3:10 w4:10 x2 c5 w5:30

# the legacy layout: setarch -L, the mmap area bottom-up from TASK_SIZE / 3
norand="-L -R" layout=--layout=legacy
maps "legacy: no heap yet"
maps "legacy: mmapped chunks go up from libc's TLS block" 10 200000 1048576
maps "legacy: a 2 MiB mapping is aligned for huge pages" 10 2093056 4190208
maps "legacy: small mmaps fill the hole ld.so.cache left" 0 126976 t4096 12288 24576 200000
maps "legacy: the program's own mmap goes bottom-up" 10 m8192 m200000 p0:4096:1
# an i386 process (--arch=i386 --kernel=64) against the probe built with
# gcc -m32: a 32-bit program under this 64-bit kernel
if ${CC:-cc} -m32 -O2 -o "$tmp/probe32" tests/process/maps-probe.c 2>"$tmp/cc32"; then
	probe=$tmp/probe32 norand=-R layout="--arch=i386 --kernel=64"
	maps "i386: no heap yet"
	maps "i386: a small malloc makes the heap (two brk calls)" 10
	maps "i386: mmapped chunks, 15 bytes of room each for alignment" 10 200000 1048576
	maps "i386: small mmaps fill the hole above libc" 0 126976 t4096 12288 24576 200000
	maps "i386: no huge-page alignment for a 32-bit process" 10 2093056 4190208
	maps "i386: the program's own mmap, mprotect and munmap" 10 m40960 u8192:8192 m8192 p0:4096:1
	# the classic experiments with their 32-bit numbers, on a pipe and on a
	# terminal (script gives the program a pty): the lines must be equal
	if ${CC:-cc} -m32 -O0 -o "$tmp/exp32" tests/process/experiments.c 2>/dev/null; then
		for mode in pipe tty; do
			if [ $mode = pipe ]; then
				setarch -R "$tmp/exp32" | cat >"$tmp/exp.real"
			else
				script -qec "setarch -R $tmp/exp32" /dev/null | tr -d '\r' >"$tmp/exp.real"
			fi
			{ echo "stdout $mode"; cat tests/process/experiments.hs; } >"$tmp/exp.hs"
			"$bin" --arch=i386 --kernel=64 --batch "$tmp/exp.hs" --no-summary | sed -n 's/^   stdout: //p' |
				tr -d '\n' | sed 's/a=/\na=/; s/d=/\nd=/' >"$tmp/exp.model"
			echo >>"$tmp/exp.model"
			if grep -q '^a=0x5655' "$tmp/exp.real" && cmp -s "$tmp/exp.real" "$tmp/exp.model"; then
				pass=$((pass + 1))
			else
				fail=$((fail + 1))
				echo "process: FAILED: i386 experiments on a $mode (real < > heapscope):"
				diff "$tmp/exp.real" "$tmp/exp.model" | head -6
			fi
		done
	else
		fail=$((fail + 1))
		echo "process: FAILED: cannot build tests/process/experiments.c with -m32"
	fi
else
	fail=$((fail + 1))
	echo "process: FAILED: cannot build the probe with ${CC:-cc} -m32 (Debian: apt-get install gcc-multilib):"
	head -3 "$tmp/cc32"
fi
probe=$tmp/probe
# threads: malloc_stats() arena by arena after threads came and went
if ${CC:-cc} -O0 -pthread -o "$tmp/stats" tests/process/stats.c 2>/dev/null; then
	"$tmp/stats" 2>"$tmp/real.st" >/dev/null
	"$bin" --batch tests/process/stats.hs --no-summary | sed -n '/^Arena 0/,/^max mmap bytes/p' |
		grep -v "heapscope's arena" >"$tmp/model.st"
	if [ -s "$tmp/real.st" ] && cmp -s "$tmp/real.st" "$tmp/model.st"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "process: FAILED: threads: malloc_stats differs (real < > heapscope):"
		diff "$tmp/real.st" "$tmp/model.st" | head -8
	fi
else
	fail=$((fail + 1))
	echo "process: FAILED: cannot build tests/process/stats.c"
fi

# globals: the compiler's and linker's layout, and the heap after .bss
if ${CC:-cc} -O0 -o "$tmp/globals" tests/process/globals.c 2>/dev/null; then
	real=$(setarch -R "$tmp/globals" | cat)
	model=$("$bin" --batch tests/process/globals.hs --no-summary | sed -n 's/^   stdout: //p')
	if [ -n "$real" ] && [ "$real" = "$model" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "process: FAILED: globals: the real program printed '$real', heapscope '$model'"
	fi
else
	fail=$((fail + 1))
	echo "process: FAILED: cannot build tests/process/globals.c"
fi
echo "process: $pass passed, $fail failed"
[ $fail = 0 ]
