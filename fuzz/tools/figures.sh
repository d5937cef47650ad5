#!/bin/sh
# Prints a Markdown table of the fuzz runs' figures from fuzz/LOGDIR/<target>.log (default
# logs): total executions, seconds, mean executions per second, and libFuzzer's last cov, ft and
# corpus counters. Reads both fork-mode logs ("#N: cov: ... time: Ss") and plain ones
# (-print_final_stats=1: "#N DONE cov: ...", "stat::...").
# Usage: sh fuzz/tools/figures.sh [LOGDIR]
cd "$(dirname "$0")/.."
dir=${1:-logs}
echo "| target | mode | executions | seconds | exec/s (mean) | cov | ft | corpus | oom/timeout/crash |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
for log in "$dir"/*.log; do
    t=$(basename "$log" .log)
    if grep -q '^#[0-9]*: cov:' "$log"; then
        grep '^#[0-9]*: cov:' "$log" | tail -n 1 | sed 's/^#//' | awk -v t="$t" '{
            n = $1; sub(":", "", n)
            for (i = 1; i <= NF; i++) { k[$i] = $(i + 1) }
            secs = k["time:"]; sub("s", "", secs)
            printf "| %s | fork | %d | %d | %.0f | %s | %s | %s | %s |\n", t, n, secs, n / secs, k["cov:"], k["ft:"], k["corp:"], k["oom/timeout/crash:"]
        }'
    else
        last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1)
        n=$(sed -n 's/^stat::number_of_executed_units: //p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: //p' "$log")
        crash=$(grep -c 'ERROR: libFuzzer\|panicked at' "$log")
        echo "$last" | sed 's/^#//' | awk -v t="$t" -v n="${n:-0}" -v rate="${rate:-0}" -v crash="$crash" '{
            for (i = 1; i <= NF; i++) { k[$i] = $(i + 1) }
            corp = k["corp:"]; sub("/.*", "", corp)
            secs = (rate + 0 > 0) ? n / rate : 0
            printf "| %s | plain | %d | %d | %d | %s | %s | %s | stopped at a finding: %s |\n", t, n, secs, rate, k["cov:"], k["ft:"], corp, (crash > 0 ? "yes" : "no")
        }'
    fi
done
