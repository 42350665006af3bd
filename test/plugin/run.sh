#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - criu's plugin path, end to end, with test-tracker.so.
#
# Loads the test plugin with --libdir, takes a tracked chain of a live
# victim (pre-dump, pre-dump on its parent, dump) with the plugin's
# "test-log" tracker, restores it and checks its memory; checks that the
# tracker is unknown without --libdir, and that broken plugins are named
# and make criu fail. One line per test, then "N passed, N failed".
#
# Usage (root): run.sh [--keep]     --keep: keep the work folder
# Environment:  CRIU (default ../../criu/criu), TMPDIR (default /dev/shm)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The plugin API the tree is built with (criu/include/criu-plugin.h).
PLUGIN_API=$(sed -n 's/^#define CRIU_PLUGIN_API_VERSION[[:space:]]*//p' "$here/../../criu/include/criu-plugin.h")
CRIU=${CRIU:-$here/../../criu/criu}
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1

# The tests name the plugin folder themselves.
unset CRIU_LIBS_DIR

work=""
pid=""
passed=0
failed=0
why=""
out=""
declare -A sum_at

# --- helpers ---------------------------------------------------------------

alive()
{
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ "$st" != X ]
}

# Wait up to $2 tenths of a second for "$1" to hold.
wait_for()
{
	local i
	for ((i = 0; i < $2; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

# Run a test function; it sets $why and returns non-zero on failure.
t()
{
	local name=$1
	shift
	why=""
	if "$@"; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: ${why:-failed}"
		failed=$((failed + 1))
	fi
}

# criu with the output kept in $out; returns criu's exit code.
criu_out()
{
	out=$("$CRIU" "$@" 2>&1)
}

victim_out() { cat "$work/victim.out" 2>/dev/null; }

# Ask the victim for a round of writes; remembers the sum it printed.
victim_round()
{
	local r=$1
	kill -USR1 "$pid" || { why="can't signal pid $pid"; return 1; }
	wait_for "grep -q '^round $r ' '$work/victim.out'" 100 ||
		{ why="victim printed no 'round $r' line"; return 1; }
	sum_at[$r]=$(sed -n "s/^round $r sum=\([0-9a-f]*\)$/\1/p" "$work/victim.out")
}

# Lines of the plugin's log that match $1.
log_lines() { grep -E "$1" "$TEST_TRACKER_LOG" 2>/dev/null; }

# --- tests -----------------------------------------------------------------

test_check_with_libdir()
{
	criu_out check --feature test-log --libdir "$here" ||
		{ why="criu check exited non-zero: $out"; return 1; }
	grep -q '^test-log: yes' <<<"$out" || { why="no 'test-log: yes' in: $out"; return 1; }
	log_lines "^init api=$PLUGIN_API priority=-1\$" >/dev/null ||
		{ why="plugin's init (api=$PLUGIN_API) was not logged"; return 1; }
}

# $CRIU_LIBS_DIR stands for --libdir.
test_check_with_env()
{
	out=$(CRIU_LIBS_DIR=$here "$CRIU" check --feature test-log 2>&1) ||
		{ why="criu check exited non-zero with CRIU_LIBS_DIR: $out"; return 1; }
	grep -q '^test-log: yes' <<<"$out" || { why="no 'test-log: yes' in: $out"; return 1; }
}

test_check_without_libdir()
{
	criu_out check --feature test-log &&
		{ why="criu check exited 0 without the plugin: $out"; return 1; }
	grep -q "unknown feature 'test-log'" <<<"$out" ||
		{ why="criu did not say test-log is unknown: $out"; return 1; }
}

test_predump_without_libdir()
{
	criu_out pre-dump -t "$pid" -D "$work/nolib" --track-mem --dirty-tracker=test-log &&
		{ why="pre-dump exited 0 with an unknown tracker"; return 1; }
	grep -q "Unknown dirty tracker 'test-log'" <<<"$out" ||
		{ why="criu did not name the unknown tracker: $out"; return 1; }
	alive "$pid" || { why="victim died after a refused pre-dump"; return 1; }
}

# The built-in trackers' priorities (dirty-tracker.h), for auto's choice.
declare -A builtin_prio=([ooh]=300 [pagemap-scan]=200 [soft-dirty]=100 [none]=0)
auto_builtin=""

# What auto takes here, per "criu check --feature mem_dirty_track" ("yes,
# tracker NAME"), into $chosen.
chosen=""
auto_choice()
{
	out=$("$CRIU" check --feature mem_dirty_track "$@" 2>&1)
	chosen=$(sed -n 's/^mem_dirty_track: yes, tracker \([^ ]*\).*$/\1/p' <<<"$out")
}

test_auto_builtin()
{
	auto_choice
	auto_builtin=$chosen
	[ -n "$auto_builtin" ] && [ -n "${builtin_prio[$auto_builtin]+x}" ] ||
		{ why="auto chose '$auto_builtin' without plugins: $out"; return 1; }
}

# The plugin's tracker with priority $1: auto must take it iff it ranks higher.
auto_with_priority()
{
	local prio=$1 want
	[ -n "$auto_builtin" ] || { why="no built-in choice to compare with"; return 1; }
	want=$auto_builtin
	[ "$prio" -gt "$(builtin_rank)" ] && want=test-log
	TEST_TRACKER_PRIORITY=$prio auto_choice --libdir "$here"
	[ "$chosen" = "$want" ] ||
		{ why="priority $prio: auto chose '$chosen', want $want ($auto_builtin is $(builtin_rank)): $out"; return 1; }
}

# Relative to what auto takes without plugins (none if that failed).
builtin_rank() { echo "${builtin_prio[${auto_builtin:-none}]:-0}"; }

test_auto_priority_higher() { auto_with_priority $(($(builtin_rank) + 1)); }
test_auto_priority_lower() { auto_with_priority $(($(builtin_rank) - 1)); }
test_auto_priority_negative() { auto_with_priority -1; }

# A pre-dump without --dirty-tracker takes the higher-ranked plugin tracker.
# The chain is ended at once (a pre-dump without --track-mem), so that
# whatever tracker it took leaves nothing in the victim for the next tests.
test_auto_predump()
{
	local tracker
	TEST_TRACKER_PRIORITY=1000 criu_out pre-dump -t "$pid" -D "$work/auto" \
		--libdir "$here" --track-mem ||
		{ why="pre-dump exited non-zero: $out"; return 1; }
	tracker=$(sed -n 's/^tracker //p' "$work/auto/dirty-tracker" 2>/dev/null)
	criu_out pre-dump -t "$pid" -D "$work/auto-end" --libdir "$here" \
		--prev-images-dir ../auto ||
		{ why="pre-dump ending the chain exited non-zero: $out"; return 1; }
	[ "$tracker" = test-log ] ||
		{ why="auto/dirty-tracker names '$tracker', not test-log"; return 1; }
	alive "$pid" || { why="victim died after pre-dump"; return 1; }
}

# A chain whose parent was not tracked starts tracking, for this pid,
# and the next pre-dump collects from that state.
test_track_after_untracked()
{
	criu_out pre-dump -t "$pid" -D "$work/late1" --libdir "$here" \
		--prev-images-dir ../auto-end --track-mem --dirty-tracker=test-log ||
		{ why="pre-dump on an untracked parent exited non-zero: $out"; return 1; }
	grep -q "^pid $pid\$" "$work/late1/dirty-tracker" 2>/dev/null ||
		{ why="late1/dirty-tracker does not name pid $pid: $(cat "$work/late1/dirty-tracker")"; return 1; }
	: >"$TEST_TRACKER_LOG"
	criu_out pre-dump -t "$pid" -D "$work/late2" --libdir "$here" \
		--prev-images-dir ../late1 ||
		{ why="pre-dump on the tracked parent exited non-zero: $out"; return 1; }
	log_lines "^collect pid=$pid generation=0 .* marker=ok\$" >/dev/null ||
		{ why="no collect from late1's state: $(cat "$TEST_TRACKER_LOG")"; return 1; }
}

# A broken plugin folder: criu check and pre-dump name the file, exit non-zero.
broken_plugin()
{
	local dir=$1 msg=$2 cmd
	for cmd in "check" "pre-dump -t $pid -D $work/bad --track-mem"; do
		# shellcheck disable=SC2086
		criu_out $cmd --libdir "$here/$dir" &&
			{ why="criu $cmd exited 0 with $dir: $out"; return 1; }
		grep -q "$dir/$dir.so.*$msg" <<<"$out" ||
			{ why="criu $cmd did not report '$dir.so ... $msg': $out"; return 1; }
	done
	alive "$pid" || { why="victim died"; return 1; }
}

test_plugin_without_init() { broken_plugin bad-noinit "criu_plugin_init"; }
test_plugin_init_error() { broken_plugin bad-init "failed to start"; }

test_predump_starts()
{
	: >"$TEST_TRACKER_LOG"
	criu_out pre-dump -t "$pid" -D "$work/pre1" --libdir "$here" \
		--dirty-tracker=test-log --track-mem -v1 ||
		{ why="pre-dump #1 exited non-zero: $out"; return 1; }
	log_lines "^start pid=$pid areas=[1-9][0-9]* marker=test-log-$pid\$" >/dev/null ||
		{ why="no 'start pid=$pid' in the plugin log: $(cat "$TEST_TRACKER_LOG")"; return 1; }
	log_lines '^collect' >/dev/null &&
		{ why="collect called on a pre-dump without parent"; return 1; }
	grep -q '^tracker test-log$' "$work/pre1/dirty-tracker" 2>/dev/null ||
		{ why="pre1/dirty-tracker does not name test-log"; return 1; }
	alive "$pid" || { why="victim died after pre-dump"; return 1; }
}

# One incremental step: the tracker must be asked, for this pid, with the
# state start() left, generation $2.
incremental_step()
{
	local cmd=$1 gen=$2 dir=$3 parent=$4 line
	: >"$TEST_TRACKER_LOG"
	criu_out "$cmd" -t "$pid" -D "$work/$dir" --libdir "$here" --track-mem \
		--prev-images-dir "../$parent" -v1 ||
		{ why="$cmd exited non-zero: $out"; return 1; }
	line=$(log_lines '^collect ')
	if [ -z "$line" ] || [ "$(wc -l <<<"$line")" != 1 ]; then
		why="want one collect line, log has: $(cat "$TEST_TRACKER_LOG")"
		return 1
	fi
	grep -Eq "^collect pid=$pid generation=$gen areas=[1-9][0-9]* bytes=[1-9][0-9]* present=[1-9][0-9]* marker=ok\$" <<<"$line" ||
		{ why="unexpected collect line: $line"; return 1; }
	log_lines '^start ' >/dev/null &&
		{ why="tracking started again instead of collected"; return 1; }
	[ "$(readlink "$work/$dir/parent")" = "../$parent" ] ||
		{ why="$dir/parent does not lead to ../$parent"; return 1; }
}

test_predump_collects()
{
	victim_round 1 || return 1
	incremental_step pre-dump 0 pre2 pre1 || return 1
	alive "$pid" || { why="victim died after pre-dump #2"; return 1; }
}

test_dump_collects()
{
	victim_round 2 || return 1
	incremental_step dump 1 final pre2 || return 1
	wait_for "! alive $pid" 100 || { why="victim still runs after dump"; return 1; }
}

test_restore_memory()
{
	local line restored
	criu_out restore -D "$work/final" --libdir "$here" -d --pidfile restore.pid -v1 ||
		{ why="restore exited non-zero: $out"; return 1; }
	restored=$(cat "$work/final/restore.pid" 2>/dev/null)
	[ "$restored" = "$pid" ] || { why="restored pid '$restored', dumped $pid"; return 1; }
	kill -USR2 "$pid" || { why="can't signal restored pid $pid"; return 1; }
	wait_for "grep -q '^check ' '$work/victim.out'" 100 ||
		{ why="restored victim printed no check line"; return 1; }
	line=$(grep '^check ' "$work/victim.out" | tail -n 1)
	[ "$line" = "check sum=${sum_at[2]} verify=OK" ] ||
		{ why="after restore '$line', before dump sum=${sum_at[2]}"; return 1; }
	victim_round 3 || { why="restored victim does not run on: $why"; return 1; }
}

# The last dump of a chain that leaves the process running, without
# --track-mem: the tracker is asked once more, then told to stop.
test_leave_running_stops()
{
	mkdir "$work/pre3" "$work/last" || { why="mkdir"; return 1; }
	: >"$TEST_TRACKER_LOG"
	criu_out pre-dump -t "$pid" -D "$work/pre3" --libdir "$here" \
		--dirty-tracker=test-log --track-mem ||
		{ why="pre-dump of the restored victim exited non-zero: $out"; return 1; }
	victim_round 4 || return 1
	criu_out dump -t "$pid" -D "$work/last" --libdir "$here" --leave-running \
		--prev-images-dir ../pre3 ||
		{ why="dump --leave-running exited non-zero: $out"; return 1; }
	log_lines "^collect pid=$pid generation=0 .* marker=ok\$" >/dev/null ||
		{ why="no collect before stop: $(cat "$TEST_TRACKER_LOG")"; return 1; }
	log_lines "^stop pid=$pid\$" >/dev/null ||
		{ why="stop was not called: $(cat "$TEST_TRACKER_LOG")"; return 1; }
	[ ! -e "$work/last/dirty-tracker" ] ||
		{ why="last/dirty-tracker written for a stopped tracker"; return 1; }
	alive "$pid" || { why="victim died after dump --leave-running"; return 1; }
}

# --- main ------------------------------------------------------------------

setup()
{
	[ "$(id -u)" = 0 ] || { echo "run.sh: needs root" >&2; exit 1; }
	for f in "$CRIU" "$here/plugin-victim" "$here/test-tracker.so"; do
		[ -x "$f" ] || [ -f "$f" ] ||
			{ echo "run.sh: $f missing: run make -C test/plugin" >&2; exit 1; }
	done
	work=$(mktemp -d "${TMPDIR:-/dev/shm}/criu-plugin-test.XXXXXX") ||
		{ echo "run.sh: mktemp failed" >&2; exit 1; }
	mkdir "$work"/{nolib,bad,auto,auto-end,late1,late2,pre1,pre2,final} || exit 1
	export TEST_TRACKER_LOG=$work/tracker.log
	# Its own session without a terminal: dumped without --shell-job.
	setsid "$here/plugin-victim" </dev/null >>"$work/victim.out" 2>&1 &
	pid=$!
	disown "$pid"
	wait_for "grep -q '^ready pid=$pid ' '$work/victim.out'" 100 ||
		{ echo "run.sh: victim did not start: $(victim_out)" >&2; cleanup; exit 1; }
}

cleanup()
{
	if [ -n "$pid" ] && alive "$pid" &&
	   grep -q plugin-victim "/proc/$pid/cmdline" 2>/dev/null; then
		kill -KILL "$pid"
		wait_for "! alive $pid" 50
	fi
	if [ $KEEP = 1 ] || [ $failed != 0 ]; then
		echo "work folder kept: $work"
	else
		rm -rf "$work"
	fi
}

setup
t check_with_libdir test_check_with_libdir
t check_with_env test_check_with_env
t check_without_libdir test_check_without_libdir
t predump_without_libdir test_predump_without_libdir
t plugin_without_init test_plugin_without_init
t plugin_init_error test_plugin_init_error
t auto_builtin test_auto_builtin
t auto_priority_higher test_auto_priority_higher
t auto_priority_lower test_auto_priority_lower
t auto_priority_negative test_auto_priority_negative
t auto_predump test_auto_predump
t track_after_untracked test_track_after_untracked
t predump_starts_tracker test_predump_starts
t predump_collects test_predump_collects
t dump_collects test_dump_collects
t restore_memory test_restore_memory
t leave_running_stops test_leave_running_stops
cleanup
echo "$passed passed, $failed failed"
[ $failed = 0 ]
