#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - failure-behaviour tests of criu.
#
#   run.sh [--criu PATH] [-k|--keep] [-v|--verbose] [GROUP...]
#
# GROUPs (default: all but "tree", in this order):
#   dump-faults     CRIU_FAULT=1..4 on dump: exit 1, target running unchanged,
#                   no images left; the target then dumps, restores, PASSes
#   restore-faults  CRIU_FAULT=10..14 on restore: exit 1, no half-built
#                   process; a restore without the fault then PASSes
#   damaged         damaged image sets: exit 1, the file named, no crash,
#                   no process left
#   damaged-fds     the same for files.img entries of event descriptors
#                   (damaged-fds.sh): epoll, eventfd, timerfd, inotify
#   input           wrong input: missing pid, zombie, kernel thread, criu
#                   itself, bad folders, pid taken, bad command lines
#   refused         state criu can't restore exactly (refused.c sets one
#                   item): exit 1 naming the pid and the item, the target
#                   left running unchanged; and seccomp strict mode, which
#                   must dump and come back strict
#   sockets         Unix sockets: a peer outside the tree refused (and
#                   allowed with --ext-unix-sk, and gone before the
#                   restore), a descriptor in flight refused, a bound path
#                   occupied at restore
#   tree            a tree with a ptrace relation inside, and a parent waiting
#                   in vfork(): dump refused naming it and the pid, the tree
#                   runs on unchanged
#   kill            criu SIGKILLed at each fault point and after random
#                   delays in dump and pre-dump: the target runs on intact;
#                   in restores of a tree and of threads: nothing is left
#                   (kill.sh; KILL_DUMPS, KILL_PREDUMPS, KILL_RESTORES,
#                   KILL_MAX_MS, KILL_RESTORE_MAX_MS)
#   carry           CRIU_FAULT=6 on pre-dump: a range that can't be read
#                   after the target runs again is left out of the pagemap,
#                   kept in dirty-carry, and the final dump copies it: the
#                   restored target PASSes (its memory would be zeroes there)
#   inet            TCP connections with a peer outside the tree (inet.sh):
#                   refused without --tcp-established, kept across dump and
#                   restore by the network lock, left working by a failed or
#                   killed dump; an address in use at restore
#
# One line per test ("PASS name" / "FAIL name: why" / "SKIP name: why"),
# then "N passed, N failed". Details of failures go to stderr.
#
#   --criu PATH    criu binary (default ../../criu/criu next to this script);
#                  it is copied first, so a rebuild during the run can't race
#   -k|--keep      keep the work folder (default: removed when all passed)
#   -v|--verbose   print criu's stderr for every failed test
#
# Runs as root. TMPDIR sets the work root (default /dev/shm).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZDTM=$HERE/../zdtm
CRIU_ORIG=$HERE/../../criu/criu
KEEP=0
VERBOSE=0
GROUPS_TO_RUN=()
PASSED=0
FAILED=0
SKIPPED=0
TARGETS=()		# "pid:name" of every test process started, for cleanup
RO_MOUNT=""		# a read-only tmpfs to unmount at exit

log() { echo "$*" >&2; }

# ---------------------------------------------------------------- results

# A test is a function that returns 0 on success, or sets WHY and returns 1.
run_test() {
	local name=$1

	shift
	WHY=""
	SKIP=""
	if "$@"; then
		if [ -n "$SKIP" ]; then
			echo "SKIP $name: $SKIP"
			SKIPPED=$((SKIPPED + 1))
		else
			echo "PASS $name"
			PASSED=$((PASSED + 1))
		fi
		return 0
	fi
	echo "FAIL $name: ${WHY:-no reason given}"
	FAILED=$((FAILED + 1))
	if [ "$VERBOSE" = 1 ] && [ -s "$LAST_ERR" ]; then
		log "---- criu stderr of $name ($LAST_ERR)"
		tail -n 20 "$LAST_ERR" >&2
	fi
	return 1
}

why() { WHY="$*"; return 1; }

# ---------------------------------------------------------------- criu

# criu OUT ARGS...: run criu with ARGS, stdout to OUT.out and stderr to
# OUT.err; the exit code lands in RC. No CRIU_FAULT unless the caller sets
# FAULT (an inherited one would break every other test).
criu_run() {
	local out=$1

	shift
	LAST_ERR=$out.err
	if [ -n "$FAULT" ]; then
		CRIU_FAULT=$FAULT "$CRIU" "$@" >"$out.out" 2>"$out.err" </dev/null
	else
		env -u CRIU_FAULT "$CRIU" "$@" >"$out.out" 2>"$out.err" </dev/null
	fi
	RC=$?
}

# A failure must be a clean exit 1, not a crash (128+signal) nor a success.
expect_rc1() {
	[ "$RC" -eq 1 ] && return 0
	if [ "$RC" -ge 128 ]; then
		why "criu crashed (exit $RC, signal $((RC - 128)))$(err_tail)"
		return 1
	fi
	why "criu exited $RC, expected 1$(err_tail)"
}

# The last line criu printed to stderr, for a reason string.
err_tail() {
	[ -s "$LAST_ERR" ] && printf ' [stderr: %s]' "$(tail -n1 "$LAST_ERR" | cut -c1-200)"
}

# err_has REGEX WHAT: criu's stderr must match REGEX (egrep, ignoring case).
err_has() {
	grep -qiE -- "$1" "$LAST_ERR" && return 0
	why "stderr does not mention $2$(err_tail)"
}

# ---------------------------------------------------------------- processes

proc_state() {
	local st

	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	case "$st" in
	"") echo gone ;;
	Z|X) echo zombie ;;
	t|T) echo stopped ;;
	*) echo alive ;;
	esac
}

# wait_gone PID [TENTHS]: the pid is free again (zombies get reaped by the
# subreaper we run under).
wait_gone() {
	local pid=$1 n=${2:-50} i

	for ((i = 0; i < n; i++)); do
		[ "$(proc_state "$pid")" = gone ] && return 0
		sleep 0.1
	done
	return 1
}

# The pid holds no process at all, or only a dead one about to be reaped:
# nothing half-built may run on. Then the pid must really come free.
expect_no_process() {
	local pid=$1 st

	st=$(proc_state "$pid")
	case "$st" in
	gone|zombie) ;;
	*) why "pid $pid is $st after the failed criu run ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80))"; return 1 ;;
	esac
	wait_gone "$pid" 30 || why "pid $pid did not go away"
}

# No process but EXCEPT mentions folder DIR in its command line: criu and the
# test are both started with paths inside it, so this finds half-built
# processes whatever pid they got.
expect_no_process_in() {
	local dir=$1 except=$2 p

	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$except" ] && continue
		[ "$p" = "$$" ] && continue
		grep -qF -- "$dir" "/proc/$p/cmdline" 2>/dev/null || continue
		[ "$(proc_state "$p")" = alive ] || [ "$(proc_state "$p")" = stopped ] || continue
		why "leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-100)"
		return 1
	done
	return 0
}

# start_target NAME DIR [BIN]: start zdtm test NAME (or the zdtm-style
# program BIN) with its files in DIR; the pid lands in TPID. The test
# daemonizes and waits for SIGTERM.
start_target() {
	local name=$1 dir=$2 bin=${3:-$ZDTM/static/$1}

	TPID=""
	mkdir -p "$dir" || return 1
	rm -f "$dir/pid" "$dir/out"
	(cd "$dir" && timeout 60 "$bin" --pidfile "$dir/pid" \
		--outfile "$dir/out" </dev/null >"$dir/start.log" 2>&1) ||
		{ log "$name did not start: $(cat "$dir/out" "$dir/start.log" 2>/dev/null | head -3)"; return 1; }
	TPID=$(cat "$dir/pid") || return 1
	TARGETS+=("$TPID:$name")
}

# target_is PID NAME: PID is alive and is that zdtm test (not a reused pid).
target_is() {
	case "$(proc_state "$1")" in
	alive|stopped) ;;
	*) return 1 ;;
	esac
	grep -qF "/$2" "/proc/$1/cmdline" 2>/dev/null
}

# verdict PID DIR: SIGTERM the test and read its verdict; PASS returns 0.
verdict() {
	local pid=$1 dir=$2 i v

	[ -e "$dir/out" ] || kill -TERM "$pid" 2>/dev/null ||
		why "can't send SIGTERM to $pid" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -s "$dir/out" ] && break
		sleep 0.1
	done
	v=$(head -n1 "$dir/out" 2>/dev/null)
	wait_gone "$pid" 30
	case "$v" in
	PASS*) return 0 ;;
	"") why "no verdict from pid $pid within 10s" ;;
	*) why "verdict of pid $pid: $v" ;;
	esac
}

# snapshot PID FILE: what a failed dump must leave unchanged. TracerPid and
# a stopped state are in it, so a target left traced or stopped differs.
snapshot() {
	local pid=$1 file=$2 fd

	{
		# R or S is a matter of timing; only a stop is a change
		sed -n 's/^State:[[:space:]]*\([tT]\).*/State: stopped (\1)/p' "/proc/$pid/status"
		grep -E '^(TracerPid|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt):' "/proc/$pid/status"
		echo "--- maps"
		cat "/proc/$pid/maps"
		echo "--- fds"
		for fd in "/proc/$pid/fd/"*; do
			echo "${fd##*/} -> $(readlink "$fd")"
		done
	} >"$file" 2>&1
}

# expect_untouched PID NAME BEFORE AFTER: running, not stopped, not traced,
# and the same as before.
expect_untouched() {
	local pid=$1 name=$2 before=$3 after=$4 d i

	target_is "$pid" "$name" || why "target $pid is $(proc_state "$pid")" || return 1
	# Just released, a target may not have run yet: one stopped in
	# sigsuspend() shows its own mask until it restarts the call.
	for ((i = 0; i < 10; i++)); do
		snapshot "$pid" "$after"
		cmp -s "$before" "$after" && break
		sleep 0.1
	done
	grep -q '^TracerPid:[[:space:]]*0$' "$after" ||
		why "target $pid still traced: $(grep TracerPid "$after")" || return 1
	[ "$(proc_state "$pid")" = alive ] ||
		why "target $pid left $(grep '^State' "$after" | tr '\t' ' ')" || return 1
	d=$(diff "$before" "$after" | grep '^[<>]' | head -n2 | tr '\n' ' ')
	[ -z "$d" ] || why "target $pid changed: $d"
}

# A full dump + restore + verdict cycle of a target running in DIR.
cycle_passes() {
	local pid=$1 name=$2 dir=$3

	rm -rf "$dir/img" && mkdir "$dir/img"
	criu_run "$dir/cycle-dump" dump -t "$pid" -D "$dir/img" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$pid" || why "pid $pid alive after dump" || return 1
	criu_run "$dir/cycle-restore" restore -D "$dir/img" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	target_is "$pid" "$name" || why "pid $pid is not $name after restore" || return 1
	verdict "$pid" "$dir"
}

# ---------------------------------------------------------------- 1: dump faults

# dump_fault PID NAME DIR FAULT LOGOPT: the dump fails cleanly at FAULT.
# LOGOPT=1 adds -o dump.log: then that log is the one file allowed to stay.
dump_fault() {
	local pid=$1 name=$2 dir=$3 fault=$4 logopt=$5 left="" allowed="" args=() f

	snapshot "$pid" "$dir/before"
	rm -rf "$dir/img" && mkdir "$dir/img"
	if [ "$logopt" = 1 ]; then
		args=(-v4 -o dump.log)
		allowed=dump.log
	fi
	FAULT=$fault criu_run "$dir/fault$fault" dump -t "$pid" -D "$dir/img" "${args[@]}"
	expect_rc1 || return 1
	[ -s "$LAST_ERR" ] || why "no error message on stderr" || return 1
	expect_untouched "$pid" "$name" "$dir/before" "$dir/after" || return 1
	[ ! -e "$dir/img/inventory.img" ] || why "inventory.img left behind" || return 1
	for f in "$dir/img/"* "$dir/img/".*; do
		f=${f##*/}
		case "$f" in
		.|..|'*'|'.*'|"$allowed") ;;
		*) left="$left $f" ;;
		esac
	done
	[ -z "$left" ] || why "files left in the images folder:$left"
}

dump_faults_on() {
	local name=$1 logopt=$2 dir=$ROOT/dump-$1 f

	if ! start_target "$name" "$dir"; then
		run_test "dump_faults_$name" why "can't start $name"
		return
	fi
	for f in 1 2 3 4; do
		run_test "dump_fault${f}_$name" dump_fault "$TPID" "$name" "$dir" "$f" "$logopt"
	done
	run_test "dump_after_faults_$name" cycle_passes "$TPID" "$name" "$dir"
}

group_dump_faults() {
	dump_faults_on sleep_nanosleep 1
	dump_faults_on maps_file_private 0
	ZDTM_ANON_MB=64 dump_faults_on maps_anon_1g 1
	# a tree and a multi-threaded process: every task must survive
	dump_faults_on pstree 1
	dump_faults_on thread_signals 1
}

# ---------------------------------------------------------------- carry

# The pagemap of FOLDER/pagemap-PID.img has no entry over [START, END) (hex).
pagemap_lacks() {
	local img=$1 start=$((16#$2)) end=$((16#$3))

	"${PYCRIU_PYTHON:-/usr/bin/python3}" - "$img" "$start" "$end" <<'PY'
import sys
import pycriu
with open(sys.argv[1], 'rb') as f:
    img = pycriu.images.load(f)
lo, hi = int(sys.argv[2]), int(sys.argv[3])
for e in img['entries'][1:]:
    va = int(e['vaddr'], 16) if isinstance(e['vaddr'], str) else e['vaddr']
    if va < hi and va + e['nr_pages'] * 4096 > lo:
        sys.exit(1)
PY
}

# Pre-dump with one range unreadable after release; the chain must restore.
carry_unreadable() {
	local pid=$1 name=$2 dir=$3 range

	rm -rf "$dir/pre1" "$dir/final" && mkdir "$dir/pre1" "$dir/final"
	FAULT=6 criu_run "$dir/carry-pre" pre-dump -t "$pid" -D "$dir/pre1" --track-mem \
		--pre-dump-mode=read -v4 -o pre-dump.log
	[ "$RC" -eq 0 ] || why "pre-dump exited $RC$(err_tail)" || return 1
	target_is "$pid" "$name" || why "pid $pid is not running after the pre-dump" || return 1
	[ -s "$dir/pre1/dirty-carry" ] ||
		why "no dirty-carry in the pre-dump for the unreadable range" || return 1
	read -r range < "$dir/pre1/dirty-carry"
	pagemap_lacks "$dir/pre1/pagemap-$pid.img" $range ||
		why "pagemap-$pid.img records the unreadable range $range" || return 1
	criu_run "$dir/carry-dump" dump -t "$pid" -D "$dir/final" --prev-images-dir ../pre1 \
		--track-mem -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	grep -q "left to copy (dirty-carry)" "$dir/final/dump.log" ||
		why "the final dump did not take the carry" || return 1
	wait_gone "$pid" || why "pid $pid alive after dump" || return 1
	criu_run "$dir/carry-restore" restore -D "$dir/final" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	target_is "$pid" "$name" || why "pid $pid is not $name after restore" || return 1
	verdict "$pid" "$dir"
}

group_carry() {
	local dir=$ROOT/carry

	if ! ZDTM_ANON_MB=64 start_target maps_anon_1g "$dir"; then
		run_test "carry_unreadable" why "can't start maps_anon_1g"
		return
	fi
	run_test "carry_unreadable" carry_unreadable "$TPID" maps_anon_1g "$dir"
}

# ---------------------------------------------------------------- 2: restore faults

restore_fault() {
	local pid=$1 dir=$2 fault=$3

	FAULT=$fault criu_run "$dir/fault$fault" restore -D "$dir/img" -d \
		-v4 -o "restore-fault$fault.log"
	expect_rc1 || return 1
	[ -s "$LAST_ERR" ] || why "no error message on stderr" || return 1
	expect_no_process "$pid" || return 1
	# nor the ghost files it made (ghost00's, in the target's folder)
	[ ! -e "$dir/ghost00.data" ] || why "the ghost $dir/ghost00.data is left" || return 1
	expect_no_process_in "$dir" ""
}

restore_faults_on() {
	local name=$1 dir=$ROOT/restore-$1 pid f

	if ! start_target "$name" "$dir"; then
		run_test "restore_faults_$name" why "can't start $name"
		return
	fi
	pid=$TPID
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$pid" -D "$dir/img" -v4 -o dump.log
	if [ "$RC" -ne 0 ] || ! wait_gone "$pid"; then
		run_test "restore_faults_$name" why "dump for the restore tests failed (exit $RC)$(err_tail)"
		return
	fi
	for f in 10 11 12 13 14; do
		run_test "restore_fault${f}_$name" restore_fault "$pid" "$dir" "$f"
	done
	run_test "restore_after_faults_$name" restore_passes "$pid" "$name" "$dir" "$dir/img"
}

# restore_passes PID NAME DIR IMGDIR: a plain restore works and the test PASSes.
restore_passes() {
	local pid=$1 name=$2 dir=$3 img=$4

	criu_run "$dir/restore" restore -D "$img" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	target_is "$pid" "$name" || why "pid $pid is not $name after restore" || return 1
	verdict "$pid" "$dir"
}

group_restore_faults() {
	restore_faults_on sleep_nanosleep
	restore_faults_on maps_file_private
	# a failed restore of a tree or of threads leaves no task behind
	restore_faults_on pstree
	restore_faults_on thread_syscalls
	# a deleted file restored as a ghost: none is left by a failed restore
	restore_faults_on ghost00
}

# ---------------------------------------------------------------- 3: damaged images

# damaged NAME FILE-REGEX: restore from the damaged copy $dir/NAME fails
# cleanly and names the damaged file.
damaged() {
	local dir=$1 case=$2 file=$3 pid=$4

	criu_run "$dir/$case" restore -D "$dir/$case" -d -v4 -o restore.log
	expect_rc1 || return 1
	err_has "$file" "$file" || return 1
	expect_no_process "$pid" || return 1
	expect_no_process_in "$dir" ""
}

# damage CASE: make the copy $dir/CASE of the good image set and break it.
damage() {
	local c=$1 d=$DDIR/$1 core=core-$DPID.img mm=mm-$DPID.img size

	rm -rf "$d" && cp -a "$DDIR/good" "$d" || return 1
	rm -f "$d"/*.log
	case "$c" in
	core_truncated)
		size=$(stat -c %s "$d/$core") && truncate -s $((size / 2)) "$d/$core" ;;
	mm_bad_magic)
		printf 'BADMAGIC' | dd of="$d/$mm" bs=8 count=1 conv=notrunc status=none ;;
	core_garbage)
		# header (2 magics) and the entry size stay: the protobuf is noise
		"$HERE/garble" "$d/$core" 12 7 ;;
	core_garbage_size)
		# as asked: only the 8-byte header stays, the entry size is noise too
		"$HERE/garble" "$d/$core" 8 11 ;;
	pages_missing)
		rm "$d/pages-1.img" ;;
	pages_truncated)
		size=$(stat -c %s "$d/pages-1.img") && truncate -s $((size / 2)) "$d/pages-1.img" ;;
	inventory_missing)
		rm "$d/inventory.img" ;;
	pstree_empty)
		: >"$d/pstree.img" ;;
	core_foreign)
		cp /bin/ls "$d/$core" ;;
	*)
		return 1 ;;
	esac
}

group_damaged() {
	local name=sleep_nanosleep c file

	DDIR=$ROOT/damaged
	if ! start_target "$name" "$DDIR"; then
		run_test damaged_images why "can't start $name"
		return
	fi
	DPID=$TPID
	mkdir -p "$DDIR/good"
	criu_run "$DDIR/dump" dump -t "$DPID" -D "$DDIR/good" -v4 -o dump.log
	if [ "$RC" -ne 0 ] || ! wait_gone "$DPID"; then
		run_test damaged_images why "dump failed (exit $RC)$(err_tail)"
		return
	fi
	for c in core_truncated:core-$DPID.img mm_bad_magic:mm-$DPID.img \
		 core_garbage:core-$DPID.img core_garbage_size:core-$DPID.img \
		 pages_missing:pages-1.img 'pages_truncated:pages-1\.img|pagemap-[0-9]+\.img' \
		 inventory_missing:inventory.img pstree_empty:pstree.img \
		 core_foreign:core-$DPID.img; do
		file=${c#*:}
		c=${c%%:*}
		if ! damage "$c"; then
			run_test "damaged_$c" why "could not damage the image copy"
			continue
		fi
		run_test "damaged_$c" damaged "$DDIR" "$c" "$file" "$DPID"
	done
	# The set was good: the failures above came from the damage alone.
	run_test damaged_original_restores restore_passes "$DPID" "$name" "$DDIR" "$DDIR/good"
}

# ---------------------------------------------------------------- 4: wrong input

free_pid() {
	local max p

	max=$(cat /proc/sys/kernel/pid_max)
	for ((p = max - 1; p > max - 1000; p--)); do
		[ -e "/proc/$p" ] || { echo "$p"; return 0; }
	done
	return 1
}

input_no_such_pid() {
	local pid

	pid=$(free_pid) || why "no free pid found" || return 1
	criu_run "$IDIR/nopid" dump -t "$pid" -D "$IDIR/img"
	expect_rc1 || return 1
	err_has "$pid" "the pid $pid" || return 1
	err_has "no (such )?process|not exist|no longer|not found|ESRCH" "that the process does not exist"
}

input_zombie() {
	local holder zpid i

	rm -f "$IDIR/zombie.pid"
	"$HERE/zombie" "$IDIR/zombie.pid" &
	holder=$!
	TARGETS+=("$holder:zombie")
	for ((i = 0; i < 50; i++)); do
		[ -s "$IDIR/zombie.pid" ] && break
		sleep 0.1
	done
	zpid=$(cat "$IDIR/zombie.pid" 2>/dev/null) || why "zombie helper gave no pid" || return 1
	criu_run "$IDIR/zombie" dump -t "$zpid" -D "$IDIR/img"
	expect_rc1 || return 1
	err_has "zombie|dead|exited" "that $zpid is a zombie" || return 1
	err_has "$zpid" "the pid $zpid" || return 1
	[ "$(proc_state "$zpid")" = zombie ] || why "zombie $zpid changed to $(proc_state "$zpid")" || return 1
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	return 0
}

# A kernel thread has PF_KTHREAD (0x00200000) in field 9 of its stat.
find_kthread() {
	local p flags

	for p in 2 /proc/[0-9]*; do
		p=${p#/proc/}
		flags=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $7 }')
		[ -n "$flags" ] && (( flags & 0x00200000 )) && { echo "$p"; return 0; }
	done
	return 1
}

input_kernel_thread() {
	local pid

	pid=$(find_kthread) || { SKIP="no kernel thread visible here"; return 0; }
	criu_run "$IDIR/kthread" dump -t "$pid" -D "$IDIR/img"
	expect_rc1 || return 1
	err_has "kernel" "that $pid is a kernel thread"
}

# bash replaces itself with criu, so $$ is criu's own pid.
input_criu_itself() {
	LAST_ERR=$IDIR/self.err
	# shellcheck disable=SC2016 # $$ is for the inner bash
	env -u CRIU_FAULT bash -c 'exec "$0" dump -t $$ -D "$1"' "$CRIU" "$IDIR/img" \
		>"$IDIR/self.out" 2>"$IDIR/self.err" </dev/null
	RC=$?
	expect_rc1 || return 1
	err_has "itself|own|self" "that criu can't dump itself"
}

input_dir_missing() {
	local pid=$1 d=$IDIR/no-such-dir

	snapshot "$pid" "$IDIR/before"
	criu_run "$IDIR/nodir" dump -t "$pid" -D "$d"
	expect_rc1 || return 1
	err_has "$d" "the folder $d" || return 1
	expect_untouched "$pid" sleep_nanosleep "$IDIR/before" "$IDIR/after" || return 1
	[ ! -e "$d" ] || why "criu created $d"
}

input_dir_readonly() {
	local pid=$1 d=$IDIR/ro

	mkdir -p "$d"
	mount -t tmpfs -o ro none "$d" 2>"$IDIR/mount.err" ||
		{ SKIP="can't mount a read-only tmpfs: $(head -n1 "$IDIR/mount.err")"; return 0; }
	RO_MOUNT=$d
	snapshot "$pid" "$IDIR/before"
	criu_run "$IDIR/rodir" dump -t "$pid" -D "$d" -v4
	umount "$d" && RO_MOUNT=""
	expect_rc1 || return 1
	err_has "$d" "the folder $d" || return 1
	err_has "read-only|not writable|permission|EROFS" "why the folder can't be used" || return 1
	expect_untouched "$pid" sleep_nanosleep "$IDIR/before" "$IDIR/after"
}

# Dump with --leave-running, then restore while the original holds the pid.
input_pid_taken() {
	local pid=$1

	mkdir -p "$IDIR/taken"
	criu_run "$IDIR/taken-dump" dump -t "$pid" -D "$IDIR/taken" -R -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump -R exited $RC$(err_tail)" || return 1
	[ "$(proc_state "$pid")" = alive ] || why "pid $pid is $(proc_state "$pid") after dump -R" || return 1
	snapshot "$pid" "$IDIR/before"
	criu_run "$IDIR/taken-restore" restore -D "$IDIR/taken" -d -v4 -o restore.log
	expect_rc1 || return 1
	err_has "$pid" "the pid $pid" || return 1
	err_has "taken|in use|busy|exist|already|occupied" "that the pid is taken" || return 1
	expect_untouched "$pid" sleep_nanosleep "$IDIR/before" "$IDIR/after" || return 1
	expect_no_process_in "$IDIR/taken" "$pid"
}

input_unknown_command() {
	criu_run "$IDIR/unknown" frobnicate -D "$IDIR/img"
	expect_rc1 || return 1
	err_has "frobnicate" "the unknown command" || return 1
	[ ! -s "$IDIR/unknown.out" ] || why "stdout not empty"
}

input_help() {
	criu_run "$IDIR/help" --help
	[ "$RC" -eq 0 ] || why "criu --help exited $RC" || return 1
	grep -qi usage "$IDIR/help.out" || why "no usage on stdout" || return 1
	grep -qw dump "$IDIR/help.out" && grep -qw restore "$IDIR/help.out" ||
		why "usage does not list dump and restore" || return 1
	[ ! -s "$IDIR/help.err" ] || why "stderr not empty: $(head -n1 "$IDIR/help.err")"
}

input_no_args() {
	criu_run "$IDIR/noargs"
	expect_rc1 || return 1
	err_has "usage" "usage" || return 1
	[ ! -s "$IDIR/noargs.out" ] || why "usage went to stdout, expected stderr only"
}

# Run where a good image set lies, so a criu defaulting to "." would restore.
input_restore_no_dir() {
	local pid=$1

	(cd "$IDIR/taken" && criu_run "$IDIR/restore-nod" restore -d
	 echo "$RC" >"$IDIR/restore-nod.rc")
	RC=$(cat "$IDIR/restore-nod.rc")
	LAST_ERR=$IDIR/restore-nod.err
	expect_rc1 || return 1
	err_has "-D|images.dir|folder|directory" "the missing -D" || return 1
	expect_no_process_in "$IDIR/taken" "$pid"
}

input_dump_no_pid() {
	criu_run "$IDIR/dump-not" dump -D "$IDIR/img"
	expect_rc1 || return 1
	err_has "-t|pid|tree" "the missing -t"
}

input_restore_dir_missing() {
	criu_run "$IDIR/restore-nodir" restore -D "$IDIR/no-such-dir" -d
	expect_rc1 || return 1
	err_has "$IDIR/no-such-dir" "the folder"
}

group_input() {
	local pid

	IDIR=$ROOT/input
	mkdir -p "$IDIR/img"
	run_test input_no_such_pid input_no_such_pid
	run_test input_zombie input_zombie
	run_test input_kernel_thread input_kernel_thread
	run_test input_criu_itself input_criu_itself
	run_test input_unknown_command input_unknown_command
	run_test input_help input_help
	run_test input_no_args input_no_args
	run_test input_dump_no_pid input_dump_no_pid
	run_test input_restore_dir_missing input_restore_dir_missing
	if ! start_target sleep_nanosleep "$IDIR"; then
		run_test input_target why "can't start sleep_nanosleep"
		return
	fi
	pid=$TPID
	run_test input_dir_missing input_dir_missing "$pid"
	run_test input_dir_readonly input_dir_readonly "$pid"
	run_test input_pid_taken input_pid_taken "$pid"
	run_test input_restore_no_dir input_restore_no_dir "$pid"
	# After all that, the target still works.
	run_test input_target_passes verdict "$pid" "$IDIR"
}

# ---------------------------------------------------------------- refused

# ITEM:what stderr must say about it (after "pid N")
REFUSED_ITEMS=(
	"mcl_future:MCL_FUTURE"
	"lock_onfault:MLOCK_ONFAULT"
	"anon_name:PR_SET_VMA_ANON_NAME"
	"timerslack:timer slack"
	"tsc:PR_SET_TSC"
	"mdwe:PR_SET_MDWE"
	"thp_except_advised:EXCEPT_ADVISED"
	"mce_kill:PR_MCE_KILL"
	"timer_signal_pending:timer's signal is pending"
	"spec_store_bypass:speculative store bypass"
	"mempolicy:memory policy"
	"mseal:VmFlags \"sl\""
	"coredump_filter:coredump_filter"
	"autogroup_nice:autogroup"
	"user_dispatch:syscall user dispatch"
	"mbind:mbind.* seen by numa_maps"
	"mbind_big:mbind.* seen by get_mempolicy"
	"mbind_shared_big:mbind.* seen by get_mempolicy"
	"cpuid_faulting:CPUID faulting"
	"sched_core:core scheduling"
	"xcomp_perm:ARCH_REQ_XCOMP_PERM"
	"exit_signal:exit signal other than SIGCHLD"
	"ghost_limit:has 2097152 bytes, over --ghost-limit 1048576"
	"sysv_shm:SysV shared memory segment of the host's IPC namespace"
	"sysv_sem_undo:semaphore undo state"
	"flock:fd 3 .*holds a flock write lock .*--file-locks is not given"
	"deleted_dir:fd 3: directory /tmp/criu-refused-dir.* was deleted"
	"io_uring:fd [0-9]+ is an io_uring instance"
	"io_uring_map:io_uring rings"
	"bpf_map:fd [0-9]+ is a BPF map"
	"bpf_prog:fd [0-9]+ is a BPF program"
	"perf_event:fd [0-9]+ is a perf event"
	"perf_map:a perf event buffer"
	"userfaultfd:fd [0-9]+ is a userfaultfd"
	"pidfd:fd [0-9]+ is a pidfd"
	"fanotify:fd [0-9]+ is a fanotify group"
	"anon_unknown:fd [0-9]+ is an anonymous inode criu-ooh does not know"
	"aio_ring:an AIO ring"
	"inotify_queued:events queued"
	"inotify_async:inotify with O_ASYNC"
	"epoll_target_elsewhere:no descriptor of the task holds"
	"raw_socket:raw IPv4 socket"
	"ping_socket:ICMP \\(ping\\) socket"
	"udp_queued:waiting to be read"
)

# start_refused ITEM DIR: the refused helper with ITEM; its pid in TPID.
start_refused() {
	local item=$1 dir=$2 rc

	TPID=""
	mkdir -p "$dir" || return 1
	"$HERE/refused" "$item" "$dir/pid" </dev/null >"$dir/start.log" 2>&1
	rc=$?
	[ "$rc" -eq 77 ] && { SKIP="this machine can't set $item up"; return 0; }
	[ "$rc" -eq 0 ] || why "refused $item did not start: $(head -c 200 "$dir/start.log")" || return 1
	TPID=$(cat "$dir/pid") || return 1
	TARGETS+=("$TPID:refused")
}

refused_item() {
	local item=${1%%:*} what=${1#*:} dir=$ROOT/refused/${1%%:*} d

	start_refused "$item" "$dir" || return 1
	[ -n "$SKIP" ] && return 0
	snapshot "$TPID" "$dir/before"
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img"
	expect_rc1 || return 1
	err_has "pid $TPID[: ].*$what.*not supported" "pid $TPID and $what" || return 1
	snapshot "$TPID" "$dir/after"
	[ "$(proc_state "$TPID")" = alive ] || why "target $TPID is $(proc_state "$TPID")" || return 1
	grep -q '^TracerPid:[[:space:]]*0$' "$dir/after" || why "target $TPID still traced" || return 1
	d=$(diff "$dir/before" "$dir/after" | grep '^[<>]' | head -n2 | tr '\n' ' ')
	[ -z "$d" ] || why "target $TPID changed: $d" || return 1
	[ -z "$(ls -A "$dir/img")" ] || why "images left: $(ls "$dir/img" | head -3 | tr '\n' ' ')" || return 1
	kill -9 "$TPID"
	wait_gone "$TPID" || why "target $TPID does not die" || return 1
	# sysv_sem_undo's semaphore set outlives the helper
	if [ -f "$dir/pid.semid" ]; then
		ipcrm -s "$(cat "$dir/pid.semid")" || why "can't remove its semaphore set" || return 1
	fi
}

# Seccomp strict mode is restored: the process comes back strict, blocked in read().
refused_strict_restores() {
	local dir=$ROOT/refused/strict

	start_refused strict "$dir" || return 1
	sleep 0.2
	grep -q '^Seccomp:[[:space:]]*1$' "/proc/$TPID/status" || why "helper not in strict mode" || return 1
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	sleep 0.2
	[ "$(proc_state "$TPID")" = alive ] || why "restored $TPID is $(proc_state "$TPID")" || return 1
	grep -q '^Seccomp:[[:space:]]*1$' "/proc/$TPID/status" ||
		why "restored $TPID: $(grep '^Seccomp:' "/proc/$TPID/status")" || return 1
	kill -9 "$TPID"
	wait_gone "$TPID"
}

group_refused() {
	local i

	for i in "${REFUSED_ITEMS[@]}"; do
		run_test "refused_${i%%:*}" refused_item "$i"
	done
	run_test refused_strict_restores refused_strict_restores
}

# ---------------------------------------------------------------- sockets

# start_sk ARGS...: sk_helper's target with ARGS (its pid file last); pid in TPID.
start_sk() {
	local pidfile=${*: -1}

	TPID=""
	"$HERE/sk_helper" "$@" </dev/null >/dev/null 2>&1 || return 1
	TPID=$(cat "$pidfile") || return 1
	TARGETS+=("$TPID:sk_helper")
}

# start_holder NAME OUT: a datagram socket bound to @NAME outside any dumped tree.
start_holder() {
	"$HERE/sk_helper" hold "$1" "$2" </dev/null >/dev/null 2>&1 &
	HOLDER=$!
	disown "$HOLDER"
	TARGETS+=("$HOLDER:sk_helper")
	sleep 0.2
}

# refused_dump DIR WHAT REGEX: the dump of TPID fails naming the pid and REGEX,
# and leaves the target as it was, with no images.
refused_dump() {
	local dir=$1 what=$2 re=$3 d

	snapshot "$TPID" "$dir/before"
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" -v4 -o dump.log
	expect_rc1 || return 1
	err_has "pid $TPID[: ].*$re" "pid $TPID and $what" || return 1
	expect_untouched "$TPID" sk_helper "$dir/before" "$dir/after" || return 1
	[ -z "$(ls -A "$dir/img" | grep -v dump.log)" ] ||
		why "images left: $(ls "$dir/img" | head -3 | tr '\n' ' ')"
}

# A peer outside the tree without --ext-unix-sk: refused, the tree runs on.
sk_ext_refused() {
	local dir=$ROOT/sk/ext-refused name=zdtm-ext-$$

	mkdir -p "$dir"
	start_holder "$name" "$dir/got"
	start_sk ext "$name" "$dir/pid" || why "can't start sk_helper ext" || return 1
	refused_dump "$dir" "the outside peer" "outside the dumped tree.*ext-unix-sk" || return 1
	kill -USR1 "$TPID"
	sleep 0.2
	grep -qx after "$dir/got" 2>/dev/null || why "the target can no longer send to its peer" || return 1
	kill -9 "$TPID" "$HOLDER"
}

# With --ext-unix-sk the same target dumps, restores and is connected again.
sk_ext_allowed() {
	local dir=$ROOT/sk/ext-allowed name=zdtm-ext2-$$

	mkdir -p "$dir/img"
	start_holder "$name" "$dir/got"
	start_sk ext "$name" "$dir/pid" || why "can't start sk_helper ext" || return 1
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" --ext-unix-sk -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump with --ext-unix-sk exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID still there after the dump" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	kill -USR1 "$TPID"
	sleep 0.2
	grep -qx after "$dir/got" 2>/dev/null ||
		why "the restored target's datagram did not reach the outside peer" || return 1
	kill -9 "$TPID" "$HOLDER"
}

# The outside peer gone between dump and restore: the restore fails with a
# clear error and leaves no process.
sk_ext_vanished() {
	local dir=$ROOT/sk/ext-vanished name=zdtm-ext3-$$

	mkdir -p "$dir/img"
	start_holder "$name" "$dir/got"
	start_sk ext "$name" "$dir/pid" || why "can't start sk_helper ext" || return 1
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" --ext-unix-sk -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump with --ext-unix-sk exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID still there after the dump" || return 1
	kill -9 "$HOLDER"
	wait_gone "$HOLDER"
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	expect_rc1 || return 1
	[ -s "$LAST_ERR" ] || why "no error message on stderr" || return 1
	expect_no_process "$TPID"
}

# A descriptor in flight (SCM_RIGHTS queued): refused, the message still there.
sk_scm_refused() {
	local dir=$ROOT/sk/scm

	mkdir -p "$dir"
	start_sk scm "$dir/pid" || why "can't start sk_helper scm" || return 1
	refused_dump "$dir" "SCM_RIGHTS" "SCM_RIGHTS" || return 1
	kill -9 "$TPID"
}

# A file where a socket is to be bound at restore: a clear error naming the
# path, no process, the file untouched; once it is gone the restore works.
sk_bound_occupied() {
	local dir=$ROOT/sk/occupied path=$ROOT/sk/occupied/listener

	mkdir -p "$dir/img"
	start_sk bound "$path" "$dir/pid" || why "can't start sk_helper bound" || return 1
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID still there after the dump" || return 1
	rm -f "$path" && echo occupant >"$path"
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	expect_rc1 || return 1
	err_has "$path.*exists" "the occupied path $path" || return 1
	expect_no_process "$TPID" || return 1
	[ "$(cat "$path")" = occupant ] || why "the file at $path was changed" || return 1
	rm -f "$path"
	criu_run "$dir/restore2" restore -D "$dir/img" -d -v4 -o restore2.log
	[ "$RC" -eq 0 ] || why "restore once the path is free exited $RC$(err_tail)" || return 1
	[ -S "$path" ] || why "$path is not a socket after restore" || return 1
	kill -9 "$TPID"
}

group_sockets() {
	run_test sk_ext_refused sk_ext_refused
	run_test sk_ext_allowed sk_ext_allowed
	run_test sk_ext_vanished sk_ext_vanished
	run_test sk_scm_refused sk_scm_refused
	run_test sk_bound_occupied sk_bound_occupied
}

# ---------------------------------------------------------------- 5: trees

# The tracee keeps its tracer: the same as before, traced by the test.
expect_still_traced() {
	local pid=$1 tracer=$2 before=$3 after=$4 d

	snapshot "$pid" "$after"
	grep -q "^TracerPid:[[:space:]]*$tracer$" "$after" ||
		why "tracee $pid: $(grep TracerPid "$after"), want $tracer" || return 1
	d=$(diff "$before" "$after" | grep '^[<>]' | head -n2 | tr '\n' ' ')
	[ -z "$d" ] || why "tracee $pid changed: $d"
}

tree_ptrace() {
	local dir=$ROOT/ptrace pid cpid

	start_target ptrace_tree "$dir" "$HERE/ptrace_tree" || why "can't start ptrace_tree" || return 1
	pid=$TPID
	cpid=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | tr -d ' ')
	[ -n "$cpid" ] || why "ptrace_tree $pid has no child" || return 1
	snapshot "$pid" "$dir/before"
	snapshot "$cpid" "$dir/child-before"
	rm -rf "$dir/img" && mkdir "$dir/img"
	criu_run "$dir/dump" dump -t "$pid" -D "$dir/img" -v4 -o dump.log
	expect_rc1 || return 1
	err_has "ptrace|traced" "the ptrace relation" || return 1
	err_has "$cpid|$pid" "the pid of the tracee or tracer ($cpid, $pid)" || return 1
	expect_untouched "$pid" ptrace_tree "$dir/before" "$dir/after" || return 1
	expect_still_traced "$cpid" "$pid" "$dir/child-before" "$dir/child-after" || return 1
	[ ! -e "$dir/img/inventory.img" ] || why "inventory.img left behind" || return 1
	verdict "$pid" "$dir"
}

# A parent waiting inside vfork() (zdtm's vfork00: the test's child
# vforks): no ptrace stop reaches it until its child execs or exits, so
# its registers can't be read. Refused naming it; the tree runs on.
tree_vfork() {
	local dir=$ROOT/vfork pid cpid i

	start_target vfork00 "$dir" || why "can't start vfork00" || return 1
	pid=$TPID
	for ((i = 0; i < 50; i++)); do
		cpid=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | tr -d ' ')
		[ -n "$cpid" ] && [ "$(awk '{print $3}' "/proc/$cpid/stat" 2>/dev/null)" = D ] && break
		sleep 0.1
	done
	[ -n "$cpid" ] || why "vfork00 $pid has no child" || return 1
	snapshot "$pid" "$dir/before"
	rm -rf "$dir/img" && mkdir "$dir/img"
	criu_run "$dir/dump" dump -t "$pid" -D "$dir/img" -v4 -o dump.log
	expect_rc1 || return 1
	err_has "vfork" "vfork" || return 1
	err_has "$cpid" "the vfork parent's pid $cpid" || return 1
	expect_untouched "$pid" vfork00 "$dir/before" "$dir/after" || return 1
	[ "$(awk '{print $3}' "/proc/$cpid/stat" 2>/dev/null)" = D ] ||
		why "the vfork parent $cpid left its vfork() wait" || return 1
	[ ! -e "$dir/img/inventory.img" ] || why "inventory.img left behind" || return 1
	verdict "$pid" "$dir"
}

group_tree() {
	run_test tree_ptrace_refused tree_ptrace
	run_test tree_vfork_refused tree_vfork
}

# ---------------------------------------------------------------- main

cleanup() {
	local t pid name

	[ -n "$RO_MOUNT" ] && umount "$RO_MOUNT" 2>/dev/null
	for t in "${TARGETS[@]}"; do
		pid=${t%%:*}
		name=${t#*:}
		# only our own processes, never a reused pid
		grep -qF "$name" "/proc/$pid/cmdline" 2>/dev/null || continue
		[ "$(proc_state "$pid")" = alive ] || [ "$(proc_state "$pid")" = stopped ] || continue
		kill -9 "$pid" 2>/dev/null
	done
}

# shellcheck source=kill.sh
. "$HERE/kill.sh"
. "$HERE/damaged-fds.sh"
# shellcheck source=inet.sh
. "$HERE/inet.sh"

main() {
	local g args

	while [ $# -gt 0 ]; do
		case "$1" in
		--criu) CRIU_ORIG=$2; shift ;;
		-k|--keep) KEEP=1 ;;
		-v|--verbose) VERBOSE=1 ;;
		-h|--help) sed -n '4,33p' "$0"; exit 0 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) GROUPS_TO_RUN+=("$1") ;;
		esac
		shift
	done
	[ "$(id -u)" = 0 ] || { log "run.sh needs root"; exit 2; }
	[ -x "$CRIU_ORIG" ] || { log "no criu at $CRIU_ORIG (build it or pass --criu)"; exit 2; }
	for g in "$HERE/zombie" "$HERE/garble" "$HERE/refused" "$HERE/ptrace_tree" "$ZDTM/lib/subreaper"; do
		[ -x "$g" ] || { log "$g missing: run 'make' in $HERE"; exit 2; }
	done
	# Orphans (daemonized tests, killed targets) must be reaped at once or
	# their pids stay taken: run under a child subreaper.
	if [ -z "$FAILURES_REAPED" ]; then
		export FAILURES_REAPED=1
		args=(--criu "$CRIU_ORIG")
		[ "$KEEP" = 1 ] && args+=(--keep)
		[ "$VERBOSE" = 1 ] && args+=(--verbose)
		exec "$ZDTM/lib/subreaper" "$0" "${args[@]}" \
			${GROUPS_TO_RUN[@]+"${GROUPS_TO_RUN[@]}"}
	fi
	[ ${#GROUPS_TO_RUN[@]} -gt 0 ] || GROUPS_TO_RUN=(dump-faults restore-faults carry damaged damaged-fds input tree refused sockets kill inet)

	ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/failures.XXXXXX") || exit 1
	CRIU=$ROOT/criu
	cp "$CRIU_ORIG" "$CRIU" || exit 1
	trap cleanup EXIT

	for g in "${GROUPS_TO_RUN[@]}"; do
		case "$g" in
		dump-faults) group_dump_faults ;;
		restore-faults) group_restore_faults ;;
		carry) group_carry ;;
		damaged) group_damaged ;;
		damaged-fds) group_damaged_fds ;;
		input) group_input ;;
		refused) group_refused ;;
		sockets) group_sockets ;;
		tree) group_tree ;;
		kill) group_kill ;;
		inet) group_inet ;;
		*) run_test "group_$g" why "unknown group" ;;
		esac
	done

	local line="$PASSED passed, $FAILED failed"
	[ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
	echo "$line"
	if [ "$FAILED" -gt 0 ] || [ "$KEEP" = 1 ]; then
		log "work folder kept in $ROOT"
	else
		rm -rf "${ROOT:?}"
	fi
	[ "$FAILED" -eq 0 ]
}

main "$@"
