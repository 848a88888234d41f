# board.mk - the qemu-mps2-an386 board: a Cortex-M4F (MPS2 AN386) that
# Debian's qemu-system-arm emulates. Included by the top Makefile for
# BOARD=qemu-mps2-an386; builds with arm-none-eabi-gcc and newlib-nano.
#
#   make BOARD=qemu-mps2-an386          the firmware, $(BB)/ormodels.elf
#   make BOARD=qemu-mps2-an386 run      boots it in QEMU, console here
#   make BOARD=qemu-mps2-an386 test     unit tests on the CPU, boot test
#   make BOARD=qemu-mps2-an386 size     footprint of the core and firmware
#
# Knobs: FEED (the catalogue `fetch` streams by default), FLASH_FILE (the
# host file behind the flash), QEMU_TIMEOUT (seconds for test runs).

BOARD_DIR := boards/qemu-mps2-an386
B        ?= build
BB       := $(B)/$(BOARD)
PYTHON   ?= python3
CROSS    ?= arm-none-eabi-
BCC      := $(CROSS)gcc
BSIZE    := $(CROSS)size
CPU      := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
WARN     := -Wall -Wextra -Werror -Wshadow -Wundef -Wpointer-arith \
            -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual
BOPT     ?= -Os
# jsmn.h comes from Debian's libjsmn-dev; the cross compiler must not see
# the rest of /usr/include, so the one header is copied into the build.
JSMN_DIR := $(BB)/jsmn
BCFLAGS  := -std=c99 $(WARN) $(BOPT) -g -ffunction-sections -fdata-sections \
            $(CPU) -Iinclude -Isrc -Iport/flash -I$(BOARD_DIR) -I$(JSMN_DIR) \
            -DOM_CONFIG_FILE='"om_board_config.h"'
BLDFLAGS := $(CPU) -nostartfiles -L$(BOARD_DIR) -Wl,--gc-sections \
            --specs=nano.specs

CORE_SRC := $(sort $(wildcard src/*.c))
FW_SRC   := $(addprefix $(BOARD_DIR)/,startup.c uart.c semihost.c \
            nor_an386.c main.c) port/flash/om_flash.c
CORE_OBJ := $(CORE_SRC:%.c=$(BB)/obj/%.o)
FW_OBJ   := $(FW_SRC:%.c=$(BB)/obj/%.o)
FW       := $(BB)/ormodels.elf

FLASH_FILE ?= $(BB)/flash.bin
FIXTURES   ?= ../shared/fixtures
FEED       ?= $(lastword $(sort $(wildcard $(FIXTURES)/openrouter-models-20*[0-9].json)))
ifeq ($(FEED),)
FEED       := $(BB)/catalogue.json
endif
QEMU        := qemu-system-arm -M mps2-an386
QEMU_TIMEOUT ?= 120

.PHONY: all run test size help deps board-unit board-boot cross footprint
.DEFAULT_GOAL := all
.SECONDARY:

all: $(FW)

help:
	@echo "board $(BOARD) (Cortex-M4F, MPS2 AN386 in QEMU):"
	@echo "  make BOARD=$(BOARD)          build $(FW)"
	@echo "  make BOARD=$(BOARD) run      boot it in QEMU; console on this terminal"
	@echo "                               (Ctrl-A x leaves QEMU; 'quit' at the prompt too)"
	@echo "  make BOARD=$(BOARD) test     the unit tests on the emulated CPU, then the boot test"
	@echo "  make BOARD=$(BOARD) size     text/data/bss of the core and the firmware"
	@echo "variables: FEED=$(FEED) FLASH_FILE=$(FLASH_FILE)"

# scripts/deps.sh's board group has the Arm toolchain and QEMU; the
# RISC-V cross build needs two more packages (see the report in the
# porting guide: the group should list them).
X_DEPS := gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
deps:
	@scripts/deps.sh base board
	@for p in $(X_DEPS); do dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "deps: installing$$missing"; \
	    S=; [ "$$(id -u)" -eq 0 ] || S=sudo; $$S apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

$(JSMN_DIR)/jsmn.h: /usr/include/jsmn.h
	@mkdir -p $(@D)
	cp $< $@

$(BB)/obj/%.o: %.c | $(JSMN_DIR)/jsmn.h
	@mkdir -p $(@D)
	$(BCC) $(BCFLAGS) -MMD -MP -c $< -o $@

$(FW): $(FW_OBJ) $(CORE_OBJ) $(BOARD_DIR)/an386.ld $(BOARD_DIR)/an386-sections.ld
	$(BCC) $(BLDFLAGS) -T an386.ld -Wl,-Map=$(BB)/ormodels.map -o $@ \
	    $(FW_OBJ) $(CORE_OBJ) -lc -lgcc
	@$(BSIZE) $@

$(BB)/catalogue.json: tests/gen_catalogue.py
	@mkdir -p $(@D)
	$(PYTHON) tests/gen_catalogue.py many --seed 3 > $@

run: deps $(FW) $(FEED)
	$(QEMU) -nographic -semihosting-config enable=on,target=native,arg=ormodels,arg=flash=$(FLASH_FILE),arg=feed=$(FEED) \
	    -kernel $(FW)

-include $(shell find $(BB) -name '*.d' 2>/dev/null)

# ------------------------------------------------------- unit tests on target
# tests/unit/*.c built for the Cortex-M4 with the core at its default
# knobs, a cmocka stand-in (tests/board/cmocka) and newlib's semihosting
# stdio (librdimon); each runs in QEMU and exits with its status. Left out:
# test_extract (it walks the fixtures folder with dirent, which newlib
# does not have; its cases run on Linux).
TU_EXCLUDE := test_extract
TU_SRC   := $(filter-out $(TU_EXCLUDE:%=tests/unit/%.c),$(sort $(wildcard tests/unit/test_*.c)))
TU_DIR   := $(BB)/unit
TU_ELF   := $(TU_SRC:tests/unit/%.c=$(TU_DIR)/%.elf)
TU_RUN   := $(TU_SRC:tests/unit/%.c=$(TU_DIR)/%)
TCFLAGS  := -std=c99 $(WARN) $(BOPT) -g -ffunction-sections -fdata-sections \
            $(CPU) -Iinclude -Isrc -Iport/flash -I$(BOARD_DIR) -I$(JSMN_DIR) \
            -Itests/board/cmocka -Itests/unit -D_DEFAULT_SOURCE -DOM_BOARD_TESTS
TU_LIB_SRC := $(CORE_SRC) port/flash/om_flash.c tests/board/cmocka/cmocka_shim.c \
            $(addprefix $(BOARD_DIR)/,startup.c uart.c semihost.c)
TU_LIB_OBJ := $(TU_LIB_SRC:%.c=$(TU_DIR)/obj/%.o)

$(TU_DIR)/obj/%.o: %.c | $(JSMN_DIR)/jsmn.h
	@mkdir -p $(@D)
	@$(BCC) $(TCFLAGS) -MMD -MP -c $< -o $@

$(TU_DIR)/%.elf: $(TU_DIR)/obj/tests/unit/%.o $(TU_LIB_OBJ) $(BOARD_DIR)/tests.ld
	@$(BCC) $(CPU) -nostartfiles -L$(BOARD_DIR) -Wl,--gc-sections \
	    --specs=rdimon.specs -Wl,--wrap=snprintf,--wrap=sprintf -T tests.ld -o $@ $< $(TU_LIB_OBJ) \
	    -lc -lrdimon -lgcc
	@echo "LD $@"

# run-tests.sh runs programs: each is a script that boots its ELF.
$(TU_DIR)/%: $(TU_DIR)/%.elf
	@printf '#!/bin/sh\nexec timeout $(QEMU_TIMEOUT) $(QEMU) -display none -monitor none -serial null -semihosting-config enable=on,target=native -kernel %s\n' $< > $@
	@chmod +x $@

board-unit: deps $(TU_RUN)
	@scripts/run-tests.sh "unit on Cortex-M4 (QEMU)" $(TU_RUN)
	@echo "unit on Cortex-M4 (QEMU): not run there: $(TU_EXCLUDE) (dirent, fixtures folder)"

# ------------------------------------------------------------ cross builds
# The core (src/*.c, default knobs) for four CPUs, warning-free under
# -Werror, each linked with tests/board/core_probe.c (the fetch and picker
# paths) and --gc-sections: the map gives what the core costs there, the
# call-graph files (-fcallgraph-info=su) the stack depth of both paths.
XTARGETS := cortex-m0plus cortex-m4f cortex-m33 rv32imc
X_CC_arm := arm-none-eabi-gcc
X_CC_rv  := riscv64-unknown-elf-gcc
# picolibc's default map has a small RAM; the probe holds a whole table
X_LD_rv  := -Wl,--defsym=__ram_size=0x40000 -Wl,--defsym=__flash_size=0x100000
X_cortex-m0plus := arm -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft --specs=nano.specs
X_cortex-m4f    := arm $(CPU) --specs=nano.specs
X_cortex-m33    := arm -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 --specs=nano.specs
X_rv32imc       := rv -march=rv32imc -mabi=ilp32 --specs=picolibc.specs
X_SRC    := $(CORE_SRC) tests/board/core_probe.c
XROOTS   := om_probe_fetch om_probe_pick
SIZE_DIR := $(B)/size

define cross_target
$(B)/cross/$(1)/obj/%.o: %.c | $(JSMN_DIR)/jsmn.h
	@mkdir -p $$(@D)
	@$$(X_CC_$$(firstword $$(X_$(1)))) -std=c99 $$(WARN) -Os -ffunction-sections \
	    -fdata-sections $$(wordlist 2,99,$$(X_$(1))) -Iinclude -Isrc -I$$(JSMN_DIR) \
	    -fcallgraph-info=su -c $$< -o $$@
$(B)/cross/$(1)/probe.elf: $$(X_SRC:%.c=$(B)/cross/$(1)/obj/%.o)
	@$$(X_CC_$$(firstword $$(X_$(1)))) $$(wordlist 2,99,$$(X_$(1))) -nostartfiles \
	    $$(X_LD_$$(firstword $$(X_$(1)))) -Wl,--gc-sections -Wl,-e,om_probe_main \
	    -Wl,-Map=$(B)/cross/$(1)/probe.map \
	    -o $$@ $$^ -lc -lgcc
	@echo "LD $$@ (core for $(1))"
endef
$(foreach t,$(XTARGETS),$(eval $(call cross_target,$(t))))

cross: deps $(XTARGETS:%=$(B)/cross/%/probe.elf)

size: cross $(FW)
	@mkdir -p $(SIZE_DIR)
	@echo "core (src/, default knobs, -Os, --gc-sections; the fetch and picker paths kept):"
	@for t in $(XTARGETS); do \
	    case $$t in rv*) nm=riscv64-unknown-elf-nm;; *) nm=arm-none-eabi-nm;; esac; \
	    $(PYTHON) tests/board/size_report.py --target $$t --map $(B)/cross/$$t/probe.map \
	        --ci $(B)/cross/$$t/obj $(XROOTS:%=--root %) --nm $$nm \
	        --elf $(B)/cross/$$t/probe.elf --json $(SIZE_DIR)/$$t.json || exit 1; \
	done
	@echo "firmware $(FW) (core + picker + flash store + board, newlib-nano):"
	@$(PYTHON) tests/board/size_report.py --target fw-m4f --map $(BB)/ormodels.map \
	    --ci $(BB)/obj --json $(SIZE_DIR)/fw.json
	@$(BSIZE) -A $(FW) | awk '/^\.(text|vectors|ARM.exidx|data|bss|heap|stack) /{printf "  %-10s %7d\n", $$1, $$2; if ($$1!=".text"&&$$1!=".vectors"&&$$1!=".ARM.exidx") ram+=$$2} END {printf "  RAM in all (data+bss+stack) %d of 131072\n", ram}'

# ------------------------------------------------------------------- tests
FOOTPRINT_STRICT ?=
BOOT_CATALOGUE ?= $(FIXTURES)/openrouter-models-2026-08-19-output_modalities-all.json

board-boot: deps $(FW)
	@$(PYTHON) tests/board/boot_test.py --fw $(FW) --work $(BB)/boot-test \
	    --catalogue $(BOOT_CATALOGUE) --timeout $(QEMU_TIMEOUT)

footprint: size
	@$(PYTHON) tests/board/footprint_check.py --size-dir $(SIZE_DIR) --fw $(FW) \
	    --size-tool $(BSIZE) $(if $(FOOTPRINT_STRICT),--strict)

test: board-unit board-boot footprint
