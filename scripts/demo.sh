#!/bin/bash
# Checkpoint a running workload with criu-ooh (a pre-dump while it runs,
# then an incremental dump), restore it, and show that it
# carries on where it stopped with its memory intact.
#
# Usage (as root, from anywhere):  scripts/demo.sh     (or: make demo)
# Environment:
#   CRIU=path        criu binary to use (default: criu/criu of this tree)
#   DEMO_SIZE_MIB=N  workload memory size (default 256)
#   DEMO_KEEP=1      keep the image directory after a successful run
#
# Images and logs go to a fresh directory under /dev/shm, which is kept when
# the demo fails so the logs can be read.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CRIU=${CRIU:-$root/criu/criu}
SIZE_MIB=${DEMO_SIZE_MIB:-256}
workload=$root/test/demo/demo-workload

work=""
img=""
wlog=""
pid=""

step() { printf '\n==> %s\n' "$*"; }

# True when $1 is a live process; a zombie counts as gone.
alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

# Wait up to $2 tenths of a second for the condition "$1" to hold.
wait_for()
{
	local i
	for ((i = 0; i < $2; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

show_tail()
{
	[ -s "$1" ] || return 0
	echo "--- last lines of $1"
	tail -n "${2:-20}" "$1" | sed 's/^/    /'
}

fail()
{
	echo
	echo "demo: FAILED: $*"
	if [ -n "$img" ]; then
		show_tail "$img/dump.log"
		show_tail "$img/restore.log"
	fi
	[ -n "$wlog" ] && show_tail "$wlog" 10
	if [ -n "$pid" ] && alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait_for "! alive $pid" 50
	fi
	[ -n "$work" ] && echo "demo: images and logs kept in $work"
	exit 1
}

on_interrupt()
{
	trap - INT TERM
	fail "interrupted"
}

# Largest n= of the "progress" lines after line $1 of the workload log.
progress_after()
{
	tail -n +"$(($1 + 1))" "$wlog" | sed -n 's/^progress n=\([0-9]*\)$/\1/p' |
		sort -n | tail -n 1
}

check_setup()
{
	[ "$(id -u)" = 0 ] || fail "must run as root (criu needs ptrace and PID control)"
	[ -x "$CRIU" ] || fail "$CRIU not found or not executable; build it with 'make' first"
	[ -d /dev/shm ] || fail "/dev/shm is missing; the demo keeps its images there"
	if ! command -v crit >/dev/null; then
		echo "note: crit not found (Debian package 'criu'); image decoding will be skipped"
	fi
	echo "criu: $CRIU ($("$CRIU" --version 2>&1 | head -n 1))"
	local out
	out=$("$CRIU" check 2>&1) || fail "criu check: this kernel lacks something criu needs: $out"
	echo "criu check: $out"
}

build_workload()
{
	step "building the sample workload (test/demo)"
	make -s -C "$root/test/demo" || fail "could not build test/demo/demo-workload"
}

start_workload()
{
	work=$(mktemp -d /dev/shm/criu-ooh-demo.XXXXXX) || fail "mktemp in /dev/shm"
	img=$work/images
	wlog=$work/workload.log
	mkdir "$img" || fail "mkdir $img"

	step "starting demo-workload ($SIZE_MIB MiB) in its own session, output to $wlog"
	# setsid makes it a session leader with no terminal: criu can then
	# dump it without --shell-job.
	setsid "$workload" -s "$SIZE_MIB" </dev/null >>"$wlog" 2>&1 &
	pid=$!
	# Not a job of this shell: no "Killed" notice when the dump kills it.
	# The shell still reaps it, which frees its pid for the restore.
	disown "$pid"
	wait_for "grep -q '^verify OK n=0 ' '$wlog'" 300 ||
		fail "demo-workload did not start (see $wlog)"
	local logged
	logged=$(sed -n 's/^start pid=\([0-9]*\) .*/\1/p' "$wlog")
	[ "$logged" = "$pid" ] || fail "workload reports pid '$logged', expected $pid"
	sleep 1
	echo "pid $pid is running: $(grep -c '^progress' "$wlog") progress lines so far"
	tail -n 2 "$wlog" | sed 's/^/    /'
}

# The dump summary line of a criu log: frozen time and page counts.
summary_of()
{
	grep -o 'dump: frozen.*' "$1" | tail -n 1
}

dump_workload()
{
	local pre=$work/pre rc

	# A pre-dump copies memory while the workload runs; the final dump
	# then copies only what it wrote since, and stops it for less time.
	mkdir "$pre" || fail "mkdir $pre"
	step "criu pre-dump -t $pid -D $pre --track-mem -v4 -o pre-dump.log"
	"$CRIU" pre-dump -t "$pid" -D "$pre" --track-mem -v4 -o pre-dump.log
	rc=$?
	[ $rc = 0 ] || fail "criu pre-dump exited with $rc"
	kill -0 "$pid" 2>/dev/null || fail "pid $pid died in the pre-dump"
	echo "pid $pid still runs; $(summary_of "$pre/pre-dump.log")"

	step "criu dump -t $pid -D $img --prev-images-dir ../pre --track-mem -v4 -o dump.log"
	"$CRIU" dump -t "$pid" -D "$img" --prev-images-dir ../pre --track-mem -v4 -o dump.log
	rc=$?
	[ $rc = 0 ] || fail "criu dump exited with $rc"
	echo "$(summary_of "$img/dump.log")"
	echo "(pages \"skipped (parent)\" were unchanged since the pre-dump: not copied again)"

	# Gone means reaped too: the restore needs the pid free again.
	wait_for "[ ! -e /proc/$pid ]" 100 ||
		fail "pid $pid still exists after a dump without --leave-running"
	echo "pid $pid is gone, as expected after a dump"
	dump_lines=$(wc -l <"$wlog")
	n_dump=$(progress_after 0)
	echo "last progress before the dump: n=$n_dump"
}

show_images()
{
	step "image files in $img"
	ls -l "$img" | sed 's/^/    /'
	echo "    total: $(du -sh "$img" | cut -f1)"
	[ -e "$img/pagemap-$pid.img" ] || fail "no pagemap-$pid.img in $img"
	command -v crit >/dev/null || return 0

	step "crit show $img/pagemap-$pid.img | head -n 20 (Debian's crit decoding our image)"
	local out
	out=$(crit show "$img/pagemap-$pid.img" 2>&1) ||
		fail "crit could not decode pagemap-$pid.img: $out"
	echo "$out" | head -n 20 | sed 's/^/    /'
	if [ -e "$img/stats-dump" ]; then
		step "crit show $img/stats-dump"
		crit show "$img/stats-dump" 2>&1 | sed 's/^/    /'
	fi
}

restore_workload()
{
	step "criu restore -D $img -d --pidfile restore.pid -v4 -o restore.log"
	"$CRIU" restore -D "$img" -d --pidfile restore.pid -v4 -o restore.log
	local rc=$?
	[ $rc = 0 ] || fail "criu restore exited with $rc"

	local restored
	restored=$(cat "$img/restore.pid" 2>/dev/null) ||
		fail "criu restore wrote no pidfile $img/restore.pid"
	[ "$restored" = "$pid" ] || fail "restored pid is $restored, the dumped one was $pid"
	alive "$pid" || fail "restored pid $pid is not running"
	grep -q demo-workload "/proc/$pid/cmdline" ||
		fail "pid $pid is not demo-workload: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
	echo "pid $pid runs again"
}

check_continued()
{
	step "letting it run, then checking it continued from n=$n_dump"
	wait_for "[ -n \"\$(progress_after $dump_lines)\" ]" 50 ||
		fail "no progress line written after restore"
	sleep 1
	alive "$pid" ||
		fail "restored process died: $(grep '^verify FAILED' "$wlog" || echo 'see its log')"
	n_after=$(progress_after "$dump_lines")
	echo "progress after restore: n=$n_after"
	[ "$n_after" -gt "$n_dump" ] ||
		fail "counter did not move on from n=$n_dump (now n=$n_after)"
	[ "$(grep -c '^start ' "$wlog")" = 1 ] ||
		fail "the workload started afresh instead of continuing"
	tail -n +"$((dump_lines + 1))" "$wlog" | head -n 3 | sed 's/^/    /'
}

check_memory()
{
	step "kill -USR1 $pid: the workload recomputes and checks all of its pages"
	kill -USR1 "$pid" || fail "cannot signal pid $pid"
	wait_for "tail -n +$((dump_lines + 1)) '$wlog' | grep -q '^verify '" 200 ||
		fail "no verify line after SIGUSR1 (signal handler not restored?)"
	local line
	line=$(tail -n +"$((dump_lines + 1))" "$wlog" | grep '^verify ' | head -n 1)
	echo "    $line"
	case $line in
	"verify OK "*) ;;
	*) fail "memory check after restore failed: $line" ;;
	esac
	grep -q '^verify FAILED' "$wlog" && fail "the workload found a bad page"
	n_verify=${line#verify OK n=}
	n_verify=${n_verify%% *}
	[ "$n_verify" -ge "$n_dump" ] ||
		fail "verified at n=$n_verify, before the dump point n=$n_dump"
	pages=$(sed -n 's/.* pages=\([0-9]*\)$/\1/p' <<<"$line")
}

stop_workload()
{
	step "stopping pid $pid"
	kill -TERM "$pid" 2>/dev/null
	wait_for "! alive $pid" 50 || fail "pid $pid does not exit on SIGTERM"
	pid=""
}

main()
{
	trap on_interrupt INT TERM
	check_setup
	build_workload
	start_workload
	dump_workload
	show_images
	restore_workload
	check_continued
	check_memory
	stop_workload

	local restored_pid
	restored_pid=$(cat "$img/restore.pid")
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "images kept in $work"
	else
		rm -rf "$work"
	fi
	echo
	echo "demo: OK: pid $restored_pid dumped at n=$n_dump, restored with the same pid," \
		"continued to n=$n_after, all $pages pages ($SIZE_MIB MiB) verified"
}

main "$@"
