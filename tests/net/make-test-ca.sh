#!/bin/sh
# make-test-ca.sh - test PKI for the TLS transport tests, with openssl.
# Usage: tests/net/make-test-ca.sh DIR
#
# Writes into DIR (created if missing):
#   ca.pem ca.der ca.key           test root CA, EC P-256 (also as DER)
#   server-ec.pem/.key             "localhost" + IP 127.0.0.1, EC P-256
#   server-rsa.pem/.key            the same names, RSA-2048 key, same root
#   rsa-ca.pem/.key                a second root, RSA-4096 (as the web's)
#   server-rsachain.pem/.key       RSA-2048 leaf under rsa-ca: an all-RSA
#                                  chain, for the pool figure
#   expired.pem/.key               valid 2020-01-01 .. 2021-01-01
#   future.pem/.key                valid from 2040-01-01
#   wrong-host.pem/.key            for "wrong.example" only
#   other-ca.pem/.key              an unrelated root (the wrong-CA test)
# Dates in the past are set with `openssl ca -startdate/-enddate` (OpenSSL
# 3.0 has no `x509 -not_before`), so no faketime is needed.
# Idempotent: a complete DIR (stamp file) is left alone; otherwise every
# file is made afresh. Only the RSA-4096 key takes noticeable time.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
STAMP=$D/.test-ca-v1
FILES="ca.pem ca.der ca.key server-ec.pem server-ec.key server-rsa.pem
server-rsa.key rsa-ca.pem rsa-ca.key server-rsachain.pem server-rsachain.key
expired.pem expired.key future.pem future.key wrong-host.pem wrong-host.key
other-ca.pem other-ca.key"

if [ -f "$STAMP" ]; then
    ok=1
    for f in $FILES; do [ -s "$D/$f" ] || ok=0; done
    [ $ok -eq 1 ] && exit 0
fi

command -v openssl >/dev/null 2>&1 ||
    { echo "make-test-ca.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$D"
D=$(cd "$D" && pwd)
rm -rf "$D/.ca" "$STAMP"
mkdir -p "$D/.ca/newcerts"
CNF=$D/.ca/openssl.cnf

# One configuration for the roots (req -x509) and the leaves (ca).
# SAN, KU and CADB come from the environment of each call.
cat > "$CNF" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ENV::KU
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $ENV::CADB/index.txt
new_certs_dir = $ENV::CADB/newcerts
serial = $ENV::CADB/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
email_in_dn = no
[ any_name ]
commonName = supplied
EOF
: > "$D/.ca/index.txt"
echo 1000 > "$D/.ca/serial"
export CADB="$D/.ca" SAN="DNS:unused" KU="digitalSignature"

eckey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsakey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$1" 2>/dev/null; }

# root NAME CN: self-signed CA for 10 years.
root() {
    openssl req -config "$CNF" -new -x509 -key "$D/$1.key" -subj "/CN=$2" \
        -days 3650 -sha256 -extensions v3_ca -out "$D/$1.pem"
}

# leaf NAME CA SAN KU DATES...: a server certificate signed by CA.
leaf() {
    name=$1 ca=$2; SAN=$3; KU=$4; shift 4
    cn=${SAN#DNS:}; cn=${cn%%,*}
    openssl req -config "$CNF" -new -key "$D/$name.key" -subj "/CN=$cn" \
        -out "$D/.ca/$name.csr"
    openssl ca -config "$CNF" -batch -notext -extensions v3_leaf \
        -cert "$D/$ca.pem" -keyfile "$D/$ca.key" -in "$D/.ca/$name.csr" \
        -out "$D/$name.pem" "$@" 2>"$D/.ca/$name.log" ||
        { cat "$D/.ca/$name.log" >&2; exit 1; }
}

LOCAL="DNS:localhost,IP:127.0.0.1"
EC_KU="digitalSignature"
RSA_KU="digitalSignature, keyEncipherment"

eckey "$D/ca.key";       root ca "ormodels test root CA"
eckey "$D/other-ca.key"; root other-ca "unrelated test root CA"
rsakey "$D/rsa-ca.key" 4096; root rsa-ca "ormodels test RSA root CA"
openssl x509 -in "$D/ca.pem" -outform DER -out "$D/ca.der"

eckey "$D/server-ec.key";   leaf server-ec ca "$LOCAL" "$EC_KU" -days 825
rsakey "$D/server-rsa.key" 2048
leaf server-rsa ca "$LOCAL" "$RSA_KU" -days 825
rsakey "$D/server-rsachain.key" 2048
leaf server-rsachain rsa-ca "$LOCAL" "$RSA_KU" -days 825
eckey "$D/expired.key"
leaf expired ca "$LOCAL" "$EC_KU" -startdate 20200101000000Z -enddate 20210101000000Z
eckey "$D/future.key"
leaf future ca "$LOCAL" "$EC_KU" -startdate 20400101000000Z -enddate 20410101000000Z
eckey "$D/wrong-host.key"
leaf wrong-host ca "DNS:wrong.example" "$EC_KU" -days 825

chmod 600 "$D"/*.key
touch "$STAMP"
echo "make-test-ca.sh: test PKI in $D"
