#!/bin/bash
# How long the process stays stopped in each dump of a pre-copy chain.
#
# For each size and BENCH_RUNS times: start test/bench-track/track-workload
# (SIZE MiB written, then it keeps rewriting 1% of its pages, a different
# word each round), and take the chain
#   pre-dump #1 --track-mem      (every page; starts pagemap-scan)
#   pre-dump #2 --prev-images-dir (the 1% written since)
#   dump        --prev-images-dir (the same 1%, the workload is killed)
# once with --pre-dump-mode=read (copy after the process runs again, the
# default) and once with --pre-dump-mode=splice (copy while stopped), in
# turn within each run, so both see the same machine. Recorded: each
# step's frozen time (stats-dump), and for the final dump how long it
# waited for its threads' smaps and numa_maps reads. Medians go
# to a markdown table.
#
# Usage (as root):  scripts/bench-stop.sh     (or: make bench-stop)
# Environment:
#   BENCH_RUNS=N          runs per size and mode (default 5)
#   BENCH_SIZES="MIB ..." workload sizes (default "1024 4096")
#   BENCH_TRACKER=T       dirty tracker (default pagemap-scan)
#   BENCH_OUT=FILE        markdown table (default Documentation/benchmarks/stop.md)
#   CRIU=path             criu binary (default criu/criu of this tree)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-1024 4096}
TRACKER=${BENCH_TRACKER:-pagemap-scan}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/stop.md}
workload=$root/test/bench-track/track-workload
work=""
pid=""
results=$(mktemp /tmp/bench-stop.XXXXXX) || exit 1

cleanup()
{
	if [ -n "$pid" ] && grep -q track-workload "/proc/$pid/cmdline" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		while [ -e "/proc/$pid" ]; do sleep 0.05; done
	fi
	pid=""
	[ -n "$work" ] && rm -rf "$work"
	work=""
}

fail()
{
	echo "bench-stop: FAILED: $*" >&2
	[ -n "$work" ] && [ -s "$work/criu.err" ] && tail -n 15 "$work/criu.err" >&2
	cleanup
	exit 1
}

trap 'cleanup; rm -f "$results"' EXIT
trap 'fail interrupted' INT TERM

# median(): scripts/bench-median.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-median.sh"

# The frozen time in ms of an image folder's stats-dump.
frozen_ms()
{
	crit decode -i "$1/stats-dump" 2>/dev/null | python3 -c '
import json, sys
try:
    print("%.3f" % (json.load(sys.stdin)["entries"][0]["dump"]["frozen_time"] / 1000.0))
except Exception:
    print("-")'
}

start_workload()
{
	local size=$1 i

	setsid "$workload" -s "$size" -p 1 -r "$work/ready" -o "$work/rate" \
		</dev/null >>"$work/workload.log" 2>&1 &
	pid=$!
	disown "$pid"
	for ((i = 0; i < 6000; i++)); do
		[ -e "$work/ready" ] && return 0
		[ -e "/proc/$pid" ] || fail "track-workload exited before it was ready"
		sleep 0.02
	done
	fail "track-workload ($size MiB) not ready after 120 s"
}

# criu $1 into folder $2 with the other arguments; log in the folder.
step()
{
	local cmd=$1 dir=$2
	shift 2

	mkdir "$work/$dir" || fail "mkdir $work/$dir"
	"$CRIU" "$cmd" -t "$pid" -D "$work/$dir" -v4 -o criu.log "$@" 2>"$work/criu.err" ||
		{ cp "$work/$dir/criu.log" "$work/criu.err" 2>/dev/null; fail "criu $cmd into $dir ($*)"; }
}

one_chain()
{
	local size=$1 mode=$2 run=$3 pd1 pd2 d waited

	work=$(mktemp -d /dev/shm/criu-bench-stop.XXXXXX) || fail "mktemp in /dev/shm"
	start_workload "$size"
	step pre-dump pre1 --track-mem --dirty-tracker="$TRACKER" --pre-dump-mode="$mode"
	pd1=$(frozen_ms "$work/pre1")
	rm -f "$work"/pre1/pages-*.img
	step pre-dump pre2 --track-mem --prev-images-dir ../pre1 --pre-dump-mode="$mode"
	pd2=$(frozen_ms "$work/pre2")
	rm -f "$work"/pre2/pages-*.img
	step dump final --track-mem --prev-images-dir ../pre2
	d=$(frozen_ms "$work/final")
	# the log line of this tree and of the one before (a single thread)
	waited=$(sed -En 's/.*beside the (copy; the dump|dump; it) waited ([0-9.]*) ms.*/\2/p' \
		"$work/final/criu.log" | head -n 1)
	pid=""	# the dump killed it
	echo "$size $mode $run $pd1 $pd2 $d ${waited:--}" >>"$results"
	printf '  %s MiB %s run %d: frozen pre-dump #1 %s ms, #2 %s ms, dump %s ms (waited %s ms for smaps)\n' \
		"$size" "$mode" "$run" "$pd1" "$pd2" "$d" "${waited:--}"
	cleanup
}

med() { awk -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m { print $c }' "$results" | median; }

[ "$(id -u)" = 0 ] || fail "must run as root"
[ -x "$CRIU" ] || fail "$CRIU not found; build it with 'make' first"
command -v crit >/dev/null || fail "crit missing (scripts/install-deps.sh bench)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
make -s -C "$root/test/bench-track" || fail "could not build $workload"
"$CRIU" check --feature "$TRACKER" 2>/dev/null | grep -q "^$TRACKER: yes" ||
	fail "tracker $TRACKER does not work here (criu check --feature $TRACKER)"

load_before=$(cut -d' ' -f1 /proc/loadavg)
for size in $SIZES; do
	[[ "$size" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_SIZES: $size is no size in MiB"
	for ((run = 1; run <= RUNS; run++)); do
		one_chain "$size" read "$run"
		one_chain "$size" splice "$run"
	done
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

{
	echo "# Stopped time of a pre-copy chain"
	echo
	echo "\`make bench-stop\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, load $load_before before," \
		"$load_after after; tracker $TRACKER; track-workload rewriting 1% of its pages;" \
		"medians of $RUNS runs, ms). Pre-dump mode \"read\" copies after the process" \
		"runs again (the default), \"splice\" while it is stopped; the final dump is the" \
		"same in both. \"waited\": how long the final dump waited at the join for the" \
		"smaps and numa_maps reads beside it. They start before the copy, and the cure" \
		"after the copy waits for their walks (its munmap needs the mmap lock they hold" \
		"for reading), so what remains of them shows in the frozen time, not here."
	echo
	echo "| MiB | pre-dump mode | pre-dump #1 | pre-dump #2 | final dump | waited |"
	echo "|----:|---------------|------------:|------------:|-----------:|-------:|"
	for size in $SIZES; do
		for mode in read splice; do
			echo "| $size | $mode | $(med "$size" $mode 4) | $(med "$size" $mode 5) |" \
				"$(med "$size" $mode 6) | $(med "$size" $mode 7) |"
		done
	done
	echo
	echo "All runs (MiB mode run pre1 pre2 dump waited):"
	echo
	sed 's/^/    /' "$results"
} >"$OUT"
echo "bench-stop: table in $OUT"
