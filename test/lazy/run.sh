#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the lazy restore tier: what must hold when a lazy restore or
# its daemon goes wrong, then the zdtm tests restored lazily.
#
#   run.sh [--criu PATH] [-k|--keep] [CASE...]
#
# CASEs (default: all, in this order):
#   no_daemon       restore --lazy-pages with no daemon: exit 1 naming it, nothing runs
#   bad_input       garbage, a pid of no image, a message without a userfaultfd
#                   on lazy-pages.socket: refused with an error, the daemon
#                   serves the real restore after that and the test PASSes
#   daemon_setup_fault  the daemon fails after the restore connected and read
#                   its images (CRIU_FAULT=30): the restore waits for the
#                   daemon's greeting, fails naming the daemon, nothing runs
#   restore_fault   the restore fails half-way (CRIU_FAULT=12, 14): no task is
#                   left; after 14 (processes handed over) the daemon exits
#                   non-zero and its socket is gone; then a restore PASSes
#   daemon_killed   the daemon SIGKILLed while pages are missing: the restored
#                   tree is killed (the watchdog), nothing is left
#   page_server     dump --lazy-pages leaves the lazy pages in the tree on "A"
#                   (held stopped: a SIGCONT does not resume it) and serves
#                   them on loopback; lazy-pages --page-server and restore
#                   --lazy-pages on "B" (a pid namespace of its own) from the
#                   images without them: pages-N.img holds exactly the pages
#                   not lazy, the test PASSes, both ends exit 0, A's tree is
#                   killed after
#   held_data       as page_server with lazy_held_gen, which writes its pages
#                   without end and checks each before it writes it: every
#                   page B gets is the one of the dump
#   page_server_chain  as page_server, the final dump --lazy-pages on top of a
#                   pre-dump (incr_random_pages, a round between them): B
#                   has the pre-dump, A keeps the pages written since, so a
#                   copy takes pieces from both, several from A in one
#                   round trip; the test PASSes
#   leave_stopped   page_server with --leave-stopped: A's tree is held while it
#                   serves, and left stopped (not traced) after
#   daemon_gone     B killed while pages are missing: the dump fails saying
#                   the daemon went away, A's tree is killed (as it always was)
#   source_killed   the dumping criu (the source) SIGKILLed while pages are
#                   missing: the tree it held dies with it, the daemon fails
#                   and the restored tree is killed
#   zdtm            ../zdtm/run.sh --lazy: every zdtm test restored lazily
#
# One line per case, then "N passed, N failed". Runs as root. TMPDIR sets
# the work root (default /dev/shm).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZDTM=$HERE/../zdtm
CRIU=$HERE/../../criu/criu
KEEP=0
PASSED=0
FAILED=0
CASES=()

log() { echo "$*" >&2; }

# A case runs in a subshell ($(...)): the pids it starts are noted in a
# file, for run_case to kill what is left of them.
started() { echo "$1" >>"$ROOT/started"; }

# A zdtm test started in folder $2; its pid in $TPID.
start_target() {
	local name=$1 w=$2

	mkdir -p "$w/img"
	(cd "$w" && ZDTM_ANON_MB=64 timeout 300 "$ZDTM/static/$name" --pidfile "$w/pid" \
		--outfile "$w/out" </dev/null >"$w/start.log" 2>&1) || return 1
	TPID=$(cat "$w/pid")
	started "$TPID"
}

alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }

# Wait up to $2 tenths of a second for pid $1 to be gone (by $3, default alive).
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		"${3:-alive}" "$1" || return 0
		sleep 0.1
	done
	return 1
}

# No process of the test of folder $1 (it and its children) is left.
none_left() {
	! pgrep -f -- "--pidfile $1/pid" >/dev/null
}

dump_target() {
	local w=$1

	"$CRIU" dump -t "$TPID" -D "$w/img" -v4 -o dump.log >"$w/dump.out" 2>&1 &&
		wait_gone "$TPID" 50
}

# The daemon in the background, its push held back $2 ms; its pid in $DPID.
start_daemon() {
	local w=$1 delay=$2 i

	CRIU_LAZY_PUSH_DELAY_MS=$delay "$CRIU" lazy-pages -D "$w/img" -v4 -o lazy-pages.log \
		</dev/null >"$w/lazy.out" 2>&1 &
	DPID=$!
	started "$DPID"
	for ((i = 0; i < 100; i++)); do
		[ -S "$w/img/lazy-pages.socket" ] && return 0
		sleep 0.05
	done
	return 1
}

# The test's verdict after SIGTERM; $2...: where it runs (in_b), if not here.
verdict() {
	local w=$1 i

	"${@:2}" kill -TERM "$TPID" || return 1
	for ((i = 0; i < 300; i++)); do
		[ -s "$w/out" ] && break
		sleep 0.1
	done
	grep -q '^PASS' "$w/out" 2>/dev/null
}

case_no_daemon() {
	local w=$1

	start_target maps_anon_1g "$w" || { echo "can't start the test"; return 1; }
	dump_target "$w" || { echo "dump failed"; return 1; }
	if "$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1; then
		echo "restore without a daemon exited 0"; return 1
	fi
	grep -q "lazy-pages daemon" "$w/img/restore.log" || { echo "no error naming the daemon"; return 1; }
	alive "$TPID" && { echo "pid $TPID runs"; return 1; }
	return 0
}

# Take the daemon's greeting, send one datagram, print its answer (or "none").
# $2: hex of the message; $3: "uffd" to attach a fresh userfaultfd.
send_raw() {
	python3 - "$1" "$2" "${3:-}" <<'PY'
import ctypes, os, socket, struct, sys
path, data, attach = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
s.settimeout(5)
# the daemon greets every connection it takes: LAZY_MSG_READY
try:
    g = s.recv(16)
except Exception:
    g = b""
if len(g) != 16 or struct.unpack("IIiI", g)[:2] != (0x4c5a5047, 3):
    print("no greeting"); sys.exit(0)
fds = []
if attach == "uffd":
    fd = ctypes.CDLL(None, use_errno=True).syscall(323, os.O_CLOEXEC)
    if fd < 0:
        print("no userfaultfd"); sys.exit(0)
    fds = [fd]
s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i" * len(fds), *fds))] if fds else [])
try:
    r = s.recv(16)
    print(struct.unpack("i", r)[0] if len(r) == 4 else "none")
except Exception:
    print("none")
PY
}

case_bad_input() {
	local w=$1 sk r msg

	start_target maps_anon_1g "$w" || { echo "can't start the test"; return 1; }
	dump_target "$w" || { echo "dump failed"; return 1; }
	start_daemon "$w" 0 || { echo "the daemon did not start"; return 1; }
	sk=$w/img/lazy-pages.socket
	r=$(send_raw "$sk" "deadbeef00") 
	[ "$r" = "-22" ] || { echo "garbage answered '$r', not -EINVAL"; return 1; }
	grep -q "Garbage on lazy-pages.socket" "$w/img/lazy-pages.log" || { echo "no error for garbage"; return 1; }
	# LAZY_MSG_TASK for pid 1, which no image has, with a real userfaultfd
	msg=$(python3 -c 'import struct; print(struct.pack("IIiI", 0x4c5a5047, 1, 1, 0).hex())')
	r=$(send_raw "$sk" "$msg" uffd)
	[ "$r" = "-3" ] || { echo "a foreign pid answered '$r', not -ESRCH"; return 1; }
	grep -q "Refused pid 1: not a process of the images" "$w/img/lazy-pages.log" ||
		{ echo "no error for the foreign pid"; return 1; }
	# the right pid, but no descriptor attached
	msg=$(python3 -c "import struct; print(struct.pack('IIiI', 0x4c5a5047, 1, $TPID, 0).hex())")
	r=$(send_raw "$sk" "$msg")
	[ "$r" = "-9" ] || { echo "a message without userfaultfd answered '$r', not -EBADF"; return 1; }
	kill -0 "$DPID" || { echo "the daemon died of bad input"; return 1; }
	"$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1 ||
		{ echo "the restore after bad input failed"; return 1; }
	verdict "$w" || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
}

case_daemon_setup_fault() {
	local w=$1

	start_target maps_anon_1g "$w" || { echo "can't start the test"; return 1; }
	dump_target "$w" || { echo "dump failed"; return 1; }
	CRIU_FAULT=30 start_daemon "$w" 0 || { echo "the daemon did not start"; return 1; }
	if "$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1; then
		echo "the restore exited 0 though the daemon failed"; return 1
	fi
	grep -q "Waiting for the lazy-pages daemon" "$w/img/restore.log" ||
		{ echo "the restore did not wait for the greeting"; return 1; }
	grep -q "lazy-pages daemon closed the connection before it was ready" "$w/img/restore.log" ||
		{ echo "no error naming the daemon"; return 1; }
	alive "$TPID" && { echo "pid $TPID runs"; return 1; }
	sleep 0.2
	none_left "$w" || { echo "a process of the test is left"; return 1; }
	wait "$DPID" && { echo "the daemon exited 0"; return 1; }
	[ -e "$w/img/lazy-pages.socket" ] && { echo "the daemon left its socket"; return 1; }
	start_daemon "$w" 0 || { echo "the daemon did not start again"; return 1; }
	"$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1 ||
		{ echo "the restore after the fault failed"; return 1; }
	verdict "$w" || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
}

case_restore_fault() {
	local w=$1 f

	start_target maps_anon_1g "$w" || { echo "can't start the test"; return 1; }
	dump_target "$w" || { echo "dump failed"; return 1; }
	start_daemon "$w" 60000 || { echo "the daemon did not start"; return 1; }
	# 12: before any process was handed over; 14: after all were
	for f in 12 14; do
		if CRIU_FAULT=$f "$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log \
			>"$w/restore.out" 2>&1; then
			echo "restore with fault $f exited 0"; return 1
		fi
		wait_gone "$TPID" 50 || { echo "fault $f: pid $TPID left running"; return 1; }
		sleep 0.2
		none_left "$w" || { echo "fault $f: a process of the test is left"; return 1; }
	done
	# a restore that handed nothing over leaves the daemon waiting for the
	# next one; one that had handed its processes over ends it
	wait_gone "$DPID" 100 || { echo "fault 14: the daemon still runs"; return 1; }
	wait "$DPID" && { echo "fault 14: the daemon exited 0"; return 1; }
	grep -q "Restore went away\|The restore went away" "$w/img/lazy-pages.log" ||
		{ echo "the daemon did not say the restore went away"; return 1; }
	[ -e "$w/img/lazy-pages.socket" ] && { echo "fault 14: the socket is left"; return 1; }
	start_daemon "$w" 0 || { echo "the daemon did not start again"; return 1; }
	"$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1 ||
		{ echo "the restore after the faults failed"; return 1; }
	verdict "$w" || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
}

case_daemon_killed() {
	local w=$1

	start_target lazy_mm_events "$w" || { echo "can't start the test"; return 1; }
	dump_target "$w" || { echo "dump failed"; return 1; }
	start_daemon "$w" 60000 || { echo "the daemon did not start"; return 1; }
	ZDTM_LAZY=1 "$CRIU" restore -D "$w/img" -d --lazy-pages -v4 -o restore.log \
		>"$w/restore.out" 2>&1 || { echo "restore failed"; return 1; }
	alive "$TPID" || { echo "pid $TPID not running after restore"; return 1; }
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	wait_gone "$TPID" 50 || { echo "pid $TPID still runs without its daemon"; return 1; }
	[ -s "$w/out" ] && { echo "the test gave a verdict with its pages missing: $(cat "$w/out")"; return 1; }
	grep -q "watchdog: pid $TPID killed" "$w/img/lazy-pages.log" ||
		{ echo "the watchdog did not say it killed pid $TPID"; return 1; }
	sleep 0.2
	none_left "$w" || { echo "a process of the test is left"; return 1; }
}

# "B" of the dump --lazy-pages cases: a pid and mount namespace of its
# own (its init zdtm's subreaper, which reaps what B orphans), so that
# the tree is restored under its pids while the dump still holds it,
# stopped, on "A" (here). $BINIT: that init; run_case kills it and with
# it everything B ran.
b_up() {
	local up i

	unshare --pid --mount --fork --mount-proc --propagation private \
		"$ZDTM/lib/subreaper" sleep infinity </dev/null >/dev/null 2>&1 &
	up=$!
	for ((i = 0; i < 100; i++)); do
		BINIT=$(pgrep -P "$up" | head -n1)
		[ -n "$BINIT" ] &&
			[ "$(readlink "/proc/$BINIT/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] &&
			{ started "$BINIT"; return 0; }
		sleep 0.02
	done
	return 1
}

in_b() { nsenter -t "$BINIT" -p -m -- "$@"; }

alive_b() { in_b sh -c "[ -d /proc/$1 ] && ! grep -q '^State:.*[ZX]' /proc/$1/status"; }

wait_gone_b() { wait_gone "$1" "$2" alive_b; }

# Pid $1 in a ptrace stop: held by the dump, which a SIGCONT does not end.
held() { grep -q '^State:.*(tracing stop)' "/proc/$1/status" 2>/dev/null; }

# Start dump --lazy-pages of $TPID into folder $1 on port $2 ($3...: more
# options); wait until it serves. Leaves $SPID. The tree must be held.
lazy_dump_start() {
	local dir=$1 port=$2 i

	shift 2
	"$CRIU" dump -t "$TPID" -D "$dir" "$@" --lazy-pages --address 127.0.0.1 --port "$port" \
		-v4 -o dump.log </dev/null >"$dir/dump.out" 2>&1 &
	SPID=$!
	started "$SPID"
	for ((i = 0; i < 200; i++)); do
		grep -q "waiting for the lazy-pages daemon" "$dir/dump.log" 2>/dev/null && break
		kill -0 "$SPID" 2>/dev/null || { echo "dump --lazy-pages exited"; return 1; }
		sleep 0.05
	done
	held "$TPID" || { echo "pid $TPID is not held stopped while its pages are served"; return 1; }
	kill -CONT "$TPID"
	sleep 0.1
	held "$TPID" || { echo "a SIGCONT resumed pid $TPID while its pages are served"; return 1; }
}

# On B: lazy-pages --page-server for folder $1 (push delay $2 ms, port $3),
# then restore --lazy-pages. Leaves $DPID (B's nsenter of the daemon).
lazy_restore_b() {
	local dir=$1 delay=$2 port=$3 i

	b_up || { echo "can't make host B"; return 1; }
	in_b env CRIU_LAZY_PUSH_DELAY_MS="$delay" "$CRIU" lazy-pages -D "$dir" --page-server \
		--address 127.0.0.1 --port "$port" -v4 -o lazy-pages.log </dev/null \
		>"$dir/../lazy.out" 2>&1 &
	DPID=$!
	started "$DPID"
	for ((i = 0; i < 100; i++)); do
		[ -S "$dir/lazy-pages.socket" ] && break
		sleep 0.05
	done
	in_b "$CRIU" restore -D "$dir" -d --lazy-pages -v4 -o restore.log >"$dir/../restore.out" 2>&1 ||
		{ echo "restore --lazy-pages failed"; return 1; }
}

# dump --lazy-pages on "A" (folder src, the pages served on loopback), the
# images without those pages copied to "B" (folder dst), lazy-pages
# --page-server and restore --lazy-pages there. $2: the daemon's push delay.
# Leaves $SPID (the dumping criu), $DPID and $TPID (in B).
lazy_migrate() {
	local w=$1 delay=$2 port=$((27000 + RANDOM % 2000))

	mkdir -p "$w/src" "$w/dst"
	lazy_dump_start "$w/src" "$port" || return 1
	cp -a "$w/src/." "$w/dst/" && rm -f "$w/dst/dump.log"
	lazy_restore_b "$w/dst" "$delay" "$port"
}

# After the daemon had every page: both ends exited 0, A's tree is gone.
lazy_ends_well() {
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
	wait "$SPID" || { echo "dump --lazy-pages exited $?"; return 1; }
	wait_gone "$TPID" 50 || { echo "pid $TPID still on A after its pages were served"; return 1; }
}

# "lazy copied" pages of pid $2's pagemap in folder $1: PE_LAZY entries,
# and the others with data in this folder (not in a parent).
pagemap_pages() {
	crit decode -i "$1/pagemap-$2.img" | python3 -c '
import json, sys
lazy = copied = 0
for e in json.load(sys.stdin)["entries"][1:]:
	f = e.get("flags", 0)	# PE_PARENT 1, PE_LAZY 2
	if f & 2:
		lazy += e["nr_pages"]
	elif not f & 1 and not e.get("in_parent"):
		copied += e["nr_pages"]
print(lazy, copied)'
}

case_page_server() {
	local w=$1 lazy copied size id

	start_target lazy_mm_events "$w" || { echo "can't start the test"; return 1; }
	ZDTM_LAZY=1 lazy_migrate "$w" 300 || return 1
	# the lazy pages never went into the images: the pages file holds the others alone
	read -r lazy copied < <(pagemap_pages "$w/dst" "$TPID") ||
		{ echo "crit can't decode the pagemap"; return 1; }
	id=$(crit decode -i "$w/dst/pagemap-$TPID.img" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["entries"][0]["pages_id"])')
	size=$(stat -c %s "$w/dst/pages-$id.img")
	[ "$lazy" -ge 1280 ] || { echo "only $lazy pages left lazy (the test has 1280)"; return 1; }
	[ "$size" -eq $((copied * 4096)) ] ||
		{ echo "pages-$id.img has $size bytes for $copied pages not lazy ($lazy lazy)"; return 1; }
	verdict "$w" in_b || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	lazy_ends_well || return 1
	grep -q "come from the page server" "$w/dst/lazy-pages.log" ||
		{ echo "the daemon did not use the page server"; return 1; }
}

# A process that never stops writing its memory: B must get each page as
# it was at the dump, which only a tree held from the dump to the last
# page gives (lazy_held_gen checks every page before it writes it).
case_held_data() {
	local w=$1

	start_target lazy_held_gen "$w" || { echo "can't start the test"; return 1; }
	lazy_migrate "$w" 300 || return 1
	verdict "$w" in_b || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	lazy_ends_well
}

# --leave-stopped: held while it serves, then stopped as after any dump.
case_leave_stopped() {
	local w=$1 port=$((27000 + RANDOM % 2000))

	start_target lazy_mm_events "$w" || { echo "can't start the test"; return 1; }
	mkdir -p "$w/src" "$w/dst"
	lazy_dump_start "$w/src" "$port" --leave-stopped || return 1
	cp -a "$w/src/." "$w/dst/" && rm -f "$w/dst/dump.log"
	ZDTM_LAZY=1 lazy_restore_b "$w/dst" 300 "$port" || return 1
	verdict "$w" in_b || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
	wait "$SPID" || { echo "dump --lazy-pages exited $?"; return 1; }
	sleep 0.1
	grep -q '^State:.*(stopped)' "/proc/$TPID/status" ||
		{ echo "pid $TPID is not left stopped: $(grep State: "/proc/$TPID/status")"; return 1; }
}

# B goes away before it has every page: the dump fails saying so, and
# the tree ends as the dump would have left it (killed).
case_daemon_gone() {
	local w=$1

	start_target lazy_mm_events "$w" || { echo "can't start the test"; return 1; }
	ZDTM_LAZY=1 lazy_migrate "$w" 60000 || return 1
	kill -KILL "$BINIT"
	wait "$SPID" && { echo "dump --lazy-pages exited 0"; return 1; }
	grep -q "went away before it had every page" "$w/src/dump.log" ||
		{ echo "the dump did not say the daemon went away"; return 1; }
	wait_gone "$TPID" 50 || { echo "pid $TPID still on A"; return 1; }
}

case_page_server_chain() {
	local w=$1 port=$((27000 + RANDOM % 2000)) i

	start_target incr_random_pages "$w" || { echo "can't start the test"; return 1; }
	mkdir -p "$w/src/pre" "$w/src/fin" "$w/dst"
	"$CRIU" pre-dump -t "$TPID" -D "$w/src/pre" --track-mem -v4 -o dump.log >"$w/pre.out" 2>&1 ||
		{ echo "pre-dump failed"; return 1; }
	kill -USR1 "$TPID"
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "$w/out.round" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	[ "$(cat "$w/out.round" 2>/dev/null)" = 1 ] || { echo "round 1 not done"; return 1; }
	lazy_dump_start "$w/src/fin" "$port" --prev-images-dir ../pre --track-mem || return 1
	cp -a "$w/src/." "$w/dst/" && rm -f "$w/dst/fin/dump.log"
	lazy_restore_b "$w/dst/fin" 0 "$port" || return 1
	wait "$DPID" || { echo "the daemon exited $?"; return 1; }
	verdict "$w" in_b || { echo "the test did not PASS: $(cat "$w/out" 2>/dev/null)"; return 1; }
	wait "$SPID" || { echo "dump --lazy-pages exited $?"; return 1; }
	wait_gone "$TPID" 50 || { echo "pid $TPID still on A after its pages were served"; return 1; }
}

case_source_killed() {
	local w=$1

	start_target lazy_mm_events "$w" || { echo "can't start the test"; return 1; }
	ZDTM_LAZY=1 lazy_migrate "$w" 60000 || return 1
	alive_b "$TPID" || { echo "pid $TPID not running after restore"; return 1; }
	kill -KILL "$SPID"
	wait "$SPID" 2>/dev/null
	# the tree it held dies with it (it was to be killed after the dump)
	wait_gone "$TPID" 50 || { echo "pid $TPID runs on on A without the dumping criu"; return 1; }
	wait_gone_b "$TPID" 50 || { echo "pid $TPID still runs on B without its source"; return 1; }
	[ -s "$w/out" ] && { echo "the test gave a verdict with pages missing: $(cat "$w/out")"; return 1; }
	wait "$DPID" && { echo "the daemon exited 0"; return 1; }
	grep -q "page server went away" "$w/dst/lazy-pages.log" ||
		{ echo "the daemon did not say the source went away"; return 1; }
	sleep 0.2
	none_left "$w" || { echo "a process of the test is left"; return 1; }
}

case_zdtm() {
	local out

	out=$(ZDTM_ANON_MB=64 "$ZDTM/run.sh" --criu "$CRIU" --lazy --keep-going 2>&1)
	echo "$out" | grep -E '^(FAIL|[0-9]+ passed)' | head -20
	echo "$out" | grep -q ' 0 failed'
}

run_case() {
	local c=$1 w=$ROOT/$1 why

	mkdir -p "$w"
	why=$("case_$c" "$w" 2>>"$w/stderr")
	if [ $? -eq 0 ]; then
		echo "PASS $c"; PASSED=$((PASSED + 1))
	else
		echo "FAIL $c: $why"; FAILED=$((FAILED + 1))
		for f in "$w"/*/restore.log "$w"/*/lazy-pages.log "$w"/*/dump.log; do
			[ -s "$f" ] && { log "---- tail of $f"; tail -n 8 "$f" >&2; }
		done
	fi
	# what this case started, by pid (B's init takes all of B with it)
	if [ -s "$ROOT/started" ]; then
		while read -r p; do
			alive "$p" && kill -KILL "$p" 2>/dev/null
		done <"$ROOT/started"
		rm -f "$ROOT/started"
	fi
}

ARGS=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--criu) CRIU=$2; shift ;;
	-k|--keep) KEEP=1 ;;
	-h|--help) sed -n '4,48p' "$0"; exit 0 ;;
	-*) log "unknown option $1"; exit 2 ;;
	*) CASES+=("$1") ;;
	esac
	shift
done
[ ${#CASES[@]} -gt 0 ] || CASES=(no_daemon bad_input daemon_setup_fault restore_fault daemon_killed page_server
				 held_data leave_stopped daemon_gone page_server_chain source_killed zdtm)
[ -x "$CRIU" ] || { log "no criu at $CRIU"; exit 2; }
CRIU=$(cd "$(dirname "$CRIU")" && pwd)/$(basename "$CRIU")
make -s -C "$ZDTM" >&2 || exit 1
# as zdtm's runner: the daemonized tests are reaped here, never left zombies
# holding the pids a restore needs
if [ -z "$LAZY_REAPED" ]; then
	export LAZY_REAPED=1 ZDTM_REAPED=1
	exec "$ZDTM/lib/subreaper" "$0" ${ARGS[@]+"${ARGS[@]}"}
fi
ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/lazy.XXXXXX") || exit 1
for c in "${CASES[@]}"; do
	run_case "$c"
done
echo "$PASSED passed, $FAILED failed"
[ "$KEEP" = 1 ] || [ "$FAILED" -gt 0 ] || rm -rf "$ROOT"
[ "$FAILED" -gt 0 ] && log "work folders kept in $ROOT"
[ "$FAILED" -eq 0 ]
