# fuzz.mk - libFuzzer harnesses under ASan+UBSan (Debian clang).
#
#   make fuzz [FUZZ_TIME=600]   each harness for FUZZ_TIME seconds
#   make fuzz-short             each for FUZZ_SHORT seconds (in make test)
# Seeds are in tests/fuzz/corpus/NAME; runs work on a copy in
# $(B)/fuzz/corpus so the repository is not touched; crashes are written
# to $(B)/fuzz/ and fail the target.

FUZZ_CC     ?= clang
FUZZ_TIME   ?= 600
FUZZ_SHORT  ?= 12
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS   := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -Iinclude -Isrc

TEST_SUITES += fuzz-short

.PHONY: fuzz fuzz-short fuzz-build

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC)

fuzz-build:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory -s $(FUZZ_BINS) >/dev/null

fuzz: fuzz-build
	@scripts/fuzz.sh $(B)/fuzz $(FUZZ_TIME) $(FUZZ_NAMES)

fuzz-short: fuzz-build
	@scripts/fuzz.sh $(B)/fuzz $(FUZZ_SHORT) $(FUZZ_NAMES)
