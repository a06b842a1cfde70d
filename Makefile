# bulwark - hand-written Makefile (git config.mak.dev style).
#
#   make            build ./build/bulwark
#   make check      unit, conformance, emulator and integration tests
#   make demo       bootstrap templates/org.yaml against the local AWS
#   make bench      benchmarks (signing, bootstrap --plan at scale)
#   make install    PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check
#
# check and demo first run scripts/deps, which installs what is missing
# (as root) or prints the commands to run.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/bulwark
CC ?= cc
PKG_CONFIG ?= pkg-config
PYTHON ?= python3
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

ifdef SANITIZE
O ?= build-san
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
else
O ?= build
SAN_FLAGS =
endif

PKGS = libcurl openssl jansson yaml-0.1 inih libxml-2.0
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARNINGS = -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wwrite-strings -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) \
	     -Iinclude -DBW_VERSION='"$(VERSION)"' -DBW_POLICY_DIR='"$(DATADIR)/policies"' $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = -pthread $(LDFLAGS) $(SAN_FLAGS)
LIBS = $(PKG_LIBS) -lm

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_SRC := $(sort $(wildcard tests/unit/support/*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(O)/%.o)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(O)/tests/bench/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/tests/fuzz/%)

BIN := $(O)/bulwark
LIBA := $(O)/libbulwark.a
MANPAGES := $(sort $(wildcard man/*.[1-8]))

# Keep the objects of test programs between runs (make would delete them
# as intermediates and rebuild them every time).
.SECONDARY: $(UNIT_BIN:=.o) $(TESTLIB_OBJ) $(BENCH_BIN:=.o) $(FUZZ_BIN:=.o) $(O)/tests/fuzz/driver.o

ifeq ($(V),1)
Q =
QUIET_CC =
QUIET_LINK =
else
Q = @
QUIET_CC = @echo "  CC      $<";
QUIET_LINK = @echo "  LINK    $@";
endif

.PHONY: all check check-run unit integration sim-check fuzz-replay lint-man \
	demo demo-run bench bench-run install clean deps

all: $(BIN)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(QUIET_LINK)ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIBA) $(LIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(TESTLIB_OBJ) $(LIBA)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TESTLIB_OBJ) $(LIBA) $(LIBS) $(CMOCKA_LIBS)

$(O)/tests/bench/%: $(O)/tests/bench/%.o $(LIBA)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(O)/tests/fuzz/driver.o $(LIBA)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(O)/tests/fuzz/driver.o $(LIBA) $(LIBS)

# check and demo make sure the machine has what they need first.
deps:
	@sh scripts/deps

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: all $(UNIT_BIN) $(FUZZ_BIN)
	@$(MAKE) --no-print-directory unit fuzz-replay lint-man sim-check integration

unit: $(UNIT_BIN)
	@sh tests/run-unit $(UNIT_BIN)

fuzz-replay: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; \
	  [ -d tests/fuzz/corpus/$$n ] || continue; \
	  $$f tests/fuzz/corpus/$$n/* || exit 1; done

lint-man:
	@if [ -n "$(MANPAGES)" ]; then mandoc -Tlint -Wwarning $(MANPAGES) && echo "man pages: lint clean"; fi

sim-check:
	@sh tests/sim/check

integration: all
	@BULWARK=$(abspath $(BIN)) sh tests/integration/run

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	@BULWARK=$(abspath $(BIN)) sh scripts/demo

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(BENCH_BIN)
	@BULWARK=$(abspath $(BIN)) O=$(O) sh tests/bench/run $(BENCH_BIN)

# The binary, the man pages, and the shipped policies and template that
# specs reference as bulwark:scp/NAME (compiled in as BW_POLICY_DIR).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/bulwark
	for m in $(MANPAGES); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for d in scp iam bulwark; do install -d $(DESTDIR)$(DATADIR)/policies/$$d; \
	  install -m 644 policies/$$d/* $(DESTDIR)$(DATADIR)/policies/$$d/; done
	install -m 644 policies/README.md $(DESTDIR)$(DATADIR)/policies/
	install -d $(DESTDIR)$(DATADIR)/templates
	install -m 644 templates/org.yaml $(DESTDIR)$(DATADIR)/templates/

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TESTLIB_OBJ:.o=.d) $(UNIT_BIN:=.d) \
	 $(BENCH_BIN:=.d) $(FUZZ_BIN:=.d) $(O)/tests/fuzz/driver.d
