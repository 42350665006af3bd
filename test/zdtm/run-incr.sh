#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-incr.sh [--criu PATH] [--tree] - the incremental tier (make run-incr).
#
# Runs run.sh in passes: the incr_* tests with 1, 3 and 5 pre-dumps (the
# default tracker), with 2 pre-dumps and --tracker none (everything must
# still restore; the size checks that need a tracker are off), with 2
# pre-dumps and a lazy restore (--lazy), and the
# other tests with 2 pre-dumps as a smoke test. Prints every test line with
# its pass, then the total "N passed, N failed"; exits non-zero on any
# failure. The tests are run.sh's default list; with --tree, its threads
# and trees tests instead (make run-tree).
ZDTM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
list=(--list)
while [ $# -gt 0 ]; do
	case "$1" in
	--criu) args=(--criu "$2"); shift ;;
	--tree) list=(--tree --list) ;;
	*) echo "run-incr.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

incr=() other=()
for t in $("$ZDTM_DIR/run.sh" "${list[@]}"); do
	case "$t" in
	incr_*) incr+=("$t") ;;
	*) other+=("$t") ;;
	esac
done

passed=0
failed=0
skipped=0

# One pass: run.sh's lines tagged with the pass, its summary line counted.
run_pass() {
	local tag=$1 line p f s
	shift
	while IFS= read -r line; do
		if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
			passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		else
			echo "$line [$tag]"
		fi
	done < <("$ZDTM_DIR/run.sh" --keep-going "${args[@]}" "$@" 2>"$errlog")
	# run.sh's diagnostics (failure logs) after its lines, not among them.
	[ -s "$errlog" ] && cat "$errlog" >&2
}

make -s -C "$ZDTM_DIR" >&2 || exit 1
errlog=$(mktemp "${TMPDIR:-/tmp}/run-incr.XXXXXX") || exit 1
trap 'rm -f "$errlog"' EXIT
for n in 1 3 5; do
	run_pass "pre-dump $n" --pre-dump "$n" "${incr[@]}"
done
run_pass "pre-dump 2, tracker none" --pre-dump 2 --tracker none "${incr[@]}"
# lazy restore from a chain: the daemon resolves each page through the parents
run_pass "pre-dump 2, lazy" --pre-dump 2 --lazy "${incr[@]}"
run_pass "pre-dump 2" --pre-dump 2 "${other[@]}"

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
