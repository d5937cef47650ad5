#!/bin/sh
# Builds the fuzz targets once, then runs each for SECONDS (default 600), two at a time, at the
# lowest priority, keeping each run's log in fuzz/$LOGS/<target>.log (LOGS defaults to logs).
# Fork mode (-fork=1, unless FORK=0) keeps fuzzing past a crash, OOM or timeout: each is written to
# fuzz/artifacts/<target>/ for `cargo fuzz tmin` and fuzz/regressions/<target>/.
# The binaries are run directly (not through `cargo fuzz run`), so editing the library while
# they run does not rebuild them; SKIP_BUILD=1 runs the binaries already built.
# Usage, from anywhere: sh fuzz/tools/run_all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")/.."
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"geojson shapefile csv osm_pbf osm_xml prj profile network"}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    nice -n 19 cargo fuzz build -s none || exit 1
fi
bin=target/$(rustc -vV | sed -n 's/^host: //p')/release
logs=${LOGS:-logs}
mkdir -p "$logs"
# The readers that take a path write each input to a scratch file: on tmpfs that is 3-4 times
# faster than on a disk (ext4 with discard here).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
# One thread for rayon: no waiting for worker threads between executions (the outputs do not
# depend on the thread count).
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-1}
# FORK=0: plain mode, several times the executions of fork mode (whose jobs each replay the
# corpus) but it stops at the first finding.
if [ "${FORK:-1}" = 1 ]; then
    mode="-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1"
else
    mode=""
fi
run() {
    mkdir -p "corpus/$1" "artifacts/$1"
    # shellcheck disable=SC2086
    nice -n 19 "$bin/$1" "corpus/$1" "seeds/$1" -artifact_prefix="artifacts/$1/" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
        $mode -print_final_stats=1 > "$logs/$1.log" 2>&1
}
set -- $targets
while [ $# -gt 0 ]; do
    run "$1" &
    if [ $# -gt 1 ]; then run "$2" & shift; fi
    shift
    wait
done
