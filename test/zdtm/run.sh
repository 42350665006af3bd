#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run zdtm tests through a checkpoint/restore cycle.
#
#   run.sh [--criu PATH] [--no-criu] [--keep-going] [--break] [--keep] [test...]
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
#
# Environment: TMPDIR (work root, default /dev/shm), ZDTM_ANON_MB (size for
# maps_anon_1g), ZDTM_TIMEOUT (seconds to wait for a verdict, default 30).

ZDTM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRIU=$ZDTM_DIR/../../criu/criu
USE_CRIU=1
KEEP_GOING=0
KEEP=0
HOOK=${ZDTM_HOOK:-}
TIMEOUT=${ZDTM_TIMEOUT:-30}

# Tests whose criu runs need extra options, and tests run inside a pty.
declare -A CRIU_OPTS=([shell_job]="--shell-job")
declare -A IN_PTY=([shell_job]=1)

log() { echo "$*" >&2; }

# How the test's process is doing: "alive", "gone" (or zombie).
proc_state() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	case "$st" in
	Z|X|"") echo gone ;;
	*) echo alive ;;
	esac
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

# Kill the test's process if it is still the test (never a recycled pid).
kill_leftover() {
	local pid=$1 name=$2
	[ -n "$pid" ] || return 0
	[ "$(proc_state "$pid")" = alive ] || return 0
	grep -q "static/$name" "/proc/$pid/cmdline" 2>/dev/null || return 0
	kill -9 "$pid" 2>/dev/null
	wait_gone "$pid"
}

# One cycle for one test, in work dir $w; writes "$w/result":
# "PASS", "SKIP: why" or "FAIL: why". Runs in the caller's session/terminal.
cycle() {
	local name=$1 w=$2 bin=$ZDTM_DIR/static/$1 opts=${CRIU_OPTS[$1]}
	# The verdict goes to fd 3: stdout stays the test's terminal in a pty.
	cycle_steps "$name" "$w" "$bin" "$opts" 3>"$w/result"
	kill_leftover "$(cat "$w/pid" 2>/dev/null)" "$name"
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

cycle_steps() {
	local name=$1 w=$2 bin=$3 opts=$4 pid verdict

	start_test "$name" "$w" "$bin" 3>&- ||
		{ echo "FAIL: test did not start ($(head -c 300 "$w/out" 2>/dev/null || tail -2 "$w/start.log"))" >&3; return; }
	pid=$(cat "$w/pid")
	if [ "$USE_CRIU" = 1 ]; then
		# shellcheck disable=SC2086
		"$CRIU" dump -t "$pid" -D "$w/img" -v4 -o dump.log $opts >"$w/dump.out" 2>&1 ||
			{ echo "FAIL: criu dump exited $?" >&3; return; }
		wait_gone "$pid" || { echo "FAIL: pid $pid still alive after dump" >&3; return; }
		# shellcheck disable=SC2086
		"$CRIU" restore -D "$w/img" -d -v4 -o restore.log $opts >"$w/restore.out" 2>&1 ||
			{ echo "FAIL: criu restore exited $?" >&3; return; }
		[ "$(proc_state "$pid")" = alive ] || { echo "FAIL: pid $pid not alive after restore" >&3; return; }
		grep -q "static/$name" "/proc/$pid/cmdline" 2>/dev/null ||
			{ echo "FAIL: pid $pid after restore is not $name" >&3; return; }
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
	for f in "$w/start.log" "$w/dump.out" "$w/img/dump.log" "$w/restore.out" \
		 "$w/img/restore.log" "$w/out.log" "$w/pty.log"; do
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

# Ctrl-C or a CI timeout: don't leave the current test behind.
interrupted() {
	[ -n "$CURRENT" ] && kill_leftover "$(cat "$ROOT/$CURRENT/pid" 2>/dev/null)" "$CURRENT"
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
		--_cycle) cycle "$2" "$3"; exit 0 ;;
		-h|--help) sed -n '4,24p' "$0"; exit 0 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) tests+=("$1") ;;
		esac
		shift
	done
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
	if [ ${#tests[@]} -eq 0 ]; then
		for t in "$ZDTM_DIR"/static/*.c; do
			tests+=("$(basename "$t" .c)")
		done
	fi
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

main "$@"
