#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-apps.sh - what checkpointing the apps tier's programs costs, with
# each dirty tracker this host has (make bench-apps).
#
# For each program (redis, memcached, nginx, pyhttp: test/apps/apps/*.sh)
# and each tracker, BENCH_RUNS times: start it, fill it, put the tier's
# load on it, then
#   pre-dump #1 --track-mem          (full: every page, starts tracking)
#   pre-dump #2 --prev-images-dir    (incremental)
#   dump        --prev-images-dir    (the load stopped; the tree killed)
#   restore -d
# recording each step's wall time, frozen time and pages written (from
# its stats-dump, decoded by crit) and the restore's wall time. For
# redis, redis-benchmark SET requests per second are measured three
# times per run: before any pre-dump (untracked), after pre-dump #1
# (tracked), and over a run with pre-dump #2 taken in its middle
# (across a pre-dump). A step criu refuses is recorded with its message,
# and the steps after it are left out of that run.
#
# Medians go to a markdown table and a PNG plot (python3-matplotlib).
#
# Usage (as root):  scripts/bench-apps.sh     (or: make bench-apps)
# Environment:
#   BENCH_RUNS=N           runs per program and tracker (default 3)
#   BENCH_APPS="A ..."     programs (default "redis memcached nginx pyhttp")
#   BENCH_TRACKERS="T ..." trackers (default: those `criu check` says work)
#   BENCH_REQUESTS=N       requests of each redis-benchmark run (default 200000)
#   BENCH_OUT=FILE         the table (default Documentation/benchmarks/apps.md;
#                          the plot: .png beside it)
#   BENCH_RESULTS=FILE     no runs: render the table and plot again from the
#                          results file of an earlier run
#   BENCH_NOTE="text"      a paragraph for the report (what criu this was)
#   CRIU=path              criu binary (default criu/criu of this tree)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
APPS_DIR=$root/test/apps
. "$APPS_DIR/lib.sh"
for f in "$APPS_DIR"/apps/*.sh; do
	. "$f"
done

CRIU=${CRIU:-$root/criu/criu}
RUNS=${BENCH_RUNS:-3}
APPS=${BENCH_APPS:-redis memcached nginx pyhttp}
REQUESTS=${BENCH_REQUESTS:-200000}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/apps.md}
PNG=${OUT%.md}.png
# Candidates, best first; only those criu check calls usable are run.
ALL_TRACKERS="ooh pagemap-scan soft-dirty none"
NPRE=2

ROOT=""
RESULTS=""

fail() {
	echo "bench-apps: FAILED: $*" >&2
	exit 1
}

usable_trackers() {
	local t

	for t in $ALL_TRACKERS; do
		"$CRIU" check --feature "$t" 2>/dev/null | grep -q "^$t: yes" && echo "$t"
	done
}

# One result: app tracker run key value.
record() { echo "$APP $TRACKER $RUN $1 $2" >>"$RESULTS"; }

# A refusal or failure of a step: its message, once per app and tracker.
record_fail() {
	local msg

	msg=$(criu_error "$2")
	echo "$APP $TRACKER $RUN fail $1: ${msg:-criu failed}" >>"$RESULTS"
	log "bench-apps: $APP/$TRACKER run $RUN: $1: ${msg:-criu failed}"
}

# The stats of step folder $2 under the name $1.
record_stats() {
	record "$1_ms" "$CRIU_MS"
	record "$1_frozen_ms" "$(awk -v u="$(dump_stat "$2" frozen_time)" 'BEGIN { printf "%.2f", u / 1000 }')"
	record "$1_pages" "$(dump_stat "$2" pages_written)"
}

# redis-benchmark SET requests per second on the program's port.
redis_rps() {
	redis-benchmark -h 127.0.0.1 -p "$APP_PORT" -t set -n "$REQUESTS" -r 100000 \
		-d 64 -c 20 --csv 2>/dev/null | awk -F'"' '$2 == "SET" { print $4 }'
}

# One run of one program with one tracker.
bench_run() {
	local opts bench_pid

	WORK=$ROOT/$APP-$TRACKER-$RUN
	WHY=""
	APP_PIDS=()
	mkdir -p "$WORK"
	"${APP}_start" && "${APP}_fill" ||
		{ log "bench-apps: $APP did not start: ${WHY:-}"; return 1; }
	[ "$APP" = redis ] && record rps_untracked "$(redis_rps)"
	"${APP}_load_start"
	sleep 1
	pre_dump 1 "$APP_PID" || { record_fail "pre-dump 1" "$WORK/pre1"; return 0; }
	record_stats pre1 "$WORK/pre1"
	if [ "$APP" = redis ]; then
		# The load pauses while throughput is measured alone.
		"${APP}_load_stop"
		record rps_tracked "$(redis_rps)"
		redis_rps >"$WORK/rps-across" &
		bench_pid=$!
		sleep 0.5
		pre_dump 2 "$APP_PID" || { record_fail "pre-dump 2" "$WORK/pre2"; wait "$bench_pid"; return 0; }
		wait "$bench_pid"
		record rps_across_predump "$(cat "$WORK/rps-across")"
	else
		sleep 1
		pre_dump 2 "$APP_PID" || { record_fail "pre-dump 2" "$WORK/pre2"; return 0; }
		"${APP}_load_stop"
	fi
	record_stats pre2 "$WORK/pre2"
	"${APP}_snapshot" && "${APP}_before_dump" || { log "bench-apps: $APP: ${WHY:-}"; return 1; }
	mapfile -t APP_PIDS < <(tree_pids "$APP_PID")
	read -ra opts <<<"$("${APP}_criu_opts")"
	final_dump "$NPRE" "$APP_PID" "${opts[@]}" || { record_fail dump "$WORK/img"; return 0; }
	record_stats dump "$WORK/img"
	wait_gone "${APP_PIDS[@]}" || return 1
	restore_img "${opts[@]}" || { record_fail restore "$WORK/img"; return 0; }
	record restore_ms "$CRIU_MS"
	"${APP}_check" || { echo "$APP $TRACKER $RUN fail check: $WHY" >>"$RESULTS"; }
	return 0
}

# median(): scripts/bench-median.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-median.sh"

# The median of key $3 for app $1, tracker $2 over the results file.
med() {
	awk -v a="$1" -v t="$2" -v k="$3" '$1 == a && $2 == t && $4 == k { print $5 }' \
		"$RESULTS" | median
}

render() {
	local a t k row apps trackers

	apps=$(awk '!/^#/ { print $1 }' "$RESULTS" | awk '!s[$0]++')
	trackers=$(awk '!/^#/ { print $2 }' "$RESULTS" | awk '!s[$0]++' | tr '\n' ' ')
	{
		echo "# The apps tier's programs: checkpoint cost (make bench-apps)"
		echo
		echo "Generated by scripts/bench-apps.sh: $(sed -n 's/^# date //p' "$RESULTS")."
		echo "Medians of $(sed -n 's/^# runs //p' "$RESULTS") runs per program and tracker."
		echo
		sed -n 's/^# host /- /p' "$RESULTS"
		echo "- trackers run: ${trackers% }. soft-dirty and ooh are VM-only"
		echo "  (this kernel has no CONFIG_MEM_SOFT_DIRTY, and ooh needs the guest"
		echo "  module and the patched KVM host): see track.md and ooh.md for them."
		echo "- load during the pre-dumps: the apps tier's (test/apps/apps/*.sh):"
		echo "  redis-benchmark in a loop, mc-client.py churn, a curl loop; the load"
		echo "  is stopped before the final dump."
		echo "- the machine is shared with other jobs (load average above): the"
		echo "  throughput figures are noisy; compare them within one run."
		echo
		if grep -q '^# note ' "$RESULTS"; then
			sed -n 's/^# note //p' "$RESULTS" | fold -s -w 72 | sed 's/ *$//'
			echo
		fi
		echo "Times are milliseconds (wall time of the criu command; frozen: the"
		echo "stats-dump frozen_time); pages: stats-dump pages_written."
		echo
		echo "| program | tracker | pre-dump 1 ms | frozen | pages | pre-dump 2 ms | frozen | pages | dump ms | frozen | pages | restore ms |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for a in $apps; do
			for t in $trackers; do
				row="| $a | $t"
				for k in pre1_ms pre1_frozen_ms pre1_pages pre2_ms pre2_frozen_ms \
					 pre2_pages dump_ms dump_frozen_ms dump_pages restore_ms; do
					row="$row | $(med "$a" "$t" "$k")"
				done
				echo "$row |"
			done
		done
		echo
		echo "redis-benchmark SET requests per second (20 clients, $(sed -n 's/^# requests //p' "$RESULTS") requests):"
		echo
		echo "| tracker | untracked | tracked (after pre-dump 1) | across pre-dump 2 |"
		echo "|---|---|---|---|"
		for t in $trackers; do
			echo "| $t | $(med redis "$t" rps_untracked) | $(med redis "$t" rps_tracked) | $(med redis "$t" rps_across_predump) |"
		done
		echo
		if grep -q ' fail ' "$RESULTS"; then
			echo "Steps that failed (the runs after such a step are left out):"
			echo
			# Once per message: pids and inode numbers differ from run to run.
			awk '$4 == "fail" { $3 = ""; print }' "$RESULTS" |
				sed -E 's/(pid|thread) [0-9]+/\1 N/g; s/:\[[0-9]+\]/:[N]/g' | sort -u |
				awk '{ a = $1; t = $2; $1 = $2 = ""; sub(/^ *fail /, ""); print "- " a " / " t ": " $0 }'
			echo
		fi
		echo "![plot](${PNG##*/})"
		echo
		echo "## All runs"
		echo
		echo '```'
		cat "$RESULTS"
		echo '```'
	} >"$OUT"
	"$PYTHON" "$root/scripts/bench-apps-plot.py" "$RESULTS" "$PNG" ||
		log "bench-apps: no plot (python3-matplotlib: scripts/install-deps.sh bench)"
	echo "bench-apps: $OUT, $PNG"
}

if [ -n "${BENCH_RESULTS:-}" ]; then
	RESULTS=$BENCH_RESULTS
	[ -s "$RESULTS" ] || fail "$RESULTS is empty"
	# An earlier report: its All runs block.
	if grep -q '^## All runs' "$RESULTS"; then
		tmp=$(mktemp)
		sed -n '/^## All runs/,$p' "$RESULTS" | sed '1,3d; /^```/d' >"$tmp"
		RESULTS=$tmp
	fi
	render
	exit 0
fi

[ "$(id -u)" = 0 ] || fail "must run as root"
[ -x "$CRIU" ] || fail "$CRIU not found; build it with 'make' first"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
for p in redis-server redis-benchmark memcached nginx curl python3 crit; do
	command -v "$p" >/dev/null || fail "$p missing (scripts/install-deps.sh bench)"
done
TRACKERS=${BENCH_TRACKERS:-$(usable_trackers | tr '\n' ' ')}
[ -n "${TRACKERS// /}" ] || fail "no usable dirty tracker"

ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/bench-apps.XXXXXX") || exit 1
trap '[ -n "${APP:-}" ] && app_cleanup "$APP" 2>/dev/null; rm -rf "$ROOT"' EXIT
RESULTS=$ROOT/results
{
	echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# runs $RUNS"
	echo "# requests $REQUESTS"
	echo "# host CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) cpus; kernel $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# host criu: $CRIU ($("$CRIU" --version 2>/dev/null | sed -n 's/^GitID: //p'))"
	[ -n "${BENCH_NOTE:-}" ] && echo "# note $BENCH_NOTE"
	echo "# host $(redis-server --version | cut -d' ' -f1-3), $(memcached -V), $(nginx -v 2>&1 | sed 's/.*: //'), $("$PYTHON" --version)"
} >"$RESULTS"

APP_PIDS=()
for APP in $APPS; do
	for TRACKER in $TRACKERS; do
		for ((RUN = 1; RUN <= RUNS; RUN++)); do
			log "bench-apps: $APP, tracker $TRACKER, run $RUN"
			bench_run || log "bench-apps: $APP run $RUN did not complete"
			app_cleanup "$APP"
			rm -rf "$WORK"
		done
	done
done
mkdir -p "$(dirname "$OUT")"
render
