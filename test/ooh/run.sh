#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the OoH module tests in the VM tier: one guest per kernel, with
# ooh.ko built against that kernel's headers.
#
#   run.sh [--kernel stable|backports]...     (default: both)
#
# One line per test, named KERNEL/TEST, then "N passed, N failed"; exit 1
# on any failure. Expects ooh-test, criu/criu and plugins/ooh/ooh.so built
# (make -C test/ooh run does all of it).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
KERNELS=()
PASSED=0
FAILED=0

run_kernel() {
	local k=$1 ko out rc

	if ! make -s -C "$TOP/ooh-kmod/guest" KERNEL="$k" >/dev/null; then
		echo "FAIL $k/build: ooh.ko does not build against $k's headers"
		FAILED=$((FAILED + 1))
		return
	fi
	ko=$(make -s --no-print-directory -C "$TOP/ooh-kmod/guest" KERNEL="$k" print-ko)
	out=$(mktemp)
	"$TOP/test/vm/run-vm.sh" --kernel "$k" --timeout "${VM_TIMEOUT:-300}" \
		--module "$ko" --add "$ko:/ooh/ooh.ko" \
		--add "$HERE/ooh-test:/bin/ooh-test" \
		--add "$TOP/criu/criu:/bin/criu" \
		--add "$TOP/plugins/ooh/ooh.so:/plugins/ooh/ooh.so" \
		--add "$HERE/guest.sh:/vmtest/ooh-guest.sh" \
		-- env OOH_FUZZ_CALLS="${OOH_FUZZ_CALLS:-20000}" bash /vmtest/ooh-guest.sh |
		sed -u "s,^\(PASS\|FAIL\) ,\1 $k/," | tee "$out"
	rc=${PIPESTATUS[0]}
	PASSED=$((PASSED + $(grep -c '^PASS ' "$out")))
	FAILED=$((FAILED + $(grep -c '^FAIL ' "$out")))
	# A guest that dies (oops, timeout) without a FAIL line still fails.
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $k/vm: guest exit $rc"
		FAILED=$((FAILED + 1))
	fi
	rm -f "$out"
}

main() {
	local k

	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) KERNELS+=("$2"); shift ;;
		*) echo "usage: $0 [--kernel stable|backports]..." >&2; exit 2 ;;
		esac
		shift
	done
	[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(stable backports)
	for k in "${KERNELS[@]}"; do
		run_kernel "$k"
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
}

main "$@"
