#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l1-run.sh - runs inside the first-level guest (the KVM host of the tier):
# boots the second-level guest under -accel kvm and passes its results up.
#
# Expects /l2/kernel and /l2/initramfs.cpio (made by run-nested.sh with
# test/vm/build-initramfs.sh, so the second level runs the same /init) and
# /dev/kvm from the patched modules /init loaded. The second level has one
# serial port: its kernel console is quiet and its /init reports there as
# "VMTEST: line"; those lines are printed here without the prefix, and this
# script exits with the second level's status (124: none reported).
# Environment: L2_MEM (default 512M), L2_TIMEOUT (default 480 s).

L2_OUT=/tmp/l2-serial.log

[ -c /dev/kvm ] || { echo "FAIL l1/kvm: no /dev/kvm in the first level"; exit 1; }
grep -q svm /proc/cpuinfo || echo "l1: no svm flag in /proc/cpuinfo"

t0=$(date +%s)
timeout -k 5 "${L2_TIMEOUT:-480}" qemu-system-x86_64 -accel kvm -M microvm -cpu host \
	-m "${L2_MEM:-512M}" -smp 1 -nodefaults -no-reboot -display none \
	-kernel /l2/kernel -initrd /l2/initramfs.cpio \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 $L2_APPEND" \
	-serial stdio </dev/null 2>&1 | tee "$L2_OUT" |
	while IFS= read -r line; do
		# Line by line as they come (sed or tr would hold them in a buffer).
		line=${line%$'\r'}
		case "$line" in
		"VMTEST: "*) echo "${line#VMTEST: }" ;;
		esac
	done
rc=$(tr -d '\r' <"$L2_OUT" | sed -n 's/^VMTEST-EXIT: //p' | tail -n1)
echo "l1: second level ran $(($(date +%s) - t0)) s, exit ${rc:-none}"
if [ -z "$rc" ]; then
	echo "l1: ---- tail of the second level's serial"
	tail -n 25 "$L2_OUT" | tr -d '\r'
	exit 124
fi
exit "$rc"
