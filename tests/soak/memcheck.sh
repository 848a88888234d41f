#!/bin/sh
# memcheck.sh CLI - valgrind memcheck on the command line's paths (issue 6,
# point 5): parse, list --offline, search, show, fetch against
# fault_server.py on 127.0.0.1 (/ok, /cut/N, /500; a fresh test CA),
# select with piped input, selected. Each run must exit as expected with
# no memcheck error (--error-exitcode) and no leak ("definitely" or
# "indirectly lost", --errors-for-leak-kinds). Prints one line per run and
# "memcheck: N passed, M failed" last.
set -u
[ $# -eq 1 ] || { echo "usage: $0 CLI" >&2; exit 2; }
CLI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
NET=$HERE/../net
PY=${PYTHON:-python3}
command -v valgrind >/dev/null || { echo "memcheck: valgrind missing (apt-get install valgrind)" >&2; exit 1; }

T=$(mktemp -d /tmp/om-memcheck-XXXXXX)
SRV=
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
export HOME=$T/home
unset OPENROUTER_API_KEY
mkdir -p "$HOME"

"$NET"/make-test-ca.sh "$T/pki" >/dev/null 2>&1 || { echo "memcheck: make-test-ca.sh failed" >&2; exit 1; }
"$PY" -c "
import json, random, sys
sys.path.insert(0, '$HERE/..')
import gen_catalogue
d = gen_catalogue.gen('basic', random.Random(4))
json.dump(d, open('$T/cat.json', 'w'), indent=1)
"
"$PY" "$NET"/fault_server.py --cert "$T/pki/server-ec.pem" --key "$T/pki/server-ec.key" \
    --catalogue "$T/cat.json" --port 0 --lifetime 600 >"$T/port" 2>"$T/server.log" &
SRV=$!
i=0
while ! grep -q '^port' "$T/port" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "memcheck: server did not start" >&2; exit 1; }
    sleep 0.1
done
URL=https://127.0.0.1:$(awk '/^port/ {print $2}' "$T/port")
C=$T/cache.bin
ID=$("$PY" -c "import json; print(json.load(open('$T/cat.json'))['data'][0]['id'])")

pass=0; fail=0
# vg NAME WANT_EXIT [STDIN_FILE] -- ARGS...
vg() {
    name=$1; want=$2; in=$3; shift 4
    log=$T/vg-$pass-$fail.log
    valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --log-file="$log" \
        "$CLI" "$@" <"$in" >"$T/out" 2>"$T/err"
    rc=$?
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
    heap=$(sed -n 's/.*total heap usage: \(.*\)/\1/p' "$log" | tail -n 1)
    if [ "$rc" -eq "$want" ] && [ "${errs:-x}" = 0 ]; then
        pass=$((pass + 1)); echo "memcheck: ok   $name (exit $rc; heap: $heap)"
    else
        fail=$((fail + 1)); echo "memcheck: FAIL $name (exit $rc, want $want; errors ${errs:-?})"
        grep -E '^==[0-9]+== (Invalid|Conditional|Use of|[0-9,]+ bytes in)' "$log" | head -n 5
        head -c 400 "$T/err"
        cp "$log" "${TMPDIR:-/tmp}/om-memcheck-failed-$name.log" 2>/dev/null
    fi
}
N=/dev/null
vg parse 0 $N -- parse "$T/cat.json"
vg parse-save 0 $N -- parse "$T/cat.json" --save --cache-file "$C"
vg list-offline 0 $N -- list --offline --cache-file "$C"
vg list-offline-json 0 $N -- list --offline --json --free --sort price --cache-file "$C"
vg search 0 $N -- search a --offline --cache-file "$C"
vg show 0 $N -- show "$ID" --offline --cache-file "$C"
vg fetch-ok 0 $N -- fetch --force --url "$URL/ok" --cacert "$T/pki/ca.pem" --cache-file "$C"
vg fetch-cut 1 $N -- fetch --force --url "$URL/cut/3000" --cacert "$T/pki/ca.pem" --cache-file "$C"
vg fetch-500 1 $N -- fetch --force --url "$URL/500" --cacert "$T/pki/ca.pem" --cache-file "$C"
vg fetch-defaults 1 $N -- fetch --force --url "$URL/500" --cacert "$T/pki/ca.pem" --cache-file "$T/none.bin"
printf 'a\n1\n' >"$T/in1"
vg select 0 "$T/in1" -- select --offline --cache-file "$C"
printf 's gpt\nq\n' >"$T/in2"
vg select-quit 1 "$T/in2" -- select --offline --cache-file "$C"
vg selected 0 $N -- selected --cache-file "$C"
echo "memcheck: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
