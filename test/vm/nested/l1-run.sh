#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l1-run.sh - runs inside the first-level guest (the KVM host of the tier):
# boots the second-level guest under -accel kvm and passes its results up.
#
# Expects /l2/kernel and /l2/initramfs.cpio (made by run-nested.sh with
# test/vm/build-initramfs.sh, so the second level runs the same /init) and
# /dev/kvm from the patched modules /init loaded. The second level has two
# serial ports, as the first: ttyS0 its kernel console, kept in a file here,
# and ttyS1 (an ISA port added to microvm) where its /init reports as
# "VMTEST: line"; those lines are printed here without the prefix, and this
# script exits with the second level's status (124: none reported).
# When the second level does not end with status 0, its first kernel error
# ("l2-first: "), the tail of its kernel console ("l2-console: ") and of this
# level's kernel log ("l1-dmesg: ")
# follow, so that a panic, an oops or a KVM warning shows in the log; when
# it ends well, only this level's kernel warnings (if any) are shown.
# Environment: L2_MEM (default 512M), L2_TIMEOUT (default 480 s),
# L2_APPEND (more kernel command line), L2_DIAG_LINES (default 60).

L2_OUT=/tmp/l2-serial.log
L2_CONSOLE=/tmp/l2-console.log
DIAG_LINES=${L2_DIAG_LINES:-60}

# The second level, its results on stdout. The console stays quiet while it
# boots (loglevel 4: errors only; oops and panic raise it themselves);
# l2-tests.sh raises it once the tests start.
run_l2() {
	timeout -k 5 "${L2_TIMEOUT:-480}" qemu-system-x86_64 -accel kvm -M microvm \
		-cpu host -m "${L2_MEM:-512M}" -smp 1 -nodefaults -no-reboot \
		-display none -kernel /l2/kernel -initrd /l2/initramfs.cpio \
		-append "console=ttyS0 quiet panic=-1 $L2_APPEND" \
		-serial "file:$L2_CONSOLE" \
		-chardev stdio,id=results -device isa-serial,chardev=results,index=1 \
		</dev/null 2>&1
}

# What to look at when the second level died or failed.
diagnose() {
	local qemu_rc=$1 kmsg_before=$2

	echo "l1: qemu exit $qemu_rc (124: timeout; 0 with no status: reset or panic)"
	echo "l1: ---- what qemu printed besides the results"
	tr -d '\r' <"$L2_OUT" | grep -v '^VMTEST' | tail -n 20 | sed 's/^/l2-qemu: /'
	# A fault inside a fault handler repeats until the stack runs out: the
	# tail shows only the repeats, the first report says what happened.
	echo "l1: ---- the second level's first kernel error, if any"
	tr -d '\r' <"$L2_CONSOLE" |
		sed -n '/BUG:\|Oops\|WARNING:\|general protection\|Kernel panic/,$p' |
		head -n 40 | sed 's/^/l2-first: /'
	echo "l1: ---- tail of the second level's kernel console"
	tr -d '\r' <"$L2_CONSOLE" | tail -n "$DIAG_LINES" | sed 's/^/l2-console: /'
	echo "l1: ---- this level's kernel log since the second level started"
	dmesg | tail -n +"$((kmsg_before + 1))" | tail -n "$DIAG_LINES" | sed 's/^/l1-dmesg: /'
}

# Even when the second level ended well: warnings of this level's kernel
# (the patched KVM's WARN_ONs) while it ran, a sign of the next failure.
kvm_warnings() {
	dmesg | tail -n +"$(($1 + 1))" | grep -E 'WARNING|BUG|Oops|Call Trace' |
		head -n 20 | sed 's/^/l1-dmesg: /'
}

main() {
	local t0 rc qemu_rc kmsg_before

	[ -c /dev/kvm ] || { echo "FAIL l1/kvm: no /dev/kvm in the first level"; exit 1; }
	grep -q svm /proc/cpuinfo || echo "l1: no svm flag in /proc/cpuinfo"
	: >"$L2_CONSOLE"
	kmsg_before=$(dmesg | wc -l)
	# The first line diagnose() shows of this level's log: where L2 began.
	echo "l1-run: second level starting" >/dev/kmsg
	t0=$(date +%s)
	run_l2 | tee "$L2_OUT" |
		while IFS= read -r line; do
			# Line by line as they come (sed or tr would hold them in a buffer).
			line=${line%$'\r'}
			case "$line" in
			"VMTEST: "*) echo "${line#VMTEST: }" ;;
			esac
		done
	qemu_rc=${PIPESTATUS[0]}
	rc=$(tr -d '\r' <"$L2_OUT" | sed -n 's/^VMTEST-EXIT: //p' | tail -n1)
	echo "l1: second level ran $(($(date +%s) - t0)) s, exit ${rc:-none}"
	if [ "$rc" = 0 ] && [ "$qemu_rc" = 0 ]; then
		kvm_warnings "$kmsg_before"
		exit 0
	fi
	diagnose "$qemu_rc" "$kmsg_before"
	[ -z "$rc" ] && exit 124
	[ "$rc" = 0 ] && exit 1
	exit "$rc"
}

main "$@"
