#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How fast a lazy restore brings a process's memory over, against an eager
# restore of the same images, on fully written anonymous memory
# (test/bench/bench-workload).
#
# For each size, BENCH_RUNS times:
#   local images: dump once into /dev/shm; restore it eagerly (timed), kill
#     it; restore it with --lazy-pages and a `criu lazy-pages` daemon:
#     "running" is the restore's wall time, "all pages" the time from the
#     restore's start to the daemon's exit (it exits when every page is in).
#   page server: dump --lazy-pages --port P (the pages stay with the dumping
#     criu, served on loopback), the folder without them copied, lazy-pages
#     --page-server and restore --lazy-pages from the copy, timed as above.
#   pre-dump chain: test/bench-track/track-workload -p 50 (writes every
#     other page, all the time), pre-dump --track-mem, dump on top of it:
#     the pages come from two images by turns, one range per page, as in
#     a live migration. Eager and lazy restore of the chain, timed as
#     above (this workload can't check its memory: zdtm's --pre-dump
#     --lazy does).
# Every restored process checks its memory (SIGUSR1, untimed). Prints the
# medians and writes Documentation/benchmarks/lazy.md.
#
# Usage (as root): scripts/bench-lazy.sh   (or: make bench-lazy)
# Environment:
#   BENCH_RUNS=N         runs per size (default 5)
#   BENCH_SIZES="M ..."  workload sizes in MiB (default "256 1024")
#   BENCH_OUT=FILE       the markdown report (default Documentation/benchmarks/lazy.md)
#   CRIU=path            criu binary (default criu/criu of this tree)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-256 1024}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/lazy.md}
workload=$root/test/bench/bench-workload
tracker=$root/test/bench-track/track-workload

# orphans (the restored, daemonized workloads) must be reaped here, or their
# pids stay taken and the next restore can't have them back
if [ -z "${BENCH_LAZY_REAPED:-}" ]; then
	make -s -C "$root/test/zdtm" >/dev/null || { echo "bench-lazy: can't build zdtm's lib" >&2; exit 1; }
	export BENCH_LAZY_REAPED=1
	exec "$root/test/zdtm/lib/subreaper" "$0" "$@"
fi

work=""
pid=""
dpid=""
spid=""
rows=""
raw=""

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

wait_reaped()
{
	local i
	for ((i = 0; i < 600; i++)); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}

cleanup()
{
	local p
	for p in $dpid $spid; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "$pid" ] && alive "$pid"; then
		kill -KILL "$pid"
		wait_reaped "$pid"
	fi
	dpid="" spid="" pid=""
	[ -n "$work" ] && rm -rf "$work"
	work=""
}

fail()
{
	local f
	echo "bench-lazy: FAILED: $*" >&2
	for f in "$work"/*/dump.log "$work"/*/restore.log "$work"/*/lazy-pages.log "$work"/workload.log; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f" >&2
		tail -n 10 "$f" | sed 's/^/    /' >&2
	done
	cleanup
	exit 1
}

# median(): scripts/bench-median.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-median.sh"

start_workload()
{
	local i

	rm -f "$work/ready"
	setsid "$workload" -s "$1" -r "$work/ready" </dev/null >>"$work/workload.log" 2>&1 &
	pid=$!
	disown "$pid"
	for ((i = 0; i < 6000; i++)); do
		[ -e "$work/ready" ] && return 0
		alive "$pid" || fail "bench-workload exited before it was ready"
		sleep 0.02
	done
	fail "bench-workload not ready after 120 s"
}

# The restored workload checks its memory; then it is killed.
verify_and_kill()
{
	local n i

	n=$(grep -c '^verify ' "$work/workload.log")
	alive "$pid" || fail "restored pid $pid is not running"
	kill -USR1 "$pid"
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c '^verify ' "$work/workload.log")" -gt "$n" ] && break
		sleep 0.1
	done
	tail -n 1 "$work/workload.log" | grep -q '^verify OK' ||
		fail "memory check after $1: $(tail -n 1 "$work/workload.log")"
	kill -KILL "$pid"
	wait_reaped "$pid" || fail "pid $pid not reaped"
	# a restore wants the log at the size it had at the dump
	cat "$work/workload.log" >>"$work/verified.log"
	: >"$work/workload.log"
}

# The daemon on folder $1 (more options after it); its pid in $dpid.
start_daemon()
{
	local dir=$1 i

	shift
	"$CRIU" lazy-pages -D "$dir" "$@" -v3 -o lazy-pages.log </dev/null >"$work/lazy.out" 2>&1 &
	dpid=$!
	for ((i = 0; i < 200; i++)); do
		[ -S "$dir/lazy-pages.socket" ] && return 0
		kill -0 "$dpid" 2>/dev/null || fail "lazy-pages exited: $(tail -n 2 "$dir/lazy-pages.log")"
		sleep 0.02
	done
	fail "lazy-pages did not listen"
}

# Restore folder $1 lazily (daemon running); sets $run_s and $all_s.
lazy_restore()
{
	local dir=$1 t0 t1 t2

	t0=$(now)
	"$CRIU" restore -D "$dir" -d --lazy-pages -v2 -o restore.log >"$work/restore.out" 2>&1 ||
		fail "restore --lazy-pages exited $?"
	t1=$(now)
	wait "$dpid" || fail "lazy-pages exited $?"
	t2=$(now)
	dpid=""
	run_s=$(since "$t0" "$t1")
	all_s=$(since "$t0" "$t2")
	grep -q "pages copied" "$dir/lazy-pages.log" || fail "the daemon gave no totals"
}

one_run()
{
	local size=$1 run=$2 t0 eager_s lrun_s lall_s prun_s pall_s ceager_s crun_s call_s port i

	work=$(mktemp -d /dev/shm/criu-ooh-bench-lazy.XXXXXX) || fail "mktemp"
	mkdir "$work/img" "$work/src" "$work/dst"
	start_workload "$size"
	"$CRIU" dump -t "$pid" -D "$work/img" -v2 -o dump.log || fail "dump exited $?"
	wait_reaped "$pid" || fail "pid $pid still exists after dump"

	t0=$(now)
	"$CRIU" restore -D "$work/img" -d -v2 -o restore.log || fail "eager restore exited $?"
	eager_s=$(since "$t0" "$(now)")
	verify_and_kill "the eager restore"

	start_daemon "$work/img"
	lazy_restore "$work/img"
	lrun_s=$run_s lall_s=$all_s
	verify_and_kill "the lazy restore"

	# the page server: a dump of its own, whose lazy pages stay with it
	start_workload "$size"
	port=$((29000 + RANDOM % 2000))
	"$CRIU" dump -t "$pid" -D "$work/src" --lazy-pages --address 127.0.0.1 --port "$port" \
		-v2 -o dump.log </dev/null >"$work/dump.out" 2>&1 &
	spid=$!
	for ((i = 0; i < 3000; i++)); do
		grep -q "waiting for the lazy-pages daemon" "$work/src/dump.log" 2>/dev/null && break
		kill -0 "$spid" 2>/dev/null || fail "dump --lazy-pages exited"
		sleep 0.02
	done
	wait_reaped "$pid" || fail "pid $pid still exists after dump --lazy-pages"
	cp -a "$work/src/." "$work/dst/" && rm -f "$work/dst/dump.log"
	start_daemon "$work/dst" --page-server --address 127.0.0.1 --port "$port"
	lazy_restore "$work/dst"
	prun_s=$run_s pall_s=$all_s
	wait "$spid" || fail "dump --lazy-pages exited $?"
	spid=""
	verify_and_kill "the lazy restore from the page server"

	# a pre-dump chain
	mkdir "$work/pre" "$work/fin"
	rm -f "$work/ready"
	setsid "$tracker" -s "$size" -p 50 -r "$work/ready" -o "$work/rate" </dev/null >/dev/null 2>&1 &
	pid=$!
	disown "$pid"
	for ((i = 0; i < 6000; i++)); do
		[ -e "$work/ready" ] && break
		alive "$pid" || fail "track-workload exited before it was ready"
		sleep 0.02
	done
	"$CRIU" pre-dump -t "$pid" -D "$work/pre" --track-mem -v2 -o dump.log || fail "pre-dump exited $?"
	sleep 0.5
	"$CRIU" dump -t "$pid" -D "$work/fin" --prev-images-dir ../pre --track-mem -v2 -o dump.log ||
		fail "dump on the pre-dump exited $?"
	wait_reaped "$pid" || fail "pid $pid still exists after dump"
	t0=$(now)
	"$CRIU" restore -D "$work/fin" -d -v2 -o restore.log || fail "eager restore of the chain exited $?"
	ceager_s=$(since "$t0" "$(now)")
	kill -KILL "$pid"
	wait_reaped "$pid" || fail "pid $pid not reaped"
	start_daemon "$work/fin"
	lazy_restore "$work/fin"
	crun_s=$run_s call_s=$all_s
	kill -KILL "$pid"
	wait_reaped "$pid" || fail "pid $pid not reaped"

	printf '  run %d: eager %s s; lazy local: running %s s, all pages %s s; page server: running %s s, all pages %s s; chain: eager %s s, lazy running %s s, all pages %s s\n' \
		"$run" "$eager_s" "$lrun_s" "$lall_s" "$prun_s" "$pall_s" "$ceager_s" "$crun_s" "$call_s"
	for v in eager_s lrun_s lall_s prun_s pall_s ceager_s crun_s call_s; do
		echo "${!v}" >>"$stats/$v"
	done
	raw+="| $size MiB | $run | $eager_s | $lrun_s | $lall_s | $prun_s | $pall_s | $ceager_s | $crun_s | $call_s |"$'\n'
	cleanup
}

bench_size()
{
	local size=$1 run v e la pa
	declare -A m

	[ "$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)" -gt $((size * 4 + 512)) ] || {
		echo "bench-lazy: skipping $size MiB: not enough memory"
		rows+="| $size MiB | skipped: not enough memory | | | | | | | | |"$'\n'
		return 0
	}
	echo "bench-lazy: $size MiB, $RUNS runs"
	stats=$(mktemp -d) || fail "mktemp"
	for ((run = 1; run <= RUNS; run++)); do
		one_run "$size" "$run"
	done
	for v in eager_s lrun_s lall_s prun_s pall_s ceager_s crun_s call_s; do
		m[$v]=$(median <"$stats/$v")
	done
	rm -rf "$stats"
	rows+=$(awk -v s="$size" -v n="$RUNS" -v e="${m[eager_s]}" -v lr="${m[lrun_s]}" \
		-v la="${m[lall_s]}" -v pr="${m[prun_s]}" -v pa="${m[pall_s]}" \
		-v ce="${m[ceager_s]}" -v cr="${m[crun_s]}" -v ca="${m[call_s]}" \
		'BEGIN { mb = s / 1.0
			printf "| %d MiB | %d | %.3f (%.0f MiB/s) | %.3f | %.3f (%.0f MiB/s, %.2fx eager) | %.3f | %.3f (%.0f MiB/s, %.2fx eager) | %.3f | %.3f | %.3f (%.0f MiB/s, %.2fx eager) |",
			s, n, e, mb / e, lr, la, mb / la, la / e, pr, pa, mb / pa, pa / e, ce, cr, ca, mb / ca, ca / ce }')$'\n'
	echo "$rows" | tail -n 2 | head -n 1
}

[ "$(id -u)" = 0 ] || { echo "bench-lazy: must run as root" >&2; exit 1; }
[ -x "$CRIU" ] || { echo "bench-lazy: no criu at $CRIU" >&2; exit 1; }
make -s -C "$root/test/bench" && make -s -C "$root/test/bench-track" || exit 1
trap 'cleanup; exit 1' INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $SIZES; do
	bench_size "$s"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# Lazy restore: time to running and until every page is in"
	echo
	echo "Generated by \`scripts/bench-lazy.sh\` (\`make bench-lazy\`) on $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
	echo "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r);"
	echo "images in /dev/shm; page server on loopback; load average $load0 before, $load1 after"
	echo "(the machine is shared: other jobs ran)."
	echo
	echo "Workload: test/bench/bench-workload -s SIZE (every page written, checked after each restore)."
	echo "Eager: \`criu restore -d\`. Lazy: \`criu lazy-pages -D DIR\` then \`criu restore -d --lazy-pages\`;"
	echo "\"running\" is the restore's wall time, \"all pages\" from the restore's start until the daemon exits."
	echo "Page server: \`criu dump --lazy-pages --port P\` on the source, \`criu lazy-pages --page-server\` on the target."
	echo "Chain: track-workload -p 50 (writing every other page), \`pre-dump --track-mem\`, \`dump --prev-images-dir\`:"
	echo "one pending range per page, from the two images by turns (memory not checked: zdtm --pre-dump 2 --lazy does)."
	echo "Medians of the runs; MiB/s is the workload's size over the time."
	echo
	echo "| size | runs | eager restore s | lazy local: running s | lazy local: all pages s | page server: running s | page server: all pages s | chain: eager s | chain lazy: running s | chain lazy: all pages s |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	printf '%s' "$rows"
	echo
	echo "## Every run"
	echo
	echo "| size | run | eager s | local running s | local all s | ps running s | ps all s | chain eager s | chain running s | chain all s |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	printf '%s' "$raw"
	[ -n "${BENCH_NOTE:-}" ] && { echo; echo "$BENCH_NOTE"; }
} >"$OUT"
echo "bench-lazy: report written to $OUT"
