# heapscope - a terminal heap visualizer.  `make` builds, `make run` opens it,
# `make test` runs every test, `make bench` measures against the real glibc.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/heapscope
CC ?= cc
PKG_CONFIG ?= pkg-config

CURSES_PC := $(shell $(PKG_CONFIG) --exists ncursesw && echo ncursesw || echo ncurses)
CURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CURSES_PC) 2>/dev/null)
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs $(CURSES_PC) 2>/dev/null || echo -lncursesw)
RL_CFLAGS := $(shell $(PKG_CONFIG) --cflags readline 2>/dev/null)
RL_LIBS := $(shell $(PKG_CONFIG) --libs readline 2>/dev/null || echo -lreadline)

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
WARN += -Werror
endif
OPT ?= -O2 -g
CFLAGS ?=
CFLAGS += -std=c11 -D_DEFAULT_SOURCE $(WARN) -Iinclude -MMD -MP
CFLAGS += -DHS_DATADIR='"$(DATADIR)"'
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(wildcard src/util/*.c src/mem/*.c src/alloc/*.c src/engine/*.c src/script/*.c src/report/*.c)
APP_SRC := $(wildcard src/app/*.c src/batch/*.c src/tui/*.c)

B := build
LIB_OBJ := $(LIB_SRC:%.c=$(B)/rel/%.o)
APP_OBJ := $(APP_SRC:%.c=$(B)/rel/%.o)
SLIB_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
SAPP_OBJ := $(APP_SRC:%.c=$(B)/san/%.o)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: heapscope

heapscope: $(B)/heapscope
	@cp $< $@.tmp && mv -f $@.tmp $@

$(B)/heapscope: $(APP_OBJ) $(B)/libheapscope.a
	$(CC) $(CFLAGS) $(OPT) -o $@ $^ $(CURSES_LIBS) $(RL_LIBS) $(LDFLAGS)

$(B)/libheapscope.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/rel/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OPT) $(CURSES_CFLAGS) $(RL_CFLAGS) -c -o $@ $<

$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OPT) -c -o $@ $<

# sanitized build used by the tests
$(B)/san/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -g $(SAN) $(CURSES_CFLAGS) $(RL_CFLAGS) -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -g $(SAN) -c -o $@ $<

$(B)/libheapscope-san.a: $(SLIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/heapscope-san: $(SAPP_OBJ) $(B)/libheapscope-san.a
	$(CC) $(CFLAGS) -O1 -g $(SAN) -o $@ $^ $(CURSES_LIBS) $(RL_LIBS) $(LDFLAGS)

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libheapscope-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -g $(SAN) -o $@ $< $(B)/libheapscope-san.a

# the real-glibc driver must not be sanitized: ASan replaces malloc
$(B)/tests/glibc-driver: tests/diff/glibc-driver.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) -O0 -g -o $@ $<

$(B)/tests/gen-trace: tests/gen/gen-trace.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) -O2 -o $@ $<

$(B)/bench/bench-engine: tests/bench/bench-engine.c $(B)/libheapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -g -o $@ $< $(B)/libheapscope.a

$(B)/bench/bench-glibc: tests/bench/bench-glibc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) -O2 -o $@ $<

$(B)/bench/bench-draw: tests/bench/bench-draw.c $(filter-out $(B)/rel/src/app/main.o,$(APP_OBJ)) $(B)/libheapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -g -Isrc/tui $(CURSES_CFLAGS) -o $@ $^ $(CURSES_LIBS) $(RL_LIBS)

run: heapscope
	./heapscope

test: heapscope $(B)/heapscope-san $(UNIT_BIN) $(B)/tests/glibc-driver $(B)/tests/gen-trace
	@HS_BUILD=$(B) sh tests/run-all.sh

bench: $(B)/bench/bench-engine $(B)/bench/bench-glibc $(B)/bench/bench-draw $(B)/tests/gen-trace
	@HS_BUILD=$(B) sh tests/bench/run-bench.sh

install: heapscope
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/themes
	install -m 755 heapscope $(DESTDIR)$(BINDIR)/heapscope
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/heapscope
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(B) heapscope

.PHONY: all run test bench install uninstall clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
