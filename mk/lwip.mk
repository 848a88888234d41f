# lwip.mk - where lwIP's sources are. Included by the top Makefile.
#
#   make lwip-src    fetches them with scripts/fetch-sources.sh when missing
#
# LWIP_DIR can point at an SDK's copy instead of third_party/. Nothing is
# built from it yet; board makefiles take their file lists from
# $(LWIP_DIR)/src/Filelists.mk.

LWIP_DEFAULT_DIR := third_party/lwip-2.2.1+dfsg1
LWIP_DIR         ?= $(LWIP_DEFAULT_DIR)

.PHONY: lwip-src

lwip-src:
ifeq ($(LWIP_DIR),$(LWIP_DEFAULT_DIR))
	@scripts/fetch-sources.sh lwip
endif
	@test -f $(LWIP_DIR)/src/include/lwip/opt.h || \
	    { echo "lwip-src: LWIP_DIR=$(LWIP_DIR) has no src/include/lwip/opt.h" >&2; exit 1; }
	@echo "lwip-src: $(LWIP_DIR)"
