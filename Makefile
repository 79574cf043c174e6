# heapscope - a terminal heap visualizer.  `make` builds, `make run` opens it,
# `make test` runs every test, `make bench` measures against the real glibc.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/heapscope
LIBDIR ?= $(PREFIX)/lib/heapscope
CC ?= cc
PKG_CONFIG ?= pkg-config

CURSES_PC := $(shell $(PKG_CONFIG) --exists ncursesw && echo ncursesw || echo ncurses)
CURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CURSES_PC) 2>/dev/null)
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs $(CURSES_PC) 2>/dev/null || echo -lncursesw)
RL_CFLAGS := $(shell $(PKG_CONFIG) --cflags readline 2>/dev/null)
RL_LIBS := $(shell $(PKG_CONFIG) --libs readline 2>/dev/null || echo -lreadline)

MANDIR ?= $(PREFIX)/share/man

# The user's CFLAGS, CPPFLAGS and LDFLAGS are the user's: what heapscope
# needs to build at all lives in HS_* and is always added.
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
WARN += -Werror
endif
HS_CPPFLAGS = -std=c11 -D_DEFAULT_SOURCE -Iinclude -I$(B)/gen -MMD -MP -DHS_DATADIR='"$(DATADIR)"' -DHS_LIBDIR='"$(LIBDIR)"'
HS_CFLAGS = $(HS_CPPFLAGS) $(WARN) $(CPPFLAGS) $(CFLAGS)
SAN = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(wildcard src/util/*.c src/mem/*.c src/alloc/*.c src/alloc/textbook/*.c src/engine/*.c src/script/*.c src/report/*.c src/student/*.c)
APP_SRC := $(wildcard src/app/*.c src/batch/*.c src/tui/*.c) $(filter-out src/record/preload.c,$(wildcard src/record/*.c))

B := build
LIB_OBJ := $(LIB_SRC:%.c=$(B)/rel/%.o)
APP_OBJ := $(APP_SRC:%.c=$(B)/rel/%.o)
SLIB_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
SAPP_OBJ := $(APP_SRC:%.c=$(B)/san/%.o)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: heapscope heapscope.1 $(B)/libheapscope-record.so

heapscope: $(B)/heapscope $(B)/libheapscope-record.so
	@cp $< $@.tmp && mv -f $@.tmp $@

$(B)/heapscope: $(APP_OBJ) $(B)/libheapscope.a
	$(CC) $(HS_CFLAGS) -o $@ $^ $(LDFLAGS) $(CURSES_LIBS) $(RL_LIBS)

# the student's child process (runner.c, mm.h, memlib.h) as C strings,
# written into a folder and compiled with the student's file at run time
STUDENT_CHILD := src/student/child/runner.c src/student/child/mm.h src/student/child/memlib.h
$(B)/gen/student_child.h: $(STUDENT_CHILD)
	@mkdir -p $(dir $@)
	@for f in $(STUDENT_CHILD); do \
		n=$$(basename $$f | tr . _); \
		echo "static const char student_$$n[] ="; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $$f; \
		echo "\t;"; \
	done >$@.tmp && mv -f $@.tmp $@
$(B)/rel/src/student/student.o $(B)/san/src/student/student.o $(B)/fuzz/src/student/student.o: $(B)/gen/student_child.h

$(B)/libheapscope.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/rel/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) $(CURSES_CFLAGS) $(RL_CFLAGS) -c -o $@ $<

$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) -c -o $@ $<

# the recorder, preloaded into recorded programs: never sanitized (it is
# part of someone else's process), position-independent, no heapscope code
$(B)/libheapscope-record.so: src/record/preload.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CPPFLAGS) -O2 -g -fPIC -shared -o $@ $< $(LDFLAGS) -ldl -lpthread

# sanitized build used by the tests
$(B)/san/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) $(SAN) $(CURSES_CFLAGS) $(RL_CFLAGS) -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) $(SAN) -c -o $@ $<

$(B)/libheapscope-san.a: $(SLIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/heapscope-san: $(SAPP_OBJ) $(B)/libheapscope-san.a
	$(CC) $(HS_CFLAGS) $(SAN) -o $@ $^ $(LDFLAGS) $(CURSES_LIBS) $(RL_LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libheapscope-san.a
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) $(SAN) -o $@ $< $(B)/libheapscope-san.a $(LDFLAGS)

# the real-glibc driver must not be sanitized: ASan replaces malloc
$(B)/tests/glibc-driver: tests/diff/glibc-driver.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CPPFLAGS) -O0 -g -o $@ $<

$(B)/tests/gen-trace: tests/gen/gen-trace.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) -O2 -o $@ $< $(LDFLAGS)

$(B)/bench/bench-engine: tests/bench/bench-engine.c $(B)/libheapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) -O2 -o $@ $< $(B)/libheapscope.a $(LDFLAGS)

$(B)/bench/bench-glibc: tests/bench/bench-glibc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CPPFLAGS) -O2 -o $@ $<

$(B)/bench/bench-draw: tests/bench/bench-draw.c $(filter-out $(B)/rel/src/app/main.o,$(APP_OBJ)) $(B)/libheapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(HS_CFLAGS) -O2 -Isrc/tui $(CURSES_CFLAGS) -o $@ $^ $(LDFLAGS) $(CURSES_LIBS) $(RL_LIBS)

# libFuzzer harnesses (clang): the library instrumented for coverage,
# AddressSanitizer and UndefinedBehaviorSanitizer
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/%.o)
FUZZ_BIN := $(B)/fuzz/fuzz-session $(B)/fuzz/fuzz-ops

$(B)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(HS_CPPFLAGS) $(WARN) $(CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/libheapscope-fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(B)/fuzz/libheapscope-fuzz.a
	$(FUZZ_CC) $(HS_CPPFLAGS) $(WARN) $(CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(B)/fuzz/libheapscope-fuzz.a $(LDFLAGS)

fuzz: $(FUZZ_BIN) heapscope
	@HS_BUILD=$(B) sh tests/fuzz/run.sh fuzz $(FUZZ_SECONDS)

# the manual, with the exit statuses from the program's own list
heapscope.1: src/app/heapscope.1.in $(B)/heapscope
	@$(B)/heapscope --help | awk '/^Exit status:/ { on = 1; next } on && NF { s = $$1; $$1 = ""; sub(/^ +/, ""); printf ".TP\n.B %s\n%s\n", s, $$0 }' >$@.status
	@awk 'FNR == NR { st = st $$0 "\n"; next } /^@EXIT_STATUS@$$/ { printf "%s", st; next } { print }' $@.status $< >$@.tmp
	@rm -f $@.status && mv -f $@.tmp $@

run: heapscope
	./heapscope

test: heapscope heapscope.1 $(B)/libheapscope-record.so $(B)/heapscope-san $(UNIT_BIN) $(B)/tests/glibc-driver $(B)/tests/gen-trace $(FUZZ_BIN)
	@HS_BUILD=$(B) sh tests/run-all.sh

bench: heapscope $(B)/bench/bench-engine $(B)/bench/bench-glibc $(B)/bench/bench-draw $(B)/tests/gen-trace
	@HS_BUILD=$(B) sh tests/bench/run-bench.sh

install: heapscope heapscope.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(LIBDIR)
	install -m 644 $(B)/libheapscope-record.so $(DESTDIR)$(LIBDIR)/libheapscope-record.so
	install -m 755 heapscope $(DESTDIR)$(BINDIR)/heapscope
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/heapscope $(DESTDIR)$(MANDIR)/man1/heapscope.1
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)

clean:
	rm -rf $(B) heapscope heapscope.1

.PHONY: all run test bench fuzz install uninstall clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
