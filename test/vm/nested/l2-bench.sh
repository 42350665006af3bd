#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l2-bench.sh - runs inside the second-level guest for scripts/bench-ooh.sh:
# incremental checkpoints with each dirty tracker, measured in one boot.
#
# Two workloads, each tracker in turn (those `criu check --feature T` says
# yes to: none, soft-dirty, pagemap-scan, ooh-epml and ooh-spml, the ooh
# tracker over each provider):
#
#   track    test/bench-track's track-workload: BENCH_SIZE_MIB of written
#            memory, then RATE% of its pages rewritten over and over. Per
#            run: its write rate untracked (BENCH_WINDOW s), pre-dump #1
#            --track-mem (full), its rate tracked, pre-dump #2 (incremental),
#            its rate tracked, the final dump (incremental, it dies).
#   redis    redis-server filled by redis-benchmark; its SET throughput
#            untracked (after a warm-up round; mean of two), pre-dump #1,
#            throughput tracked, pre-dump #2, throughput tracked. Pre-dumps only: redis runs threads, which
#            the final dump refuses.
#
# Results are lines for the host to parse:
#   BENCH track T RATE RUN PD1_S PD1_FROZEN_MS PD1_WRITTEN PD2_S PD2_FROZEN_MS
#         PD2_SCANNED PD2_WRITTEN D_S D_FROZEN_MS D_SCANNED D_WRITTEN
#         UNTRACKED_WPS TRACKED_WPS RMAP_NS RMAP_FRAMES
#   BENCH redis T BASE_RPS TRACKED_RPS PD1_S PD1_FROZEN_MS PD2_S PD2_FROZEN_MS
#         PD2_WRITTEN RMAP_NS RMAP_FRAMES
# (writes per wall second; rmap: ooh's reverse mapping, "-" for the others),
# and "PASS bench/..." or "FAIL bench/...: why" per run.
# Environment: BENCH_RUNS (3), BENCH_SIZE_MIB (256), BENCH_RATES ("0.1 1 10"),
# BENCH_WINDOW (2), BENCH_TRACKERS (the usable ones), BENCH_REDIS (1: on),
# BENCH_REDIS_KEYS (20000), BENCH_REDIS_REQS (30000),
# BENCH_SPML_PROFILE (1: ooh.ko's spml_profile lines of each run, as
# "# spml-profile:" lines).

RUNS=${BENCH_RUNS:-3}
SIZE=${BENCH_SIZE_MIB:-256}
RATES=${BENCH_RATES:-0.1 1 10}
WINDOW=${BENCH_WINDOW:-2}
REDIS=${BENCH_REDIS:-1}
KEYS=${BENCH_REDIS_KEYS:-20000}
REQS=${BENCH_REDIS_REQS:-30000}
WORK=/dev/shm/bench
PORT=6379
pid=

now() { echo "$EPOCHREALTIME"; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a + b) / 2 }'; }
# Progress for the raw log (scripts/bench-ooh.sh shows only results).
step() { echo "step: $(awk '{ print $1 }' /proc/uptime) s: $*"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# In the order they are measured (see main). ooh-epml and ooh-spml are the
# ooh tracker with CRIU_OOH_PROVIDER set to that provider.
usable_trackers() {
	local t
	for t in none soft-dirty pagemap-scan; do
		criu check --feature "$t" 2>/dev/null | grep -q "^$t: yes" && echo "$t"
	done
	for t in epml spml; do
		CRIU_OOH_PROVIDER=$t criu check --feature ooh 2>/dev/null |
			grep -q "^ooh: yes" && echo "ooh-$t"
	done
}

# --dirty-tracker's value for bench tracker $1; exports the OoH provider.
# ooh-spml-release is SPML with ooh.ko's spml_release on (issue #11).
tracker_opt() {
	local rel=/sys/module/ooh/parameters/spml_release

	[ -w $rel ] && echo 0 >$rel
	case "$1" in
	ooh-spml-release) export CRIU_OOH_PROVIDER=spml; echo 1 >$rel; echo ooh ;;
	ooh-*) export CRIU_OOH_PROVIDER=${1#ooh-}; echo ooh ;;
	*) unset CRIU_OOH_PROVIDER; echo "$1" ;;
	esac
}

# "frozen_ms scanned written" of a criu log's summary line.
summary() {
	local s
	s=$(sed -n 's/.*dump: frozen \([0-9.]*\) ms.*scanned \([0-9]*\),.*written \([0-9]*\),.*/\1 \2 \3/p' \
		"$1" | tail -n1)
	echo "${s:-- - -}"
}

# "ns frames" of the reverse mapping, from the ooh plugin's last stats line.
rmap_stats() {
	local s
	s=$(sed -n 's/.*rmap \([0-9]*\) ns for \([0-9]*\) frames.*/\1 \2/p' "$1" | tail -n1)
	echo "${s:-- -}"
}

# criu CMD DIR ARGS...: timed into $secs, log in DIR/log; 0 or its status.
criu_step() {
	local cmd=$1 dir=$2 t0 rc
	shift 2
	mkdir -p "$WORK/$dir"
	step "criu $cmd into $dir"
	t0=$(now)
	criu "$cmd" -t "$pid" -D "$WORK/$dir" -o log -v3 "$@"
	rc=$?
	secs=$(elapsed "$t0")
	return $rc
}

# The profile lines ooh.ko printed since the last call, marked with run $1
# (counted: busybox's dmesg -C left the buffer as it was).
prof_seen=0
spml_profile() {
	local lines

	[ "${BENCH_SPML_PROFILE:-0}" = 1 ] || return 0
	lines=$(dmesg | grep 'spml profile: ')
	echo "$lines" | tail -n +"$((prof_seen + 1))" |
		sed -n "s/.*spml profile: /# spml-profile: $1: /p"
	prof_seen=$(echo "$lines" | grep -c .)
}

stop_pid() {
	[ -n "$pid" ] && step "kill $pid"
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	pid=
}

# The workload's writes per wall second over the next $WINDOW seconds.
write_rate() {
	local t0 c0 w0 t1 c1 w1 r
	read -r t0 c0 w0 r <"$WORK/rate" || return 1
	sleep "$WINDOW"
	read -r t1 c1 w1 r <"$WORK/rate" || return 1
	awk -v t0="$t0" -v t1="$t1" -v w0="$w0" -v w1="$w1" \
		'BEGIN { if (t1 <= t0) exit 1; printf "%.0f", (w1 - w0) * 1e9 / (t1 - t0) }'
}

start_workload() {
	local i
	# Its own session: the final dump takes session leaders only.
	step "track-workload $SIZE MiB, $1%"
	setsid track-workload -s "$SIZE" -p "$1" -r "$WORK/ready" -o "$WORK/rate" \
		</dev/null >"$WORK/workload.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 3000; i++)); do
		[ -e "$WORK/ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

fail_run() {
	echo "FAIL bench/$1: $2"
	[ -n "$3" ] && [ -e "$3" ] && grep -E 'Error|error' "$3" | tail -n 3 | sed 's/^/  /'
	stop_pid
}

one_track_run() {
	local t=$1 rate=$2 run=$3 name="track-$1-$2%-$3"
	local un tr1 tr2 pd1 pd2 d s1 s2 s3 rm

	rm -rf "$WORK" && mkdir -p "$WORK"
	start_workload "$rate" || { fail_run "$name" "workload did not start"; return; }
	un=$(write_rate) || { fail_run "$name" "no write rate"; return; }
	criu_step pre-dump pre1 --track-mem --dirty-tracker="$(tracker_opt "$t")" ||
		{ fail_run "$name" "pre-dump #1 failed" "$WORK/pre1/log"; return; }
	pd1=$secs
	tr1=$(write_rate)
	rm -f "$WORK"/pre1/pages-*.img
	criu_step pre-dump pre2 --track-mem --prev-images-dir ../pre1 ||
		{ fail_run "$name" "pre-dump #2 failed" "$WORK/pre2/log"; return; }
	pd2=$secs
	tr2=$(write_rate)
	rm -f "$WORK"/pre2/pages-*.img
	criu_step dump final --track-mem --prev-images-dir ../pre2 ||
		{ fail_run "$name" "dump failed" "$WORK/final/log"; return; }
	d=$secs
	spml_profile "$name"
	wait "$pid" 2>/dev/null
	pid=
	s1=$(summary "$WORK/pre1/log") s2=$(summary "$WORK/pre2/log")
	s3=$(summary "$WORK/final/log") rm=$(rmap_stats "$WORK/final/log")
	set -- $s1
	echo "BENCH track $t $rate $run $pd1 $1 $3 $pd2 $s2 $d $s3 $un $(mean "$tr1" "$tr2") $rm"
	echo "PASS bench/$name"
}

# SET requests per second: $REQS requests over $KEYS keys of 256 bytes.
redis_rps() {
	redis-benchmark -p $PORT -t set -n "$REQS" -r "$KEYS" -d 256 -c 4 -P 8 --csv 2>/dev/null |
		awk -F'"' '$2 == "SET" { printf "%.0f", $4 }'
}

start_redis() {
	local i
	step "redis-server"
	setsid redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no </dev/null >"$WORK/redis.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		redis-cli -p $PORT ping 2>/dev/null | grep -q PONG && break
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	# The data set: every key written once.
	redis-benchmark -p $PORT -t set -n "$KEYS" -r "$KEYS" -d 256 -c 4 -P 16 -q \
		>/dev/null 2>&1
}

one_redis_run() {
	local t=$1 name="redis-$1" base r1 r2 pd1 pd2 s1 s2 rm

	rm -rf "$WORK" && mkdir -p "$WORK"
	start_redis || { fail_run "$name" "redis-server did not start" "$WORK/redis.log"; return; }
	redis_rps >/dev/null	# warm-up: the first round is always slower
	base=$(mean "$(redis_rps)" "$(redis_rps)")
	criu_step pre-dump pre1 --track-mem --dirty-tracker="$(tracker_opt "$t")" ||
		{ fail_run "$name" "pre-dump #1 failed" "$WORK/pre1/log"; return; }
	pd1=$secs
	r1=$(redis_rps)
	rm -f "$WORK"/pre1/pages-*.img
	criu_step pre-dump pre2 --track-mem --prev-images-dir ../pre1 ||
		{ fail_run "$name" "pre-dump #2 failed" "$WORK/pre2/log"; return; }
	pd2=$secs
	r2=$(redis_rps)
	stop_pid
	[ -n "$base" ] && [ -n "$r1" ] && [ -n "$r2" ] ||
		{ fail_run "$name" "redis-benchmark gave no figure"; return; }
	s1=$(summary "$WORK/pre1/log") s2=$(summary "$WORK/pre2/log")
	rm=$(rmap_stats "$WORK/pre2/log")
	set -- $s1
	local f1=$1
	set -- $s2
	echo "BENCH redis $t $base $(mean "$r1" "$r2")" \
		"$pd1 $f1 $pd2 $1 $3 $rm"
	echo "PASS bench/$name"
}

main() {
	local t r i trackers

	insmod /root/ooh.ko 2>/dev/null
	[ "${BENCH_SPML_PROFILE:-0}" = 1 ] &&
		echo 1 >/sys/module/ooh/parameters/spml_profile
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	trackers=${BENCH_TRACKERS:-$(usable_trackers | tr '\n' ' ')}
	echo "# kernel $(uname -r), THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)," \
		"$(nproc) cpu, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB;" \
		"trackers: $trackers"
	# One tracker after the other, ooh-spml last: after SPML logging stops,
	# the host leaves the guest's memory write-protected and mapped 4K, so
	# every frame's next first write still exits to it once; a tracker
	# measured after it would pay for that. EPML protects nothing at the
	# host beyond its tracked process's own pages.
	for t in $trackers; do
		for r in $RATES; do
			for ((i = 1; i <= RUNS; i++)); do
				one_track_run "$t" "$r" "$i"
			done
		done
		[ "$REDIS" = 1 ] && command -v redis-server >/dev/null && one_redis_run "$t"
	done
	# Failures are FAIL lines; without redis the test above left 1 here.
	return 0
}

main "$@"
