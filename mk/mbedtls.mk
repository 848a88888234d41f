# mbedtls.mk - builds Mbed TLS with our configuration into one static
# library, and the smoke check of that build. Included by the top Makefile.
#
#   make mbedtls          $(B)/mbedtls/libmbedtls_om.a (fetches the sources
#                         with scripts/fetch-sources.sh when they are missing)
#   make mbedtls-smoke    static pool, PSA + our RNG, CA parsing, pool
#                         high-water, and no libc heap in the library
#
# For the rest of the build:
#   MBEDTLS_LIB     the archive to link
#   MBEDTLS_CFLAGS  what our code needs to include Mbed TLS headers
# Knobs: MBEDTLS_DIR (an SDK's copy instead of third_party/), MBEDTLS_OPT,
# MBEDTLS_EXTRA_CFLAGS (e.g. -mcpu=... for a board),
# SMOKE_POOL (pool bytes of the smoke check, default 48 KiB).
#
# Mbed TLS is compiled with its own flags, not ALL_CFLAGS: our -Werror and
# warning set are for our code only.

MBEDTLS_DEFAULT_DIR := third_party/mbedtls-3.6.6
MBEDTLS_DIR      ?= $(MBEDTLS_DEFAULT_DIR)
MBEDTLS_OPT      ?= -O2
MBEDTLS_CFLAGS   := -Iport/mbedtls -I$(MBEDTLS_DIR)/include \
                    -DMBEDTLS_CONFIG_FILE='"om_mbedtls_config.h"'
MBEDTLS_LIB      := $(B)/mbedtls/libmbedtls_om.a
MBEDTLS_LIB_CFLAGS = -std=c99 $(MBEDTLS_OPT) -g -ffunction-sections -fdata-sections \
                    $(MBEDTLS_EXTRA_CFLAGS) \
                    $(MBEDTLS_CFLAGS) -I$(MBEDTLS_DIR)/library

MBEDTLS_SRC := $(sort $(wildcard $(MBEDTLS_DIR)/library/*.c))
MBEDTLS_OBJ := $(MBEDTLS_SRC:$(MBEDTLS_DIR)/library/%.c=$(B)/mbedtls/obj/%.o)

.PHONY: mbedtls mbedtls-smoke mbedtls-force

mbedtls: $(MBEDTLS_LIB)

ifeq ($(MBEDTLS_SRC),)
# No sources when this makefile was read, so the object list is empty:
# fetch them, then build in a fresh make that can see them.
$(MBEDTLS_LIB): mbedtls-force
ifeq ($(MBEDTLS_DIR),$(MBEDTLS_DEFAULT_DIR))
	scripts/fetch-sources.sh mbedtls
	$(MAKE) --no-print-directory $@
else
	@echo "mbedtls: MBEDTLS_DIR=$(MBEDTLS_DIR) has no library/*.c" >&2; exit 1
endif
else
# Objects are rebuilt when the sources' folder, the compiler or the flags
# change (an SDK copy, a cross compiler), not only when a file does.
MBEDTLS_SIG   := $(subst ','\'',$(MBEDTLS_DIR) $(CC) $(MBEDTLS_LIB_CFLAGS))
MBEDTLS_STAMP := $(B)/mbedtls/build-flags

$(MBEDTLS_STAMP): mbedtls-force
	@mkdir -p $(@D)
	@sig='$(MBEDTLS_SIG)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$sig" ] || printf '%s\n' "$$sig" > $@

$(B)/mbedtls/obj/%.o: $(MBEDTLS_DIR)/library/%.c $(MBEDTLS_STAMP) mk/mbedtls.mk
	@mkdir -p $(@D)
	@echo "CC (mbedtls) $<"
	@$(CC) $(MBEDTLS_LIB_CFLAGS) -MMD -MP -c $< -o $@

$(MBEDTLS_LIB): $(MBEDTLS_OBJ)
	@rm -f $@
	@echo "AR $@ ($(words $^) objects)"
	@$(AR) rcs $@ $^
endif

# ------------------------------------------------------------------ smoke
# Two builds of one program: the default pool with the few roots a client
# would really carry (must all parse), and a 1 MiB pool with the whole
# system bundle (some certificates may be outside our config).
SMOKE_POOL   ?= 49152
SMOKE_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
SMOKE_ROOTS  := $(addprefix /etc/ssl/certs/,ISRG_Root_X1.pem ISRG_Root_X2.pem \
                GTS_Root_R1.pem GTS_Root_R4.pem DigiCert_Global_Root_CA.pem \
                DigiCert_Global_Root_G2.pem DigiCert_Global_Root_G3.pem \
                GlobalSign_Root_CA.pem GlobalSign_Root_CA_-_R3.pem)
SMOKE_BIN    := $(B)/mbedtls/mbedtls_smoke
SMOKE_BIG    := $(B)/mbedtls/mbedtls_smoke_1m
HEAP_SYMS    := malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|reallocarray

$(SMOKE_BIN): tests/tls/mbedtls_smoke.c $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(MBEDTLS_CFLAGS) -DOM_SMOKE_POOL_SIZE=$(SMOKE_POOL) \
	    -o $@ $< $(MBEDTLS_LIB)

$(SMOKE_BIG): tests/tls/mbedtls_smoke.c $(MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(MBEDTLS_CFLAGS) -DOM_SMOKE_POOL_SIZE=1048576 \
	    -o $@ $< $(MBEDTLS_LIB)

mbedtls-smoke: $(SMOKE_BIN) $(SMOKE_BIG)
	@test -r $(SMOKE_BUNDLE) || { echo "mbedtls-smoke: no $(SMOKE_BUNDLE) (apt-get install ca-certificates)" >&2; exit 1; }
	@hits=$$(nm -A -u $(MBEDTLS_LIB) $(SMOKE_BIN) | grep -E ' U ($(HEAP_SYMS))(@|$$)'); \
	if [ -n "$$hits" ]; then echo "mbedtls-smoke: libc heap referenced:"; echo "$$hits"; exit 1; fi; \
	echo "mbedtls-smoke: no malloc/calloc/free in $(MBEDTLS_LIB) ($$($(AR) t $(MBEDTLS_LIB) | wc -l) objects) or $(SMOKE_BIN)"
	$(SMOKE_BIN) --strict $(SMOKE_ROOTS)
	$(SMOKE_BIG) $(SMOKE_BUNDLE)
	@echo "mbedtls-smoke: passed"
