# net.mk - the network port (om_sock over BSD sockets, om_tls over Mbed TLS,
# Linux entropy and CA file) and its loopback TLS test. Included by the top
# Makefile.
#
#   make tls-test     builds tls_probe with three pools (the Linux 1 MiB, the
#                     64 KiB board default, a 32 KiB one too small), checks the port objects for heap use,
#                     compiles om_sock against lwIP's sockets, then runs
#                     tests/net/tls_test.sh against local openssl/Python
#                     servers on 127.0.0.1
#   make sock-lwip-check   only the lwIP compile of om_sock.c
#
# For the CLI (or any Linux program using the transport):
#   NET_CFLAGS     include flags, on top of ALL_CFLAGS
#   NET_PORT_OBJ   the port objects: sock, tls, entropy, CA file
#   NET_EXTRA_OBJ  those of them not already in PORT_OBJ: the top Makefile
#                  compiles port/linux/*.c (entropy, CA file) into the CLI
#                  itself, so link $(PORT_OBJ) $(NET_EXTRA_OBJ) $(MBEDTLS_LIB)
#                  (listing an object twice would define its symbols twice)
# Knobs:
#   NET_TLS_POOL   bytes of om_tls's static pool in the Linux build
#                  (OM_TLS_POOL_SIZE). Default 1 MiB: the Linux CLI trusts
#                  the system bundle, and Debian's 144 roots take ~500 KiB of
#                  pool parsed, plus ~40 KiB for a connection. It is .bss, not
#                  heap. A build that only ever gets --cacert with a root or
#                  two can use 65536, the default of om_tls.h (and of boards).

NET_TLS_POOL ?= 1048576
NET_CFLAGS   := $(MBEDTLS_CFLAGS) -Iport/sockets -Iport/mbedtls -Iport/linux
NET_SIG      := $(subst ','\'',$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) $(NET_TLS_POOL))
NET_STAMP    := $(B)/net/build-flags

NET_SOCK_OBJ  := $(B)/net/om_sock.o
NET_TLS_OBJ   := $(B)/net/om_tls.o
NET_LINUX_OBJ := $(B)/obj/port/linux/om_entropy_linux.o \
                 $(B)/obj/port/linux/om_ca_file.o
NET_PORT_OBJ  := $(NET_SOCK_OBJ) $(NET_TLS_OBJ) $(NET_LINUX_OBJ)
NET_EXTRA_OBJ  = $(filter-out $(PORT_OBJ),$(NET_PORT_OBJ))

NET_PROBE     := $(B)/net/tls_probe
NET_PROBE_64K := $(B)/net/tls_probe_64k
NET_PROBE_32K := $(B)/net/tls_probe_32k

TEST_SUITES += tls-test

.PHONY: tls-test sock-lwip-check net-force

# Objects are rebuilt when the compiler, the flags or the pool size change.
$(NET_STAMP): net-force
	@mkdir -p $(@D)
	@sig='$(NET_SIG)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$sig" ] || printf '%s\n' "$$sig" > $@

$(NET_SOCK_OBJ): port/sockets/om_sock.c $(NET_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -MMD -MP -c $< -o $@

$(NET_TLS_OBJ): port/mbedtls/om_tls.c $(NET_STAMP) | $(MBEDTLS_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -DOM_TLS_POOL_SIZE=$(NET_TLS_POOL) \
	    -MMD -MP -c $< -o $@

# The same file with om_tls.h's default pool, as a board gets it.
$(B)/net/om_tls_64k.o: port/mbedtls/om_tls.c $(NET_STAMP) | $(MBEDTLS_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -MMD -MP -c $< -o $@

$(NET_PROBE): tests/net/tls_probe.c $(NET_PORT_OBJ) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -MMD -MP -o $@ $< $(NET_PORT_OBJ) \
	    $(MBEDTLS_LIB)

$(NET_PROBE_64K): tests/net/tls_probe.c $(NET_SOCK_OBJ) $(B)/net/om_tls_64k.o \
                  $(NET_LINUX_OBJ) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -o $@ $< $(NET_SOCK_OBJ) \
	    $(B)/net/om_tls_64k.o $(NET_LINUX_OBJ) $(MBEDTLS_LIB)

# A pool too small for an RSA-4096 chain: the test wants a clear message.
$(B)/net/om_tls_32k.o: port/mbedtls/om_tls.c $(NET_STAMP) | $(MBEDTLS_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -DOM_TLS_POOL_SIZE=32768 -c $< -o $@

$(NET_PROBE_32K): tests/net/tls_probe.c $(NET_SOCK_OBJ) $(B)/net/om_tls_32k.o \
                  $(NET_LINUX_OBJ) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -o $@ $< $(NET_SOCK_OBJ) \
	    $(B)/net/om_tls_32k.o $(NET_LINUX_OBJ) $(MBEDTLS_LIB)

# om_sock.c against lwIP's socket headers (contrib's unix arch, a minimal
# lwipopts.h written here), IPv4+IPv6 and IPv4 only: keeps the lwIP path
# compiling. Compile only; nothing runs.
NET_LWIP_CHK := $(B)/net/lwip-check
sock-lwip-check: port/sockets/om_sock.c port/sockets/om_sock.h
	@test -f $(LWIP_DIR)/src/include/lwip/opt.h || $(MAKE) --no-print-directory lwip-src
	@mkdir -p $(NET_LWIP_CHK)
	@for v6 in 1 0; do \
	    printf '%s\n' '#define NO_SYS 0' '#define LWIP_SOCKET 1' \
	        '#define LWIP_NETCONN 1' '#define LWIP_TCP 1' '#define LWIP_UDP 1' \
	        '#define LWIP_DNS 1' '#define LWIP_IPV4 1' "#define LWIP_IPV6 $$v6" \
	        '#define LWIP_PROVIDE_ERRNO 1' '#define LWIP_TIMEVAL_PRIVATE 0' \
	        > $(NET_LWIP_CHK)/lwipopts.h; \
	    $(CC) $(ALL_CFLAGS) -D_POSIX_C_SOURCE=200809L -DOM_SOCK_LWIP \
	        -I$(NET_LWIP_CHK) -I$(LWIP_DIR)/src/include \
	        -I$(LWIP_DIR)/contrib/ports/unix/port/include -Iport/sockets \
	        -c port/sockets/om_sock.c -o $(NET_LWIP_CHK)/om_sock_v6_$$v6.o || exit 1; \
	done
	@echo "sock-lwip-check: om_sock.c compiles against lwIP sockets (IPv4+IPv6, IPv4 only); it calls:"
	@nm -u $(NET_LWIP_CHK)/om_sock_v6_1.o | awk '{print $$NF}' | tr '\n' ' '; echo

tls-test: mbedtls $(NET_PROBE) $(NET_PROBE_64K) $(NET_PROBE_32K) sock-lwip-check
	@scripts/check-heap.sh $(NET_PORT_OBJ) $(B)/net/om_tls_64k.o
	@tests/net/tls_test.sh $(NET_PROBE) $(NET_PROBE_64K) $(NET_PROBE_32K)
