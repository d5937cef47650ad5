#!/bin/sh
# Prints a Markdown table of each fuzz run's figures from fuzz/logs/<target>.log (fork mode):
# total executions, seconds, mean executions per second, and the last cov/ft/corpus counters.
cd "$(dirname "$0")/.."
echo "| target | executions | seconds | exec/s (mean) | cov | ft | corpus | oom/timeout/crash |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for log in logs/*.log; do
    t=$(basename "$log" .log)
    grep '^#[0-9]*: cov:' "$log" | tail -n 1 | sed 's/^#//' | awk -v t="$t" '{
        n=$1; sub(":", "", n);
        for (i = 1; i <= NF; i++) { k[$i] = $(i+1) }
        secs = k["time:"]; sub("s", "", secs);
        printf "| %s | %d | %d | %.0f | %s | %s | %s | %s |\n", t, n, secs, n / secs, k["cov:"], k["ft:"], k["corp:"], k["oom/timeout/crash:"]
    }'
done
