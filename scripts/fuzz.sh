#!/bin/sh
# fuzz.sh DIR SECONDS NAME... - runs each libFuzzer harness DIR/fuzz_NAME
# for SECONDS on a copy of tests/fuzz/corpus/NAME; prints executions per
# second and coverage for each, and a closing "fuzz: N passed, M failed".
dir=$1; secs=$2; shift 2
pass=0; fail=0
for n in "$@"; do
    work="$dir/corpus/$n"
    mkdir -p "$work"
    cp -n tests/fuzz/corpus/"$n"/* "$work"/ 2>/dev/null
    log="$dir/fuzz_$n.log"
    if "$dir/fuzz_$n" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$dir/crash-$n-" "$work" >"$log" 2>&1; then
        pass=$((pass + 1))
        line=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -n 1)
        echo "fuzz_$n: ${secs}s: $(echo "$line" | sed -E 's/^#([0-9]+).*cov: ([0-9]+).*exec\/s: ([0-9]+).*/\1 runs, \3 exec\/s, coverage \2 edges/')"
    else
        fail=$((fail + 1))
        echo "FAIL fuzz_$n (log: $log)"; grep -E 'ERROR|SUMMARY|crash-' "$log" | head -n 5
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
