#!/bin/sh
# lwip_test.sh - the catalogue fetch through the lwIP shim on the real
# lwIP 2.2 stack, inside a network namespace this script creates.
#
# Usage: tests/lwip/lwip_test.sh LWIP_FETCH CLI      (make lwip-test)
#   LWIP_FETCH  build/lwip-test/lwip_fetch (tests/lwip/lwip_fetch.c)
#   CLI         build/ormodels, for `parse FILE --json` of the same file
#
# The network, all of it inside namespace omtest$$ (created here, deleted
# on exit, with everything in it):
#
#   [ kernel of the ns: omtap0 10.207.0.1/24, HTTPS server ]
#            |  TAP frames
#   [ lwip_fetch: lwIP 2.2 (tapif, 02:12:34:56:78:ab) 10.207.0.2 ]
#
# No traffic goes anywhere else: the server binds 10.207.0.1 only, and
# lwIP has no route but its /24. Every process runs under `timeout`.
#
# Cases: the catalogue (a real one from ../shared/fixtures, else a
# generated one) fetched with Content-Length, chunked and as two pages,
# each compared with the CLI's parse of the same file (JSON without
# updated_at) and with lwip_fetch --parse (image CRC); the bytes crossed
# the TAP device (its counters); no libc socket
# call in the binary; a wrong CA (TLS error); a body cut short (error); a
# closed port (the peer's reset); the host by name through lwIP's DNS
# client against a tiny responder in ns_server.py, and an unknown name.
#
# Needs root (ip netns, TAP). Without it, or when the namespace cannot be
# made: with OM_ALLOW_SKIP=1 prints "SKIPPED: ..." and exits 0, else fails.
# Prints "lwip: N passed, M failed" last; exit 1 if any failed.
set -u

BIN=${1:?usage: lwip_test.sh LWIP_FETCH CLI}
CLI=${2:?usage: lwip_test.sh LWIP_FETCH CLI}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-python3}
NS=omtest$$
TAP=omtap0
NET=10.207.0
HOST_IP=$NET.1      # the namespace's kernel, where the server listens
LWIP_IP=$NET.2      # lwIP behind the TAP device
DNS_NAME=catalogue.test   # answered by ns_server.py on $HOST_IP:53
RUN_S=${LWIP_TEST_TIMEOUT:-60}   # bound of one lwip_fetch run
PASS=0
FAIL=0

skip_or_fail() {
    if [ "${OM_ALLOW_SKIP:-0}" = 1 ]; then
        echo "SKIPPED: lwip-test: $1"
        exit 0
    fi
    echo "lwip-test: $1 (OM_ALLOW_SKIP=1 makes this a skip)"
    echo "lwip: 0 passed, 1 failed"
    exit 1
}

[ "$(id -u)" = 0 ] || skip_or_fail "needs root for ip netns and a TAP device"
for tool in ip openssl timeout "$PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip_or_fail "$tool not found (iproute2, openssl, coreutils, python3)"
done
[ -c /dev/net/tun ] || skip_or_fail "no /dev/net/tun (modprobe tun)"
[ -x "$BIN" ] || { echo "lwip-test: no $BIN"; echo "lwip: 0 passed, 1 failed"; exit 1; }
[ -x "$CLI" ] || { echo "lwip-test: no $CLI"; echo "lwip: 0 passed, 1 failed"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/om-lwip-test.XXXXXX")
SRV_PID=""
NS_MADE=0
cleanup() {
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
    [ -n "$SRV_PID" ] && wait "$SRV_PID" 2>/dev/null
    if [ $NS_MADE -eq 1 ]; then
        # Whatever still runs in our namespace was started by us.
        for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip -n "$NS" link del "$TAP" 2>/dev/null
        ip netns del "$NS" 2>/dev/null ||
            echo "lwip-test: could not delete namespace $NS" >&2
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; [ $# -gt 1 ] && sed 's/^/     | /' "$2"; }

# ------------------------------------------------------------ the network
ip netns add "$NS" 2>"$TMP/netns.err" ||
    skip_or_fail "ip netns add failed: $(cat "$TMP/netns.err")"
NS_MADE=1
nsx() { ip netns exec "$NS" "$@"; }
if ! { nsx ip link set lo up &&
       nsx ip tuntap add dev "$TAP" mode tap &&
       nsx ip addr add "$HOST_IP/24" dev "$TAP" &&
       nsx ip link set "$TAP" up; } 2>"$TMP/tap.err"; then
    skip_or_fail "cannot set up $TAP in $NS: $(cat "$TMP/tap.err")"
fi

# ------------------------------------------------------------ certificates
# The test CA of tests/net (cached beside the program), and a server
# certificate for the namespace's address signed by it.
PKI=$(dirname "$BIN")/pki
"$ROOT/tests/net/make-test-ca.sh" "$PKI" >/dev/null ||
    { echo "lwip-test: make-test-ca.sh failed"; echo "lwip: 0 passed, 1 failed"; exit 1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$TMP/server.key" 2>/dev/null &&
openssl req -new -key "$TMP/server.key" -subj "/CN=$HOST_IP" \
    -out "$TMP/server.csr" 2>/dev/null &&
printf '%s\n' "basicConstraints = critical, CA:FALSE" \
    "keyUsage = critical, digitalSignature" "extendedKeyUsage = serverAuth" \
    "subjectAltName = IP:$HOST_IP, DNS:$DNS_NAME" > "$TMP/server.ext" &&
openssl x509 -req -in "$TMP/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -CAcreateserial -CAserial "$TMP/ca.srl" -days 30 -sha256 \
    -extfile "$TMP/server.ext" -out "$TMP/server.pem" 2>/dev/null ||
    { echo "lwip-test: cannot make the server certificate"; echo "lwip: 0 passed, 1 failed"; exit 1; }

# ------------------------------------------------------------ catalogue
FIX=${LWIP_TEST_FIXTURE:-$ROOT/../shared/fixtures/openrouter-models-2026-08-19.json}
if [ -r "$FIX" ]; then
    CAT=$FIX
    echo "catalogue: $(basename "$FIX") ($(wc -c < "$FIX") bytes, real)"
else
    echo "SKIPPED (fixture): $FIX not found; using tests/gen_catalogue.py many"
    CAT=$TMP/catalogue.json
    "$PYTHON" "$ROOT/tests/gen_catalogue.py" many --seed 7 > "$CAT"
fi

# What the host makes of the same file: the CLI's JSON (updated_at is the
# time of the run, so it is left out) and our own image checksum.
timeout 30 "$CLI" parse "$CAT" --json --cache-file "$TMP/unused.bin" \
    > "$TMP/cli.json" 2>"$TMP/cli.err" ||
    { echo "lwip-test: $CLI parse failed"; cat "$TMP/cli.err"; echo "lwip: 0 passed, 1 failed"; exit 1; }
timeout 30 "$BIN" --parse "$CAT" > "$TMP/parse.out" 2>&1 ||
    { echo "lwip-test: $BIN --parse failed"; cat "$TMP/parse.out"; echo "lwip: 0 passed, 1 failed"; exit 1; }
WANT_IMAGE=$(grep '^image:' "$TMP/parse.out")
WANT_MODELS=$(grep '^models:' "$TMP/parse.out")

# ------------------------------------------------------------ the server
nsx timeout 300 "$PYTHON" "$HERE/ns_server.py" --bind "$HOST_IP" \
    --cert "$TMP/server.pem" --key "$TMP/server.key" --catalogue "$CAT" \
    --dns-name "$DNS_NAME" --lifetime 280 > "$TMP/server.out" 2>"$TMP/server.err" &
SRV_PID=$!
PORT=""
i=0
while [ $i -lt 100 ]; do
    PORT=$(sed -n 's/^port //p' "$TMP/server.out" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
done
if [ -z "$PORT" ]; then
    echo "lwip-test: the server did not start"; cat "$TMP/server.err"
    echo "lwip: 0 passed, 1 failed"; exit 1
fi
echo "server: https://$HOST_IP:$PORT in namespace $NS, lwIP at $LWIP_IP on $TAP"

# fetch_url NAME URL [lwip_fetch options]: runs lwip_fetch in the
# namespace; output in $TMP/NAME.out, exit status in $RC.
fetch_url() {
    name=$1 url=$2; shift 2
    nsx timeout "$RUN_S" "$BIN" --tap "$TAP" --ip "$LWIP_IP" --gw "$HOST_IP" \
        --url "$url" --cacert "$PKI/ca.pem" "$@" > "$TMP/$name.out" 2>&1
    RC=$?
}
# fetch NAME PATH [options]: the same from the server by its address.
fetch() {
    name=$1 path=$2; shift 2
    fetch_url "$name" "https://$HOST_IP:$PORT$path" "$@"
}

# same NAME: the fetched table is the host's parse of the same file.
same() {
    name=$1
    if [ $RC -ne 0 ]; then
        bad "$name: lwip_fetch failed (exit $RC)" "$TMP/$name.out"; return
    fi
    got_image=$(grep '^image:' "$TMP/$name.out")
    got_models=$(grep '^models:' "$TMP/$name.out")
    if [ "$got_image" != "$WANT_IMAGE" ] || [ "$got_models" != "$WANT_MODELS" ]; then
        echo "want: $WANT_MODELS, $WANT_IMAGE" >> "$TMP/$name.out"
        bad "$name: table differs from lwip_fetch --parse" "$TMP/$name.out"; return
    fi
    if [ -f "$TMP/$name.json" ] && ! "$PYTHON" - "$TMP/cli.json" "$TMP/$name.json" \
            > "$TMP/$name.cmp" 2>&1 <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("updated_at", None)
if a != b:
    ids_a = [m["id"] for m in a["models"]]
    ids_b = [m["id"] for m in b["models"]]
    print("CLI %d models, lwIP %d; first difference: %s" % (
        len(ids_a), len(ids_b),
        next((x for x in zip(a["models"], b["models"]) if x[0] != x[1]), None)))
    sys.exit(1)
print("%d models equal" % len(a["models"]))
EOF
    then
        bad "$name: JSON differs from \`ormodels parse --json\`" "$TMP/$name.cmp"; return
    fi
    ok "$name: $(sed -n 's/^http: //p' "$TMP/$name.out"); $got_models, $got_image"
}

# expect_err NAME PATTERN: lwip_fetch failed, with PATTERN on its error line.
expect_err() {
    name=$1 pattern=$2
    line=$(grep '^error:' "$TMP/$name.out" | head -1)
    if [ $RC -eq 1 ] && printf '%s\n' "$line" | grep -Eq "$pattern"; then
        ok "$name: $line"
    else
        echo "(exit $RC; wanted an error line matching /$pattern/)" >> "$TMP/$name.out"
        bad "$name" "$TMP/$name.out"
    fi
}

# ------------------------------------------------------------ cases
# 1. No socket call of the C library in the program: om_sock went to lwIP.
#    (tapif's select/read/write on /dev/net/tun are the TAP device's.)
if nm -u "$BIN" | grep -Eq ' (socket|connect|send|recv|poll|getaddrinfo|sendto|recvfrom)(@|$)'; then
    nm -u "$BIN" | grep -E ' (socket|connect|send|recv|poll|getaddrinfo|sendto|recvfrom)(@|$)' > "$TMP/nm.out"
    bad "no libc socket calls in $(basename "$BIN")" "$TMP/nm.out"
else
    ok "no libc socket calls in $(basename "$BIN"): lwip_* only"
fi

# 2. The catalogue, Content-Length.
tap_bytes() { nsx cat "/sys/class/net/$TAP/statistics/$1_bytes" 2>/dev/null || echo 0; }
TAP_TX0=$(tap_bytes tx); TAP_RX0=$(tap_bytes rx)
fetch ok /ok --json "$TMP/ok.json"
TAP_TX1=$(tap_bytes tx); TAP_RX1=$(tap_bytes rx)
same ok
[ $RC -eq 0 ] && sed -n "s/^\\(lwip\\|arp\\|tls\\|lwip-stats\\): /     \\1: /p" "$TMP/ok.out"

# 3. The bytes really crossed the TAP device: its counters (kernel side:
#    tx = to lwIP) grew by at least the body, once per run (the neighbour
#    entry of lwIP's MAC is flushed when the TAP loses its reader, so the
#    counters are the lasting witness).
if [ $RC -eq 0 ] && [ "$TAP_TX1" -gt 0 ] &&
   [ $((TAP_TX1 - TAP_TX0)) -ge "$(wc -c < "$CAT")" ] &&
   [ $((TAP_RX1 - TAP_RX0)) -gt 0 ]; then
    ok "through $TAP: $((TAP_TX1 - TAP_TX0)) B to lwIP, $((TAP_RX1 - TAP_RX0)) B from it"
else
    echo "tx $TAP_TX0 -> $TAP_TX1, rx $TAP_RX0 -> $TAP_RX1" > "$TMP/tap.out"
    bad "traffic through $TAP" "$TMP/tap.out"
fi

# 4. Chunked transfer coding.
fetch chunked /chunked --json "$TMP/chunked.json"
same chunked

# 5. Two pages (links.next), two TLS connections in one fetch.
fetch pages /page1
same pages

# 6. A CA that did not sign the server's certificate.
fetch wrongca /ok --cacert "$PKI/other-ca.pem"
expect_err wrongca 'OM_ERR_TLS.*([Cc]ertificate|CA|verif)'

# 7. The body cut short: FIN without close_notify after half of it.
HALF=$(( $(wc -c < "$CAT") / 2 ))
fetch cut "/cut/$HALF"
expect_err cut 'OM_ERR_(CLOSED|TRUNCATED)'

# 8. A port nobody listens on: the namespace's kernel answers lwIP's SYN
#    with a reset (lwIP reports ERR_RST in SYN_SENT as ECONNRESET, so the
#    message says "reset", not "refused").
fetch_url refused "https://$HOST_IP:1/" --timeout 5000
expect_err refused 'OM_ERR_CONNECT.*(refused|reset)'

# 9. By name: lwIP's own DNS client (UDP through the TAP) asks
#    ns_server.py; the certificate is checked against the name.
fetch_url dns "https://$DNS_NAME:$PORT/ok" --dns "$HOST_IP" --json "$TMP/dns.json"
same dns

# 10. A name the server does not know: NXDOMAIN.
fetch_url nxdomain "https://missing.test:$PORT/ok" --dns "$HOST_IP" --timeout 5000
expect_err nxdomain 'OM_ERR_DNS'

echo "lwip: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
