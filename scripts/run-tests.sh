#!/bin/sh
# run-tests.sh - runs cmocka test programs; prints failures and a total.
# Usage: run-tests.sh LABEL PROGRAM...   Exits non-zero if any failed.
# Counts the tests inside each program from cmocka's own summary lines;
# a program that crashes or prints no summary counts as one failure, one
# that reports failures counts them whatever its exit status, and a run
# of no programs, or of programs that ran no tests, fails.
label=$1; shift
[ "$#" -gt 0 ] || { echo "$label: no test programs"; exit 1; }
pass=0; fail=0
for t in "$@"; do
    log="$t.log"
    "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    pass=$((pass + ${p:-0}))
    if [ "$rc" -ne 0 ] || [ -z "$p$f" ] || [ "${f:-0}" -gt 0 ]; then
        fail=$((fail + ${f:-1}))
        echo "FAIL $t (exit $rc, log: $log)"; grep -E 'ERROR|FAILED|Sanitizer|runtime error' "$log" | head -n 20
    fi
    grep -h '^SKIPPED' "$log"
done
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
