#!/bin/bash
# Incremental checkpoints with each dirty tracker: how long the dumps take,
# how long the process stays frozen, how many pages are copied, and what
# tracking costs the running process.
#
# For each tracker this kernel has and each dirty rate, BENCH_RUNS times:
# start test/bench-track/track-workload (SIZE MiB written, then it keeps
# rewriting RATE% of its pages), measure its write rate untracked, take a
# full dump with --leave-running (the reference), then the chain
#   pre-dump #1 --track-mem            (full: every page, starts tracking)
#   pre-dump #2 --prev-images-dir      (incremental)
#   dump        --prev-images-dir      (incremental, the workload is killed)
# measuring the workload's write rate between them (tracked). Medians go
# to a markdown table and a PNG plot.
#
# Usage (as root):  scripts/bench-track.sh     (or: make bench-track)
# Environment:
#   BENCH_RUNS=N           runs per tracker and rate (default 3)
#   BENCH_SIZE_MIB=N       workload size (default 4096)
#   BENCH_RATES="P ..."    percent of pages written per round (default "0.1 1 10")
#   BENCH_TRACKERS="T ..." trackers (default: those `criu check` says work)
#   BENCH_WINDOW=S         seconds of each write-rate window (default 3)
#   BENCH_OUT=FILE         markdown table (default
#                          Documentation/benchmarks/track.md; plot: .png beside)
#   BENCH_RESULTS=FILE     no runs: render the table and plot again from the
#                          "All runs" lines of an earlier report (BENCH_DATE,
#                          BENCH_LOAD_BEFORE, BENCH_LOAD_AFTER, and
#                          BENCH_SIZE_MIB, BENCH_WINDOW as it ran: its header)
#   CRIU=path              criu binary (default criu/criu of this tree)
#   CRIU_LIBS_DIR          plugin folder, for the ooh tracker
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
RUNS=${BENCH_RUNS:-3}
SIZE=${BENCH_SIZE_MIB:-4096}
RATES=${BENCH_RATES:-0.1 1 10}
WINDOW=${BENCH_WINDOW:-3}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/track.md}
PNG=${OUT%.md}.png
workload=$root/test/bench-track/track-workload
# Candidates, best first; only those criu check calls usable are run.
ALL_TRACKERS="ooh pagemap-scan soft-dirty uffd none"

work=""
pid=""
results=""
load_before=""
load_after=""
started=""

fail()
{
	echo "bench-track: FAILED: $*" >&2
	local f
	for f in "$work"/criu.err "$work"/workload.log; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f" >&2
		tail -n 15 "$f" | sed 's/^/    /' >&2
	done
	cleanup
	# Runs already done are kept: BENCH_RESULTS=FILE renders them.
	[ -s "$results" ] && echo "bench-track: results of the runs done so far: $results" >&2
	exit 1
}

alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

# Gone and reaped (the shell reaps it): its memory is free again.
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
	if [ -n "$pid" ] && alive "$pid" &&
	   grep -q track-workload "/proc/$pid/cmdline" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait_reaped "$pid"
	fi
	pid=""
	[ -n "$work" ] && rm -rf "$work"
	work=""
}

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

shm_avail_mib() { df -Pm /dev/shm | awk 'NR == 2 { print $4 }'; }

usable_trackers()
{
	local t
	for t in $ALL_TRACKERS; do
		"$CRIU" check --feature "$t" 2>/dev/null | grep -q "^$t: yes" && echo "$t"
	done
}

check_setup()
{
	[ "$(id -u)" = 0 ] || fail "must run as root"
	[ -x "$CRIU" ] || fail "$CRIU not found; build it with 'make' first"
	command -v crit >/dev/null ||
		fail "crit missing (Debian package 'criu'; scripts/install-deps.sh bench)"
	[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
	[[ "$SIZE" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_SIZE_MIB must be a positive number"
	[[ "$WINDOW" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_WINDOW must be whole seconds"
	make -s -C "$root/test/bench-track" || fail "could not build $workload"
	TRACKERS=${BENCH_TRACKERS:-$(usable_trackers | tr '\n' ' ')}
	[ -n "${TRACKERS// /}" ] || fail "no usable dirty tracker (criu check --feature ...)"
}

# Peak: the workload and one full set of images, plus slack. Other jobs
# may hold memory for a while: wait for it up to 10 minutes.
check_room()
{
	local need=$((SIZE * 2 + 1024)) shm=$((SIZE + 512)) i

	for ((i = 0; i < 120; i++)); do
		[ "$(mem_avail_mib)" -ge "$need" ] && [ "$(shm_avail_mib)" -ge "$shm" ] &&
			return 0
		[ $i = 0 ] && echo "  waiting for memory: $need MiB free and $shm MiB" \
			"on /dev/shm needed, $(mem_avail_mib) / $(shm_avail_mib) MiB there"
		sleep 5
	done
	fail "needs $need MiB of free memory and $shm MiB on /dev/shm," \
		"$(mem_avail_mib) / $(shm_avail_mib) MiB available"
}

# Runs criu; sets $secs to its wall time. Output in $work/criu.err.
timed_criu()
{
	local t0 rc

	t0=$EPOCHREALTIME
	"$CRIU" "$@" 2>"$work/criu.err"
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
	return $rc
}

# "frozen_ms scanned skipped written" of an image folder's stats-dump.
dump_stats()
{
	crit decode -i "$1/stats-dump" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)["entries"][0]["dump"]
    print("%.3f %d %d %d" % (d["frozen_time"] / 1000.0, d["pages_scanned"],
                             d.get("pages_skipped_parent", 0), d["pages_written"]))
except Exception:
    print("- - - -")'
}

start_workload()
{
	local rate=$1 i

	setsid "$workload" -s "$SIZE" -p "$rate" -r "$work/ready" -o "$work/rate" \
		</dev/null >>"$work/workload.log" 2>&1 &
	pid=$!
	disown "$pid"	# no job notices; the shell still reaps it
	for ((i = 0; i < 6000; i++)); do
		[ -e "$work/ready" ] && return 0
		alive "$pid" || fail "track-workload exited before it was ready"
		sleep 0.02
	done
	fail "track-workload ($SIZE MiB) not ready after 120 s"
}

# The workload's own clocks and counters, now.
rate_sample()
{
	local line
	read -r line <"$work/rate" || fail "can't read $work/rate"
	echo "$line"
}

# Writes between two samples: "PER_CPU_SECOND PER_WALL_SECOND".
rate_between()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		if (y[1] <= x[1] || y[2] <= x[2]) exit 1
		printf "%.0f %.0f", (y[3] - x[3]) * 1e9 / (y[2] - x[2]),
			(y[3] - x[3]) * 1e9 / (y[1] - x[1]) }' ||
		fail "the workload stopped reporting its rate"
}

# The write rate over the next $WINDOW seconds.
write_rate()
{
	local s0
	s0=$(rate_sample)
	sleep "$WINDOW"
	rate_between "$s0" "$(rate_sample)"
}

# pre-dump or dump $1 into folder $2 with extra options; sets $secs, $st.
chain_step()
{
	local cmd=$1 dir=$2
	shift 2

	mkdir "$work/$dir" || fail "mkdir $work/$dir"
	timed_criu "$cmd" -t "$pid" -D "$work/$dir" -v1 "$@" ||
		fail "criu $cmd into $dir ($*) exited non-zero"
	st=$(dump_stats "$work/$dir")
}

# Page data of a parent folder: a (pre-)dump reads only its parent's
# pagemap, and nothing is restored here, so it is freed at once to keep
# the peak at the workload plus one full set of images.
drop_pages()
{
	rm -f "$work/$1"/pages-*.img
}

one_run()
{
	local tracker=$1 rate=$2 run=$3
	local untracked full_s pd1_s pd1_st pd2_s pd2_st d_s d_st tr1 tr2 s0

	check_room
	work=$(mktemp -d /dev/shm/criu-bench-track.XXXXXX) || fail "mktemp in /dev/shm"
	start_workload "$rate"

	# The untracked window follows a full dump, as the tracked ones follow
	# pre-dumps: both see the machine just after criu copied the memory.
	chain_step dump full --leave-running
	full_s=$secs
	untracked=$(write_rate)
	rm -rf "$work/full"

	chain_step pre-dump pre1 --track-mem --dirty-tracker="$tracker"
	pd1_s=$secs pd1_st=$st
	tr1=$(write_rate)

	# This window spans pre-dump #2: the re-arm, the first write to each
	# page after it, and the copy, while the workload runs.
	drop_pages pre1
	s0=$(rate_sample)
	chain_step pre-dump pre2 --track-mem --prev-images-dir ../pre1
	pd2_s=$secs pd2_st=$st
	sleep "$WINDOW"
	tr2=$(rate_between "$s0" "$(rate_sample)")

	drop_pages pre2
	chain_step dump final --track-mem --prev-images-dir ../pre2
	d_s=$secs d_st=$st
	grep -h '^.*dump: frozen' "$work/criu.err" | sed 's/^/    criu: /'
	wait_reaped "$pid" || fail "pid $pid still exists after the final dump"
	pid=""

	# tracker rate run full_s pd1_s [frozen scanned skipped written] pd2_s [..]
	# d_s [..] untracked tracked across-pre-dump-#2, each rate as
	# "per-CPU-second per-wall-second"
	echo "$tracker $rate $run $full_s $pd1_s $pd1_st $pd2_s $pd2_st $d_s $d_st" \
		"$untracked $tr1 $tr2" >>"$results"
	printf '  %s %s%% run %d: full dump %.2f s, pre-dump #1 %.2f s, #2 %.3f s, dump %.3f s; writes per CPU-s, per wall-s: untracked %s, tracked %s, across pre-dump #2 %s\n' \
		"$tracker" "$rate" "$run" "$full_s" "$pd1_s" "$pd2_s" "$d_s" "$untracked" "$tr1" "$tr2"
	cleanup
}

# Median of column $3 of the runs of tracker $1 at rate $2.
med()
{
	awk -v t="$1" -v r="$2" -v c="$3" '$1 == t && $2 == r { print $c }' "$results" | median
}

# Median over the runs of 100 * $3 / $4 (columns): ratios are taken
# within each run, since the machine's load changes between runs.
med_pct()
{
	awk -v t="$1" -v r="$2" -v a="$3" -v b="$4" \
		'$1 == t && $2 == r { printf "%.4f\n", 100 * $a / $b }' "$results" | median
}

# Median over the runs of the slowdown from rate column $4 to column $3.
med_slow()
{
	awk -v t="$1" -v r="$2" -v tr="$3" -v un="$4" \
		'$1 == t && $2 == r { printf "%.4f\n", 100 * (1 - $tr / $un) }' "$results" | median
}

# Result columns (see one_run).
C_FULL=4 C_PD1=5 C_PD2=10 C_PD2_FROZEN=11 C_PD2_WRITTEN=14
C_D=15 C_D_FROZEN=16 C_D_SCANNED=17 C_D_WRITTEN=19
C_UNTR=20 C_TR1=22 C_TR2=24

# One table row of medians; also sets the figures the plot and targets use.
row()
{
	local t=$1 r=$2
	local full pd1 pd2 pd2f pd2w d df ds dw un tr1 tr2

	full=$(med "$t" "$r" $C_FULL) pd1=$(med "$t" "$r" $C_PD1)
	pd2=$(med "$t" "$r" $C_PD2) pd2f=$(med "$t" "$r" $C_PD2_FROZEN)
	pd2w=$(med "$t" "$r" $C_PD2_WRITTEN) d=$(med "$t" "$r" $C_D)
	df=$(med "$t" "$r" $C_D_FROZEN) ds=$(med "$t" "$r" $C_D_SCANNED)
	dw=$(med "$t" "$r" $C_D_WRITTEN) un=$(med "$t" "$r" $C_UNTR)
	tr1=$(med "$t" "$r" $C_TR1) tr2=$(med "$t" "$r" $C_TR2)
	ratio=$(med_pct "$t" "$r" $C_D $C_FULL | xargs printf '%.1f')
	slow=$(med_slow "$t" "$r" $C_TR1 $C_UNTR | xargs printf '%.1f')
	slow2=$(med_slow "$t" "$r" $C_TR2 $C_UNTR | xargs printf '%.1f')
	frozen=$df
	awk -v t="$t" -v r="$r" -v full="$full" -v pd1="$pd1" -v pd2="$pd2" -v pd2f="$pd2f" \
		-v pd2w="$pd2w" -v d="$d" -v df="$df" -v ds="$ds" -v dw="$dw" \
		-v un="$un" -v tr1="$tr1" -v tr2="$tr2" -v ratio="$ratio" -v slow="$slow" \
		-v slow2="$slow2" 'BEGIN {
		printf "| %s | %s%% | %.2f | %.3f | %.1f | %d | %.3f | %.1f | %d | %d | %.2f | %s%% | %.1fM | %.1fM | %.1fM | %s%% | %s%% |\n",
			t, r, pd1, pd2, pd2f, pd2w, d, df, ds, dw, full, ratio,
			un / 1e6, tr1 / 1e6, tr2 / 1e6, slow, slow2 }'
}

machine()
{
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	echo "- CPU: ${cpu:-unknown}, $(nproc) cpus; RAM: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel: $(uname -r); transparent huge pages: $(thp_mode)"
	echo "- load average (1 min) before / after: $load_before / $load_after (other jobs share the machine)"
	echo "- date: $started; command: \`make bench-track\` (BENCH_RUNS=$RUNS BENCH_SIZE_MIB=$SIZE BENCH_RATES=\"$RATES\" BENCH_WINDOW=$WINDOW)"
	echo "- images on /dev/shm (tmpfs); trackers: $TRACKERS"
}

# The goals for pagemap-scan at 1%, stated next to what was measured.
targets()
{
	local t=pagemap-scan r=1
	grep -q "^$t $r " "$results" || return 0
	row "$t" "$r" >/dev/null
	awk -v ratio="$ratio" -v fr="$frozen" -v slow="$slow" -v slow2="$slow2" 'BEGIN {
		m = "met"; n = "not met"
		print "Goals for pagemap-scan at 1% (not asserted):"
		print ""
		printf "- incremental dump <= 10%% of a full dump: %s%% (%s)\n", ratio, ratio <= 10 ? m : n
		printf "- frozen time of the incremental dump <= 30 ms: %s ms (%s)\n", fr, fr <= 30 ? m : n
		printf "- workload <= 2%% slower while tracked: %s%% (%s); across an incremental pre-dump: %s%%\n",
			slow, slow <= 2 ? m : n, slow2
	}'
}

report()
{
	local t r rev
	rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$root" diff --quiet HEAD -- criu compel images 2>/dev/null ||
		rev+=" with uncommitted changes"
	cat <<EOF
# Incremental checkpoints: dirty trackers compared

Measured by \`make bench-track\` (scripts/bench-track.sh) with criu-ooh at
commit $rev.

$(machine)

Each run starts test/bench-track/track-workload: $SIZE MiB of private
anonymous memory, every page written, then a loop that writes one word into
every page of a fixed, evenly spread share of its pages (the dirty rate) over
and over, counting its writes. Between any two dumps exactly that share is
written. Per run: a full \`criu dump --leave-running\` (the reference),
$WINDOW s untracked, pre-dump #1 (\`--track-mem --dirty-tracker=T\`, full),
$WINDOW s tracked, pre-dump #2 (\`--prev-images-dir ../pre1 --track-mem\`)
and $WINDOW s more, and the final \`dump --prev-images-dir ../pre2
--track-mem\`. The workload counts its writes per second of its own CPU
time: that counts what tracking costs it (write faults are handled in its
own system time) but not the share of a CPU that other jobs take from it.
"Tracked" is the window after pre-dump #1: tracking in its steady state.
"Across pre-dump #2" runs from just before pre-dump #2 to $WINDOW s after
it: the re-arm, the first write to each page after it, and the copy made
while the workload runs (the whole memory, for "none"). Slowdowns are
medians of the ratios within each run; "none" shows the noise floor.
Times are wall times of the criu command; frozen times come
from stats-dump (decoded by Debian's crit). Medians of $RUNS runs.

| tracker | dirty | pre-dump #1 s | pre-dump #2 s | pre-dump #2 frozen ms | pre-dump #2 pages written | dump s | dump frozen ms | dump pages scanned | dump pages written | full dump s | dump / full dump | writes per CPU-s: untracked | tracked | across pre-dump #2 | slowdown tracked | slowdown across pre-dump #2 |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(for t in $TRACKERS; do for r in $RATES; do
	grep -q "^$t $r " "$results" && row "$t" "$r"
done; done)

$(targets)

Plot: [$(basename "$PNG")]($(basename "$PNG")): the final dump's wall time
as a share of a full dump's, its frozen time, and the workload's slowdown.

## All runs

Columns: tracker, dirty %, run, full dump s, pre-dump #1 s, frozen ms,
scanned, skipped (parent), written, pre-dump #2 s, frozen ms, scanned,
skipped, written, dump s, frozen ms, scanned, skipped, written, then the
writes per CPU second and per wall second: untracked, tracked (after
pre-dump #1), across pre-dump #2.

\`\`\`
$(cat "$results")
\`\`\`
EOF
}

# One data file per figure: a row per rate, a column per tracker.
plot_data()
{
	local what=$1 t r
	for r in $RATES; do
		printf '"%s%%"' "$r"
		for t in $TRACKERS; do
			if grep -q "^$t $r " "$results"; then
				row "$t" "$r" >/dev/null
				case $what in
				ratio) printf ' %s' "$ratio" ;;
				frozen) printf ' %s' "$frozen" ;;
				slow) printf ' %s' "$slow2" ;;
				esac
			else
				printf ' NaN'
			fi
		done
		echo
	done
}

plot()
{
	local d i n cols="" t

	command -v gnuplot >/dev/null ||
		{ echo "bench-track: gnuplot missing, no plot" >&2; return 0; }
	d=$(mktemp -d) || fail "mktemp"
	plot_data ratio >"$d/ratio"
	plot_data frozen >"$d/frozen"
	plot_data slow >"$d/slow"
	n=0
	for t in $TRACKERS; do
		n=$((n + 1))
		cols+="${cols:+, }'FILE' using $((n + 1))$([ $n = 1 ] && echo ':xtic(1)') title '$t'"
	done
	gnuplot <<EOF || echo "bench-track: gnuplot failed, no plot" >&2
set terminal pngcairo size 1500,450 font ',10'
set output '$PNG'
set multiplot layout 1,3 title 'criu-ooh incremental dumps, $SIZE MiB workload (median of $RUNS runs, THP $(thp_mode))'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid y
set xlabel 'pages written per round'
set title 'final incremental dump / full dump (wall time, %)'
set yrange [0:*]
plot ${cols//FILE/$d/ratio}
set title 'frozen time of the final dump (ms, log scale)'
set logscale y
set yrange [1:*]
plot ${cols//FILE/$d/frozen}
unset logscale y
set title 'workload slowdown across pre-dump #2 (%, per CPU second)'
set yrange [*<0:*]
plot ${cols//FILE/$d/slow}
unset multiplot
EOF
	rm -rf "$d"
	echo "bench-track: plot written to $PNG"
}

# Results of an earlier run; the header then names that run's date.
rerender()
{
	cp "$BENCH_RESULTS" "$results" || fail "can't read $BENCH_RESULTS"
	TRACKERS=$(awk '{ print $1 }' "$results" | uniq | tr '\n' ' ')
	RATES=$(awk '{ print $2 }' "$results" | awk '!seen[$0]++' | tr '\n' ' ')
	RATES=${RATES% }
	RUNS=$(awk '{ print $3 }' "$results" | sort -n | tail -n 1)
	started=${BENCH_DATE:-$started}
	load_before=${BENCH_LOAD_BEFORE:-$load_before}
	load_after=${BENCH_LOAD_AFTER:-$(load1)}
}

main()
{
	local t r run
	trap 'fail interrupted' INT TERM
	check_setup
	started=$(date -u '+%Y-%m-%d %H:%M UTC')
	load_before=$(load1)
	results=$(mktemp) || fail "mktemp"
	if [ -n "${BENCH_RESULTS:-}" ]; then
		rerender
	else
		echo "bench-track: trackers: $TRACKERS; rates: $RATES %; $RUNS runs; $SIZE MiB; THP $(thp_mode)"
		for t in $TRACKERS; do
			for r in $RATES; do
				for ((run = 1; run <= RUNS; run++)); do
					one_run "$t" "$r" "$run"
				done
			done
		done
		load_after=$(load1)
	fi
	echo
	report >"$OUT.tmp" || fail "cannot write $OUT.tmp"
	mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"
	cat "$OUT"
	plot
	rm -f "$results"
	echo
	echo "bench-track: table written to $OUT"
}

main "$@"
