#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# driver.sh - the migrate tier's part for criu-migrate: whole migrations
# from "host" A to "host" B, made by `criu-migrate send` in A and
# `criu-migrate serve` in B.
#
#   driver.sh [--keep] [GROUP...]
#
# A and B (hosts.sh) are each a network namespace (joined by a veth
# pair, 10.77.0.1 and 10.77.0.2) with a pid and a mount namespace of
# their own, so that B restores a tree under the pids its stopped copy
# still holds on A. Everything is removed at exit, also on failure.
#
# GROUPs (default all, in this order):
#   zdtm      incr_random_pages, incr_threads, incr_tree_threads and
#             pipe_read_blocked moved eagerly and with --lazy, with each
#             tracker of this host (pagemap-scan, none): the test's own
#             check passes on B, nothing of it is left on A (nor stopped
#             there), one report line per round, round 1 about the memory
#             of the test, the last round the final dump, a downtime
#   converge  the hotset workload (the same pages written between any two
#             rounds) stops after the number of rounds each rule implies:
#             not-shrinking after 3, --goal after 2, --max-iters 2 after 2,
#             and with the none tracker not-shrinking after 2
#   failures  B's serve killed during a pre-dump round, between two rounds
#             and during the image transfer, and B's restore failing
#             (CRIU_FAULT=14), eager and
#             --lazy: send exits 1 with a clear error, the test runs on on A
#             (not stopped), holds no tracker's descriptor any more, and its
#             check passes there, nothing of it runs in B, B holds no
#             inventory.img nor staged image
#   badinput  garbage, truncated messages, a huge length, a wrong version,
#             file names with '/', '..', a leading '.', a file out of turn:
#             serve refuses each with an error, exits 1, writes nothing
#             outside its folder
#
# One line per case, then "N passed, N failed". Root only. Environment:
# MIGRATE_DRIVER_PORT (default 27210; B's page servers use the next one);
# MIGRATE_BIN, MIGRATE_CRIU, MIGRATE_ZDTM: criu-migrate, criu and the zdtm
# folder elsewhere than in this tree. Sourced with MIGRATE_DRIVER_LIB=1 it
# only defines its functions (the nested tier's migrate cases use them).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"
ZDTM=${MIGRATE_ZDTM:-$HERE/../zdtm}
MIG=${MIGRATE_BIN:-$HERE/../../migrate/criu-migrate}
CRIU=${MIGRATE_CRIU:-$HERE/../../criu/criu}
PORT=${MIGRATE_DRIVER_PORT:-27210}
MB=32
CASE_NR=0
KEEP=0
PASSED=0
FAILED=0
ROOT=

log() { echo "$*" >&2; }

cleanup() {
	hosts_down
	if [ -n "$ROOT" ]; then
		if [ "$KEEP" = 1 ] || [ "$FAILED" -gt 0 ]; then
			log "work folders kept in $ROOT"
		else
			rm -rf "${ROOT:?}"
		fi
	fi
}

in_a() { in_host A "$@"; }
in_b() { in_host B "$@"; }

# ------------------------------------------------------------ processes

# The state letter of pid $2 in host $1, empty when it is gone.
state_in() {
	in_host "$1" awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$2/stat" 2>/dev/null
}

# Processes of the test of folder $2 in host $1 (their command line names its pidfile).
test_procs() {
	in_host "$1" pgrep -f -- "--pidfile $2/pid"
}

wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_test W NAME: the test in A; its pid there in $PID. A's pids of
# each case start at a fresh thousand, far from those B's own helpers
# (serve, page servers, lazy daemons) take, which would refuse the
# restore ("pid in use") as they would on a real host.
start_test() {
	local w=$1 name=$2

	CASE_NR=$((CASE_NR + 1))
	in_a sh -c "echo $((20000 + CASE_NR * 1000)) > /proc/sys/kernel/ns_last_pid" ||
		return 1

	if [ "$name" = hotset ]; then
		in_a "$HERE/hotset" --mb "$MB" --hot 512 --pidfile "$w/pid" --outfile "$w/out" \
			</dev/null >"$w/start.log" 2>&1 || return 1
	else
		(cd "$w" && in_a env ZDTM_INCR_MB=$MB ZDTM_ANON_MB=$MB "$ZDTM/static/$name" \
			--pidfile "$w/pid" --outfile "$w/out" </dev/null >"$w/start.log" 2>&1) || return 1
	fi
	PID=$(cat "$w/pid")
	[ -n "$PID" ]
}

# start_serve W [VAR=VALUE...]: serve in B, in the background; $SERVE is
# the shell that waits for it, $SERVE_PID serve itself (its pid in B).
start_serve() {
	local w=$1 i
	shift

	mkdir -p "$w/B"
	rm -f "$w/serve.pid"
	in_b env "$@" sh -c 'echo $$ > "$0"; exec "$@"' "$w/serve.pid" \
		"$MIG" serve -D "$w/B" --address "$ADDR_B" --port "$PORT" --timeout 5 -v \
		</dev/null >"$w/serve.out" 2>&1 &
	SERVE=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "serving on" "$w/serve.out" 2>/dev/null && break
		sleep 0.05
	done
	SERVE_PID=$(cat "$w/serve.pid" 2>/dev/null)
	[ -n "$SERVE_PID" ]
}

kill_serve() { in_b kill -9 "$SERVE_PID" 2>/dev/null; }

# run_send W ARGS...: send in A; its exit status in $SEND_RC.
run_send() {
	local w=$1
	shift

	in_a "$MIG" send -t "$PID" --to "$ADDR_B" --port "$PORT" -D "$w/A" --report "$w/report" \
		--timeout 5 "$@" </dev/null >"$w/send.out" 2>&1
	SEND_RC=$?
}

# The test's verdict in host $2 (SIGTERM, then its outfile).
verdict_in() {
	local w=$1 host=$2

	in_host "$host" kill -TERM "$PID" || { echo "can't signal pid $PID in $host"; return 1; }
	wait_file "$w/out" 30 || { echo "no verdict in $host within 30 s"; return 1; }
	grep -q '^PASS' "$w/out" || { echo "in $host: $(head -n1 "$w/out")"; return 1; }
}

# ------------------------------------------------------------ the report

field() { grep -o "^$2=[^ ]*" "$1" | head -n1 | cut -d= -f2; }

# Sane figures: one round= line per round in order, the last the final
# dump, round 1 about the memory ($2 to $3 pages), times and a downtime.
check_report() {
	local rep=$1 min=$2 max=$3 n pages1 down

	[ "$(field "$rep" result)" = ok ] || { echo "report: result is not ok: $(field "$rep" error)"; return 1; }
	n=$(grep -c '^round=' "$rep")
	[ "$n" -ge 2 ] || { echo "report: $n round lines"; return 1; }
	awk -v n="$n" '/^round=/ { split($1, r, "="); i++
		if (r[2] != i) exit 1
		if ((i < n) != ($2 == "kind=pre-dump")) exit 1
		for (f = 3; f <= 7; f++) { split($f, kv, "="); if (kv[2] == "" || kv[2] < 0) exit 1 } }' \
		"$rep" || { echo "report: bad round lines: $(grep '^round=' "$rep" | tr '\n' ';')"; return 1; }
	pages1=$(grep '^round=1 ' "$rep" | grep -o 'pages=[0-9]*' | cut -d= -f2)
	[ "$pages1" -ge "$min" ] && [ "$pages1" -le "$max" ] ||
		{ echo "report: round 1 sent $pages1 pages, the test has $min..$max"; return 1; }
	down=$(field "$rep" downtime_ms)
	awk -v d="$down" -v t="$(field "$rep" total_ms)" 'BEGIN { exit !(d > 0 && d < t) }' ||
		{ echo "report: downtime '$down' of total $(field "$rep" total_ms)"; return 1; }
	[ -n "$(field "$rep" total_bytes)" ] && [ -n "$(field "$rep" restore_ms)" ] ||
		{ echo "report: no total_bytes or restore_ms"; return 1; }
}

# What round 1 must send: 9 in 10 of the anonymous pages present in
# the test's tree on A at least, its whole address space at most (a
# tracker may send pages never touched: they read as zeroes).
mem_bounds() {
	local p kb=0 vm=0 n

	for p in $(test_procs A "$W"); do
		n=$(in_a awk '/^RssAnon:/ { r = $2 } /^VmSize:/ { v = $2 } END { print r + 0, v + 0 }' \
			"/proc/$p/status" 2>/dev/null)
		kb=$((kb + ${n% *}))
		vm=$((vm + ${n#* }))
	done
	echo "$((kb / 4 * 9 / 10)) $((vm / 4))"
}

pre_dump_rounds() { grep -c '^round=.* kind=pre-dump ' "$1"; }

# ------------------------------------------------------------ cases

run_case() {
	local name=$1 why
	shift

	W=$ROOT/$name
	mkdir -p "$W"
	why=$("$@" 2>>"$W/stderr")
	if [ $? -eq 0 ]; then
		echo "PASS $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name: $why"
		FAILED=$((FAILED + 1))
		for f in "$W/send.out" "$W/serve.out"; do
			[ -s "$f" ] && { log "---- tail of $f"; tail -n 5 "$f" >&2; }
		done
	fi
	# what the case started: serve (by pid), the test in both hosts
	[ -n "$SERVE_PID" ] && kill_serve
	[ -n "$SERVE" ] && wait "$SERVE" 2>/dev/null
	for h in A B; do
		for p in $(test_procs "$h" "$W"); do
			in_host "$h" kill -9 "$p" 2>/dev/null
		done
	done
	SERVE= SERVE_PID= PID=
}

# A migration that must succeed, then everything it implies.
good_migration() {
	local name=$1 min max why left
	shift

	start_serve "$W" || { echo "serve did not start: $(tail -n1 "$W/serve.out")"; return 1; }
	start_test "$W" "$name" || { echo "test did not start: $(tail -n1 "$W/start.log")"; return 1; }
	read -r min max < <(mem_bounds)
	run_send "$W" "$@"
	[ "$SEND_RC" = 0 ] || { echo "send exited $SEND_RC: $(grep Error "$W/send.out" | tail -n1)"; return 1; }
	wait "$SERVE" || { echo "serve exited $?: $(grep Error "$W/serve.out" | tail -n1)"; return 1; }
	SERVE=
	left=$(test_procs A "$W")
	[ -z "$left" ] || { echo "pids $left of the test are still on A"; return 1; }
	[ -n "$(state_in B "$PID")" ] || { echo "pid $PID does not run on B"; return 1; }
	why=$(check_report "$W/report" "$min" "$max") || { echo "$why"; return 1; }
	grep -q "^round 1 pre-dump: .* pages, .* bytes, .* ms, dirty rate" "$W/send.out" &&
		grep -q "^total: .* ms, .* bytes, downtime .* ms" "$W/send.out" ||
		{ echo "send printed no round lines or summary"; return 1; }
	verdict_in "$W" B
}

case_zdtm() {
	local test=$1 tracker=$2 lazy=$3

	good_migration "$test" --dirty-tracker "$tracker" --max-iters 3 $lazy
}

# converge RULE PRE-DUMPS TRACKER ARGS...
case_converge() {
	local rule=$1 rounds=$2 tracker=$3 got
	shift 3

	good_migration hotset --dirty-tracker "$tracker" "$@" || return 1
	got=$(field "$W/report" stop_reason)
	[ "$got" = "$rule" ] || { echo "stopped by '$got', not $rule"; return 1; }
	got=$(pre_dump_rounds "$W/report")
	[ "$got" = "$rounds" ] ||
		{ echo "$got pre-dump rounds, $rule implies $rounds: $(grep -o 'pages=[0-9]*' "$W/report" | tr '\n' ' ')"; return 1; }
}

# A tracker's descriptor parked in the source (pagemap-scan's userfaultfd,
# ooh's /dev/ooh) outliving a failed migration would keep tracking it
# (ooh: the host logging, the next attach refused) with no chain to use it.
tracker_released() {
	local fds

	fds=$(in_a ls -l "/proc/$PID/fd" 2>/dev/null | grep -E 'userfaultfd|/dev/ooh')
	[ -z "$fds" ] || { echo "pid $PID still holds a tracker's descriptor: $fds"; return 1; }
}

# After a failed migration: the test on A as it was, nothing on B.
source_survived() {
	local st f

	st=$(state_in A "$PID")
	[ -n "$st" ] && [ "$st" != Z ] || { echo "pid $PID is gone from A"; return 1; }
	[ "$st" != T ] || { echo "pid $PID is left stopped on A"; return 1; }
	[ -z "$(test_procs B "$W")" ] || { echo "pids $(test_procs B "$W" | tr '\n' ' ')run in B"; return 1; }
	for f in "$W"/B/round*/inventory.img "$W"/B/round*/.in.*; do
		[ -e "$f" ] && { echo "B holds ${f#"$W"/}"; return 1; }
	done
	tracker_released || return 1
	verdict_in "$W" A
}

# kill_serve_at W FILE TEXT: SIGKILL serve once FILE says TEXT (in the background).
kill_serve_at() {
	local file=$2 text=$3 i

	for ((i = 0; i < 400; i++)); do
		grep -q "$text" "$file" 2>/dev/null && break
		sleep 0.025
	done
	kill_serve
}

# failure HOW [--lazy] [SEND-ARGS...]: HOW is predump, between (serve gone
# before round 2, with round 1's tracker in the running test), images or
# restore.
case_failure() {
	local how=$1 lazy=$2 watcher= env=() err
	shift 2

	case $how in
	predump) env=(CRIU_FAULT=21) ;;
	between) env=(CRIU_MIGRATE_FAULT=stall-round-2) ;;
	images) env=(CRIU_MIGRATE_FAULT=stall-files) ;;
	restore) env=(CRIU_FAULT=14) ;;
	esac
	start_serve "$W" "${env[@]}" || { echo "serve did not start"; return 1; }
	start_test "$W" incr_random_pages || { echo "test did not start"; return 1; }
	case $how in
	predump) kill_serve_at "$W" "$W/B/round1/ps.log" "Fault 21 injected" & watcher=$! ;;
	between) kill_serve_at "$W" "$W/serve.out" "fault stall-round-2 injected" & watcher=$! ;;
	images) kill_serve_at "$W" "$W/serve.out" "fault stall-files injected" & watcher=$! ;;
	esac
	run_send "$W" --max-iters 2 $lazy "$@"
	[ -n "$watcher" ] && wait "$watcher"
	wait "$SERVE"
	SERVE=
	[ "$SEND_RC" = 1 ] || { echo "send exited $SEND_RC, not 1"; return 1; }
	case $how in
	predump) err="round 1" ;;
	between) err="round 2" ;;
	images) err="can't send the images\|did not restore" ;;
	restore) err="B did not restore pid $PID" ;;
	esac
	grep -q "Error: .*\($err\)" "$W/send.out" ||
		{ echo "no clear error ($err): $(grep Error "$W/send.out" | head -n1)"; return 1; }
	[ "$how" != restore ] || grep -q "criu restore in round.* exited" "$W/serve.out" ||
		{ echo "serve did not say the restore failed"; return 1; }
	grep -q "^result=failed" "$W/report" || { echo "the report does not say failed"; return 1; }
	source_survived
}

# ------------------------------------------------------------ bad input

# bad_input NAME WHY PYTHON-EXPR: bytes from A to a fresh serve in B (in
# the foreground there, to see its exit status), which must refuse them
# with an error saying WHY. HELLO, FILE etc. are helpers.
bad_input() {
	local name=$1 why=$2 expr=$3 dir=$ROOT/bad/$1 rc out

	mkdir -p "$dir/work"
	in_b timeout 20 "$MIG" serve -D "$dir/work" --address "$ADDR_B" --port "$PORT" --timeout 3 \
		</dev/null >"$dir/serve.out" 2>&1 &
	SERVE=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "serving on" "$dir/serve.out" 2>/dev/null && break
		sleep 0.05
	done
	in_a python3 - "$ADDR_B" "$PORT" "$expr" <<'EOF' >"$dir/client.log" 2>&1
import socket, struct, sys, time
def msg(t, payload=b"", length=None, version=1, magic=0x474d5243):
    n = len(payload) if length is None else length
    return struct.pack("<IHHI", magic, version, t, n) + payload
HELLO = msg(1, struct.pack("<II", 0, 0))
def FILE(name, size=16):
    return msg(8, struct.pack("<QI", size, 0o600) + name)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(eval(sys.argv[3]))
time.sleep(0.3)
s.close()
EOF
	wait "$SERVE"
	rc=$?
	SERVE=
	out=$(grep -m1 "Error" "$dir/serve.out")
	if [ "$rc" != 1 ]; then
		echo "FAIL serve_refuses_$name: serve exited $rc, not 1"
		FAILED=$((FAILED + 1))
	elif ! grep -q "$why" <<<"$out"; then
		echo "FAIL serve_refuses_$name: no error saying '$why': $(tail -n1 "$dir/serve.out")"
		FAILED=$((FAILED + 1))
	elif [ -n "$(ls -A "$dir" | grep -v '^\(work\|serve\.out\|client\.log\)$')" ] ||
	     [ -n "$(find "$dir/work" -mindepth 1 -not -type d)" ]; then
		echo "FAIL serve_refuses_$name: files written: $(ls -A "$dir"; find "$dir/work" -mindepth 1)"
		FAILED=$((FAILED + 1))
	else
		echo "PASS serve_refuses_$name (${out#*Error: })"
		PASSED=$((PASSED + 1))
	fi
}

bad_inputs() {
	local name='not a plain file name'

	bad_input garbage 'bad magic' 'bytes(range(256)) * 4'
	bad_input truncated_header 'truncated message header' 'HELLO[:7]'
	bad_input truncated_payload 'HELLO truncated' 'msg(1, b"\0\0\0", length=8)'
	bad_input wrong_version 'protocol version 7' 'msg(1, struct.pack("<II", 0, 0), version=7)'
	bad_input huge_length 'DATA with a payload of 4294967280' 'HELLO + msg(9, b"x" * 64, length=0xfffffff0)'
	bad_input unknown_type 'unknown message type 77' 'HELLO + msg(77)'
	bad_input hello_twice 'unexpected HELLO' 'HELLO + HELLO'
	bad_input name_dotdot "$name" 'HELLO + FILE(b"../escape")'
	bad_input name_slash "$name" 'HELLO + FILE(b"sub/escape")'
	bad_input name_absolute "$name" 'HELLO + FILE(b"/tmp/criu-migrate-escape")'
	bad_input name_hidden "$name" 'HELLO + FILE(b".in.inventory.img")'
	bad_input name_nul "$name" 'HELLO + FILE(b"core\0x")'
	bad_input file_out_of_turn 'outside the final round' 'HELLO + FILE(b"inventory.img")'
	bad_input oversize_file 'of 1099511627776 bytes' 'HELLO + FILE(b"pages-1.img", size=1 << 40)'
	bad_input round_skipped 'ROUND 2 after round 0' 'HELLO + msg(3, struct.pack("<II", 2, 1))'
	bad_input restore_out_of_turn 'RESTORE outside the final round' 'HELLO + msg(10)'
	[ ! -e /tmp/criu-migrate-escape ] ||
		{ echo "FAIL serve_refuses_name_absolute: /tmp/criu-migrate-escape exists"; FAILED=$((FAILED + 1)); }
}

# ------------------------------------------------------------ main

[ -n "$MIGRATE_DRIVER_LIB" ] && return 0
GROUPS_RUN=()
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) KEEP=1 ;;
	-h|--help) sed -n '4,32p' "$0"; exit 0 ;;
	-*) log "unknown option $1"; exit 2 ;;
	*) GROUPS_RUN+=("$1") ;;
	esac
	shift
done
[ ${#GROUPS_RUN[@]} -gt 0 ] || GROUPS_RUN=(zdtm converge failures badinput)
[ "$(id -u)" = 0 ] || { log "the migrate tier needs root"; exit 2; }
[ -x "$MIG" ] || { log "no criu-migrate at $MIG (make)"; exit 2; }
[ -x "$CRIU" ] || { log "no criu at $CRIU (make)"; exit 2; }
make -s -C "$ZDTM" all >&2 || exit 1
make -s -C "$HERE" hotset >&2 || exit 1
ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/migrate-driver.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 130' INT TERM
hosts_up "$ZDTM/lib/subreaper" || { log "can't create the two hosts"; echo "0 passed, 1 failed"; FAILED=1; exit 1; }

for g in "${GROUPS_RUN[@]}"; do
	case $g in
	zdtm)
		for t in incr_random_pages incr_threads incr_tree_threads pipe_read_blocked; do
			for tr in pagemap-scan none; do
				run_case "migrate_${t}_$tr" case_zdtm "$t" "$tr" ""
				run_case "migrate_${t}_${tr}_lazy" case_zdtm "$t" "$tr" --lazy
			done
		done ;;
	converge)
		run_case converge_not_shrinking case_converge not-shrinking 3 pagemap-scan
		run_case converge_goal case_converge goal 2 pagemap-scan --goal 10
		run_case converge_max_iters case_converge max-iters 2 pagemap-scan --max-iters 2
		run_case converge_none_tracker case_converge not-shrinking 2 none ;;
	failures)
		for how in predump between images restore; do
			run_case "fail_${how}" case_failure "$how" ""
			run_case "fail_${how}_lazy" case_failure "$how" --lazy
		done ;;
	badinput)
		bad_inputs ;;
	*)
		log "unknown group $g"; FAILED=$((FAILED + 1)) ;;
	esac
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
