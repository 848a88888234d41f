#!/bin/sh
# run-tests.sh - runs test programs, prints one line each and a total.
# Usage: run-tests.sh LABEL PROGRAM...   Exits non-zero if any failed.
label=$1; shift
pass=0; fail=0
for t in "$@"; do
    log="$t.log"
    if "$t" >"$log" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $t (log: $log)"; tail -n 30 "$log"
    fi
done
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
