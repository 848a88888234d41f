# ormodels - top-level build.  `make help` lists the targets.
#
# Everything is built under build/ (git-ignored). Debian packages the build
# needs are installed by `make deps` (scripts/deps.sh), which run, test and
# bench call first, so a fresh machine gets there by itself.

BOARD ?= linux
BOARDS := $(notdir $(patsubst %/,%,$(wildcard boards/*/)))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error unknown BOARD '$(BOARD)'; boards: $(BOARDS))
endif

ifneq ($(BOARD),linux)
# A microcontroller board: boards/NAME/board.mk has its own targets
# (all, run, test, size, help) and builds with its own toolchain.
include boards/$(BOARD)/board.mk
else

B       ?= build
CC      ?= cc
PYTHON  ?= python3
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror -Wshadow -Wundef -Wpointer-arith \
           -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c99 $(WARN) $(CFLAGS) -Iinclude -Isrc -Iport/linux $(EXTRA_CFLAGS)
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer

# The portable core: no OS, socket or file headers.
CORE_SRC := $(sort $(wildcard src/*.c))
# The Linux port: files, clock, terminal.
PORT_SRC := $(sort $(wildcard port/linux/*.c))
CLI_SRC  := $(sort $(wildcard boards/linux/*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(B)/obj/%.o)
PORT_OBJ := $(PORT_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
LIB      := $(B)/libormodels.a
CLI      := $(B)/ormodels
# The tool is linked statically (CLI_STATIC=1, the default): a dynamic
# glibc maps about 1.5 MB of libc and ld.so pages into every process,
# static linking keeps only what is called, and `ormodels fetch` peaks at
# about half the RSS (make bench-fetch). glibc's linker then warns that
# getaddrinfo needs its NSS modules at run time: name resolution through
# /etc/hosts and DNS is built into glibc and works; other NSS modules
# (mdns, ...) load only with the same glibc installed. CLI_STATIC=0 links
# against the shared libc. $(CLI_DYN), the same objects linked
# dynamically, is what valgrind checks (make memcheck): memcheck cannot
# watch a static binary's libc.
CLI_STATIC  ?= 1
CLI_LDFLAGS := -Wl,--gc-sections $(if $(filter 1,$(CLI_STATIC)),-static)
CLI_DYN     := $(B)/ormodels-dyn

# A table image baked in with `make snapshot FROM=...` (optional).
SNAPSHOT := $(wildcard $(B)/snapshot.bin)
ifneq ($(SNAPSHOT),)
SNAP_OBJ := $(B)/obj/snapshot.o
CORE_DEFS += -DOM_HAVE_SNAPSHOT
endif

# The suites `make test` runs; mk/*.mk fragments add theirs with +=.
TEST_SUITES := unit unit-asan check-heap fixtures cli-test snapshot-test

# Dependencies built from Debian source packages (mbedTLS, lwIP), the
# network port, fuzzing, and more suites: fragments in mk/, included here
# because the rules below use their variables.
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps run test unit unit-asan fixtures check-heap bench snapshot \
        snapshot-test cli-test clean clean-objs help
.DEFAULT_GOAL := all
.SECONDARY:

all: $(CLI) $(LIB)

help:
	@echo "ormodels targets:"
	@echo "  make                 build $(CLI) and $(LIB)"
	@echo "  make deps            install the Debian packages the build needs"
	@echo "  make run             the main job: refresh the catalogue if due, pick a model"
	@echo "  make test            every suite: unit tests (plain, ASan+UBSan, and on the"
	@echo "                       emulated Cortex-M4), fixtures, CLI, TLS, end-to-end fetch"
	@echo "                       (fault server, nginx, s_server, lwIP in a netns), picker,"
	@echo "                       dashboard (curl, Chromium), board boot, the board's fetch"
	@echo "                       over its LAN9118 in a netns, short fuzzing"
	@echo "  make bench           extractor throughput, instructions/byte, RAM"
	@echo "  make bench-fetch     a full HTTPS fetch: time, peak RSS, TLS pool, stack"
	@echo "  make bench-picker    picker screen times for 512 models"
	@echo "  make fuzz            each libFuzzer harness for FUZZ_TIME seconds (600)"
	@echo "  make size            core and firmware footprint per target"
	@echo "  make snapshot FROM=catalogue.json"
	@echo "                       bake a full table into the build as first-boot default"
	@echo "  make BOARD=qemu-mps2-an386 [run|test|size]   the Cortex-M4 board in QEMU"
	@echo "  make clean           remove $(B)/"
	@echo "variables: BOARD=$(BOARD) (boards: $(BOARDS)), CC, OPT, B=build dir,"
	@echo "  CLI_STATIC=$(CLI_STATIC) (1: the tool links glibc statically; 0: shared)"

deps:
	@scripts/deps.sh base net

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_DEFS) -MMD -MP -c $< -o $@

$(LIB): $(CORE_OBJ) $(SNAP_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The tool talks TLS: it links the network port and mbedTLS (mk/net.mk,
# mk/mbedtls.mk), whose headers only boards/linux/ sees.
$(CLI_OBJ): EXTRA_CFLAGS += $(NET_CFLAGS)
$(CLI_OBJ): | $(MBEDTLS_LIB)
$(CLI): $(CLI_OBJ) $(PORT_OBJ) $(NET_EXTRA_OBJ) $(LIB) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(CLI_LDFLAGS) -o $@ $(CLI_OBJ) $(PORT_OBJ) \
	    $(NET_EXTRA_OBJ) $(LIB) $(MBEDTLS_LIB) $(LDLIBS)
$(CLI_DYN): $(CLI_OBJ) $(PORT_OBJ) $(NET_EXTRA_OBJ) $(LIB) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(PORT_OBJ) $(NET_EXTRA_OBJ) $(LIB) \
	    $(MBEDTLS_LIB) $(LDLIBS)

# ------------------------------------------------------------------ snapshot
$(B)/snapshot.c: $(B)/snapshot.bin scripts/bin2c.py
	$(PYTHON) scripts/bin2c.py om_snapshot_image $< > $@
$(B)/obj/snapshot.o: $(B)/snapshot.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

snapshot: deps
	@test -n "$(FROM)" || { echo "usage: make snapshot FROM=catalogue.json"; exit 2; }
	rm -f $(B)/snapshot.bin
	$(MAKE) --no-print-directory $(CLI)
	$(CLI) parse "$(FROM)" --save --cache-file $(B)/snapshot.bin >/dev/null
	$(MAKE) --no-print-directory clean-objs
	$(MAKE) --no-print-directory all
	@echo "snapshot: $(FROM) baked into $(CLI) as the first-boot table"

clean-objs:
	rm -rf $(B)/obj $(LIB) $(CLI)

# --------------------------------------------------------------------- run
# The onboarding: refresh the table when due (or fall back), then the
# picker. Quitting (1) or Ctrl-C (130) is not a failure of make.
run: deps all
	@$(CLI) select; rc=$$?; [ $$rc -le 1 ] || [ $$rc -eq 130 ] || exit $$rc

# --------------------------------------------------------------------- tests
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
ASAN_BIN  := $(TEST_SRC:tests/unit/%.c=$(B)/asan/%)
ASAN_CORE := $(CORE_SRC:%.c=$(B)/asan/obj/%.o) $(PORT_SRC:%.c=$(B)/asan/obj/%.o)

TEST_CFLAGS := -D_DEFAULT_SOURCE -Itests/unit

$(B)/tests/%: tests/unit/%.c $(LIB) $(PORT_OBJ) tests/unit/om_test.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(PORT_OBJ) $(LIB) -lcmocka

$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(B)/asan/%: tests/unit/%.c $(ASAN_CORE) tests/unit/om_test.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) $(TEST_CFLAGS) -o $@ $< $(ASAN_CORE) -lcmocka

unit: deps $(TEST_BIN)
	@scripts/run-tests.sh "unit" $(TEST_BIN)

unit-asan: deps $(ASAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    scripts/run-tests.sh "unit (ASan+UBSan)" $(ASAN_BIN)

# Proves the zero-heap promise on the built objects, not on the sources.
check-heap: $(CORE_OBJ) $(PORT_OBJ)
	@scripts/check-heap.sh $(CORE_OBJ) $(PORT_OBJ)

fixtures: all
	@$(PYTHON) tests/fixtures_test.py --cli $(CLI)

cli-test: all
	@$(PYTHON) tests/cli_test.py --cli $(CLI)

# `make snapshot` end to end, in a build folder of its own.
snapshot-test: all
	@$(PYTHON) tests/gen_catalogue.py many --seed 3 > $(B)/snap-src.json
	@rm -rf $(B)/snaptest
	@$(MAKE) --no-print-directory -s B=$(B)/snaptest snapshot FROM=$(B)/snap-src.json >/dev/null
	@$(PYTHON) tests/snapshot_test.py --cli $(B)/snaptest/ormodels --plain $(CLI) \
	    --catalogue $(B)/snap-src.json

test: deps all
	@scripts/run-suites.sh $(MAKE) $(TEST_SUITES)

# --------------------------------------------------------------------- bench
BENCH := $(B)/bench_extract
$(BENCH): tests/bench/bench_extract.c $(LIB)
	$(CC) $(ALL_CFLAGS) -D_DEFAULT_SOURCE -o $@ $< $(LIB)

bench: deps all $(BENCH)
	@$(PYTHON) tests/bench.py --bench $(BENCH) --cli $(CLI)

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

endif # BOARD == linux
