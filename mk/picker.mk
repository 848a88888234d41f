# picker.mk - the serial console picker: its end-to-end test and bench.
#
#   make picker-test    build/ormodels select through a pseudo-terminal and
#                       through pipes of raw UART-style bytes (in make test)
#   make bench-picker   wall time and instructions (callgrind) per screen
#                       for a full table of models
# The unit tests (tests/unit/test_picker.c) run with `make unit`.

BENCH_PICKER := $(B)/bench_picker

TEST_SUITES += picker-test

.PHONY: picker-test bench-picker

picker-test: all
	@$(PYTHON) tests/picker_test.py --cli $(CLI)

$(BENCH_PICKER): tests/bench/bench_picker.c $(LIB) include/om_picker.h
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB)

bench-picker: deps $(BENCH_PICKER)
	@$(BENCH_PICKER)
	@command -v valgrind >/dev/null || { echo "bench-picker: no valgrind, no instruction counts"; exit 0; }; \
	rm -rf $(B)/bench-picker && mkdir -p $(B)/bench-picker && \
	valgrind --tool=callgrind --instr-atstart=no \
	    --callgrind-out-file=$(B)/bench-picker/cg.out $(BENCH_PICKER) --once \
	    2>$(B)/bench-picker/valgrind.log && \
	echo "instructions per screen (callgrind, from the Enter byte to the last byte out):" && \
	for f in $$(ls $(B)/bench-picker/cg.out.* | sort -t. -k3 -n); do \
	    awk '/^desc: Trigger: Client Request: /{sub(/^desc: Trigger: Client Request: /,""); n=$$0} \
	         /^(summary|totals): /{t=$$2} END{printf "  %-28s %10d Ir\n", n, t}' $$f; \
	done
