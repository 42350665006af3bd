#!/bin/bash
# Dump and restore speed of criu-ooh on fully written anonymous memory.
#
# For each workload size, BENCH_RUNS times: start test/bench/bench-workload,
# dump it into /dev/shm, restore it from there, check its memory, kill it and
# free the images.  Prints the median wall time and throughput of dump and
# restore, criu's peak RSS, and writes the same table to
# Documentation/benchmarks/core-dump-restore.md.  Then the same for a tree
# of processes with threads (bench-workload -p -t) of the same total size
# as one of the single-process runs, compared with it; a criu that refuses
# trees is reported as such and the rest of the benchmark stands.
#
# Usage (as root):  scripts/bench.sh     (or: make bench)
# Environment:
#   BENCH_RUNS=N         runs per size (default 5)
#   BENCH_SIZES="M ..."  workload sizes in MiB (default "1024 4096")
#   BENCH_TREE="P T M"   the tree: P processes of T threads and M MiB each
#                        (default "8 4 128", 1 GiB in all; empty: no tree)
#   BENCH_OUT=FILE       where to write the markdown table
#                        (default Documentation/benchmarks/core-dump-restore.md)
#   CRIU=path            criu binary (default criu/criu of this tree)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-1024 4096}
TREE=${BENCH_TREE-8 4 128}
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/core-dump-restore.md}
TIME=/usr/bin/time
workload=$root/test/bench/bench-workload
pread_fill=$root/test/bench/pread-fill

work=""
pid=""
rows=""
raw=""
load_before=""
plot_data=""
stats=""
tree_rows=""
tree_pids=""		# the other processes of a tree workload, for cleanup
refused=""		# why criu refused the tree, if it did
declare -A single_dump single_rest	# medians of the single-process runs, by size

fail()
{
	echo "bench: FAILED: $*" >&2
	local f
	for f in "$work"/criu.err "$work"/img/dump.log "$work"/img/restore.log "$work"/workload.log; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f" >&2
		tail -n 15 "$f" | sed 's/^/    /' >&2
	done
	cleanup
	rm -rf "$stats" "$plot_data"
	exit 1
}

cleanup()
{
	local p
	for p in $pid $tree_pids; do
		alive "$p" || continue
		kill -KILL "$p" 2>/dev/null
		wait_gone "$p"
	done
	pid=""
	tree_pids=""
	[ -n "$work" ] && rm -rf "$work"
}

# The process tree under $1, itself first.
tree_of()
{
	local todo=("$1") p
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		echo "$p"
		# shellcheck disable=SC2207
		todo+=($(cat "/proc/$p/task/"*/children 2>/dev/null))
	done
}

alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

# A killed process frees its memory before it turns into a zombie.
wait_gone()
{
	local i
	for ((i = 0; i < 300; i++)); do
		alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# The dumped workload must be reaped (by this shell) before its pid can
# be restored.
wait_reaped()
{
	local i
	for ((i = 0; i < 300; i++)); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}

# KiB (as /usr/bin/time reports) to MiB with one decimal.
mib()
{
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

median()
{
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2;
		}'
}

thp_mode()
{
	local f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -r "$f" ] || { echo "unavailable"; return; }
	sed -n 's/.*\[\(.*\)\].*/\1/p' "$f"
}

# Bar chart of the median throughputs next to the table, if gnuplot is there.
plot()
{
	local svg=${OUT%.md}.svg

	command -v gnuplot >/dev/null || return 0
	[ -s "$plot_data" ] || return 0
	gnuplot <<EOF || { echo "bench: gnuplot failed, no plot" >&2; return 0; }
set terminal svg size 640,400
set output '$svg'
set title 'criu-ooh: dump and restore throughput (median of $RUNS runs, tmpfs)'
set ylabel 'GiB/s'
set yrange [0:*]
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
plot '$plot_data' using 2:xtic(1) title 'dump', '' using 3 title 'restore'
EOF
	echo "bench: plot written to $svg"
}

# Other jobs on the machine skew the times: the report states the load.
load1()
{
	cut -d' ' -f1 /proc/loadavg
}

mem_avail_mib()
{
	awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo
}

shm_avail_mib()
{
	df -Pm /dev/shm | awk 'NR == 2 { print $4 }'
}

check_setup()
{
	[ "$(id -u)" = 0 ] || fail "must run as root"
	[ -x "$CRIU" ] || fail "$CRIU not found; build it with 'make' first"
	[ -x "$TIME" ] || fail "$TIME missing (Debian package 'time'; scripts/install-deps.sh bench)"
	[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
	make -s -C "$root/test/bench" || fail "could not build test/bench/bench-workload"
}

# Room for the workload and its images at once, plus some slack for criu.
check_room()
{
	local size=$1 need=$(($1 * 2 + 512))

	if [ "$(mem_avail_mib)" -lt "$need" ]; then
		echo "bench: skipping $size MiB: needs ${need} MiB free, $(mem_avail_mib) MiB available"
		return 1
	fi
	if [ "$(shm_avail_mib)" -lt $((size + 64)) ]; then
		echo "bench: skipping $size MiB: /dev/shm has $(shm_avail_mib) MiB free"
		return 1
	fi
}

# Runs criu with the given arguments; sets $secs (wall) and $rss_kib (peak).
timed_criu()
{
	local t0 t1 rc

	t0=$EPOCHREALTIME
	"$TIME" -f %M -o "$work/rss" "$CRIU" "$@" 2>"$work/criu.err"
	rc=$?
	t1=$EPOCHREALTIME
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	rss_kib=$(tail -n 1 "$work/rss")
	return $rc
}

# start_workload SIZE [bench-workload options]
start_workload()
{
	local size=$1 i t0

	shift
	t0=$EPOCHREALTIME
	setsid "$workload" -s "$size" "$@" -r "$work/ready" </dev/null \
		>>"$work/workload.log" 2>&1 &
	pid=$!
	disown "$pid"	# no job notices; the shell still reaps it
	for ((i = 0; i < 6000; i++)); do
		if [ -e "$work/ready" ]; then
			fill_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
			return 0
		fi
		alive "$pid" || fail "bench-workload exited before it was ready"
		sleep 0.02
	done
	fail "bench-workload ($size MiB) not ready after 120 s"
}

# After restore (untimed): the same pid must run and find its pages intact,
# and so must each of the $1 processes of a tree (default 1).
verify_restored()
{
	local n=${1:-1} i restored bad

	restored=$(cat "$work/img/restore.pid" 2>/dev/null) ||
		fail "criu restore wrote no pidfile"
	[ "$restored" = "$pid" ] || fail "restored pid $restored, dumped $pid"
	alive "$pid" || fail "restored pid $pid is not running"
	kill -USR1 "$pid" || fail "cannot signal restored pid $pid"
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c '^verify ' "$work/workload.log")" -ge "$n" ] && break
		sleep 0.1
	done
	[ "$(grep -c '^verify OK' "$work/workload.log")" -eq "$n" ] && return 0
	bad=$(grep '^verify FAILED' "$work/workload.log" | head -n 1)
	fail "memory check after restore: ${bad:-$(grep -c '^verify OK' "$work/workload.log") of $n processes answered OK}"
}

# Pages criu says it wrote, from stats-dump decoded by Debian's crit.
pages_written()
{
	command -v crit >/dev/null || { echo "-"; return; }
	crit decode -i "$work/img/stats-dump" 2>/dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["entries"][0]["dump"]["pages_written"])
except Exception:
    print("-")'
}

one_run()
{
	local size=$1 run=$2 dump_s dump_rss rest_s rest_rss img_mib pages summary fill_s pfill_s

	work=$(mktemp -d /dev/shm/criu-ooh-bench.XXXXXX) || fail "mktemp in /dev/shm"
	mkdir "$work/img" || fail "mkdir $work/img"
	start_workload "$size"

	timed_criu dump -t "$pid" -D "$work/img" -v1 -o dump.log ||
		fail "criu dump of $size MiB exited with $?"
	dump_s=$secs dump_rss=$rss_kib
	summary=$(tail -n 1 "$work/criu.err")
	wait_reaped "$pid" || fail "pid $pid still exists after dump"
	img_mib=$(du -sm "$work/img" | cut -f1)
	pages=$(pages_written)

	timed_criu restore -D "$work/img" -d --pidfile restore.pid -v1 -o restore.log ||
		fail "criu restore of $size MiB exited with $?"
	rest_s=$secs rest_rss=$rss_kib
	summary+=$'\n'$(tail -n 1 "$work/criu.err")
	verify_restored

	# The same image read into fresh memory by a plain program, with the
	# restored workload gone so that the machine has the same room.
	kill -KILL "$pid" 2>/dev/null
	wait_gone "$pid"
	pfill_s=$("$pread_fill" "$size" "$work/img/pages-1.img") ||
		fail "pread-fill of $size MiB from the image failed"

	printf '  run %d: workload fill %.3f s, dump %.3f s (max RSS %s MiB), restore %.3f s (max RSS %s MiB), pread fill %.3f s, images %d MiB, pages written %s\n' \
		"$run" "$fill_s" "$dump_s" "$(mib "$dump_rss")" "$rest_s" "$(mib "$rest_rss")" "$pfill_s" "$img_mib" "$pages"
	[ -n "$summary" ] && sed 's/^/    criu: /' <<<"$summary"
	echo "$fill_s" >>"$stats/fill_s"
	echo "$dump_s" >>"$stats/dump_s"
	echo "$rest_s" >>"$stats/rest_s"
	echo "$pfill_s" >>"$stats/pfill_s"
	awk -v r="$rest_s" -v f="$pfill_s" 'BEGIN { printf "%.3f\n", r / f }' >>"$stats/rest_ratio"
	echo "$dump_rss" >>"$stats/dump_rss"
	echo "$rest_rss" >>"$stats/rest_rss"
	echo "$img_mib" >"$stats/img_mib"
	raw+="| $size MiB | $run | $fill_s | $dump_s | $rest_s | $pfill_s | $(mib "$dump_rss") | $(mib "$rest_rss") | $img_mib | $pages |"$'\n'
	cleanup
}

bench_size()
{
	local size=$1 run gib dump_s rest_s fill_s pfill_s ratio

	check_room "$size" || {
		rows+="| $size MiB | skipped: not enough memory | | | | | | | | | | |"$'\n'
		return 0
	}
	echo "bench: $size MiB, $RUNS runs"
	stats=$(mktemp -d) || fail "mktemp"
	for ((run = 1; run <= RUNS; run++)); do
		one_run "$size" "$run"
	done
	gib=$(awk -v m="$size" 'BEGIN { print m / 1024 }')
	dump_s=$(median <"$stats/dump_s")
	rest_s=$(median <"$stats/rest_s")
	fill_s=$(median <"$stats/fill_s")
	pfill_s=$(median <"$stats/pfill_s")
	ratio=$(median <"$stats/rest_ratio")
	single_dump[$size]=$dump_s
	single_rest[$size]=$rest_s
	awk -v s="$size" -v g="$gib" -v d="$dump_s" -v r="$rest_s" \
		'BEGIN { printf "\"%d MiB\" %.3f %.3f\n", s, g / d, g / r }' >>"$plot_data"
	rows+=$(awk -v s="$size" -v g="$gib" -v n="$RUNS" -v d="$dump_s" -v r="$rest_s" -v f="$fill_s" \
		-v pf="$pfill_s" -v q="$ratio" \
		-v dr="$(sort -n "$stats/dump_rss" | tail -n 1)" \
		-v rr="$(sort -n "$stats/rest_rss" | tail -n 1)" \
		-v im="$(cat "$stats/img_mib")" \
		'BEGIN { printf "| %d MiB | %d | %.3f | %.2f | %.3f | %.2f | %.3f | %.2f | %.1f | %.1f | %d | %.3f (%.2f GiB/s) |\n",
			s, n, d, g / d, r, g / r, pf, q, dr / 1024, rr / 1024, im, f, g / f }')$'\n'
	rm -rf "$stats"
}

# Why criu refused the tree, from its stderr: a dump that says "not
# supported" is a limit of this criu, not a failure of the benchmark.
refusal()
{
	grep -iE 'not supported|refus' "$work/criu.err" | head -n 1 | sed 's/^.*Error ([^)]*): //'
}

# One run of the tree; returns 2 (with $refused set) if criu refuses it.
one_tree_run()
{
	local nproc=$1 nthr=$2 size=$3 run=$4 dump_s dump_rss rest_s rest_rss img_mib pages fill_s p

	work=$(mktemp -d /dev/shm/criu-ooh-bench.XXXXXX) || fail "mktemp in /dev/shm"
	mkdir "$work/img" || fail "mkdir $work/img"
	start_workload "$size" -p "$nproc" -t "$nthr"
	tree_pids=$(tree_of "$pid" | tail -n +2)
	[ "$(wc -w <<<"$tree_pids")" -eq $((nproc - 1)) ] ||
		fail "tree workload $pid has $(wc -w <<<"$tree_pids") children, want $((nproc - 1))"

	if ! timed_criu dump -t "$pid" -D "$work/img" -v1 -o dump.log; then
		refused=$(refusal)
		[ -n "$refused" ] || fail "criu dump of the tree exited with an error"
		cleanup
		return 2
	fi
	dump_s=$secs dump_rss=$rss_kib
	for p in $pid $tree_pids; do
		wait_reaped "$p" || fail "pid $p of the tree still exists after dump"
	done
	img_mib=$(du -sm "$work/img" | cut -f1)
	pages=$(pages_written)

	timed_criu restore -D "$work/img" -d --pidfile restore.pid -v1 -o restore.log ||
		fail "criu restore of the tree exited with $?"
	rest_s=$secs rest_rss=$rss_kib
	verify_restored "$nproc"

	printf '  run %d: workload fill %.3f s, dump %.3f s (max RSS %s MiB), restore %.3f s (max RSS %s MiB), images %d MiB, pages written %s\n' \
		"$run" "$fill_s" "$dump_s" "$(mib "$dump_rss")" "$rest_s" "$(mib "$rest_rss")" "$img_mib" "$pages"
	echo "$dump_s" >>"$stats/dump_s"
	echo "$rest_s" >>"$stats/rest_s"
	echo "$dump_rss" >>"$stats/dump_rss"
	echo "$rest_rss" >>"$stats/rest_rss"
	echo "$img_mib" >"$stats/img_mib"
	raw+="| tree ${nproc}x${nthr}x$size MiB | $run | $fill_s | $dump_s | $rest_s | - | $(mib "$dump_rss") | $(mib "$rest_rss") | $img_mib | $pages |"$'\n'
	cleanup
}

# The tree's time against the single process of the same total size, if measured.
versus()
{
	local tree_s=$1 single_s=$2
	[ -n "$single_s" ] || { echo "-"; return; }
	awk -v t="$tree_s" -v s="$single_s" 'BEGIN { printf "%.2fx (%.3f s)", t / s, s }'
}

bench_tree()
{
	local nproc nthr size total label run dump_s rest_s gib

	read -r nproc nthr size <<<"$TREE"
	[[ "$nproc$nthr$size" =~ ^[0-9]+$ ]] && [ "$nproc" -ge 2 ] && [ "$nthr" -ge 1 ] && [ "$size" -ge 1 ] ||
		fail "BENCH_TREE must be 'PROCS THREADS MIB', got '$TREE'"
	total=$((nproc * size))
	label="tree: $nproc processes x $nthr threads x $size MiB"
	check_room "$total" || {
		tree_rows="| $label | skipped: not enough memory | | | | | | | | |"
		return 0
	}
	echo "bench: $label ($total MiB), $RUNS runs"
	stats=$(mktemp -d) || fail "mktemp"
	for ((run = 1; run <= RUNS; run++)); do
		one_tree_run "$nproc" "$nthr" "$size" "$run" && continue
		echo "bench: tree: refused by this criu ($refused)"
		tree_rows="| $label | refused by this criu: $refused | | | | | | | | |"
		rm -rf "$stats"
		return 0
	done
	gib=$(awk -v m="$total" 'BEGIN { print m / 1024 }')
	dump_s=$(median <"$stats/dump_s")
	rest_s=$(median <"$stats/rest_s")
	tree_rows=$(awk -v l="$label" -v g="$gib" -v n="$RUNS" -v d="$dump_s" -v r="$rest_s" \
		-v vd="$(versus "$dump_s" "${single_dump[$total]:-}")" \
		-v vr="$(versus "$rest_s" "${single_rest[$total]:-}")" \
		-v dr="$(sort -n "$stats/dump_rss" | tail -n 1)" \
		-v rr="$(sort -n "$stats/rest_rss" | tail -n 1)" \
		-v im="$(cat "$stats/img_mib")" \
		'BEGIN { printf "| %s | %d | %.3f | %.2f | %.3f | %.2f | %s | %s | %.1f / %.1f | %d |",
			l, n, d, g / d, r, g / r, vd, vr, dr / 1024, rr / 1024, im }')
	rm -rf "$stats"
}

# The tree's section of the report (nothing without BENCH_TREE).
tree_report()
{
	[ -n "$tree_rows" ] || return 0
	cat <<EOF

## A tree of processes with threads

The same cycle for one tree (\`bench-workload -p P -t T -s M\`: P processes,
each with T threads that wrote M MiB of its own), dumped with
\`criu dump -t ROOT\` and restored as a whole; after each restore every
process checks its pages. "vs single" is the tree's median time over the
median of the single process of the same total size above (that median in
brackets; "-" if that size was not measured in this run).

| workload | runs | dump s (median) | dump GiB/s | restore s (median) | restore GiB/s | dump vs single | restore vs single | peak RSS MiB dump / restore | images MiB |
|---|---|---|---|---|---|---|---|---|---|
$tree_rows
EOF
}

machine()
{
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	echo "- CPU: ${cpu:-unknown}, $(nproc) cpus"
	echo "- RAM: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel: $(uname -r)"
	echo "- transparent huge pages: $(thp_mode)"
	echo "- load average (1 min) before / after the runs: $load_before / $(load1)"
	echo "- images on /dev/shm (tmpfs), workload fully written with private anonymous pages"
}

# A benchmark on a busy machine says so next to its numbers.
busy_note()
{
	awk -v a="$load_before" -v b="$(load1)" -v n="$(nproc)" 'BEGIN {
		if (a > n / 2 || b > n / 2)
			print "The machine was busy with other jobs (see the load average), " \
			      "so times vary from run to run: the medians are the figures " \
			      "to read, the single runs are listed below."
	}'
}

report()
{
	local rev
	rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$root" diff --quiet HEAD -- criu compel images 2>/dev/null ||
		rev+=" with uncommitted changes"
	cat <<EOF
# Dump and restore of a whole process: speed

Measured by \`make bench\` (scripts/bench.sh, BENCH_RUNS=$RUNS) on $(date -u '+%Y-%m-%d %H:%M UTC'),
criu-ooh $("$CRIU" --version 2>&1 | head -n 1 | sed 's/^Version: //') at commit $rev.

$(machine)

Each run starts test/bench/bench-workload, which writes every page of its
buffer and sleeps, dumps it with \`criu dump -t PID -D DIR -v1\` (the process
is killed after the dump), then restores it with \`criu restore -D DIR -d\`.
Times are the wall time of the criu command; throughput is workload size over
that time; peak RSS is criu's own, from \`/usr/bin/time -f %M\` (highest of the
runs). After each restore the workload checks all its pages (not timed).
For reference, "workload fill" is the time from starting the workload until
it had written all of its memory once (page faults included; polled every
20 ms): how fast a plain program gets fresh memory on this machine. "pread
fill" is what a restore of this memory does, done by a plain program right
after each restore, with the restored process gone: test/bench/pread-fill
maps fresh anonymous memory of the workload's size and pread()s the image's
pages-1.img into it in criu's chunks; "restore / pread fill" is the median of
the per-run ratios, what criu adds to that.
$(busy_note)
Throughput plot (if gnuplot was installed): [$(basename "${OUT%.md}").svg]($(basename "${OUT%.md}").svg).

| workload | runs | dump s (median) | dump GiB/s | restore s (median) | restore GiB/s | pread fill s (median) | restore / pread fill | dump peak RSS MiB | restore peak RSS MiB | images MiB | workload fill s (median) |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
$(tree_report)

## All runs

| workload | run | fill s | dump s | restore s | pread fill s | dump peak RSS MiB | restore peak RSS MiB | images MiB | pages written (stats-dump) |
|---|---|---|---|---|---|---|---|---|---|
${raw%$'\n'}
EOF
}

main()
{
	local size
	trap 'fail interrupted' INT TERM
	check_setup
	load_before=$(load1)
	plot_data=$(mktemp) || fail "mktemp"
	echo "bench: criu $CRIU, THP mode: $(thp_mode), $RUNS runs per size"
	for size in $SIZES; do
		[[ "$size" =~ ^[1-9][0-9]*$ ]] || fail "bad size '$size' in BENCH_SIZES"
		bench_size "$size"
	done
	[ -z "$TREE" ] || bench_tree
	echo
	report | tee "$OUT.tmp" || fail "cannot write $OUT.tmp"
	mv "$OUT.tmp" "$OUT" || fail "cannot write $OUT"
	plot
	rm -f "$plot_data"
	echo
	echo "bench: table written to $OUT"
}

main "$@"
