#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - the VM tier: criu check, the soft-dirty probe and the zdtm
# suite inside Debian kernels under QEMU (TCG).
#
#   run-tests.sh [--kernel K]... [ZDTM_TEST...]
#
# K: stable (bookworm, 6.1) or backports (bookworm-backports, 6.12), both by
# default (KERNELS="stable backports"). One line per test, named
# KERNEL/TEST, then "N passed, N failed"; exit 1 on any failure.
# Environment: VM_APPEND (more guest kernel command line, e.g. noxsave),
# ZDTM_ANON_MB (default 64), ZDTM_ARGS (runner options, e.g.
# "--pre-dump 2 --tracker soft-dirty": brings python and pycriu into the guest
# for the image checks, as does WITH_PYTHON=1), THP (never, madvise, always;
# default: the kernel's), CRIU (default ../../criu/criu), VM_TIMEOUT.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$VM_DIR/../.." && pwd)
CRIU=${CRIU:-$TOP/criu/criu}
KERNELS=()
TESTS=()

log() { echo "$*" >&2; }

# Python with crit's pycriu and protobuf, for the runner's image checks of
# pre-dump chains (lib/check-images.py): only when ZDTM_ARGS asks for those.
python_adds() {
	local py d
	case " $ZDTM_ARGS " in
	*" --pre-dump "*) ;;
	*) [ "$WITH_PYTHON" = 1 ] || return 0 ;;
	esac
	py=$(readlink -f /usr/bin/python3)
	echo --add "$py:/usr/bin/python3"
	echo --add "/usr/lib/$(basename "$py"):/usr/lib/$(basename "$py")"
	for d in pycriu google; do
		echo --add "/usr/lib/python3/dist-packages/$d:/usr/lib/python3/dist-packages/$d"
	done
	# the runner reads stats-dump with crit (a python script)
	echo --add "/usr/bin/crit:/usr/bin/crit"
}

# Boot kernel $1 and run guest-tests.sh there; result lines renamed $1/NAME.
run_kernel() {
	local k=$1 out rc thp=() py

	[ -n "$THP" ] && thp=(--thp "$THP")
	mapfile -t py < <(python_adds | tr ' ' '\n')
	out=$(mktemp)
	"$VM_DIR/run-vm.sh" --kernel "$k" "${thp[@]}" --timeout "${VM_TIMEOUT:-600}" \
		${VM_APPEND:+--append "$VM_APPEND"} \
		--add "$CRIU:/bin/criu" \
		--add "$VM_DIR/softdirty-probe:/bin/softdirty-probe" \
		--add "$TOP/test/zdtm:/zdtm" \
		--add "$VM_DIR/guest-tests.sh:/vmtest/guest-tests.sh" "${py[@]}" \
		-- env ZDTM_ANON_MB="${ZDTM_ANON_MB:-64}" ZDTM_ARGS="$ZDTM_ARGS" \
		VMFLAGS_AB="${VMFLAGS_AB:-}" \
		bash /vmtest/guest-tests.sh "${TESTS[@]}" |
		sed -u "s,^\(PASS\|FAIL\|SKIP\) ,\1 $k/," | tee "$out"
	rc=${PIPESTATUS[0]}
	PASSED=$((PASSED + $(grep -c '^PASS ' "$out")))
	FAILED=$((FAILED + $(grep -c '^FAIL ' "$out")))
	SKIPPED=$((SKIPPED + $(grep -c '^SKIP ' "$out")))
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $k/vm: guest exit $rc"
		FAILED=$((FAILED + 1))
	fi
	rm -f "$out"
}

main() {
	local k line

	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) KERNELS+=("$2"); shift ;;
		-h|--help) sed -n '4,14p' "$0"; exit 0 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) TESTS+=("$1") ;;
		esac
		shift
	done
	[ ${#KERNELS[@]} -gt 0 ] || read -ra KERNELS <<<"${KERNELS_DEFAULT:-stable backports}"
	[ -x "$CRIU" ] || { log "no criu at $CRIU (build it first)"; exit 2; }
	[ -x "$VM_DIR/softdirty-probe" ] || { log "build softdirty-probe first (make -C $VM_DIR)"; exit 2; }
	PASSED=0 FAILED=0 SKIPPED=0
	for k in "${KERNELS[@]}"; do
		run_kernel "$k"
	done
	line="$PASSED passed, $FAILED failed"
	[ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
	echo "$line"
	[ "$FAILED" -eq 0 ]
}

main "$@"
