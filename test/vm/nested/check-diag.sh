#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-diag.sh - the nested tier's post-mortem works: level 2 panics on
# purpose (l2-crash.sh), and the tier's log must then hold level 2's kernel
# console up to the panic and level 1's kernel log since level 2 started,
# while the console of a level 2 that ends well is never printed.
# One line: "PASS nested-diag" or "FAIL nested-diag: why"; exit 1 on failure.

NESTED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() {
	echo "FAIL nested-diag: $*"
	exit 1
}

# run-vm.sh keeps a failed guest's folder: ours go in one we remove.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-diag.XXXXXX") || fail "no temporary folder"
out=$(TMPDIR=$tmp "$NESTED_DIR/run-nested.sh" --l2-script "$NESTED_DIR/l2-crash.sh" 2>&1)
rc=$?
rm -rf "$tmp"
echo "$out" | grep -E '^(l1|l2-first|l2-console|l1-dmesg|FAIL)' | tail -n 40
[ "$rc" != 0 ] || fail "run-nested.sh exit 0 for a level 2 that panicked"
echo "$out" | grep -q '^l2-console: .*l2-crash: marker before the panic' ||
	fail "level 2's console tail missing (no marker line)"
echo "$out" | grep -q '^l2-console: .*Kernel panic' ||
	fail "level 2's panic not in the log"
echo "$out" | grep -q '^l2-first: .*Kernel panic' ||
	fail "level 2's first kernel error not shown"
echo "$out" | grep -q '^l1-dmesg: .*l1-run: second level starting' ||
	fail "level 1's kernel log missing"
echo "PASS nested-diag"
