# serve.mk - the dashboard: the settings page built into the binary, and
# the endpoint's end-to-end tests. Included by the top Makefile.
#
#   make serve-test     tests/serve_test.py: `ormodels serve` over curl
#                       (formats, 400s, force_refresh limit against the
#                       loopback TLS fault server, selection round trip,
#                       malformed, oversized and slow requests)
#   make browser-test   tests/browser: the page in Debian's chromium,
#                       headless, driven by playwright-core; saves
#                       $(B)/browser/settings.png. Installs what it needs
#                       when missing: chromium and Node.js from Debian
#                       (scripts/deps.sh browser), playwright-core from the
#                       npm registry (npm ci, tests/browser/package-lock.json).
#
# web/settings.html becomes src/om_page.h (a byte array; committed, so a
# board builds without Python) whenever the page changes; html2c.py fails
# the build when the page is over its 8 KB budget.

TEST_SUITES += serve-test browser-test
PAGE_BUDGET ?= 8192

.PHONY: serve-test browser-test

src/om_page.h: web/settings.html scripts/html2c.py
	$(PYTHON) scripts/html2c.py om_page_html $< $@ $(PAGE_BUDGET)

$(B)/obj/src/om_serve.o $(B)/asan/obj/src/om_serve.o: src/om_page.h

serve-test: all
	@tests/net/make-test-ca.sh $(B)/net/ca >/dev/null
	@$(PYTHON) tests/serve_test.py --cli $(CLI) --ca $(B)/net/ca

browser-test: all
	@scripts/deps.sh browser
	@command -v npm >/dev/null || { echo "browser-test: npm missing"; exit 1; }
	@test -d tests/browser/node_modules/playwright-core || \
	    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
	@mkdir -p $(B)/browser
	@tests/net/make-test-ca.sh $(B)/net/ca >/dev/null
	@node tests/browser/settings_test.js --cli $(CLI) --ca $(B)/net/ca --out $(B)/browser
