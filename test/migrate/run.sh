#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the migrate tier: zdtm tests moved from "host" A to "host" B
# through criu's page server, with the link broken on purpose.
#
#   run.sh [--criu PATH] [--keep] [test...]
#
# A and B are two network namespaces made here and removed at exit,
# joined by a veth pair with private addresses (10.77.0.1/24 on A,
# 10.77.0.2/24 on B); nothing else is reachable from them. The test
# process, its pre-dumps and its dump run in A's namespace (nsenter
# --net: every other namespace is shared, as criu requires); the page
# servers and the restore run in B's, so the restored process lives in B.
#
# For each test: pre-dump 1 and 2 and the final dump (--track-mem,
# each chained to the one before, on both sides) go through a page
# server on B, each step first once with the link broken -- the server
# SIGKILLed at its first pages, or the veth pair taken down while the
# server is stalled -- which must fail with a clear error, leave the
# test running (and its tracker usable: the retry on the same parent
# restores right) and leave B no image in place; then the step again.
# The final dump must record pages in the parent (only what changed
# goes), B's images must decode with crit, the final server's
# --auto-dedup must free the parents' copies of what it got, restore in
# B must bring the test back, and the test checks its state.
#
# A session written by an independent encoder of CRIU's protocol (as
# CRIU's dump sends it) must be taken, answered and written right. Then
# the server is fed bad input (garbage, a truncated command, a
# range that overflows, pages of a pid it did not open, pages said to
# be in a parent it does not have): it must refuse each with an error
# naming it, exit 1 (no crash) and leave no image.
#
# One line per test, then "N passed, N failed". Root only.
# Environment: ZDTM_INCR_MB (default 64 here), ZDTM_ANON_MB (default 64),
# MIGRATE_PORT (default 27077), MIGRATE_TIMEOUT (criu --timeout: each
# wait on the connection, default 3 s).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ZDTM_INCR_MB=${ZDTM_INCR_MB:-64} ZDTM_ANON_MB=${ZDTM_ANON_MB:-64}
# The zdtm runner's building blocks (proc_state, mutate, tree_list, ...).
# shellcheck source=../zdtm/run.sh
ZDTM_LIB_ONLY=1 source "$HERE/../zdtm/run.sh"
# the two hosts' network: net_up, net_down, link_set, ADDR_A, ADDR_B
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"
CRIU=$HERE/../../criu/criu
PORT=${MIGRATE_PORT:-27077}
NET_TIMEOUT=${MIGRATE_TIMEOUT:-3}
KEEP=0
PASSED=0
FAILED=0

# memory tests, a multi-threaded one, a tree (each takes rounds)
DEFAULT_TESTS=(incr_random_pages maps_anon_1g incr_threads incr_tree_threads)

in_a() { nsenter --net="/run/netns/$NS_A" "$@"; }
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

cleanup() {
	local p
	for p in "$ROOT"/*/B/*/ps.pid; do
		[ -s "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	[ -n "$ROOT" ] && for p in "$ROOT"/*; do
		[ -d "$p" ] && kill_leftover "$p"
	done
	net_down
	if [ "$KEEP" = 1 ] || [ "$FAILED" -gt 0 ]; then
		log "work folders kept in $ROOT"
	else
		rm -rf "${ROOT:?}"
	fi
}

# ------------------------------------------------------------ page servers

# server DIR [PARENT [FAULT [OPTION]]]: a page server for one step, in B, detached.
server() {
	local dir=$1 parent=$2 fault=$3 args=()

	[ -n "$parent" ] && args=(--prev-images-dir "$parent")
	[ -n "$4" ] && args+=("$4")
	rm -f "$dir/ps.pid"
	CRIU_FAULT=$fault in_b "$CRIU" page-server -D "$dir" --address "$ADDR_B" --port "$PORT" \
		"${args[@]}" --timeout "$NET_TIMEOUT" -v4 -o ps.log -d --pidfile ps.pid \
		>"$dir/ps.out" 2>&1 || { echo "page server in $dir exited $?"; return 1; }
}

server_stop() {
	local pid

	[ -s "$1/ps.pid" ] || return 0
	pid=$(cat "$1/ps.pid")
	kill -9 "$pid" 2>/dev/null
	wait_gone "$pid"
}

# The server must be gone with status 0 (it exits after one dump).
server_done() {
	local pid i

	pid=$(cat "$1/ps.pid" 2>/dev/null) || return 1
	for ((i = 0; i < 100; i++)); do
		[ -e "/proc/$pid" ] || break
		sleep 0.05
	done
	grep -q "Error" "$1/ps.log" && return 1
	[ ! -e "/proc/$pid" ]
}

# No image of B's step is in place (unflushed ones live in .page-server.*).
no_images_in_place() {
	local f
	for f in "$1"/pagemap-*.img "$1"/pages-*.img; do
		[ -e "$f" ] && { echo "$f is in place after a broken step"; return 1; }
	done
	return 0
}

# ------------------------------------------------------------ steps

# step_cmd KIND STEP PARENT: criu's command line for a step in A.
step_cmd() {
	local kind=$1 step=$2 parent=$3

	CMD=("$CRIU" "$kind" -t "$PID" -D "$W/A/$step" --track-mem --page-server
	     --address "$ADDR_B" --port "$PORT" --timeout "$NET_TIMEOUT" -v4 -o "$kind.log")
	[ -n "$parent" ] && CMD+=(--prev-images-dir "../$parent")
}

# A step that must go through: server on B (with OPTION), criu in A.
good_step() {
	local kind=$1 step=$2 parent=$3 option=$4

	rm -rf "$W/A/$step" "$W/B/$step"
	mkdir -p "$W/A/$step" "$W/B/$step"
	server "$W/B/$step" "${parent:+../$parent}" "" "$option" || return 1
	step_cmd "$kind" "$step" "$parent"
	in_a "${CMD[@]}" >"$W/A/$step/$kind.out" 2>&1 ||
		{ echo "criu $kind ($step) exited $?: $(tail -n1 "$W/A/$step/$kind.out")"; return 1; }
	server_done "$W/B/$step" ||
		{ echo "page server of $step did not finish cleanly: $(grep Error "$W/B/$step/ps.log" | tail -n1)"; return 1; }
	[ -e "$W/B/$step/pagemap-$PID.img" ] || { echo "B/$step has no pagemap-$PID.img"; return 1; }
}

# The same step with the link broken (HOW: kill or link): it must fail
# clearly and leave the test running and B without images in place.
broken_step() {
	local kind=$1 step=$2 parent=$3 how=$4 fault rc watcher

	rm -rf "$W/A/$step" "$W/B/$step"
	mkdir -p "$W/A/$step" "$W/B/$step"
	[ "$how" = kill ] && fault=20 || fault=21
	server "$W/B/$step" "${parent:+../$parent}" "$fault" || return 1
	if [ "$how" = link ]; then
		# take the link down once the server holds the first pages
		( for ((i = 0; i < 200; i++)); do
			grep -q "Fault 21 injected" "$W/B/$step/ps.log" 2>/dev/null && break
			sleep 0.05
		  done
		  link_set down ) &
		watcher=$!
	fi
	step_cmd "$kind" "$step" "$parent"
	in_a "${CMD[@]}" >"$W/A/$step/$kind.out" 2>&1
	rc=$?
	[ -n "$watcher" ] && wait "$watcher"
	link_set up
	server_stop "$W/B/$step"
	[ "$rc" = 1 ] || { echo "criu $kind ($step, $how broken) exited $rc, not 1"; return 1; }
	grep -q "Page server at $ADDR_B port $PORT" "$W/A/$step/$kind.out" "$W/A/$step/$kind.log" ||
		{ echo "criu $kind ($step, $how broken) gave no page server error: $(tail -n1 "$W/A/$step/$kind.out")"; return 1; }
	[ "$(proc_state "$PID")" = alive ] || { echo "pid $PID died in the broken $step"; return 1; }
	grep -q "^State:.*[tT]" "/proc/$PID/status" && { echo "pid $PID left stopped by the broken $step"; return 1; }
	[ -e "$W/A/$step/inventory.img" ] && { echo "A/$step has inventory.img after failing"; return 1; }
	no_images_in_place "$W/B/$step" || return 1
	echo "$kind $step: $how broken: $(grep -h -m1 'Page server at' "$W/A/$step/$kind.log")" >>"$W/breaks.log"
}

# The other images of the final dump join the pages on B.
move_images() {
	local f b

	for f in "$W/A/final"/*; do
		b=$(basename "$f")
		case "$b" in
		pagemap-sent-*|*.log|*.out|parent|dirty-*) ;;
		*) cp -a "$f" "$W/B/final/" || return 1 ;;
		esac
	done
}

check_b_images() {
	local f skipped

	for f in "$W"/B/*/pagemap-*.img; do
		crit decode -i "$f" >/dev/null 2>&1 || { echo "crit can't decode $f"; return 1; }
	done
	skipped=$(stats_field "$W/A/final" pages_skipped_parent)
	[ "${skipped:-0}" -gt 0 ] ||
		{ echo "the final dump recorded no page in the parent (all re-sent)"; return 1; }
	crit decode --pretty -i "$W/B/final/pagemap-$PID.img" | grep -q PE_PARENT ||
		{ echo "B/final/pagemap-$PID.img has no in-parent entry"; return 1; }
}

migrate_steps() {
	local name=$1 verdict why blocks

	(cd "$W" && in_a timeout 300 "$ZDTM_DIR/static/$name" --pidfile "$W/pid" \
		--outfile "$W/out" </dev/null >"$W/start.log" 2>&1) ||
		{ echo "test did not start: $(tail -n2 "$W/start.log")"; return 1; }
	PID=$(cat "$W/pid")
	broken_step pre-dump pre1 "" kill || return 1
	good_step pre-dump pre1 "" || return 1
	mutate "$W" "$PID" 1 3>&1 || return 1
	broken_step pre-dump pre2 pre1 link || return 1
	good_step pre-dump pre2 pre1 || return 1
	mutate "$W" "$PID" 2 3>&1 || return 1
	broken_step dump final pre2 kill || return 1
	mutate "$W" "$PID" 3 3>&1 || return 1
	tree_list "$PID" >"$W/tree"
	blocks=$(du -cs --block-size=4096 "$W/B/pre1" "$W/B/pre2" | tail -n1 | cut -f1)
	good_step dump final pre2 --auto-dedup || return 1
	# the parents' copies of the pages the final dump sent are freed (a
	# test that takes rounds rewrote pages the parents hold)
	[ ! -e "$W/out.round" ] ||
		[ "$(du -cs --block-size=4096 "$W/B/pre1" "$W/B/pre2" | tail -n1 | cut -f1)" -lt "$blocks" ] ||
		{ echo "--auto-dedup freed nothing in B/pre1 and B/pre2 ($blocks blocks)"; return 1; }
	wait_gone "$PID" || { echo "pid $PID alive after the dump"; return 1; }
	why=$(wait_tree_freed "$W/tree") || { echo "pid $why of the tree still exists after dump"; return 1; }
	check_b_images || return 1
	move_images || { echo "can't copy A's images to B"; return 1; }
	in_b "$CRIU" restore -D "$W/B/final" -d -v4 -o restore.log >"$W/restore.out" 2>&1 ||
		{ echo "restore in B exited $?: $(tail -n1 "$W/restore.out")"; return 1; }
	[ "$(proc_state "$PID")" = alive ] || { echo "pid $PID not alive after restore"; return 1; }
	[ "$(readlink "/proc/$PID/ns/net")" = "$(in_b readlink /proc/self/ns/net)" ] ||
		{ echo "pid $PID is not in B's network namespace"; return 1; }
	why=$(tree_back "$W" "$PID") || { echo "after restore: $why"; return 1; }
	kill -TERM "$PID"
	wait_file "$W/out" "$TIMEOUT" || { echo "no verdict within ${TIMEOUT}s"; return 1; }
	verdict=$(head -n1 "$W/out")
	[ "$verdict" = PASS ] || { echo "$verdict"; return 1; }
}

migrate_test() {
	local name=$1 why

	W=$ROOT/$name
	mkdir -p "$W/A" "$W/B"
	# mutate reports to fd 3
	why=$(migrate_steps "$name" 2>&1 | tail -n1; exit "${PIPESTATUS[0]}")
	if [ $? -eq 0 ]; then
		echo "PASS migrate_$name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL migrate_$name: $why"
		FAILED=$((FAILED + 1))
	fi
	kill_leftover "$W"
}

# ------------------------------------------------------------ bad input

# bad_input NAME PYTHON-EXPR: bytes sent from A to a fresh server on B,
# which runs in the foreground here so that its exit status is seen.
bad_input() {
	local name=$1 expr=$2 dir=$ROOT/bad/$1 spid rc i why=ok

	mkdir -p "$dir"
	in_b "$CRIU" page-server -D "$dir" --address "$ADDR_B" --port "$PORT" \
		--timeout "$NET_TIMEOUT" -v4 -o ps.log >"$dir/ps.out" 2>&1 &
	spid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$dir/ps.log" 2>/dev/null && break
		sleep 0.05
	done
	in_a python3 - "$ADDR_B" "$PORT" "$expr" <<'EOF' >"$dir/client.log" 2>&1
import socket, struct, sys, time
def iov(cmd, nr, vaddr, dst, flags=0):
    return struct.pack("<IIQQ", cmd | flags << 16, nr, vaddr, dst)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(eval(sys.argv[3]))
time.sleep(0.2)
s.close()
EOF
	for ((i = 0; i < 100; i++)); do
		[ -e "/proc/$spid" ] || break
		sleep 0.05
	done
	[ -e "/proc/$spid" ] && { kill -9 "$spid"; why="server still running"; }
	wait "$spid"
	rc=$?
	[ "$why" = ok ] && [ "$rc" != 1 ] && why="server exited $rc, not 1"
	[ "$why" = ok ] && ! grep -q "Error.*Page server: " "$dir/ps.log" &&
		why="no clear error in its log: $(tail -n1 "$dir/ps.log")"
	[ "$why" = ok ] && ! no_images_in_place "$dir" >/dev/null && why="left an image in place"
	[ "$why" = ok ] && [ -n "$(ls -A "$dir" | grep -v '^ps\.\(log\|out\)$\|^client\.log$')" ] &&
		why="left files: $(ls -A "$dir" | tr '\n' ' ')"
	if [ "$why" = ok ]; then
		echo "PASS ps_refuses_$name ($(grep -m1 -o 'Error.*Page server: .*' "$dir/ps.log" | sed 's/^.*): //' | head -c 120))"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL ps_refuses_$name: $why"
		FAILED=$((FAILED + 1))
	fi
}

# A session written from CRIU's protocol by an independent encoder (the
# way CRIU's dump talks): the replies, the exit status and the images.
good_session() {
	local dir=$ROOT/good spid rc i why=ok

	mkdir -p "$dir"
	in_b "$CRIU" page-server -D "$dir" --address "$ADDR_B" --port "$PORT" \
		--timeout "$NET_TIMEOUT" -v4 -o ps.log >"$dir/ps.out" 2>&1 &
	spid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$dir/ps.log" 2>/dev/null && break
		sleep 0.05
	done
	in_a python3 - "$ADDR_B" "$PORT" <<'EOF' >"$dir/client.log" 2>&1 || why="client: $(tail -n1 "$dir/client.log")"
import socket, struct, sys
def iov(cmd, nr, vaddr, dst, flags=0):
    return struct.pack("<IIQQ", cmd | flags << 16, nr, vaddr, dst)
def recv(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "server closed"
        b += c
    return b
pid = 4321 << 8 | 1
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(iov(5, 0, 0, pid))                      # PARENT
assert struct.unpack("<i", recv(s, 4))[0] == 0, "PARENT said yes"
s.sendall(iov(4, 0, 0, pid))                      # OPEN2
assert recv(s, 1) == b"\0", "OPEN2 said it has a parent"
s.sendall(iov(6, 2, 0x10000, pid, 4) + b"\x11" * 4096 + b"\x22" * 4096)
s.sendall(iov(1, 1, 0x20000, pid) + b"\x33" * 4096)   # old ADD
s.sendall(iov(6, 3, 0x30000, pid, 2))             # lazy, no data
s.sendall(iov(0x1024, 0, 0, 0))                   # FLUSH_N_CLOSE
assert struct.unpack("<i", recv(s, 4))[0] == 0, "FLUSH failed"
s.close()
EOF
	for ((i = 0; i < 100; i++)); do
		[ -e "/proc/$spid" ] || break
		sleep 0.05
	done
	[ -e "/proc/$spid" ] && { kill -9 "$spid"; why="server still running"; }
	wait "$spid"
	rc=$?
	[ "$why" = ok ] && [ "$rc" != 0 ] && why="server exited $rc: $(grep Error "$dir/ps.log" | tail -n1)"
	[ "$why" = ok ] && [ "$(crit decode --pretty -i "$dir/pagemap-4321.img" 2>&1 | grep -c '"vaddr"')" != 3 ] &&
		why="pagemap-4321.img does not hold the 3 entries"
	[ "$why" = ok ] && ! python3 -c 'import sys
sys.exit(open(sys.argv[1], "rb").read() != b"\x11" * 4096 + b"\x22" * 4096 + b"\x33" * 4096)' \
		"$dir/pages-1.img" && why="pages-1.img does not hold the 3 pages in order"
	[ "$why" = ok ] && [ -n "$(ls -A "$dir" | grep '^\.page-server')" ] && why="its hidden folder is left"
	if [ "$why" = ok ]; then
		echo "PASS ps_takes_criu_session"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL ps_takes_criu_session: $why"
		FAILED=$((FAILED + 1))
	fi
}

bad_inputs() {
	local open='iov(4, 0, 0, 1234 << 8 | 1)'
	bad_input garbage 'bytes(range(256)) * 8'
	bad_input truncated_command 'iov(4, 0, 0, 1234 << 8 | 1)[:13]'
	bad_input unknown_command 'iov(99, 1, 0x1000, 1234 << 8 | 1)'
	bad_input range_overflow "$open + iov(6, 0xffffffff, 0xfffffffffff000, 1234 << 8 | 1, 4)"
	bad_input unaligned "$open + iov(6, 1, 0x1001, 1234 << 8 | 1, 4) + bytes(4096)"
	bad_input pid_not_opened "$open + iov(6, 1, 0x1000, 999 << 8 | 1, 4) + bytes(4096)"
	bad_input bad_dst_type 'iov(4, 0, 0, 1234 << 8 | 77)'
	bad_input no_parent "$open + iov(6, 1, 0x1000, 1234 << 8 | 1, 1)"
	bad_input truncated_pages "$open + iov(6, 4, 0x1000, 1234 << 8 | 1, 4) + bytes(5000)"
	bad_input bad_flags "$open + iov(6, 1, 0x1000, 1234 << 8 | 1, 0x45)"
	bad_input out_of_order "$open + iov(6, 1, 0x2000, 1234 << 8 | 1, 4) + bytes(4096) + iov(6, 1, 0x1000, 1234 << 8 | 1, 4) + bytes(4096)"
	bad_input no_flush "$open + iov(6, 1, 0x1000, 1234 << 8 | 1, 4) + bytes(4096)"
}

# It listens on the address given, and only there; --daemon returns
# once it listens, and --status-fd got a zero byte by then.
bind_check() {
	local dir=$ROOT/bind listening status

	mkdir -p "$dir"
	if in_b "$CRIU" page-server -D "$dir" --address "$ADDR_B" --port "$PORT" -d \
		--pidfile ps.pid --status-fd 5 -o ps.log 5>"$dir/status"; then
		listening=$(in_b ss -Hltn "sport = :$PORT" | awk '{print $4}')
		status=$(od -An -tx1 "$dir/status" | tr -d ' ')
		server_stop "$dir"
	fi
	[ "$status" = 00 ] || listening="(status fd got '$status', not one zero byte) $listening"
	if [ "$listening" = "$ADDR_B:$PORT" ]; then
		echo "PASS ps_binds_address_given"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL ps_binds_address_given: listening on '${listening:-nothing}'"
		FAILED=$((FAILED + 1))
	fi
}

main_migrate() {
	local tests=()

	while [ $# -gt 0 ]; do
		case "$1" in
		--criu) CRIU=$2; shift ;;
		--keep) KEEP=1 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) tests+=("$1") ;;
		esac
		shift
	done
	[ ${#tests[@]} -gt 0 ] || tests=("${DEFAULT_TESTS[@]}")
	[ "$(id -u)" = 0 ] || { log "the migrate tier needs root"; exit 2; }
	[ -x "$CRIU" ] || { log "criu not found at $CRIU"; exit 2; }
	CRIU=$(cd "$(dirname "$CRIU")" && pwd)/$(basename "$CRIU")
	ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/migrate.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	net_up || { log "can't create the network namespaces"; echo "0 passed, 1 failed"; FAILED=1; exit 1; }

	bind_check
	good_session
	bad_inputs
	for t in "${tests[@]}"; do
		migrate_test "$t"
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

main_migrate "$@"
