# e2e.mk - the command line's fetch end to end, against real servers on
# 127.0.0.1 (fault_server.py, nginx, openssl s_server), and the fetch
# benchmark. Included by the top Makefile.
#
#   make fetch-test   tests/net/fetch_test.py on $(CLI): good framings give
#                     the same table as `ormodels parse`; every failure
#                     exits 1 with one line and keeps the saved table;
#                     certificates; the API key (needs openssl, nginx)
#   make bench-fetch  tests/bench_fetch.py: a full fetch of the largest
#                     catalogue from nginx (TLS 1.3, EC certificate): wall
#                     time, peak RSS, TLS pool high-water, static RAM and
#                     the fetch path's stack depth (needs nginx, GNU time)

TEST_SUITES += fetch-test

BENCH_FETCH := $(B)/bench_fetch

.PHONY: fetch-test bench-fetch

fetch-test: all
	@$(PYTHON) tests/net/fetch_test.py --cli $(CLI)

# Compiled and linked as $(CLI) is: the core, the Linux port, the network
# port (with the Linux build's pool) and Mbed TLS.
$(BENCH_FETCH): tests/bench/bench_fetch.c $(PORT_OBJ) $(NET_EXTRA_OBJ) $(LIB) \
                $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) $(CLI_LDFLAGS) -o $@ $< $(PORT_OBJ) \
	    $(NET_EXTRA_OBJ) $(LIB) $(MBEDTLS_LIB) $(LDLIBS)

# The same with om_tls.h's default 64 KiB pool, as a board gets it: Mbed
# TLS zeroes the whole pool at init, so its size is resident memory.
$(BENCH_FETCH)_64k: tests/bench/bench_fetch.c $(PORT_OBJ) $(NET_SOCK_OBJ) \
                    $(B)/net/om_tls_64k.o $(LIB) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) $(CLI_LDFLAGS) -o $@ $< $(PORT_OBJ) \
	    $(NET_SOCK_OBJ) $(B)/net/om_tls_64k.o $(LIB) $(MBEDTLS_LIB) $(LDLIBS)

bench-fetch: all $(BENCH_FETCH) $(BENCH_FETCH)_64k
	@$(PYTHON) tests/bench_fetch.py --cli $(CLI) --bench $(BENCH_FETCH) \
	    --bench-64k $(BENCH_FETCH)_64k
