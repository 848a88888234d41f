# reliability.mk - issue 6: truncation sweep, soak, memcheck, the crash-safe
# file store (tests/unit/test_filestore.c, run by `make unit`) and two more
# fuzz harnesses (tests/fuzz/fuzz_config.c, fuzz_picker.c, run by mk/fuzz.mk).
# Included by the top Makefile.
#
#   make sweep-test   tests/net/sweep_test.py, bounded (in make test): the
#                     fetch cut after N bytes for every N of the response
#                     head and 1,000 body offsets, over Content-Length and
#                     chunked framing (chunk-size lines included), and 400
#                     cuts on the wire inside TLS records (handshake too),
#                     all in one process (tests/soak/soak.c); plus a sample
#                     of cuts through the CLI (exit 1, one line, the saved
#                     file byte for byte)
#   make soak-short   60 refreshes in one process (in make test)
#   make soak         1,000 refreshes (good, 304, failed in turn): peak RSS
#                     flat, no descriptor leak, the same table, the TLS
#                     pool's high-water mark stable; then the full sweep:
#                     EVERY offset of both framings and of the wire
#   make memcheck     tests/soak/memcheck.sh: valgrind memcheck on the CLI's
#                     parse, list, search, show, fetch (good, cut, 500),
#                     select (piped input), selected (in make test)
# Only 127.0.0.1 is ever contacted (fault_server.py, a fresh test CA).

SOAK := $(B)/soak

TEST_SUITES += sweep-test soak-short memcheck

.PHONY: sweep-test soak soak-short memcheck

# Compiled and linked as $(CLI) is (see mk/e2e.mk's bench_fetch).
$(SOAK): tests/soak/soak.c $(PORT_OBJ) $(NET_EXTRA_OBJ) $(LIB) $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(NET_CFLAGS) -o $@ $< $(PORT_OBJ) $(NET_EXTRA_OBJ) \
	    $(LIB) $(MBEDTLS_LIB) $(LDLIBS)

sweep-test: all $(SOAK)
	@$(PYTHON) tests/net/sweep_test.py --cli $(CLI) --soak $(SOAK) --suite sweep

soak-short: all $(SOAK)
	@$(PYTHON) tests/net/sweep_test.py --cli $(CLI) --soak $(SOAK) --suite soak \
	    --iterations 60

soak: all $(SOAK)
	@$(PYTHON) tests/net/sweep_test.py --cli $(CLI) --soak $(SOAK) --suite full \
	    --iterations 1000

memcheck: all $(CLI_DYN)
	@tests/soak/memcheck.sh $(CLI_DYN)
