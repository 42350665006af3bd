#!/bin/bash
# The two sources of the areas' VmFlags give the same images.
#
#   ./vmflags-ab.sh [--criu PATH] [TEST...]
#
# Each test (default: those with areas of every VmFlags the dump reads)
# is dumped with --leave-running from smaps (CRIU_VMFLAGS=smaps), then
# from the task_vma BPF iterator (the default); the decoded mm images
# must be equal, the second dump's log must say the iterator gave them,
# and the restored test must pass. "incr:NAME" does the same after a
# tracked pre-dump (pagemap-scan: the areas carry userfaultfd bits), the
# second dump on top of the first. vmflags_all with an area locked on
# fault, and with one MAP_DROPPABLE ("dp", a bit the calibration never
# sees: the BPF dump must turn to smaps), must be refused by both, with
# the same message.
# Where the kernel has no BTF, or criu finds the iterator unusable, the
# dumps read smaps both times and each test says SKIP with the reason,
# unless VMFLAGS_AB_REQUIRE_BPF=1 (the host's make target) makes it fail.
set -u
ZDTM_DIR=$(cd "$(dirname "$0")" && pwd)
CRIU=$ZDTM_DIR/../../criu/criu
[ "${1:-}" = --criu ] && { CRIU=$(realpath "$2"); shift 2; }
TESTS=${*:-vmflags_all madv_flags mlock_areas maps_shared_anon maps_file_private heap_stack_grow maps_maxprot mprotect memfd00 incr:vmflags_all incr:madv_flags}
# VMFLAGS_AB_TRACKER: the pre-dump's tracker of the incr: tests
TRACKER=${VMFLAGS_AB_TRACKER:-pagemap-scan}
ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/vmflags-ab.XXXXXX")
pass=0 failed=0

if [ ! -e /sys/kernel/btf/vmlinux ] && [ "${VMFLAGS_AB_REQUIRE_BPF:-}" != 1 ]; then
	echo "SKIP vmflags-ab: no /sys/kernel/btf/vmlinux, the dump reads smaps only"
	exit 0
fi

decode_mm() {
	local d=$1 f
	for f in "$d"/mm-*.img; do
		crit decode -i "$f" --pretty || return 1
	done
}

start() {
	local name=$1 w=$2
	mkdir -p "$w"
	(cd "$w" && setsid "$ZDTM_DIR/static/$name" --pidfile "$w/pid" --outfile "$w/out" \
		</dev/null >"$w/start.log" 2>&1) || return 1
	cat "$w/pid"
}

# dump $2 into $1/$3 with env $4 and options $5...
dump() {
	local w=$1 pid=$2 dir=$3 env=$4
	shift 4
	mkdir -p "$w/$dir"
	env $env "$CRIU" dump -t "$pid" -D "$w/$dir" -v4 -o dump.log --shell-job "$@" \
		>"$w/$dir.out" 2>&1
}

# the test and its descendants (from /proc: busybox guests have no pgrep)
tree_pids() {
	local p st
	echo "$1"
	for st in /proc/[0-9]*/stat; do
		p=${st#/proc/}
		p=${p%/stat}
		[ "$(cut -d' ' -f4 "$st" 2>/dev/null)" = "$1" ] && tree_pids "$p"
	done
}

# restore needs their pids free again
wait_gone() {
	local p i
	for p in "$@"; do
		for ((i = 0; i < 300; i++)); do
			[ -d "/proc/$p" ] || break
			sleep 0.05
		done
	done
}

verdict() {
	local w=$1 pid=$2 i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		[ -s "$w/out" ] && break
		sleep 0.1
	done
	head -n1 "$w/out" 2>/dev/null
}

one() {
	local t=$1 name=${1#incr:} w=$ROOT/${1/:/-} pid pids first=() second=() v why
	pid=$(start "$name" "$w") || { echo "FAIL: did not start"; return; }
	if [ "$name" != "$t" ]; then
		mkdir -p "$w/pre"
		"$CRIU" pre-dump -t "$pid" -D "$w/pre" --track-mem --dirty-tracker="$TRACKER" \
			-o pre.log --shell-job >"$w/pre.out" 2>&1 ||
			{ kill -9 "$pid"; echo "FAIL: pre-dump"; return; }
		first=(--track-mem --prev-images-dir ../pre)
		second=(--track-mem --prev-images-dir ../smaps)
	fi
	dump "$w" "$pid" smaps CRIU_VMFLAGS=smaps --leave-running "${first[@]}" ||
		{ kill -9 "$pid"; echo "FAIL: dump from smaps ($(tail -1 "$w/smaps.out"))"; return; }
	grep -q "VmFlags from /proc/PID/smaps: CRIU_VMFLAGS=smaps" "$w/smaps/dump.log" ||
		{ kill -9 "$pid"; echo "FAIL: CRIU_VMFLAGS=smaps not taken"; return; }
	pids=$(tree_pids "$pid")
	dump "$w" "$pid" bpf CRIU_VMFLAGS=auto "${second[@]}" ||
		{ kill -9 "$pid"; echo "FAIL: dump from BPF ($(tail -1 "$w/bpf.out"))"; return; }
	wait_gone $pids
	if ! grep -q "VmFlags from the BPF iterator in" "$w/bpf/dump.log"; then
		why=$(grep -m1 -E "not accounted|Can't (load|open|attach)|VmFlags from" "$w/bpf/dump.log" |
			sed 's/^([0-9. ]*) //')
		[ "${VMFLAGS_AB_REQUIRE_BPF:-}" = 1 ] &&
			{ echo "FAIL: the dump did not take VmFlags from the BPF iterator: $why"; return; }
		echo "SKIP: smaps only here: $why"
		return
	fi
	decode_mm "$w/smaps" >"$w/mm-smaps.txt" && decode_mm "$w/bpf" >"$w/mm-bpf.txt" ||
		{ echo "FAIL: crit decode"; return; }
	cmp -s "$w/mm-smaps.txt" "$w/mm-bpf.txt" ||
		{ echo "FAIL: mm images differ: $(diff "$w/mm-smaps.txt" "$w/mm-bpf.txt" | head -6 | tr '\n' ' ')"; return; }
	"$CRIU" restore -D "$w/bpf" -d -o restore.log --shell-job >"$w/restore.out" 2>&1 ||
		{ echo "FAIL: restore ($(tail -1 "$w/restore.out"))"; return; }
	v=$(verdict "$w" "$pid")
	case $v in
	PASS*) echo "PASS ($(grep -c '"start"' "$w/mm-bpf.txt") areas alike)" ;;
	*) echo "FAIL: after restore: ${v:-no verdict}" ;;
	esac
}

# refused ENV_VAR [LOG_LINE]: both dumps refuse alike; the BPF one's log has LOG_LINE
refused() {
	local env=$1 line=${2:-} w=$ROOT/refused-$1 pid a b
	pid=$(env "$env=1" bash -c "$(declare -f start); ZDTM_DIR=$ZDTM_DIR start vmflags_all $w") ||
		{ [ -e "$w/start.log" ] && echo "SKIP: the test could not make its area here"; return; }
	dump "$w" "$pid" smaps CRIU_VMFLAGS=smaps --leave-running &&
		{ kill -9 "$pid"; echo "FAIL: dump from smaps not refused"; return; }
	dump "$w" "$pid" bpf CRIU_VMFLAGS=auto --leave-running &&
		{ kill -9 "$pid"; echo "FAIL: dump from BPF not refused"; return; }
	kill -9 "$pid"
	a=$(grep -m1 "not supported" "$w/smaps/dump.log" | sed 's/^([0-9. ]*) //')
	b=$(grep -m1 "not supported" "$w/bpf/dump.log" | sed 's/^([0-9. ]*) //')
	[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: refused otherwise: '$a' / '$b'"; return; }
	[ -z "$line" ] || grep -q "$line" "$w/bpf/dump.log" ||
		{ echo "FAIL: the BPF dump's log lacks '$line'"; return; }
	echo "PASS (both: ${a#*criu: })"
}

# "PASS name (...)", "FAIL name: why", "SKIP name: why", as zdtm's runner
report() {
	local name=$1 r=$2
	case $r in
	PASS*) echo "PASS $name${r#PASS}"; pass=$((pass + 1)) ;;
	SKIP*) echo "SKIP $name${r#SKIP}"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL $name${r#FAIL}"; failed=$((failed + 1)) ;;
	esac
}

skipped=0
for t in $TESTS; do
	report "$t" "$(one "$t")"
done
report onfault-refused "$(refused ZDTM_VMFLAGS_ONFAULT)"
report droppable-refused "$(refused ZDTM_VMFLAGS_DROPPABLE "the calibration did not see: VmFlags from smaps")"
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && rm -rf "$ROOT"
[ "$failed" = 0 ]
