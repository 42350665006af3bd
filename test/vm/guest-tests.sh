#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-tests.sh - the VM tier's checks, run inside the guest by run-tests.sh.
#
#   guest-tests.sh [ZDTM_TEST...]
#
# One line per test: "PASS name", "FAIL name: why" or "SKIP name: why":
#   criu-check       criu check exits 0 on this kernel
#   softdirty-probe  the kernel sets and clears pagemap's soft-dirty bit
#   zdtm/NAME        each zdtm test through a dump/restore cycle
#   vmflags/NAME     its images the same with VmFlags from the BPF iterator
#                    and from smaps (zdtm/vmflags-ab.sh), or SKIP saying why
#                    this kernel gets them from smaps only
# Expects /bin/criu, /bin/softdirty-probe and the zdtm folder at /zdtm.
# Environment: ZDTM_ANON_MB (passed on to the tests), ZDTM_ARGS (more runner
# options, e.g. for pre-dump chains), SKIP_ZDTM=1 to run only the probes,
# VMFLAGS_AB=1 to add the vmflags/ checks.

criu_check() {
	local out
	if out=$(criu check 2>&1); then
		echo "PASS criu-check"
	else
		echo "FAIL criu-check: exit $?: $(echo "$out" | tail -n3 | tr '\n' ' ')"
	fi
}

softdirty() {
	softdirty-probe || true
}

# Line by line (busybox sed can't unbuffer): result lines get prefix $1, the
# runner's summary line is dropped (run-tests.sh counts).
rename_lines() {
	local line
	while IFS= read -r line; do
		case "$line" in
		PASS\ *|FAIL\ *|SKIP\ *) echo "${line%% *} $1${line#* }" ;;
		[0-9]*" passed, "[0-9]*" failed"*) ;;
		*) echo "$line" ;;
		esac
	done
}

# The runner's own result lines, renamed zdtm/NAME; its diagnostics on stderr
# pass through. A runner that dies without a FAIL line still fails here.
zdtm() {
	local rc failed

	[ "$SKIP_ZDTM" = 1 ] && return 0
	failed=$(mktemp)
	# shellcheck disable=SC2086
	(cd /zdtm && ZDTM_REAPED=1 TMPDIR=/dev/shm ./lib/subreaper ./run.sh --keep-going \
		--criu /bin/criu $ZDTM_ARGS "$@") 2>&1 | rename_lines zdtm/ | tee "$failed"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$failed"; then
		echo "FAIL zdtm: runner exited $rc"
	fi
	rm -f "$failed"
}

# after a pre-dump with the best tracker here (soft-dirty on 6.1); only
# when VMFLAGS_AB=1 (it needs crit, which the runs with pre-dumps carry)
vmflags() {
	[ "$SKIP_ZDTM" = 1 ] || [ "$VMFLAGS_AB" != 1 ] && return 0
	(cd /zdtm && ZDTM_REAPED=1 TMPDIR=/dev/shm VMFLAGS_AB_TRACKER=auto ./lib/subreaper \
		./vmflags-ab.sh --criu /bin/criu vmflags_all madv_flags incr:vmflags_all) 2>&1 |
		rename_lines vmflags/
}

main() {
	local out=/tmp/guest-tests.out
	{
		criu_check
		softdirty
		zdtm "$@"
		vmflags
	} | tee $out
	! grep -q '^FAIL ' $out
}

main "$@"
