# board.mk - the qemu-mps2-an386 board: a Cortex-M4F (MPS2 AN386) that
# Debian's qemu-system-arm emulates. Included by the top Makefile for
# BOARD=qemu-mps2-an386; builds with arm-none-eabi-gcc and newlib-nano.
#
#   make BOARD=qemu-mps2-an386          the firmware, $(BB)/ormodels.elf
#   make BOARD=qemu-mps2-an386 run      boots it in QEMU, console here
#   make BOARD=qemu-mps2-an386 test     unit tests on the CPU, boot test
#   make BOARD=qemu-mps2-an386 size     footprint of the core and firmware
#                                        (both: plain and net)
#   make BOARD=qemu-mps2-an386 fw-net   the net firmware, $(BB)/ormodels-net.elf:
#                                        + lwIP 2.2, Mbed TLS 3.6, baked CAs
#   make BOARD=qemu-mps2-an386 NET=1 [all|run]   the same, and boots it
#   make BOARD=qemu-mps2-an386 e2e      the net firmware (with a test root)
#                                        fetches a real catalogue over TLS
#                                        from a server in a network
#                                        namespace, through a TAP device;
#                                        failure cases; needs root
#
# Knobs: FEED (the catalogue `fetch` streams by default), FLASH_FILE (the
# host file behind the flash), QEMU_TIMEOUT (seconds for test runs);
# net firmware: NET_CAS (the baked roots), NET_CA_DIR, TLS_POOL (bytes of
# om_tls's pool), MBEDTLS_DIR, LWIP_DIR, SOURCE_DATE_EPOCH (the clock's
# floor: see below); NET_ARGS (semihosting arguments of `NET=1 run`,
# e.g. "ip=10.0.2.15 gw=10.0.2.2 dns=10.0.2.3"; default DHCP).

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
FW_NET   := $(BB)/ormodels-net.elf

FLASH_FILE ?= $(BB)/flash.bin
FIXTURES   ?= ../shared/fixtures
FEED       ?= $(lastword $(sort $(wildcard $(FIXTURES)/openrouter-models-20*[0-9].json)))
ifeq ($(FEED),)
FEED       := $(BB)/catalogue.json
endif
QEMU        := qemu-system-arm -M mps2-an386
QEMU_TIMEOUT ?= 120

.PHONY: all run test size help deps board-unit board-boot cross footprint \
        fw-net net-mbedtls board-net-boot
.DEFAULT_GOAL := all
.SECONDARY:

all: $(FW) $(if $(NET),$(FW_NET))

help:
	@echo "board $(BOARD) (Cortex-M4F, MPS2 AN386 in QEMU):"
	@echo "  make BOARD=$(BOARD)          build $(FW)"
	@echo "  make BOARD=$(BOARD) run      boot it in QEMU; console on this terminal"
	@echo "                               (Ctrl-A x leaves QEMU; 'quit' at the prompt too)"
	@echo "  make BOARD=$(BOARD) test     the unit tests on the emulated CPU, then the boot test"
	@echo "  make BOARD=$(BOARD) size     text/data/bss of the core and both firmwares"
	@echo "  make BOARD=$(BOARD) fw-net   the net firmware (lwIP, Mbed TLS, baked CAs)"
	@echo "  make BOARD=$(BOARD) NET=1 run   boot the net firmware (QEMU's user network,"
	@echo "                               DHCP; NET_ARGS=\"ip=.. gw=.. dns=..\" for static)"
	@echo "  make BOARD=$(BOARD) e2e      the net firmware fetches a real catalogue over TLS"
	@echo "                               from a server in a network namespace (root)"
	@echo "variables: FEED=$(FEED) FLASH_FILE=$(FLASH_FILE)"

# scripts/deps.sh's board group has the Arm toolchain and QEMU; the
# RISC-V cross build needs two more packages (see the report in the
# porting guide: the group should list them); the net firmware bakes its
# roots from ca-certificates, and the TLS probe makes its PKI with openssl.
X_DEPS := gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf ca-certificates openssl
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

RUN_FW := $(if $(NET),$(FW_NET),$(FW))
NET_ARGS ?=
comma := ,
empty :=
space := $(empty) $(empty)
run: deps $(RUN_FW) $(FEED)
	$(QEMU) -nographic -semihosting-config enable=on,target=native,arg=ormodels,arg=flash=$(FLASH_FILE),arg=feed=$(FEED)$(subst $(space),,$(foreach a,$(if $(NET),$(NET_ARGS)),$(comma)arg=$(a))) \
	    $(if $(NET),-nic user$(comma)model=lan9118) -kernel $(RUN_FW)

-include $(shell find $(BB) -name '*.d' 2>/dev/null)

# --------------------------------------------------------- net firmware
# The same firmware with the network fetch linked in (-DOM_BOARD_NET):
# om_refresh over om_tls (port/mbedtls) over om_sock (port/sockets, built
# for lwIP) over lwIP 2.2 with NO_SYS=0 on port/lwip's one-thread
# cooperative sys_arch, over the LAN9118 Ethernet controller (lan9118.c,
# polled); Mbed TLS 3.6 cross-compiled by mk/mbedtls.mk in a sub-make;
# the root CAs of NET_CAS baked into the image.
# The board has no RTC: until a server's Date header sets the clock,
# certificates are checked against a floor, the firmware's build time:
# SOURCE_DATE_EPOCH (reproducible builds' variable), by default the date
# of the last commit (only net_an386.o depends on it).
MBEDTLS_DIR ?= third_party/mbedtls-3.6.6
LWIP_DIR    ?= third_party/lwip-2.2.1+dfsg1
# The roots openrouter.ai can chain to (Let's Encrypt, Google Trust
# Services, GlobalSign, DigiCert), from Debian's ca-certificates. A board
# overrides the list: names in NET_CA_DIR without .pem, or PEM paths.
NET_CAS     ?= ISRG_Root_X1 ISRG_Root_X2 GTS_Root_R1 GTS_Root_R4 \
               GlobalSign_Root_CA DigiCert_Global_Root_G2
NET_CA_DIR  ?= /etc/ssl/certs
# om_tls's static pool: the parsed roots stay in it (6 roots: 13.3 KB), a
# connection takes the record buffers (~18.5 KB), handshake state and the
# server's chain. Measured on target by board-tls-probe: peak 41.6 KB for
# an ECDSA chain, 50.7 KB for an RSA-4096 root -> RSA-2048 chain (TLS 1.3).
TLS_POOL    ?= 53248
# The stack of the net firmware: a TLS fetch peaks at 4.6 KB (probe).
NET_STACK   ?= 8192
NB          := $(BB)/net
FW_NET      := $(BB)/ormodels-net.elf
NET_MBEDTLS := $(BB)/mbedtls/libmbedtls_om.a
NET_DEFS    := -DOM_BOARD_NET -DOM_SOCK_LWIP -DOM_TLS_POOL_SIZE=$(TLS_POOL) \
               -DOM_MBEDTLS_BOARD_TIME -DMBEDTLS_CONFIG_FILE='"om_mbedtls_config.h"'
NET_INC     := -Iport/mbedtls -I$(MBEDTLS_DIR)/include -Iport/sockets \
               -Iport/lwip -I$(LWIP_DIR)/src/include
NET_SRC     := $(FW_SRC) $(CORE_SRC) $(BOARD_DIR)/net_an386.c $(BOARD_DIR)/fmt_an386.c \
               $(BOARD_DIR)/lan9118.c \
               port/sockets/om_sock.c port/mbedtls/om_tls.c port/lwip/sys_arch.c
NET_OBJ     := $(NET_SRC:%.c=$(NB)/obj/%.o) $(NB)/obj/om_cas.o
# lwIP: core, IPv4, the sequential and socket APIs, Ethernet/ARP, from
# its own file lists; compiled with its own flags (not our -Werror).
LWIPDIR     := $(LWIP_DIR)/src
# lwIP's file list is read here, so its sources must exist already.
ifeq ($(wildcard $(LWIP_DIR)/src/Filelists.mk),)
$(info fetching lwIP sources for the file list)
$(shell scripts/fetch-sources.sh lwip >&2)
endif
-include $(LWIP_DIR)/src/Filelists.mk
NET_LWIP_SRC := $(COREFILES) $(CORE4FILES) $(APIFILES) $(LWIPDIR)/netif/ethernet.c
NET_LWIP_OBJ := $(NET_LWIP_SRC:$(LWIPDIR)/%.c=$(NB)/lwip/%.o)
NET_LWIP_CFLAGS := -std=gnu99 $(BOPT) -g -ffunction-sections -fdata-sections \
               $(CPU) -I$(BOARD_DIR) -Iport/lwip -I$(LWIP_DIR)/src/include
# a sub-make of mk/mbedtls.mk gets -jN unless this make already has one
NET_J       := $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))

fw-net: $(FW_NET)

# Mbed TLS for the Cortex-M4F, with the board's clock (OM_MBEDTLS_BOARD_TIME);
# mk/mbedtls.mk rebuilds only when its compiler or flags change.
net-mbedtls:
	@test -f $(MBEDTLS_DIR)/include/mbedtls/ssl.h || scripts/fetch-sources.sh mbedtls
	@$(MAKE) --no-print-directory $(NET_J) BOARD=linux B=$(BB) MBEDTLS_DIR=$(MBEDTLS_DIR) \
	    CC=$(BCC) AR=$(CROSS)ar MBEDTLS_OPT=-Os \
	    MBEDTLS_EXTRA_CFLAGS="$(CPU) -DOM_MBEDTLS_BOARD_TIME" mbedtls

$(NET_MBEDTLS): net-mbedtls ;

$(LWIP_DIR)/src/include/lwip/opt.h:
	scripts/fetch-sources.sh lwip

$(NB)/lwip/%.o: $(LWIPDIR)/%.c $(BOARD_DIR)/lwipopts.h port/lwip/arch/cc.h \
                port/lwip/arch/sys_arch.h | $(LWIP_DIR)/src/include/lwip/opt.h
	@mkdir -p $(@D)
	@echo "CC (lwip) $<"
	@$(BCC) $(NET_LWIP_CFLAGS) -MMD -MP -c $< -o $@

# objects are rebuilt when the net flags change (TLS_POOL, ...)
$(NB)/flags.sig: FORCE
	@mkdir -p $(@D)
	@sig='$(subst ','\'',$(BCFLAGS) $(NET_DEFS))'; [ "$$(cat $@ 2>/dev/null)" = "$$sig" ] || echo "$$sig" > $@
$(NB)/obj/%.o: %.c $(NB)/flags.sig | $(JSMN_DIR)/jsmn.h $(LWIP_DIR)/src/include/lwip/opt.h
	@mkdir -p $(@D)
	$(BCC) $(BCFLAGS) $(NET_DEFS) $(NET_INC) -MMD -MP -c $< -o $@

SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
$(NB)/floor.sig: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(SOURCE_DATE_EPOCH)" ] || echo "$(SOURCE_DATE_EPOCH)" > $@
$(NB)/obj/$(BOARD_DIR)/net_an386.o: $(NB)/floor.sig
$(NB)/obj/$(BOARD_DIR)/net_an386.o: NET_DEFS += -DOM_BOARD_TIME_FLOOR=$(SOURCE_DATE_EPOCH)

# The trust anchors: DER of NET_CAS, regenerated when the list changes.
$(NB)/cas.list: FORCE
	@mkdir -p $(@D)
	@l='$(NET_CA_DIR) $(NET_CAS)'; [ "$$(cat $@ 2>/dev/null)" = "$$l" ] || echo "$$l" > $@
$(NB)/om_cas.c: $(NB)/cas.list tests/board/bake_cas.py | deps
	@$(PYTHON) tests/board/bake_cas.py --dir $(NET_CA_DIR) --out $@ $(NET_CAS)
$(NB)/obj/om_cas.o: $(NB)/om_cas.c
	@mkdir -p $(@D)
	$(BCC) $(BCFLAGS) -c $< -o $@

$(FW_NET): $(NET_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) $(BOARD_DIR)/an386.ld \
           $(BOARD_DIR)/an386-sections.ld
	$(BCC) $(BLDFLAGS) -Wl,--defsym=OM_BOARD_STACK_SIZE=$(NET_STACK) \
	    -T an386.ld -Wl,-Map=$(BB)/ormodels-net.map -o $@ \
	    $(NET_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) -lc -lgcc
	@$(BSIZE) $@

# The TLS probe: the net firmware with om_sock over UART1 (tests/board/
# uart_sock.c) instead of lwIP, trusting NET_CAS plus two test roots;
# tests/board/tls_probe.py serves it a catalogue over TLS through QEMU's
# -serial tcp: and reports the pool's peak and the stack of real fetches
# (EC and RSA-4096 chains, TLS 1.3 and 1.2) on the emulated Cortex-M4.
# Its memory is the net firmware's (same pool, stack, RAM map, lwIP
# started); its roots are the first four of NET_CAS and the two test
# roots (RSA-4096 and P-384, larger than the two they replace), so that
# the pool holds a little more than in the shipped firmware. PROBE_POOL
# (default TLS_POOL) and PROBE_LD=tests.ld (4 MB of RAM) turn it into a
# measuring instrument for larger pools.
TP       := $(BB)/tls-probe
FW_PROBE := $(TP)/ormodels-tlsprobe.elf
PROBE_POOL ?= $(TLS_POOL)
PROBE_LD   ?= an386.ld
PROBE_CAS  := $(wordlist 1,4,$(NET_CAS)) $(TP)/pki/root-rsa.pem $(TP)/pki/root-ec.pem
PROBE_OBJ := $(filter-out $(NB)/obj/port/sockets/om_sock.o $(NB)/obj/om_cas.o \
               $(NB)/obj/port/mbedtls/om_tls.o,$(NET_OBJ)) \
             $(NB)/obj/tests/board/uart_sock.o $(TP)/om_cas.o $(TP)/om_tls.o
$(TP)/pool.sig: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(PROBE_POOL)" ] || echo "$(PROBE_POOL)" > $@
$(TP)/om_tls.o: port/mbedtls/om_tls.c $(TP)/pool.sig | $(LWIP_DIR)/src/include/lwip/opt.h
	@mkdir -p $(@D)
	$(BCC) $(BCFLAGS) $(filter-out -DOM_TLS_POOL_SIZE=%,$(NET_DEFS)) \
	    -DOM_TLS_POOL_SIZE=$(PROBE_POOL) $(NET_INC) -c $< -o $@
$(TP)/pki/root-rsa.pem: tests/board/tls_probe.py | deps
	@$(PYTHON) tests/board/tls_probe.py gen --dir $(TP)/pki
$(TP)/om_cas.c: $(TP)/pki/root-rsa.pem $(NB)/cas.list tests/board/bake_cas.py $(BOARD_DIR)/board.mk
	@$(PYTHON) tests/board/bake_cas.py --dir $(NET_CA_DIR) --out $@ $(PROBE_CAS)
$(TP)/om_cas.o: $(TP)/om_cas.c
	@$(BCC) $(BCFLAGS) -c $< -o $@
$(FW_PROBE): $(PROBE_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) $(BOARD_DIR)/an386.ld $(BOARD_DIR)/board.mk \
             $(BOARD_DIR)/an386-sections.ld
	@$(BCC) $(BLDFLAGS) -Wl,--defsym=OM_BOARD_STACK_SIZE=$(NET_STACK) \
	    -T $(PROBE_LD) -Wl,-Map=$(TP)/ormodels-tlsprobe.map -o $@ \
	    $(PROBE_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) -lc -lgcc
	@echo "LD $@ (the TLS probe: om_sock over UART1)"

# board-tls-probe: four fetches of the real catalogue (EC and RSA chains,
# TLS 1.3 and 1.2; ~80 s each). board-tls-quick (part of `test`): one
# TLS 1.3 fetch of a small catalogue, a few seconds.
PROBE_TIMEOUT ?= 400
.PHONY: board-tls-probe board-tls-quick
board-tls-probe: deps $(FW_PROBE)
	@$(PYTHON) tests/board/tls_probe.py run --fw $(FW_PROBE) --dir $(TP)/pki \
	    --catalogue $(BOOT_CATALOGUE) --timeout $(PROBE_TIMEOUT)
board-tls-quick: deps $(FW_PROBE)
	@$(PYTHON) tests/board/tls_probe.py run --fw $(FW_PROBE) --dir $(TP)/pki \
	    --catalogue basic --cases ec13,rsa13 --timeout $(QEMU_TIMEOUT)

.PHONY: FORCE
FORCE:

# ------------------------------------------------------------ end to end
# The net firmware with a test root baked in (the first five of NET_CAS
# and tests/board/e2e_test.py's root, so the pool holds as many roots as
# in the shipped image), fetching a real catalogue from a server in a
# network namespace through QEMU's LAN9118 on a TAP device; compared with
# the host CLI's parse of the same file. Needs root; the CLI ($(B)/ormodels)
# is built first. E2E_TIMEOUT bounds each step on the UART.
E2E        := $(BB)/e2e
FW_E2E     := $(E2E)/ormodels-e2e.elf
E2E_CAS    := $(wordlist 1,5,$(NET_CAS)) $(E2E)/pki/ca.pem
E2E_CATALOGUE ?= $(BOOT_CATALOGUE)
E2E_TIMEOUT ?= 600
E2E_OBJ    := $(filter-out $(NB)/obj/om_cas.o,$(NET_OBJ)) $(E2E)/om_cas.o
$(E2E)/pki/ca.pem: tests/board/e2e_test.py | deps
	@$(PYTHON) tests/board/e2e_test.py gen --dir $(E2E)/pki
$(E2E)/om_cas.c: $(E2E)/pki/ca.pem $(NB)/cas.list tests/board/bake_cas.py $(BOARD_DIR)/board.mk
	@$(PYTHON) tests/board/bake_cas.py --dir $(NET_CA_DIR) --out $@ $(E2E_CAS)
$(E2E)/om_cas.o: $(E2E)/om_cas.c
	@$(BCC) $(BCFLAGS) -c $< -o $@
$(FW_E2E): $(E2E_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) $(BOARD_DIR)/an386.ld \
           $(BOARD_DIR)/an386-sections.ld
	@$(BCC) $(BLDFLAGS) -Wl,--defsym=OM_BOARD_STACK_SIZE=$(NET_STACK) \
	    -T an386.ld -Wl,-Map=$(E2E)/ormodels-e2e.map -o $@ \
	    $(E2E_OBJ) $(NET_LWIP_OBJ) $(NET_MBEDTLS) -lc -lgcc
	@echo "LD $@ (the net firmware with the e2e test root)"

.PHONY: e2e e2e-cli
e2e-cli:
	@$(MAKE) --no-print-directory BOARD=linux B=$(B) all >/dev/null
e2e: deps e2e-cli $(FW_E2E) $(FW_NET)
	@$(PYTHON) tests/board/e2e_test.py run --fw $(FW_E2E) --shipped $(FW_NET) \
	    --pki $(E2E)/pki --cli $(B)/ormodels --catalogue $(E2E_CATALOGUE) \
	    --work $(E2E)/run --timeout $(E2E_TIMEOUT)

# ------------------------------------------------------- unit tests on target
# tests/unit/*.c built for the Cortex-M4 with the core at its default
# knobs, a cmocka stand-in (tests/board/cmocka) and newlib's semihosting
# stdio (librdimon); each runs in QEMU and exits with its status. Left out:
# test_extract (it walks the fixtures folder with dirent, which newlib
# does not have; its cases run on Linux) and test_filestore (the Linux
# file store, port/linux: files, rename, fsync).
TU_EXCLUDE := test_extract test_filestore
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
	@echo "unit on Cortex-M4 (QEMU): not run there: $(TU_EXCLUDE) (dirent, fixtures folder; Linux file store)"

# ------------------------------------------------------------ cross builds
# The core (src/*.c, default knobs) for four CPUs, warning-free under
# -Werror, each linked with tests/board/core_probe.c (the fetch, picker and store
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
	    -fcallgraph-info=su -MMD -MP -c $$< -o $$@
$(B)/cross/$(1)/probe.elf: $$(X_SRC:%.c=$(B)/cross/$(1)/obj/%.o)
	@$$(X_CC_$$(firstword $$(X_$(1)))) $$(wordlist 2,99,$$(X_$(1))) -nostartfiles \
	    $$(X_LD_$$(firstword $$(X_$(1)))) -Wl,--gc-sections -Wl,-e,om_probe_main \
	    -Wl,-Map=$(B)/cross/$(1)/probe.map \
	    -o $$@ $$^ -lc -lgcc
	@echo "LD $$@ (core for $(1))"
endef
$(foreach t,$(XTARGETS),$(eval $(call cross_target,$(t))))
-include $(shell find $(B)/cross -name '*.d' 2>/dev/null)

cross: deps $(XTARGETS:%=$(B)/cross/%/probe.elf)

size: cross $(FW) $(FW_NET)
	@mkdir -p $(SIZE_DIR)
	@echo "core (src/, default knobs, -Os, --gc-sections; the fetch, picker and store paths kept):"
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
	@$(PYTHON) tests/board/net_size.py --elf $(FW_NET) --map $(BB)/ormodels-net.map \
	    --nm $(CROSS)nm --size-tool $(BSIZE) --json $(SIZE_DIR)/fw-net.json

# ------------------------------------------------------------------- tests
FOOTPRINT_STRICT ?=
BOOT_CATALOGUE ?= $(FIXTURES)/openrouter-models-2026-08-19-output_modalities-all.json

board-boot: deps $(FW)
	@$(PYTHON) tests/board/boot_test.py --fw $(FW) --work $(BB)/boot-test \
	    --catalogue $(BOOT_CATALOGUE) --timeout $(QEMU_TIMEOUT)

footprint: size
	@$(PYTHON) tests/board/footprint_check.py --size-dir $(SIZE_DIR) --fw $(FW) \
	    --net-json $(SIZE_DIR)/fw-net.json \
	    --size-tool $(BSIZE) $(if $(FOOTPRINT_STRICT),--strict)

# the net firmware's snprintf (fmt_an386.c) against the host's libc
HOST_CC ?= cc
$(BB)/fmt_check: tests/board/fmt_check.c $(BOARD_DIR)/fmt_an386.c
	@mkdir -p $(@D)
	@$(HOST_CC) -std=c99 -Wall -Wextra -Werror -Wno-format -Dsnprintf=fmt_snprintf \
	    -Dvsnprintf=fmt_vsnprintf -c $(BOARD_DIR)/fmt_an386.c -o $(BB)/fmt_an386_host.o
	@$(HOST_CC) -std=c99 -Wall -Wno-format -Wno-format-truncation -o $@ $< $(BB)/fmt_an386_host.o
.PHONY: board-fmt
board-fmt: $(BB)/fmt_check
	@$<

board-net-boot: deps $(FW_NET) board-fmt
	@scripts/check-heap.sh $(filter $(NB)/obj/port/% $(NB)/obj/$(BOARD_DIR)/net_% \
	    $(NB)/obj/$(BOARD_DIR)/fmt_% $(NB)/obj/$(BOARD_DIR)/lan9118%,$(NET_OBJ))
	@$(PYTHON) tests/board/net_boot_test.py --fw $(FW_NET) --work $(BB)/net-boot-test \
	    --catalogue $(BOOT_CATALOGUE) --cas $(words $(NET_CAS)) --timeout $(QEMU_TIMEOUT)

test: board-unit board-boot board-net-boot board-tls-quick footprint
