#!/bin/sh
# tls_test.sh - the om_tls transport against local TLS servers, on
# 127.0.0.1 only: good chains (EC and RSA, TLS 1.3 and 1.2), a wrong CA,
# expired and not-yet-valid certificates, a hostname mismatch, truncation
# (FIN without close_notify), a reset, a silent server (timeout), a refused
# port, plain TCP, 1000 connections without a pool leak, the 64 KiB board
# pool, and the whole system CA bundle.
#
# Usage: tests/net/tls_test.sh PROBE [PROBE_64K [PROBE_32K]]  (make tls-test)
#   PROBE      tls_probe built with the Linux pool (1 MiB)
#   PROBE_64K  the same with the 64 KiB default pool (optional)
#   PROBE_32K  the same with a 32 KiB pool, too small for an RSA-4096 chain
#              (optional): the failure must say so, not just "unknown CA"
# Servers: openssl s_server -WWW, and a small Python ssl server for what
# s_server cannot do (cut the stream without close_notify, reset, stall).
# All are killed on exit. Prints "tls: N passed, M failed"; exit 1 if any
# failed.
set -u

PROBE=${1:?usage: tls_test.sh PROBE [PROBE_64K]}
PROBE64=${2:-}
PROBE32=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
BUNDLE=/etc/ssl/certs/ca-certificates.crt
REPEAT=${TLS_TEST_REPEAT:-1000}

for tool in openssl "$PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "tls_test: $tool not found (scripts/deps.sh net)" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/om-tls-test.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$HERE/make-test-ca.sh" "$TMP/pki" >/dev/null || { echo "tls_test: make-test-ca.sh failed"; exit 1; }
P=$TMP/pki
mkdir -p "$TMP/www"
# 50000 bytes: several full 16 KiB records.
"$PYTHON" -c 'import sys; sys.stdout.write(("0123456789abcdef" * 3125))' > "$TMP/www/data.txt"

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until 127.0.0.1:$1 accepts (5 s at most).
wait_port() {
    "$PYTHON" - "$1" <<'EOF'
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# s_server NAME CERT [OPTIONS...]: sets $PORT.
s_server() {
    name=$1 cert=$2; shift 2
    PORT=$(free_port)
    (cd "$TMP/www" && exec openssl s_server -quiet -naccept 100000 \
        -accept "127.0.0.1:$PORT" -cert "$P/$cert.pem" -key "$P/$cert.key" \
        -WWW "$@") >"$TMP/$name.log" 2>&1 &
    PIDS="$PIDS $!"
    wait_port "$PORT" || { echo "tls_test: s_server $name did not start"; cat "$TMP/$name.log"; exit 1; }
}

# The Python server: the path picks what it does after the request.
cat > "$TMP/pyserver.py" <<'EOF'
import socket, ssl, struct, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
if mode == "silent":          # connections complete in the backlog; no byte
    time.sleep(3600)
ctx = None
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
BODY = b"x" * 30000
while True:
    c, _ = ls.accept()
    c.settimeout(5)
    try:
        s = ctx.wrap_socket(c, server_side=True) if ctx else c
        req = b""
        while b"\r\n\r\n" not in req:
            d = s.recv(4096)
            if not d:
                break
            req += d
        path = req.split(b" ")[1].decode() if req.count(b" ") >= 2 else "/"
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
        if path == "/cut":        # FIN mid-body, no close_notify, no length
            s.sendall(head + b"\r\n" + BODY[:10000])
            s.shutdown(socket.SHUT_RDWR)   # SSLSocket: no TLS shutdown
        elif path == "/cut-cl":   # FIN mid-body, length announced
            s.sendall(head + b"Content-Length: 30000\r\n\r\n" + BODY[:10000])
            s.shutdown(socket.SHUT_RDWR)
        elif path == "/done-cl":  # whole body, then FIN without close_notify
            s.sendall(head + b"Content-Length: 30000\r\n\r\n" + BODY)
            s.shutdown(socket.SHUT_RDWR)
        elif path == "/reset":    # RST mid-body
            s.sendall(head + b"\r\n" + BODY[:10000])
            time.sleep(0.05)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        else:                     # the whole body, then a clean end
            s.sendall(head + b"\r\n" + BODY)
            if ctx:
                s = s.unwrap()    # close_notify
    except (OSError, ValueError):
        pass
    finally:
        try:
            s.close()
        except Exception:
            pass
        c.close()
EOF

# py_server NAME MODE [CERT]: sets $PORT.
py_server() {
    name=$1 mode=$2
    PORT=$(free_port)
    if [ $# -ge 3 ]; then
        "$PYTHON" "$TMP/pyserver.py" "$mode" "$PORT" "$P/$3.pem" "$P/$3.key" >"$TMP/$name.log" 2>&1 &
    else
        "$PYTHON" "$TMP/pyserver.py" "$mode" "$PORT" >"$TMP/$name.log" 2>&1 &
    fi
    PIDS="$PIDS $!"
    wait_port "$PORT" || { echo "tls_test: python server $name did not start"; cat "$TMP/$name.log"; exit 1; }
}

PASS=0 FAIL=0
# check NAME ok|fail PATTERN PROBE_ARGS...: runs the probe; expects exit 0
# (ok) or 1 (fail) and PATTERN (grep -E) in its output.
check() {
    name=$1 want=$2 pat=$3; shift 3
    out=$("$@" 2>&1); rc=$?
    if [ "$want" = ok ]; then exp=0; else exp=1; fi
    if [ $rc -eq $exp ] && printf '%s\n' "$out" | grep -Eq -- "$pat"; then
        PASS=$((PASS + 1))
        line=$(printf '%s\n' "$out" | grep -E '^error:' | head -n 1)
        [ -n "$line" ] || line=$(printf '%s\n' "$out" | grep -E '^connections:' | head -n 1)
        [ -n "$line" ] || line=$(printf '%s\n' "$out" | grep -E '^connection:' | head -n 1)
        printf '  ok    %-26s %s\n' "$name" "$line"
    else
        FAIL=$((FAIL + 1))
        printf '  FAIL  %-26s (exit %d, wanted %d and /%s/)\n' "$name" $rc $exp "$pat"
        printf '%s\n' "$out" | sed 's/^/        /'
    fi
    printf '%s\n' "$out" | grep -E '^pool:' | head -n 1 > "$TMP/last-pool"
}
# Keeps the pool line of the last check for the summary.
POOLS=""
pool_note() {
    POOLS="$POOLS
  $(printf '%-34s' "$1") $(sed 's/^pool: //' "$TMP/last-pool")"
}

echo "tls: servers on 127.0.0.1, PKI in $P"

s_server ec13 server-ec;                   EC13=$PORT
s_server ec12 server-ec -tls1_2;           EC12=$PORT
s_server rsa13 server-rsa;                 RSA13=$PORT
s_server rsachain13 server-rsachain;       RSAC13=$PORT
s_server rsachain12 server-rsachain -tls1_2; RSAC12=$PORT
# Server's own order: OpenSSL then signs TLS 1.2 with RSA-PSS, which
# Mbed TLS 3.6.6's TLS 1.2 client rejects; om_tls retries TLS 1.2-only.
s_server rsapss12 server-rsachain -tls1_2 -serverpref; RSAPSS12=$PORT
s_server expired expired;                  EXPIRED=$PORT
s_server expired12 expired -tls1_2;        EXPIRED12=$PORT
s_server future future;                    FUTURE=$PORT
s_server wronghost wrong-host;             WRONG=$PORT
py_server pytls tls server-ec;             PYTLS=$PORT
py_server pyplain plain;                   PYPLAIN=$PORT
py_server pysilent silent;                 SILENT=$PORT
REFUSED=$(free_port)   # nothing listens there

CA="--cacert $P/ca.pem --host localhost"
GET="--path /data.txt"

check "EC chain, TLS 1.3"     ok 'TLSv1\.3' $PROBE $CA --port $EC13 $GET
pool_note "EC P-256 chain, TLS 1.3"
check "EC chain, TLS 1.2"     ok 'TLSv1\.2' $PROBE $CA --port $EC12 $GET
pool_note "EC P-256 chain, TLS 1.2"
check "RSA-2048 leaf, TLS 1.3" ok 'TLSv1\.3' $PROBE $CA --port $RSA13 $GET
pool_note "RSA-2048 leaf under EC root, 1.3"
check "RSA chain, TLS 1.3"    ok 'TLSv1\.3' $PROBE --cacert $P/rsa-ca.pem --host localhost --port $RSAC13 $GET
pool_note "RSA-4096 root + RSA-2048, TLS 1.3"
check "RSA chain, TLS 1.2"    ok 'TLSv1\.2' $PROBE --cacert $P/rsa-ca.pem --host localhost --port $RSAC12 $GET
pool_note "RSA-4096 root + RSA-2048, TLS 1.2"
check "RSA, 1.2, server's order" ok 'TLSv1\.2' $PROBE --cacert $P/rsa-ca.pem --host localhost --port $RSAPSS12 $GET
check "body intact"           ok 'body 50000\)$' $PROBE $CA --port $EC13 $GET
check "IP literal 127.0.0.1"  ok 'TLSv1\.3' $PROBE --cacert $P/ca.pem --host 127.0.0.1 --port $EC13 $GET
check "CA given as DER"       ok 'TLSv1\.3' $PROBE --cacert $P/ca.der --host localhost --port $EC13 $GET
check "wrong CA"              fail 'OM_ERR_TLS.*unknown CA' $PROBE --cacert $P/other-ca.pem --host localhost --port $EC13 $GET
check "expired certificate"   fail 'OM_ERR_TLS.*certificate expired' $PROBE $CA --port $EXPIRED $GET
check "expired, TLS 1.2"      fail 'OM_ERR_TLS.*certificate expired' $PROBE $CA --port $EXPIRED12 $GET
check "wrong CA, TLS 1.2"     fail 'OM_ERR_TLS.*unknown CA' $PROBE --cacert $P/other-ca.pem --host localhost --port $EC12 $GET
check "not yet valid"         fail 'OM_ERR_TLS.*not yet valid' $PROBE $CA --port $FUTURE $GET
check "hostname mismatch"     fail 'OM_ERR_TLS.*hostname mismatch.*wrong\.example' $PROBE $CA --port $WRONG $GET
check "clean close_notify"    ok 'body 30000\)$' $PROBE $CA --port $PYTLS --path /clean
check "cut, no close_notify"  fail 'OM_ERR_CLOSED.*close_notify' $PROBE $CA --port $PYTLS --path /cut
check "cut inside length"     fail 'OM_ERR_CLOSED.*close_notify' $PROBE $CA --port $PYTLS --path /cut-cl
check "FIN after full length" ok 'body 30000\), closed without close_notify' $PROBE $CA --port $PYTLS --path /done-cl
check "reset mid-body"        fail 'OM_ERR_CLOSED' $PROBE $CA --port $PYTLS --path /reset
check "silent server"         fail 'OM_ERR_TIMEOUT.*handshake timed out' $PROBE $CA --port $SILENT --timeout 300
check "refused port"          fail 'OM_ERR_CONNECT.*refused' $PROBE $CA --port $REFUSED
check "plain TCP (tls=0)"     ok 'TCP' $PROBE --plain --cacert $P/ca.pem --host localhost --port $PYPLAIN
# Failures repeated past PSA's 8 key slots: each must give back its pool
# blocks and keys, or a later round would fail differently.
check "20x expired, no leak"  fail 'OM_ERR_TLS.*certificate expired' $PROBE $CA --port $EXPIRED $GET --repeat 20 --keep-going
check "20x wrong CA, 1.2"     fail 'OM_ERR_TLS.*unknown CA' $PROBE --cacert $P/other-ca.pem --host localhost --port $EC12 $GET --repeat 20 --keep-going
check "20x truncated"         fail 'OM_ERR_CLOSED.*close_notify' $PROBE $CA --port $PYTLS --path /cut --repeat 20 --keep-going
check "20x PSS retry"         ok 'TLSv1\.2' $PROBE --cacert $P/rsa-ca.pem --host localhost --port $RSAPSS12 $GET --repeat 20
check "$REPEAT opens, no leak" ok "connections: $REPEAT" $PROBE $CA --port $EC13 $GET --repeat $REPEAT --quiet

if [ -n "$PROBE64" ]; then
    check "64K pool: EC, 1.3"     ok 'TLSv1\.3' $PROBE64 $CA --port $EC13 $GET
    check "64K pool: EC, 1.2"     ok 'TLSv1\.2' $PROBE64 $CA --port $EC12 $GET
    check "64K pool: RSA, 1.3"    ok 'TLSv1\.3' $PROBE64 --cacert $P/rsa-ca.pem --host localhost --port $RSAC13 $GET
    check "64K pool: RSA, 1.2"    ok 'TLSv1\.2' $PROBE64 --cacert $P/rsa-ca.pem --host localhost --port $RSAC12 $GET
    check "64K pool: 100 opens"   ok 'connections: 100' $PROBE64 --cacert $P/rsa-ca.pem --host localhost --port $RSAC13 $GET --repeat 100 --quiet
    if [ -r "$BUNDLE" ]; then
        check "64K pool: sys bundle" fail 'OM_ERR_NOSPACE.*OM_TLS_POOL_SIZE' $PROBE64 --cacert $BUNDLE --host localhost --port $EC13
    fi
fi

if [ -n "$PROBE32" ]; then
    check "32K pool: EC still fits" ok 'TLSv1\.3' $PROBE32 $CA --port $EC13 $GET
    check "32K pool: RSA too big"   fail 'OM_ERR_TLS.*pool exhausted' $PROBE32 --cacert $P/rsa-ca.pem --host localhost --port $RSAC13 $GET
fi

if [ -r "$BUNDLE" ]; then
    # The system bundle plus our root: the Linux build's real load.
    cat "$BUNDLE" "$P/ca.pem" > "$TMP/bundle.pem"
    check "system bundle + test root" ok 'TLSv1\.3' $PROBE --cacert "$TMP/bundle.pem" --host localhost --port $EC13 $GET
    pool_note "system bundle ($(grep -c 'BEGIN CERT' "$TMP/bundle.pem") roots), EC, 1.3"
    check "system bundle, TLS 1.2" ok 'TLSv1\.2' $PROBE --cacert "$TMP/bundle.pem" --host localhost --port $EC12 $GET
else
    # ca-certificates is in `make deps` (net): a missing bundle is a broken
    # set-up, not a reason to pass
    echo "  FAIL  system bundle: no $BUNDLE (apt-get install ca-certificates)"
    FAIL=$((FAIL + 1))
fi

echo "tls: pool figures (high-water includes the allocator's block headers):$POOLS"
echo "tls: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
