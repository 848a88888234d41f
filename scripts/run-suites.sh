#!/bin/sh
# run-suites.sh - runs each test suite (a make target) even after one
# fails, then prints one closing line: "test: N passed, M failed", where
# N and M count the suites.
# Usage: run-suites.sh MAKE TARGET...
make=$1; shift
pass=0; fail=0; failed=""
for s in "$@"; do
    if $make --no-print-directory "$s"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); failed="$failed $s"
    fi
done
[ -z "$failed" ] || echo "failed suites:$failed"
echo "test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
