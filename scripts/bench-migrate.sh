#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration of a process between two "hosts": what it costs and how
# long the process is stopped.
#
# A and B are two network namespaces made here and removed at exit,
# joined by a veth pair (10.77.0.1 on A, 10.77.0.2 on B, as in
# test/migrate). For each size, dirty rate, tracker and restore mode,
# BENCH_RUNS times: start test/bench-track/track-workload in A (SIZE MiB
# written, then it writes RATE% of its pages per second, each time a page
# it has not written for the longest time, and reads in between), measure
# its reads per second for BENCH_WINDOW s, migrate it to B, and measure
# its reads per second from the start of the migration until it runs on
# B with all its memory. The driver is criu-migrate (send on A, serve on
# B) when it is built, else the same steps run here with criu itself
# (BENCH_DRIVER=direct): pre-dumps through B's page server until the
# pages written per round stop shrinking, the final dump, the other
# images copied to B, restore (eager, or lazy with criu lazy-pages).
# Medians go to a markdown table and a PNG plot.
#
# Usage (as root):  scripts/bench-migrate.sh     (or: make bench-migrate)
# Environment:
#   BENCH_RUNS=N           runs per case (default 3)
#   BENCH_SIZES="MIB ..."  workload sizes (default "1024 4096")
#   BENCH_RATES="P ..."    percent of pages written per second (default "0.1 1 10")
#   BENCH_TRACKERS="T ..." trackers (default: those of pagemap-scan and none
#                          that criu check says work; ooh and soft-dirty run
#                          only in the VM tiers' kernels)
#   BENCH_MODES="M ..."    restore modes: eager, lazy (default both)
#   BENCH_WINDOW=S         seconds of the reference window (default 3)
#   BENCH_MAX_ITERS=N      most pre-dump rounds (default 8)
#   BENCH_DRIVER=D         criu-migrate or direct (default criu-migrate if
#                          built, else direct)
#   BENCH_QUICK=1          check the script: 256 MiB, 1%/s, one run
#   BENCH_WORKDIR=DIR      images and logs (default /var/tmp: on disk, not
#                          in memory, which the two copies of the workload need)
#   BENCH_OUT=FILE         markdown report (default
#                          Documentation/benchmarks/migrate.md; plot: .png beside)
#   BENCH_KEEP=1           keep every run's images and logs (disk!)
#   BENCH_RESULTS=FILE     no runs: render the report again from an earlier
#                          one (its "meta" and "run" lines) or a kept log
#   BENCH_PORT=P           B's port (default 27100; the driver's control
#                          port is P+1)
#   CRIU=path              criu binary (default criu/criu of this tree)
#   CRIU_MIGRATE=path      criu-migrate binary (default migrate/criu-migrate)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
MIGRATE=${CRIU_MIGRATE:-$root/migrate/criu-migrate}
RUNS=${BENCH_RUNS:-3}
SIZES=${BENCH_SIZES:-1024 4096}
RATES=${BENCH_RATES:-0.1 1 10}
MODES=${BENCH_MODES:-eager lazy}
WINDOW=${BENCH_WINDOW:-3}
MAX_ITERS=${BENCH_MAX_ITERS:-8}
WORKDIR=${BENCH_WORKDIR:-/var/tmp}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/migrate.md}
PNG=${OUT%.md}.png
PORT=${BENCH_PORT:-27100}
# Debian's, with python3-matplotlib (another python3 may come first in PATH)
PYTHON=${PYTHON:-/usr/bin/python3}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SIZES=256 RATES=1 RUNS=1
fi
workload=$root/test/bench-track/track-workload
HOST_TRACKERS="pagemap-scan none"

top=""		# this invocation's folder under $WORKDIR
work=""		# one run's folder
pid=""		# the workload, in A's (and then B's) pid namespace
hpid=""		# the same on the host
run_nr=0
results=""
net=0

# A and B: a network, pid and mount namespace each, with an init that
# reaps (the migrate tier's hosts): B restores the workload under its
# pid while A still holds its stopped copy.
# shellcheck source=../test/migrate/hosts.sh
source "$root/test/migrate/hosts.sh"
REAPER=$root/test/zdtm/lib/subreaper
in_a() { in_host A "$@"; }
in_b() { in_host B "$@"; }

# shellcheck source=bench-migrate-lib.sh
source "$root/scripts/bench-migrate-lib.sh"
# shellcheck source=bench-migrate-direct.sh
source "$root/scripts/bench-migrate-direct.sh"
# shellcheck source=bench-migrate-driver.sh
source "$root/scripts/bench-migrate-driver.sh"

hosts_start()
{
	net=1
	hosts_up "$REAPER" || fail "could not make the hosts A and B (namespaces $NS_A, $NS_B)"
}

hosts_stop()
{
	[ "$net" = 1 ] || return 0
	hosts_down
	net=0
}

check_setup()
{
	local t

	[ "$(id -u)" = 0 ] || fail "must run as root"
	[ -x "$CRIU" ] || fail "$CRIU not found; build it with 'make' first"
	for t in crit nsenter ip python3; do
		command -v "$t" >/dev/null ||
			fail "$t missing (scripts/install-deps.sh bench)"
	done
	[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
	[[ "$WINDOW" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_WINDOW must be whole seconds"
	[[ "$MAX_ITERS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_MAX_ITERS must be a positive number"
	[[ "$PORT" =~ ^[1-9][0-9]*$ ]] && [ "$PORT" -lt 65535 ] ||
		fail "BENCH_PORT must be a port number below 65535"
	for t in $SIZES; do
		[[ "$t" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_SIZES: '$t' is not a size in MiB"
	done
	for t in $RATES; do
		[[ "$t" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v r="$t" 'BEGIN { exit !(r > 0 && r <= 100) }' ||
			fail "BENCH_RATES: '$t' is not a percentage in (0, 100]"
	done
	for t in $MODES; do
		[ "$t" = eager ] || [ "$t" = lazy ] || fail "BENCH_MODES: '$t' is neither eager nor lazy"
	done
	DRIVER=${BENCH_DRIVER:-$([ -x "$MIGRATE" ] && echo criu-migrate || echo direct)}
	case $DRIVER in
	criu-migrate) [ -x "$MIGRATE" ] || fail "$MIGRATE not found; build it with 'make'" ;;
	direct) echo "bench-migrate: criu-migrate not used: criu's steps are driven here (BENCH_DRIVER=direct)" ;;
	*) fail "BENCH_DRIVER must be criu-migrate or direct" ;;
	esac
	[ -d "$WORKDIR" ] || fail "BENCH_WORKDIR $WORKDIR is not a folder"
	[ "$(stat -f -c %T "$WORKDIR")" = tmpfs ] &&
		echo "bench-migrate: warning: $WORKDIR is tmpfs: the images take memory too"
	make -s -C "$root/test/bench-track" || fail "could not build $workload"
	make -s -C "$root/test/zdtm" lib/subreaper >/dev/null 2>&1 || [ -x "$REAPER" ] ||
		fail "could not build $REAPER"
	TRACKERS=${BENCH_TRACKERS:-$(usable_trackers | tr '\n' ' ')}
	[ -n "${TRACKERS// /}" ] || fail "no usable dirty tracker (criu check --feature ...)"
}

usable_trackers()
{
	local t
	for t in $HOST_TRACKERS; do
		"$CRIU" check --feature "$t" 2>/dev/null | grep -q "^$t: yes" && echo "$t"
	done
}

# The workload's host pid (in no namespace's numbers): found by its
# rate file, which names this run only.
host_pid()
{
	pgrep -f -- "^$workload .*-o $work/rate\$" | head -n 1
}

start_workload()
{
	local rate=$1 size=$2 i

	# A pid far above those B's own helpers (serve, page servers, lazy
	# daemons) take in B's namespace, which would refuse the restore
	run_nr=$((run_nr + 1))
	in_a sh -c "echo $((20000 + run_nr * 100)) >/proc/sys/kernel/ns_last_pid" ||
		fail "can't set ns_last_pid in A"
	# setsid -f: A's init adopts and reaps it (nsenter, as its parent,
	# would stop with it when the final dump leaves it stopped, and never
	# reap it)
	in_a setsid -f "$workload" -s "$size" -P "$rate" -r "$work/ready" -o "$work/rate" \
		</dev/null >>"$work/workload.log" 2>&1 &
	for ((i = 0; i < 6000; i++)); do
		if [ -e "$work/ready" ]; then
			# pid: A's number, for criu; hpid: the host's, for /proc here
			pid=$(sed -n 's/^track-workload pid=\([0-9]*\) .*/\1/p' "$work/workload.log")
			hpid=$(host_pid)
			[ -n "$pid" ] && [ -n "$hpid" ] && return 0
		fi
		sleep 0.02
	done
	fail "track-workload ($size MiB) not ready after 120 s"
}

# The workload runs on B, in B's network namespace, A's copy is gone.
check_on_b()
{
	wait_reaped "$hpid" ||
		{ M_ERROR="A's copy (host pid $hpid) is still there: $(grep -h '^State\|^PPid' /proc/$hpid/status | tr '\n' ' ')"; return 1; }
	hpid=$(host_pid)
	[ -n "$hpid" ] && alive "$hpid" || { M_ERROR="pid $pid does not run"; return 1; }
	[ "$(readlink "/proc/$hpid/ns/net")" = "$(in_b readlink /proc/self/ns/net)" ] ||
		{ M_ERROR="pid $pid is not in B's network namespace"; return 1; }
}

# The reference window must show the pace asked for: a workload that
# cannot keep it up (a starved CPU) writes less than the case says.
check_pace()
{
	local want
	want=$(awk -v s="$1" -v r="$2" 'BEGIN { printf "%.0f", s * 256 * r / 100 }')
	awk -v got="$3" -v want="$want" 'BEGIN { exit !(got >= 0.95 * want) }' ||
		fail "the workload wrote $3 pages/s before the migration, not $want: it could not keep its pace"
}

# One migration: the reference window, the migration (the driver sets
# the M_* figures), the window's end once the workload reports from B.
one_run()
{
	local size=$1 rate=$2 tracker=$3 mode=$4 run=$5
	local s_ref s0 s1 line figs

	check_room "$size"
	work=$(mktemp -d "$top/run.XXXXXX") || fail "mktemp in $top"
	start_workload "$rate" "$size"
	sleep 1		# past the first report after the fill
	s_ref=$(rate_sample) || fail "no rate of pid $pid"
	sleep "$WINDOW"
	s0=$(rate_sample) || fail "no rate of pid $pid"
	check_pace "$size" "$rate" "$(awk -v a="$s_ref" -v b="$s0" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%.0f", (y[3] - x[3]) * 1e9 / (y[1] - x[1]) }')"
	migrate_"${DRIVER//-/_}" "$tracker" "$mode" || fail "migration failed: $M_ERROR"
	check_on_b || fail "after the migration: $M_ERROR"
	s1=$(fresh_sample) || fail "no rate of pid $pid after the migration"
	figs=$(workload_figures "$s_ref" "$s0" "$s1") || fail "no workload figures"
	line="run size=$size rate=$rate tracker=$tracker mode=$mode run=$run"
	line+=" mem_bytes=$((size * 1048576)) $M_FIGURES $figs"
	echo "$line" >>"$results"
	summary "$line"
	finish_run
}

main()
{
	local s r t m run

	trap 'fail interrupted' INT TERM
	if [ -n "${BENCH_RESULTS:-}" ]; then
		render "$BENCH_RESULTS"
		return
	fi
	check_setup
	mkdir -p "$WORKDIR" && top=$(mktemp -d "$WORKDIR/criu-bench-migrate.XXXXXX") ||
		fail "mktemp in $WORKDIR"
	results=$top/results
	write_meta >"$results"
	hosts_start
	echo "bench-migrate: $DRIVER; sizes $SIZES MiB; rates $RATES %/s; trackers $TRACKERS;" \
		"restore $MODES; $RUNS runs; THP $(thp_mode); images in $top"
	for s in $SIZES; do
		for r in $RATES; do
			for t in $TRACKERS; do
				for ((run = 1; run <= RUNS; run++)); do
					# eager and lazy alternate within a run: their
					# ratio compares neighbours in time
					for m in $MODES; do
						one_run "$s" "$r" "$t" "$m" "$run"
					done
				done
			done
		done
	done
	echo "meta load_after=$(load1)" >>"$results"
	render "$results"
	cleanup
}

main "$@"
