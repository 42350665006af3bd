#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tracker-tests.sh KERNEL... - the dirty-tracker tests (test/trackers)
# inside each guest kernel, where soft-dirty exists (the host lacks it).
# THP is off: soft-dirty marks a whole huge page written for one byte.
# One line per test, prefixed with the kernel, then "N passed, N failed".

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TR_DIR=$VM_DIR/../trackers
passed=0
failed=0

for k in "${@:-stable backports}"; do
	out=$("$VM_DIR/run-vm.sh" --kernel "$k" --thp never \
		--add "$TR_DIR/tracker-test.static:/bin/tracker-test" \
		--add "$TR_DIR/victim.static:/bin/victim" \
		-- env TRACKER_TEST_MIB=64 /bin/tracker-test --victim /bin/victim 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) passed=$((passed + 1)); echo "PASS $k/${line#PASS }" ;;
		FAIL\ *) failed=$((failed + 1)); echo "FAIL $k/${line#FAIL }" ;;
		SKIP\ *) echo "SKIP $k/${line#SKIP }" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
		failed=$((failed + 1))
		echo "FAIL $k/tracker-test: guest exit $rc"
		# the guest console's tail as run-vm.sh printed it: a panic's first lines too
		tail -n 35 <<<"$out"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
