# SPDX-License-Identifier: GPL-2.0
#
# The parts of scripts/bench-migrate.sh that do not depend on the driver:
# failing and cleaning up, memory checks, the workload's counters, the
# report's header. Sourced; uses the globals bench-migrate.sh sets.

bg_pids=()	# page servers, daemons, drivers started by this run

fail()
{
	local f
	echo "bench-migrate: FAILED: $*" >&2
	# in a command substitution: the caller's "|| fail" cleans up
	[ "$BASH_SUBSHELL" -gt 0 ] && exit 1
	for f in "$work"/*.log "$work"/*/*/*.log "$work"/*/*.log; do
		[ -s "$f" ] || continue
		grep -q "Error\|rror:" "$f" || [ "${f##*/}" = workload.log ] || continue
		echo "--- last lines of $f" >&2
		tail -n 8 "$f" | sed 's/^/    /' >&2
	done
	if [ -s "$results" ] && grep -q '^run ' "$results"; then
		cp "$results" "$WORKDIR/criu-bench-migrate.results.$$" &&
			echo "bench-migrate: the runs done so far: BENCH_RESULTS=$WORKDIR/criu-bench-migrate.results.$$" >&2
	fi
	cleanup
	exit 1
}

alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

# Gone (and reaped, by this shell on A or by init on B): its memory is free.
wait_reaped()
{
	local i
	for ((i = 0; i < 600; i++)); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}

# The workload, wherever it runs now (A, or B after a restore).
kill_workload()
{
	local p
	[ -n "$work" ] || return 0
	for p in $(host_pid); do
		kill -KILL "$p" 2>/dev/null
		wait_reaped "$p" || echo "bench-migrate: host pid $p still exists after SIGKILL" >&2
	done
	pid="" hpid=""
}

# Children of this shell and detached servers (pidfiles) alike.
kill_bg()
{
	local p
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait_reaped "$p"
	done
	bg_pids=()
}

# Between runs: nothing of the run is left, its memory and images freed.
finish_run()
{
	kill_workload
	kill_bg
	[ -n "$work" ] && [ "${BENCH_KEEP:-0}" != 1 ] && rm -rf "$work"
	work=""
}

cleanup()
{
	finish_run
	hosts_stop
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		[ -n "$top" ] && echo "bench-migrate: images and logs kept in $top" >&2
	elif [ -n "$top" ]; then
		rm -rf "$top"
	fi
	top=""
}

now_us() { echo "${EPOCHREALTIME/./}"; }

ms_between() { echo $((($2 - $1) / 1000)); }

# median(): scripts/bench-median.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-median.sh"

thp_mode()
{
	local f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -r "$f" ] || { echo "unavailable"; return; }
	sed -n 's/.*\[\(.*\)\].*/\1/p' "$f"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

mem_avail_mib() { awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo; }

disk_avail_mib() { df -Pm "$1" | awk 'NR == 2 { print $4 }'; }

# Peak: the workload on A, its restored copy on B (the old one is gone
# only after the final dump, and a lazy restore fills in while the pages
# move), slack; on disk the first round's images and the later ones.
# Other jobs may hold memory for a while: wait for it up to 10 minutes.
check_room()
{
	local size=$1 need=$(($1 * 2 + 1024)) disk=$(($1 * 2 + 1024)) i

	for ((i = 0; i < 120; i++)); do
		[ "$(mem_avail_mib)" -ge "$need" ] && [ "$(disk_avail_mib "$top")" -ge "$disk" ] &&
			return 0
		[ $i = 0 ] && echo "  waiting for room: $need MiB of memory and $disk MiB" \
			"on $top needed, $(mem_avail_mib) / $(disk_avail_mib "$top") MiB there"
		sleep 5
	done
	fail "a $size MiB run needs $need MiB of free memory and $disk MiB on $top," \
		"$(mem_avail_mib) / $(disk_avail_mib "$top") MiB available"
}

# The workload's line: MONO_NS CPU_NS WRITES PASSES READS MAX_STALL_NS.
rate_sample()
{
	local line
	read -r line <"$work/rate" || fail "can't read $work/rate"
	echo "$line"
}

# A line written after the call: the window then covers the whole
# migration (its end is at most one report period, 100 ms, late).
fresh_sample()
{
	local a b i
	a=$(rate_sample)
	for ((i = 0; i < 600; i++)); do
		b=$(rate_sample)
		[ "${b%% *}" != "${a%% *}" ] && { echo "$b"; return 0; }
		sleep 0.02
	done
	fail "the workload (pid $pid) stopped reporting after the migration"
}

# Reference reads/s (s_ref..s0), reads/s across the migration (s0..s1),
# the slowdown, the writes/s it kept, its longest stall before and at
# the end.
workload_figures()
{
	awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {
		split(a, x, " "); split(b, y, " "); split(c, z, " ")
		if (y[1] <= x[1] || z[1] <= y[1]) exit 1
		ref = (y[5] - x[5]) * 1e9 / (y[1] - x[1])
		mig = (z[5] - y[5]) * 1e9 / (z[1] - y[1])
		printf "reads_ref=%.0f reads_mig=%.0f slowdown_pct=%.2f writes_ref=%.0f window_ms=%.0f stall_before_ms=%.1f stall_ms=%.1f",
			ref, mig, (ref > 0 ? 100 * (1 - mig / ref) : 0),
			(y[3] - x[3]) * 1e9 / (y[1] - x[1]), (z[1] - y[1]) / 1e6,
			y[6] / 1e6, z[6] / 1e6 }' ||
		fail "the workload's counters did not advance (pid $pid)"
}

# "key=value ..." of a run line: the value of $2.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

summary()
{
	local l=$1
	printf '  %s MiB %s%%/s %s %s run %s: %s rounds, %s MiB sent, total %s ms, downtime %s ms (dump %s + transfer %s + restore %s), frozen %s ms, stall %s ms, slowdown %s%%\n' \
		"$(field "$l" size)" "$(field "$l" rate)" "$(field "$l" tracker)" \
		"$(field "$l" mode)" "$(field "$l" run)" "$(field "$l" rounds)" \
		"$(($(field "$l" sent_bytes) / 1048576))" "$(field "$l" total_ms)" \
		"$(field "$l" downtime_ms)" "$(field "$l" final_dump_ms)" \
		"$(field "$l" transfer_ms)" "$(field "$l" restore_ms)" \
		"$(field "$l" frozen_ms)" "$(field "$l" stall_ms)" "$(field "$l" slowdown_pct)"
}

# "frozen_ms pages_written" of an image folder's stats-dump.
dump_stats()
{
	crit decode -i "$1/stats-dump" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)["entries"][0]["dump"]
    print("%.1f %d" % (d["frozen_time"] / 1000.0, d["pages_written"]))
except Exception:
    print("- -")'
}

# The report's header, as "meta" lines of the results (kept in the
# report, so that BENCH_RESULTS renders it again with its own header).
write_meta()
{
	local rev cpu
	rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$root" diff --quiet HEAD -- criu compel images migrate 2>/dev/null ||
		rev+="+uncommitted"
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')
	echo "meta commit=$rev date=$(date -u '+%Y-%m-%dT%H:%MZ') driver=$DRIVER runs=$RUNS"
	echo "meta cpu=${cpu:-unknown} cpus=$(nproc) ram_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
	echo "meta kernel=$(uname -r) thp=$(thp_mode) load_before=$(load1) window_s=$WINDOW max_iters=$MAX_ITERS"
	echo "meta images=$(stat -f -c %T "$WORKDIR"):$WORKDIR trackers=${TRACKERS// /,} sizes=${SIZES// /,} rates=${RATES// /,} modes=${MODES// /,}"
}

render()
{
	local src=$1 tmp
	tmp=$(mktemp) || fail "mktemp"
	cp "$src" "$tmp" || fail "can't read $src"
	"$PYTHON" "$root/scripts/bench-migrate-report.py" "$tmp" "$OUT.tmp" "$PNG" ||
		{ rm -f "$tmp" "$OUT.tmp"; fail "could not render the report from $src"; }
	rm -f "$tmp"
	mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"
	echo
	cat "$OUT"
	echo
	echo "bench-migrate: report written to $OUT, plot to $PNG"
}
