# board.mk - the microcontroller side, seen from the Linux build. Included
# by the top Makefile (BOARD=linux).
#
#   make size          the footprint per target (Cortex-M0+, M4F, M33,
#                      RV32IMC) and of the qemu-mps2-an386 firmware
#   make board-test    that board's tests: the unit tests on the emulated
#                      Cortex-M4, the boot test, the footprint check
#                      (also part of `make test`)
#   make board-e2e     the net firmware fetches a real catalogue over TLS
#                      from a server in a network namespace (part of
#                      `make test`; needs root)
#
# The flash store (port/flash) is a port like port/linux: it joins
# PORT_SRC/PORT_OBJ here so that the unit tests (tests/unit/test_flash.c,
# plain and under ASan+UBSan) link it and check-heap covers it.

PORT_SRC += port/flash/om_flash.c
PORT_OBJ += $(B)/obj/port/flash/om_flash.o
$(B)/tests/test_flash $(B)/asan/test_flash: EXTRA_CFLAGS += -Iport/flash

BOARD_MCU ?= qemu-mps2-an386
TEST_SUITES += board-test

.PHONY: board-test size

# The board's makefile lists lwIP's files when it is read: fetch the
# sources first, so a fresh clone has them by then.
board-test:
	@scripts/fetch-sources.sh mbedtls lwip >/dev/null
	@$(MAKE) --no-print-directory BOARD=$(BOARD_MCU) B=$(B) test

# The net firmware end to end: a real catalogue fetched over TLS through
# lwIP and the LAN9118 from a server in a network namespace (needs root;
# OM_ALLOW_SKIP=1 turns "not root" into a skip, as for lwip-test).
TEST_SUITES += board-e2e
.PHONY: board-e2e
board-e2e: all
	@scripts/fetch-sources.sh mbedtls lwip >/dev/null
	@$(MAKE) --no-print-directory BOARD=$(BOARD_MCU) B=$(B) e2e

size:
	@scripts/fetch-sources.sh mbedtls lwip >/dev/null
	@$(MAKE) --no-print-directory BOARD=$(BOARD_MCU) B=$(B) size

# The template port (port/template) compiles with the project's warnings.
TEST_SUITES += port-template
.PHONY: port-template
port-template:
	@mkdir -p $(B)/template
	$(CC) $(ALL_CFLAGS) -Iport/flash -c port/template/om_port_template.c \
	    -o $(B)/template/om_port_template.o
	@scripts/check-heap.sh $(B)/template/om_port_template.o
