# lwip-test.mk - the catalogue fetch through the lwIP shim on the real lwIP
# 2.2 stack: om_sock.c built with -DOM_SOCK_LWIP, lwIP's core, API and
# Ethernet code with contrib/ports/unix (pthreads sys_arch, tapif), all in
# one program (tests/lwip/lwip_fetch.c) that fetches over a TAP device
# inside a network namespace the test creates. Included by the top
# Makefile.
#
#   make lwip-test         builds $(B)/lwip-test/lwip_fetch, checks our two
#                          port objects for heap use, runs
#                          tests/lwip/lwip_test.sh (needs root for the
#                          namespace and the TAP device; OM_ALLOW_SKIP=1
#                          turns "not root" into a skip, else a failure)
#   make lwip-test-build   only the program
#
# lwIP is compiled with its own flags (LWT_LWIP_CFLAGS, no -Werror, it is
# not our code) into one archive; our files (om_sock for lwIP, om_tls,
# lwip_fetch.c) with ALL_CFLAGS. The options are tests/lwip/lwipopts.h.
# This file is read before mk/lwip.mk, so LWIP_DIR is only used inside
# recipes (expanded when they run), never in targets or prerequisites.

LWT_DIR   := $(B)/lwip-test
LWT_BIN   := $(LWT_DIR)/lwip_fetch
LWT_LIB   := $(LWT_DIR)/liblwip.a
LWT_STAMP := $(LWT_DIR)/lwip-flags
LWT_INC    = -Itests/lwip -I$(LWIP_DIR)/src/include \
             -I$(LWIP_DIR)/contrib/ports/unix/port/include
LWT_LWIP_CFLAGS = -std=gnu99 -O2 -g $(LWT_INC)
# lwIP's sources: core, IPv4, the sequential and socket API, Ethernet, and
# the unix port's sys_arch and TAP interface.
LWT_LWIP_SRC = $(sort $(wildcard $(LWIP_DIR)/src/core/*.c) \
               $(wildcard $(LWIP_DIR)/src/core/ipv4/*.c) \
               $(wildcard $(LWIP_DIR)/src/api/*.c)) \
               $(LWIP_DIR)/src/netif/ethernet.c \
               $(LWIP_DIR)/contrib/ports/unix/port/sys_arch.c \
               $(LWIP_DIR)/contrib/ports/unix/port/netif/tapif.c
LWT_SIG    = $(subst ','\'',$(LWIP_DIR) $(CC) $(LWT_LWIP_CFLAGS) $(ALL_CFLAGS) $(NET_CFLAGS))

# mk/mbedtls.mk's MBEDTLS_LIB, named here because that file is read after
# this one (prerequisites are expanded as they are read).
LWT_MBEDTLS := $(B)/mbedtls/libmbedtls_om.a

LWT_OBJ := $(LWT_DIR)/om_sock_lwip.o $(LWT_DIR)/om_tls.o \
           $(LWT_DIR)/lwip_fetch.o

TEST_SUITES += lwip-test

.PHONY: lwip-test lwip-test-build lwip-test-force

lwip-test: mbedtls lwip-src
	@$(MAKE) --no-print-directory lwip-test-build
	@scripts/check-heap.sh $(LWT_DIR)/om_sock_lwip.o $(LWT_DIR)/om_tls.o
	@tests/lwip/lwip_test.sh $(LWT_BIN) $(CLI)

lwip-test-build: $(LWT_BIN) $(CLI)

$(LWT_STAMP): lwip-test-force
	@mkdir -p $(@D)
	@sig='$(LWT_SIG)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$sig" ] || printf '%s\n' "$$sig" > $@

# All of lwIP in one step (its sources never change under us; the stamp
# catches another LWIP_DIR, compiler or flags).
$(LWT_LIB): $(LWT_STAMP) tests/lwip/lwipopts.h mk/lwip-test.mk
	@test -f $(LWIP_DIR)/src/include/lwip/opt.h || \
	    { echo "lwip-test: no lwIP in $(LWIP_DIR) (make lwip-src)" >&2; exit 1; }
	@rm -rf $(LWT_DIR)/lwip $@
	@mkdir -p $(LWT_DIR)/lwip
	@echo "CC (lwip) $(words $(LWT_LWIP_SRC)) files of $(LWIP_DIR)"
	@printf '%s\n' $(LWT_LWIP_SRC) | xargs -P "$$(nproc 2>/dev/null || echo 2)" -I{} \
	    sh -c 'o=$(LWT_DIR)/lwip/$$(basename "$$1" .c).o; \
	           $(CC) $(LWT_LWIP_CFLAGS) -c "$$1" -o "$$o" || exit 255' sh {}
	@$(AR) rcs $@ $(LWT_DIR)/lwip/*.o
	@echo "AR $@ ($$(ls $(LWT_DIR)/lwip/*.o | wc -l) objects)"

# om_sock.c for lwIP: every socket call is lwip_*.
$(LWT_DIR)/om_sock_lwip.o: port/sockets/om_sock.c port/sockets/om_sock.h \
                           $(LWT_STAMP) tests/lwip/lwipopts.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -D_POSIX_C_SOURCE=200809L -DOM_SOCK_LWIP $(LWT_INC) \
	    -Iport/sockets -c $< -o $@

# om_tls.c as it is (it only calls om_sock_*), with the board's default
# pool (64 KiB, om_tls.h).
$(LWT_DIR)/om_tls.o: port/mbedtls/om_tls.c port/mbedtls/om_tls.h \
                     $(LWT_STAMP) | $(LWT_MBEDTLS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -c $< -o $@

$(LWT_DIR)/lwip_fetch.o: tests/lwip/lwip_fetch.c tests/lwip/lwipopts.h \
                         $(LWT_STAMP) | $(LWT_MBEDTLS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) $(LWT_INC) -c $< -o $@

$(LWT_BIN): $(LWT_OBJ) $(LWT_LIB) $(LIB) $(B)/obj/port/linux/om_entropy_linux.o \
            $(LWT_MBEDTLS)
	$(CC) $(ALL_CFLAGS) -o $@ $(LWT_OBJ) $(B)/obj/port/linux/om_entropy_linux.o \
	    $(LIB) $(MBEDTLS_LIB) $(LWT_LIB) -pthread
