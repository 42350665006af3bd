#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run zdtm tests through a checkpoint/restore cycle.
#
#   run.sh [--criu PATH] [--no-criu] [--keep-going] [--break] [--keep]
#          [--pre-dump N [--tracker NAME]] [test...]
#
# For each test: start it, dump it with criu (which kills it), restore it,
# send SIGTERM, read its verdict. One line per test, then "N passed, N failed".
#
#   --criu PATH    criu binary (default: ../../criu/criu next to this script)
#   --no-criu      skip dump/restore: start, SIGTERM, check (validates the tests)
#   --keep-going   go on after a failure (default: stop at the first one)
#   --break        run the tests with ZDTM_BREAK=1: every test damages what it
#                  checks before checking it; a test passes here only if it
#                  reports FAIL (proves each check can fail)
#   --keep         keep the work directories (default: removed after a PASS)
#   --hook CMD     run "CMD TEST PID" after restore, before SIGTERM (e.g.
#                  ./break-hook.sh damages state from outside: expect FAILs)
#   --pre-dump N   incremental: N (0-5) "criu pre-dump --track-mem" into
#                  pre1..preN, each chained to the one before, then the
#                  final dump chained to preN. After each pre-dump a test
#                  that takes rounds (incr_*) gets SIGUSR1 and changes its
#                  memory; the runner waits for its round count. The images
#                  of the chain are checked (lib/check-images.py, pycriu).
#   --tracker T    --dirty-tracker=T for pre-dump mode (default auto)
#   --tree         run the threads and trees tests (TREE_TESTS) instead of
#                  the default list, which leaves them out
#   --list         print the tests that would run, one a line, and exit
#   --lazy         restore with --lazy-pages, served by a "criu lazy-pages"
#                  daemon that pushes nothing in the background until
#                  ZDTM_LAZY_DELAY_MS (default 500) after the restore; the
#                  daemon must then exit 0 with every page in place
#
# Environment: ZDTM_IMG_HOOK="CMD" runs "CMD WORKDIR" after the last dump,
# before the images are checked and restored (./break-images.sh MODE damages
# them: expect FAILs). TMPDIR (work root, default /dev/shm), ZDTM_ANON_MB (size for
# maps_anon_1g), ZDTM_INCR_MB (size for the big incr_* tests),
# ZDTM_TIMEOUT (seconds to wait for a verdict, default 30).

ZDTM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRIU=$ZDTM_DIR/../../criu/criu
USE_CRIU=1
KEEP_GOING=0
KEEP=0
HOOK=${ZDTM_HOOK:-}
IMG_HOOK=${ZDTM_IMG_HOOK:-}
TIMEOUT=${ZDTM_TIMEOUT:-30}
# Pre-dump mode lives in the environment: it survives the re-exec under the
# subreaper and the pty of shell_job. Empty: plain dump/restore.
PRE_DUMPS=${ZDTM_PRE_DUMPS:-}
LAZY=${ZDTM_LAZY:-}
TRACKER=${ZDTM_TRACKER:-auto}
# Debian's python, the one with crit's pycriu module.
PYCRIU_PYTHON=${ZDTM_PYTHON:-/usr/bin/python3}

# Tests whose criu runs need extra options, and tests run inside a pty.
declare -A CRIU_OPTS=([shell_job]="--shell-job" [link_remap00]="--link-remap"
	[file_locks00]="--file-locks" [file_locks01]="--file-locks" [file_locks02]="--file-locks"
	[sk_tcp_established]="--tcp-established" [sk_tcp_states]="--tcp-established" [sk_tcp_fin_states]="--tcp-established")
declare -A IN_PTY=([shell_job]=1)
# Tests that only pre-dumps can take (full dump refuses threads): no final
# dump and no restore; the verdict is theirs (never disturbed) plus the
# checks of the images.
declare -A PREDUMP_ONLY=()
# Tests whose check cannot hold after pre-dumps, with the reason. A
# pre-dump interrupts a thread in nanosleep() or poll() with a timeout,
# and the kernel resumes it through restart_syscall(), whose restart
# block lives in the kernel; a final dump that finds the thread there
# makes the call return EINTR after restore, as CRIU does.
# Tests whose check cannot hold with --lazy, with the reason.
declare -A NO_LAZY=([cow00]="a lazy restore gives each process its own copy of the pages (as CRIU's): copy-on-write sharing with a parent cannot survive it")
declare -A NO_PREDUMP=([thread_syscalls]="pre-dumps leave its sleepers in restart_syscall(), which restore can only end with EINTR (as CRIU)")
# Tests whose round 1 dirties a known set of pages: pre2, which follows it,
# must write at least that many pages (a tracker that misses writes fails,
# even where no restore would show it: incr_threads), and at most the given
# percentage of the pages it scanned (not checked with --tracker none,
# which rewrites everything). incr_one_percent dirties 1% of its pages.
# incr_tree_threads: its round 1 dirties 230 pages over its three processes.
declare -A MIN_PRE2_WRITTEN=([incr_one_percent]=656 [incr_threads]=408 [incr_tree_threads]=230)
declare -A MAX_PRE2_PERCENT=([incr_one_percent]=3 [incr_threads]=10 [incr_tree_threads]=20)
# The first pre-dump copies the pages that hold data, whatever the
# tracker: incr_random_pages never writes one page in four, so its pre1
# may not copy more than 76% of the pages scanned (a tracker that turned
# its holes into swap entries made it 99%). Not where transparent huge
# pages are "always": its area is then huge pages, whose unwritten 4 KiB
# parts are memory the process has, and copied.
declare -A MAX_PRE1_PERCENT=([incr_random_pages]=76)
# Tests of threads and process trees that criu refuses today ("make
# run-tree", or --tree): not in the default list. vfork00: a parent
# inside vfork(), refused by the dump, naming the pid. Move a test from
# here into the default list when it passes.
TREE_TESTS=(
	vfork00
)

log() { echo "$*" >&2; }

# How the test's process is doing: "alive", "gone" (or zombie). A
# thread-group leader that has exited is a zombie while its other threads
# run: the process is alive as long as one of its threads is.
proc_state() {
	local st t
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	case "$st" in
	Z)
		for t in "/proc/$1/task/"*; do
			[ "${t##*/}" = "$1" ] && continue
			st=$(awk '{print $3}' "$t/stat" 2>/dev/null)
			case "$st" in Z|X|"") ;; *) echo alive; return ;; esac
		done
		echo gone ;;
	X|"") echo gone ;;
	*) echo alive ;;
	esac
}

# The process tree under pid $1 (itself first), children of every thread.
tree_pids() {
	local todo=("$1") p c
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		echo "$p"
		for c in $(cat "/proc/$p/task/"*/children 2>/dev/null); do
			todo+=("$c")
		done
	done
}

# "pid ppid state" of every process of the tree under $1.
tree_list() {
	local p
	for p in $(tree_pids "$1"); do
		awk '{ sub(/.*\) /, ""); print "'"$p"' " $2 " " $1 }' "/proc/$p/stat" 2>/dev/null
	done
}

# Process $2 belongs to the test of work dir $1: its pidfile is on the
# command line of the process, or of one of its threads (the leader of a
# thread group that has exited shows none).
of_test() {
	local t
	grep -qzxF -- "$1/pid" "/proc/$2/cmdline" 2>/dev/null && return 0
	for t in "/proc/$2/task/"*; do
		grep -qzxF -- "$1/pid" "$t/cmdline" 2>/dev/null && return 0
	done
	return 1
}

# After restore: each process of the tree is back, a zombie as a zombie of
# the same parent. Prints what is wrong.
tree_back() {
	local w=$1 root=$2 p ppid st now
	while read -r p ppid st; do
		now=$(awk '{ sub(/.*\) /, ""); print $2 " " $1 }' "/proc/$p/stat" 2>/dev/null)
		# The root (checked by the caller) may be a leader whose threads run.
		[ "$p" = "$root" ] && continue
		if [ "$st" = Z ]; then
			[ "$now" = "$ppid Z" ] || { echo "zombie $p of $ppid is '${now:-gone}'"; return 1; }
		else
			of_test "$w" "$p" || { echo "pid $p of the dumped tree is not back"; return 1; }
			[ "${now%% *}" = "$ppid" ] ||
				{ echo "pid $p has parent ${now%% *}, was $ppid"; return 1; }
		fi
	done <"$w/tree"
}

# Every pid of the tree (listed in file $1) is free again: restore needs them.
wait_tree_freed() {
	local p i
	for p in $(cut -d' ' -f1 "$1"); do
		for ((i = 0; i < 100; i++)); do
			[ -e "/proc/$p" ] || break
			sleep 0.1
		done
		[ -e "/proc/$p" ] && { echo "$p"; return 1; }
	done
	return 0
}

wait_gone() {
	local pid=$1 i
	for ((i = 0; i < 100; i++)); do
		[ "$(proc_state "$pid")" = gone ] && return 0
		sleep 0.1
	done
	return 1
}

wait_file() {
	local file=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		[ -e "$file" ] && return 0
		sleep 0.1
	done
	return 1
}

# Kill what is left of the test in work dir $1: every process started with
# its pidfile on the command line (children of a test have the same one),
# so never a recycled pid, and orphans of a tree too.
kill_leftover() {
	local w=$1 p left=()
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		of_test "$w" "$p" || continue
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] || left+=("$p")
	done
	[ ${#left[@]} -gt 0 ] || return 0
	kill -9 "${left[@]}" 2>/dev/null
	for p in "${left[@]}"; do
		wait_gone "$p"
	done
}

# One cycle for one test, in work dir $w; writes "$w/result":
# "PASS", "SKIP: why" or "FAIL: why". Runs in the caller's session/terminal.
cycle() {
	local name=$1 w=$2 bin=$ZDTM_DIR/static/$1 opts=${CRIU_OPTS[$1]}
	# The verdict goes to fd 3: stdout stays the test's terminal in a pty.
	cycle_steps "$name" "$w" "$bin" "$opts" 3>"$w/result"
	kill_leftover "$w"
}

# Tests in a pty keep it on their stdio: it is what they check.
start_test() {
	local name=$1 w=$2 bin=$3

	if [ -n "${IN_PTY[$name]}" ]; then
		(cd "$w" && timeout 300 "$bin" --pidfile "$w/pid" --outfile "$w/out")
	else
		(cd "$w" && timeout 300 "$bin" --pidfile "$w/pid" --outfile "$w/out" \
			</dev/null >"$w/start.log" 2>&1)
	fi
}

# Ask a test that takes rounds for round $3 and wait until it says it is done.
mutate() {
	local w=$1 pid=$2 round=$3 i

	[ -e "$w/out.round" ] || return 0
	kill -USR1 "$pid" || { echo "FAIL: can't send SIGUSR1 to $pid" >&3; return 1; }
	for ((i = 0; i < TIMEOUT * 100; i++)); do
		[ "$(cat "$w/out.round" 2>/dev/null)" = "$round" ] && return 0
		[ "$(proc_state "$pid")" = alive ] || break
		sleep 0.01
	done
	echo "FAIL: round $round not acknowledged (state $(proc_state "$pid"), $(head -c 200 "$w/out" 2>/dev/null))" >&3
	return 1
}

# The pre-dumps (none with --no-criu), each followed by a mutation round.
pre_dumps() {
	local name=$1 w=$2 pid=$3 opts=$4 i parent

	for ((i = 1; i <= PRE_DUMPS; i++)); do
		if [ "$USE_CRIU" = 1 ]; then
			parent=()
			[ "$i" -gt 1 ] && parent=(--prev-images-dir "../pre$((i - 1))")
			mkdir -p "$w/pre$i"
			# shellcheck disable=SC2086
			"$CRIU" pre-dump -t "$pid" -D "$w/pre$i" "${parent[@]}" --track-mem \
				--dirty-tracker="$TRACKER" -v4 -o pre-dump.log $opts \
				>"$w/pre$i/pre-dump.out" 2>&1 ||
				{ echo "FAIL: criu pre-dump $i exited $?" >&3; return 1; }
			[ "$(proc_state "$pid")" = alive ] ||
				{ echo "FAIL: pid $pid died in pre-dump $i" >&3; return 1; }
		fi
		mutate "$w" "$pid" "$i" || return 1
	done
}

# The dump is of the whole tree: criu dump -t PID takes PID and all its
# descendants, kills them all, and restore needs every one of their pids.
dump_final() {
	local w=$1 pid=$2 opts=$3 incr=() left

	[ "${PRE_DUMPS:-0}" -gt 0 ] &&
		incr=(--prev-images-dir "../pre$PRE_DUMPS" --track-mem --dirty-tracker="$TRACKER")
	tree_list "$pid" >"$w/tree"
	# shellcheck disable=SC2086
	"$CRIU" dump -t "$pid" -D "$w/img" "${incr[@]}" -v4 -o dump.log $opts >"$w/dump.out" 2>&1 ||
		{ echo "FAIL: criu dump exited $?" >&3; return 1; }
	wait_gone "$pid" || { echo "FAIL: pid $pid still alive after dump" >&3; return 1; }
	left=$(wait_tree_freed "$w/tree") ||
		{ echo "FAIL: pid $left of the tree still exists after dump" >&3; return 1; }
}

# --lazy: the lazy-pages daemon first, in the background (its pid in
# $w/lazy.pid), its background push held back ZDTM_LAZY_DELAY_MS after
# the restore so that the test's check runs while pages are missing.
start_lazy_daemon() {
	local w=$1 i

	CRIU_LAZY_PUSH_DELAY_MS=${ZDTM_LAZY_DELAY_MS:-500} \
		"$CRIU" lazy-pages -D "$w/img" -v4 -o lazy-pages.log \
		</dev/null >"$w/lazy-pages.out" 2>&1 3>&- &
	echo $! >"$w/lazy.pid"
	for ((i = 0; i < 100; i++)); do
		[ -S "$w/img/lazy-pages.socket" ] && return 0
		kill -0 "$(cat "$w/lazy.pid")" 2>/dev/null || break
		sleep 0.05
	done
	echo "FAIL: the lazy-pages daemon did not start" >&3
	return 1
}

# After the verdict: the daemon put every page in place and exited 0.
wait_lazy_daemon() {
	local w=$1 dpid i

	[ -n "$LAZY" ] && [ -s "$w/lazy.pid" ] || return 0
	dpid=$(cat "$w/lazy.pid")
	for ((i = 0; i < 20 * TIMEOUT; i++)); do
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$dpid" 2>/dev/null && { echo "FAIL: the lazy-pages daemon still runs" >&3; return 1; }
	wait "$dpid" || { echo "FAIL: the lazy-pages daemon exited $?" >&3; return 1; }
	grep -q "pages copied" "$w/img/lazy-pages.log" ||
		{ echo "FAIL: the lazy-pages daemon did not finish" >&3; return 1; }
}

restore() {
	local name=$1 w=$2 pid=$3 opts=$4 why lazy=()

	if [ -n "$LAZY" ]; then
		start_lazy_daemon "$w" || return 1
		lazy=(--lazy-pages)
	fi
	# shellcheck disable=SC2086
	"$CRIU" restore -D "$w/img" -d -v4 -o restore.log "${lazy[@]}" $opts >"$w/restore.out" 2>&1 ||
		{ echo "FAIL: criu restore exited $?" >&3; return 1; }
	[ "$(proc_state "$pid")" = alive ] || { echo "FAIL: pid $pid not alive after restore" >&3; return 1; }
	of_test "$w" "$pid" || { echo "FAIL: pid $pid after restore is not $name" >&3; return 1; }
	why=$(tree_back "$w" "$pid") || { echo "FAIL: after restore: $why" >&3; return 1; }
}

# A stats-dump field, read through crit.
stats_field() {
	crit decode -i "$1/stats-dump" 2>/dev/null |
		grep -o "\"$2\": [0-9]*" | grep -o '[0-9]*$'
}

# The chain's images: decodable, consistent with their stats, and (for
# tests that dirty few pages) small.
check_chain() {
	local name=$1 w=$2 dirs=() i max written scanned

	for ((i = 1; i <= PRE_DUMPS; i++)); do
		dirs+=("$w/pre$i")
	done
	[ -z "${PREDUMP_ONLY[$name]}" ] && dirs+=("$w/img")
	[ ${#dirs[@]} -gt 0 ] || return 0
	"$PYCRIU_PYTHON" "$ZDTM_DIR/lib/check-images.py" "${dirs[@]}" >"$w/check-images.log" 2>&1 ||
		{ echo "FAIL: images: $(tail -n1 "$w/check-images.log")" >&3; return 1; }
	check_pre1 "$name" "$w" && check_pre2 "$name" "$w"
}

check_pre1() {
	local name=$1 w=$2 max=${MAX_PRE1_PERCENT[$1]} written scanned

	[ -n "$max" ] && [ "$PRE_DUMPS" -ge 1 ] || return 0
	grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null && return 0
	written=$(stats_field "$w/pre1" pages_written)
	scanned=$(stats_field "$w/pre1" pages_scanned)
	[ -n "$written" ] && [ -n "$scanned" ] && [ "$scanned" -gt 0 ] ||
		{ echo "FAIL: crit decode -i pre1/stats-dump: no pages_written/pages_scanned" >&3; return 1; }
	[ $((written * 100)) -le $((scanned * max)) ] ||
		{ echo "FAIL: pre-dump 1 wrote $written of $scanned scanned pages, more than the $max% that hold data" >&3; return 1; }
}

check_pre2() {
	local name=$1 w=$2 max=${MAX_PRE2_PERCENT[$1]} min=${MIN_PRE2_WRITTEN[$1]} written scanned

	[ -n "$max$min" ] && [ "$PRE_DUMPS" -ge 2 ] || return 0
	written=$(stats_field "$w/pre2" pages_written)
	scanned=$(stats_field "$w/pre2" pages_scanned)
	[ -n "$written" ] && [ -n "$scanned" ] && [ "$scanned" -gt 0 ] ||
		{ echo "FAIL: crit decode -i pre2/stats-dump: no pages_written/pages_scanned" >&3; return 1; }
	echo "pre2: $written of $scanned pages written" >"$w/ratio.log"
	[ -z "$min" ] || [ "$written" -ge "$min" ] ||
		{ echo "FAIL: pre-dump 2 wrote $written pages, round 1 dirtied at least $min" >&3; return 1; }
	# ZDTM_OVER_REPORTS: a tracker known to report more than was written
	# here (SPML under shadow paging); the rule lets it, the minimum holds.
	[ -z "$max" ] || [ "$TRACKER" = none ] || [ -n "$ZDTM_OVER_REPORTS" ] ||
		[ $((written * 100)) -le $((scanned * max)) ] ||
		{ echo "FAIL: pre-dump 2 wrote $written of $scanned scanned pages, more than $max%" >&3; return 1; }
}

cycle_steps() {
	local name=$1 w=$2 bin=$3 opts=$4 pid verdict

	start_test "$name" "$w" "$bin" 3>&- ||
		{ echo "FAIL: test did not start ($(head -c 300 "$w/out" 2>/dev/null || tail -2 "$w/start.log"))" >&3; return; }
	pid=$(cat "$w/pid")
	if [ -n "$PRE_DUMPS" ]; then
		pre_dumps "$name" "$w" "$pid" "$opts" || return
	fi
	if [ "$USE_CRIU" = 1 ] && [ -z "${PREDUMP_ONLY[$name]}" ]; then
		dump_final "$w" "$pid" "$opts" || return
	fi
	if [ "$USE_CRIU" = 1 ] && [ -n "$IMG_HOOK" ]; then
		$IMG_HOOK "$w" >"$w/img-hook.log" 2>&1 ||
			{ echo "FAIL: image hook '$IMG_HOOK' failed" >&3; return; }
	fi
	# The images before restore: its failure then comes with a diagnosis.
	if [ "$USE_CRIU" = 1 ] && [ -n "$PRE_DUMPS" ]; then
		check_chain "$name" "$w" || return
	fi
	if [ "$USE_CRIU" = 1 ] && [ -z "${PREDUMP_ONLY[$name]}" ]; then
		restore "$name" "$w" "$pid" "$opts" || return
	fi
	if [ -n "$HOOK" ]; then
		$HOOK "$name" "$pid" >"$w/hook.log" 2>&1 ||
			{ echo "FAIL: hook '$HOOK' failed" >&3; return; }
	fi
	# A test that already gave its verdict has died early: report that verdict.
	[ -e "$w/out" ] || kill -TERM "$pid" ||
		{ echo "FAIL: can't send SIGTERM to $pid" >&3; return; }
	wait_file "$w/out" "$TIMEOUT" || { echo "FAIL: no verdict within ${TIMEOUT}s (state $(proc_state "$pid"))" >&3; return; }
	verdict=$(head -n1 "$w/out")
	wait_lazy_daemon "$w" || return
	case "$verdict" in
	PASS*|SKIP:*|FAIL:*) echo "$verdict" >&3 ;;
	*) echo "FAIL: bad verdict '$verdict'" >&3 ;;
	esac
}

# shell_job: the whole cycle runs inside a fresh pseudo-terminal session.
cycle_in_pty() {
	local name=$1 w=$2 args=(--criu "$CRIU")

	[ "$USE_CRIU" = 1 ] || args+=(--no-criu)
	args+=(--_cycle "$name" "$w")
	script -qec "$(printf '%q ' "$0" "${args[@]}")" /dev/null \
		</dev/null >"$w/pty.log" 2>&1
	[ -s "$w/result" ] || echo "FAIL: cycle in pty gave no result (see pty.log)" >"$w/result"
}

show_logs() {
	local w=$1 f
	for f in "$w/start.log" "$w"/pre*/pre-dump.out "$w"/pre*/pre-dump.log \
		 "$w/dump.out" "$w/img/dump.log" "$w/restore.out" \
		 "$w/img/restore.log" "$w/check-images.log" "$w/out.log" "$w/pty.log" \
		 "$w/lazy-pages.out" "$w/img/lazy-pages.log"; do
		[ -s "$f" ] || continue
		log "---- tail of $f"
		tail -n 15 "$f" >&2
	done
}

run_test() {
	local name=$1 w=$ROOT/$1 result

	if [ ! -x "$ZDTM_DIR/static/$name" ]; then
		echo "FAIL: no such test"
		return
	fi
	if [ -n "${PREDUMP_ONLY[$name]}" ] && [ "$USE_CRIU" = 1 ] && [ "${PRE_DUMPS:-0}" -eq 0 ]; then
		echo "SKIP: pre-dump only (full dump refuses it): run with --pre-dump N"
		return
	fi
	if [ -n "${NO_PREDUMP[$name]}" ] && [ "$USE_CRIU" = 1 ] && [ "${PRE_DUMPS:-0}" -gt 0 ]; then
		echo "SKIP: ${NO_PREDUMP[$name]}"
		return
	fi
	if [ -n "${NO_LAZY[$name]}" ] && [ "$USE_CRIU" = 1 ] && [ -n "$LAZY" ]; then
		echo "SKIP: ${NO_LAZY[$name]}"
		return
	fi
	rm -rf "$w"
	mkdir -p "$w/img"
	if [ -n "${IN_PTY[$name]}" ]; then
		cycle_in_pty "$name" "$w"
	else
		cycle "$name" "$w"
	fi
	result=$(cat "$w/result" 2>/dev/null)
	echo "${result:-FAIL: the runner got no result}"
}

# All tests but TREE_TESTS, or (--tree) only those.
default_tests() {
	local t tree=" ${TREE_TESTS[*]} "
	if [ -n "$TREE" ]; then
		printf '%s\n' "${TREE_TESTS[@]}"
		return
	fi
	for t in "$ZDTM_DIR"/static/*.c; do
		t=$(basename "$t" .c)
		[[ "$tree" == *" $t "* ]] || echo "$t"
	done
}

# Ctrl-C or a CI timeout: don't leave the current test behind.
interrupted() {
	[ -n "$CURRENT" ] && kill_leftover "$ROOT/$CURRENT"
	log "interrupted; work directories kept in $ROOT"
	exit 130
}

# Under --break (or a damaging --hook) a test must catch the damage: its own
# FAIL is a pass.
judge_broken() {
	local t=$1 result=$2 own

	own=$(head -n1 "$ROOT/$t/out" 2>/dev/null)
	case "$own" in
	FAIL:*) echo "PASS (damage caught: ${own#FAIL: })" ;;
	SKIP:*) echo "$own" ;;
	*) echo "FAIL: damage not caught (test said '$own', run: $result)" ;;
	esac
}

main() {
	local tests=() t result passed=0 failed=0 skipped=0 line

	while [ $# -gt 0 ]; do
		case "$1" in
		--criu) CRIU=$2; shift ;;
		--no-criu) USE_CRIU=0 ;;
		--keep-going) KEEP_GOING=1 ;;
		--keep) KEEP=1 ;;
		--break) export ZDTM_BREAK=1 ;;
		--hook) export ZDTM_HOOK=$2; HOOK=$2; shift ;;
		--pre-dump)
			[[ "$2" =~ ^[0-5]$ ]] || { log "--pre-dump takes 0..5"; exit 2; }
			export ZDTM_PRE_DUMPS=$2; PRE_DUMPS=$2; shift ;;
		--tracker) export ZDTM_TRACKER=$2; TRACKER=$2; shift ;;
		--_cycle) cycle "$2" "$3"; exit 0 ;;
		--tree) TREE=1 ;;
		--lazy) export ZDTM_LAZY=1; LAZY=1 ;;
		--list) LIST=1 ;;
		-h|--help) sed -n '4,36p' "$0"; exit 0 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) tests+=("$1") ;;
		esac
		shift
	done
	if [ ${#tests[@]} -eq 0 ]; then
		mapfile -t tests < <(default_tests)
	fi
	if [ -n "$LIST" ]; then
		printf '%s\n' "${tests[@]}"
		exit 0
	fi
	if [ -z "$ZDTM_REAPED" ]; then
		make -s -C "$ZDTM_DIR" >&2 || exit 1
		export ZDTM_REAPED=1
		local again=(--criu "$CRIU")
		[ "$USE_CRIU" = 1 ] || again+=(--no-criu)
		[ "$KEEP_GOING" = 1 ] && again+=(--keep-going)
		[ "$KEEP" = 1 ] && again+=(--keep)
		exec "$ZDTM_DIR/lib/subreaper" "$0" "${again[@]}" ${tests[@]+"${tests[@]}"}
	fi
	if [ "$USE_CRIU" = 1 ] && [ ! -x "$CRIU" ]; then
		log "criu not found at $CRIU (build it, pass --criu PATH, or use --no-criu)"
		exit 2
	fi
	CRIU=$(cd "$(dirname "$CRIU")" && pwd)/$(basename "$CRIU")
	ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/zdtm.XXXXXX") || exit 1

	trap 'interrupted' INT TERM
	for t in "${tests[@]}"; do
		CURRENT=$t
		result=$(run_test "$t")
		[ -n "$ZDTM_BREAK$ZDTM_HOOK" ] && result=$(judge_broken "$t" "$result")
		case "$result" in
		PASS*)
			echo "PASS $t${result#PASS}"; passed=$((passed + 1))
			[ "$KEEP" = 1 ] || rm -rf "${ROOT:?}/$t" ;;
		SKIP:*)
			echo "SKIP $t: ${result#SKIP: }"; skipped=$((skipped + 1))
			[ "$KEEP" = 1 ] || rm -rf "${ROOT:?}/$t" ;;
		*)
			echo "FAIL $t: ${result#FAIL: }"; failed=$((failed + 1))
			show_logs "$ROOT/$t"
			[ "$KEEP_GOING" = 1 ] || break ;;
		esac
	done

	line="$passed passed, $failed failed"
	[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
	echo "$line"
	[ "$KEEP" = 1 ] || [ "$failed" -gt 0 ] || rmdir "$ROOT" 2>/dev/null
	[ "$failed" -gt 0 ] && log "work directories kept in $ROOT"
	[ "$failed" -eq 0 ]
}

# ZDTM_LIB_ONLY=1: sourced for its building blocks (test/migrate).
[ -n "${ZDTM_LIB_ONLY:-}" ] || main "$@"
