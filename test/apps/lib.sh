# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - what the apps tier (run.sh) and scripts/bench-apps.sh share:
# starting a program detached on a free loopback port, its process tree,
# and the criu pre-dump/dump/restore chain with its timings.
#
# The caller sets CRIU (the binary), WORK (a work folder) and TRACKER
# (a --dirty-tracker name), and sources apps/NAME.sh for each program.

APPS_DIR=${APPS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# Debian's Python (the one its python3-* packages serve), not whichever
# python3 comes first in PATH.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3

log() { echo "$*" >&2; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Wait up to 10 s until something accepts connections on 127.0.0.1:$1.
wait_port() {
	local i

	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# spawn LOG CMD...: CMD in a session of its own, stdin /dev/null, output
# to LOG, none of this shell's other descriptors inherited (a stray pipe
# of the caller would otherwise be dumped with it). Sets SPAWNED_PID.
spawn() {
	local out=$1

	shift
	(
		for f in /proc/$BASHPID/fd/*; do
			f=${f##*/}
			[ "$f" -gt 2 ] 2>/dev/null && eval "exec $f>&-"
		done
		exec setsid "$@"
	) </dev/null >"$out" 2>&1 &
	SPAWNED_PID=$!
	# No job notice when the program is killed; the shell still reaps it.
	disown "$SPAWNED_PID"
}

alive() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ] && [ "${stat:0:1}" != X ]
}

# The pid and every descendant of it, one a line, parents first.
tree_pids() {
	local p

	echo "$1"
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree_pids "$p"
	done
}

# Wait up to 10 s until none of the pids (arguments) exists any more.
wait_gone() {
	local i p left

	for ((i = 0; i < 200; i++)); do
		left=""
		for p in "$@"; do
			[ -e "/proc/$p" ] && left="$left $p"
		done
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	log "still there:$left"
	return 1
}

# kill_pids COMM PID...: SIGKILL those pids still running COMM (the name
# in /proc/PID/comm), never a pid since reused by something else.
kill_pids() {
	local comm=$1 p

	shift
	for p in "$@"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$comm" ] && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# A field of the stats-dump image of folder $1 (crit of Debian's criu).
dump_stat() {
	crit decode -i "$1/stats-dump" 2>/dev/null |
		"$PYTHON" -c 'import json, sys
e = json.load(sys.stdin)["entries"][0]["dump"]
print(e.get(sys.argv[1], 0))' "$2"
}

# criu_run NAME DIR ARGS...: criu ARGS with -D DIR, its log DIR/NAME.log,
# its output DIR/NAME.out; sets CRIU_MS to its wall time in ms.
criu_run() {
	local name=$1 dir=$2 t0 rc

	shift 2
	mkdir -p "$dir"
	t0=$(now_ms)
	"$CRIU" "$@" -D "$dir" -v4 -o "$name.log" >"$dir/$name.out" 2>&1
	rc=$?
	CRIU_MS=$(($(now_ms) - t0))
	return $rc
}

# pre_dump N PID: the Nth pre-dump of the chain into $WORK/preN.
pre_dump() {
	local n=$1 pid=$2 parent=()

	[ "$n" -gt 1 ] && parent=(--prev-images-dir "../pre$((n - 1))")
	criu_run pre-dump "$WORK/pre$n" pre-dump -t "$pid" "${parent[@]}" \
		--track-mem --dirty-tracker="$TRACKER"
}

# final_dump NPRE PID OPTS...: the dump chained to the last pre-dump (or
# none), into $WORK/img; the tree is killed.
final_dump() {
	local npre=$1 pid=$2 parent=()

	shift 2
	[ "$npre" -gt 0 ] && parent=(--prev-images-dir "../pre$npre")
	criu_run dump "$WORK/img" dump -t "$pid" "${parent[@]}" \
		--track-mem --dirty-tracker="$TRACKER" "$@"
}

# restore_img OPTS...: restore $WORK/img detached.
restore_img() {
	criu_run restore "$WORK/img" restore -d "$@"
}

# The last lines of the log of the last criu step that ran, its errors,
# and the program's own log.
log_tails() {
	local f last=""

	for f in "$WORK"/pre*/pre-dump.log "$WORK/img/dump.log" "$WORK/img/restore.log"; do
		[ -s "$f" ] && last=$f
	done
	for f in $last "$WORK"/*.log "$WORK"/check*.out "$WORK"/conn.out; do
		[ -s "$f" ] || continue
		log "--- last lines of $f"
		tail -n 10 "$f" | tr '\r' '\n' | tail -n 10 | sed 's/^/    /' >&2
	done
	[ -n "$last" ] && grep -h 'Error' "${last%/*}"/*.out "${last%/*}"/*.log 2>/dev/null |
		sort -u | head -n 5 | sed 's/^/    criu: /' >&2
	return 0
}

# The first error criu logged in a folder (the message, without the
# time and source position), or its last line of output.
criu_error() {
	local e

	e=$(grep -h -m1 'Error' "$1"/*.log 2>/dev/null | head -n1 |
		sed 's/^([0-9. ]*) //; s/^Error ([^)]*): //')
	[ -n "$e" ] || e=$(tail -qn1 "$1"/*.out 2>/dev/null | head -n1)
	echo "$e"
}

# app_cleanup APP: everything a program's run started, whatever state it
# stopped in: its helpers (APP_cleanup), the tree as dumped (APP_PIDS)
# and as it is now (APP_PID and its descendants).
app_cleanup() {
	"${1}_cleanup"
	# The tree as it is now too: nginx's workers outlive their master.
	[ -n "${APP_PID:-}" ] && alive "$APP_PID" && mapfile -t -O ${#APP_PIDS[@]} APP_PIDS < <(tree_pids "$APP_PID")
	[ ${#APP_PIDS[@]} -gt 0 ] && kill_pids "$APP_COMM" "${APP_PIDS[@]}"
	[ ${#APP_PIDS[@]} -gt 0 ] && wait_gone "${APP_PIDS[@]}"
	APP_PIDS=()
	APP_PID=""
}
