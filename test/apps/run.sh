#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the apps tier: real programs from Debian checkpointed under
# load and checked after restore.
#
#   run.sh [--criu PATH] [--tracker T] [--no-criu] [--break] [-k|--keep] [APP...]
#
# APPs (default: all, in this order): redis memcached nginx pyhttp
# (python3 -m http.server). For each: start it on 127.0.0.1 on a free
# port with its own configuration in a work folder, fill it with data,
# start a load on it, take two pre-dumps with --track-mem while the load
# runs, stop the load, note its state, dump it chained to the pre-dumps
# (--tcp-established for redis, whose client stays connected), check
# that it is gone, restore it, and check that it serves its data again:
#   redis     DEBUG DIGEST and DBSIZE as before; the client connected
#             through the checkpoint gets the right DBSIZE; SET/GET work
#   memcached every key mc-client.py set comes back with its value
#   nginx     (a master and two workers) serves the same files (sha256)
#   pyhttp    serves the same files (sha256)
# One line per program ("PASS app" / "FAIL app: why", the first error
# criu logged when criu failed), criu's log tails on stderr for failures,
# then "N passed, N failed".
#
#   --criu PATH    criu binary (default ../../criu/criu), copied first
#   --tracker T    --dirty-tracker of the pre-dumps and dump (default auto)
#   --no-criu      no final dump and restore: the checks run on the program
#                  as it runs after the pre-dumps (validates the checks)
#   --break        damage the program's data just before its check (a key
#                  rewritten, a served file changed): a check's FAIL is then
#                  a PASS ("damage caught"), its PASS a FAIL
#   -k|--keep      keep the work folder (default: removed when all passed)
#
# Runs as root; the programs come from scripts/install-deps.sh test.
# TMPDIR sets the work root (default /dev/shm).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APPS_DIR=$HERE
. "$HERE/lib.sh"
for f in "$HERE"/apps/*.sh; do
	. "$f"
done

ALL_APPS="redis memcached nginx pyhttp"
CRIU_ORIG=$HERE/../../criu/criu
TRACKER=auto
KEEP=0
USE_CRIU=1
BREAK=0
APPS=()
PASSED=0
FAILED=0
NPRE=2

while [ $# -gt 0 ]; do
	case $1 in
	--criu) CRIU_ORIG=$2; shift 2 ;;
	--tracker) TRACKER=$2; shift 2 ;;
	--no-criu) USE_CRIU=0; shift ;;
	--break) BREAK=1; shift ;;
	-k|--keep) KEEP=1; shift ;;
	-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) log "unknown option $1"; exit 2 ;;
	*) APPS+=("$1"); shift ;;
	esac
done
[ ${#APPS[@]} -eq 0 ] && read -ra APPS <<<"$ALL_APPS"

[ "$(id -u)" = 0 ] || { log "run.sh: must run as root"; exit 2; }
[ -x "$CRIU_ORIG" ] || { log "run.sh: $CRIU_ORIG not built (make all)"; exit 2; }
for a in "${APPS[@]}"; do
	[[ " $ALL_APPS " == *" $a "* ]] || { log "run.sh: no program '$a' ($ALL_APPS)"; exit 2; }
done
for p in redis-server redis-benchmark redis-cli memcached nginx curl python3 crit; do
	command -v "$p" >/dev/null ||
		{ log "run.sh: $p missing (scripts/install-deps.sh test)"; exit 2; }
done

ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/criu-apps.XXXXXX") || exit 2
CRIU=$ROOT/criu
cp "$CRIU_ORIG" "$CRIU" || exit 2
APP_PIDS=()

trap 'for a in "${APPS[@]}"; do app_cleanup "$a" 2>/dev/null; done' EXIT

# fail_criu STEP DIR: WHY is the step and criu's first error there.
fail_criu() {
	WHY="$1: $(criu_error "$2")"
	return 1
}

# One program through the whole cycle; 0, or WHY set and 1.
cycle() {
	local app=$1 i opts

	WORK=$ROOT/$app
	mkdir -p "$WORK"
	"${app}_start" || { WHY="$app did not start serving: $(tail -n3 "$WORK"/*.log)"; return 1; }
	"${app}_fill" || { WHY=${WHY:-"filling $app failed"}; return 1; }
	"${app}_load_start"
	sleep 1
	for ((i = 1; i <= NPRE; i++)); do
		pre_dump "$i" "$APP_PID" || { fail_criu "pre-dump $i" "$WORK/pre$i"; return 1; }
		alive "$APP_PID" || { WHY="$app died in pre-dump $i"; return 1; }
		sleep 1
	done
	"${app}_load_stop" || { WHY=${WHY:-"stopping the load failed"}; return 1; }
	"${app}_snapshot" || return 1
	"${app}_before_dump" || return 1
	mapfile -t APP_PIDS < <(tree_pids "$APP_PID")
	[ "$USE_CRIU" = 1 ] || { check_app "$app"; return; }
	read -ra opts <<<"$("${app}_criu_opts")"
	final_dump "$NPRE" "$APP_PID" "${opts[@]}" || {
		fail_criu "dump" "$WORK/img"
		alive "$APP_PID" || WHY="$WHY; and $app was not left running"
		return 1; }
	wait_gone "${APP_PIDS[@]}" || { WHY="the dumped tree did not go away"; return 1; }
	restore_img "${opts[@]}" || { fail_criu "restore" "$WORK/img"; return 1; }
	alive "$APP_PID" || { WHY="pid $APP_PID not alive after restore"; return 1; }
	[ "$(cat "/proc/$APP_PID/comm")" = "$APP_COMM" ] ||
		{ WHY="pid $APP_PID after restore is not $APP_COMM"; return 1; }
	wait_port "$APP_PORT" || { WHY="$app does not accept connections after restore"; return 1; }
	check_app "$app"
}

# The program's check; under --break on damaged data, where only a FAIL
# of the check passes.
check_app() {
	local app=$1

	[ "$BREAK" = 1 ] || { "${app}_check"; return; }
	"${app}_break" || { WHY="damaging $app failed"; return 1; }
	if "${app}_check"; then
		WHY="damage not caught by the check of $app"
		return 1
	fi
	BROKEN_WHY=$WHY
	return 0
}

for app in "${APPS[@]}"; do
	WHY=""
	BROKEN_WHY=""
	if cycle "$app"; then
		echo "PASS $app${BROKEN_WHY:+ (damage caught: $BROKEN_WHY)}"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $app: $WHY"
		FAILED=$((FAILED + 1))
		log "---- $app: work folder $WORK"
		log_tails
		KEEP_FAILED=1
	fi
	app_cleanup "$app"
done
trap - EXIT

echo "$PASSED passed, $FAILED failed"
if [ "$KEEP" = 1 ] || [ -n "${KEEP_FAILED:-}" ]; then
	log "work folder kept: $ROOT"
else
	rm -rf "$ROOT"
fi
[ "$FAILED" -eq 0 ]
