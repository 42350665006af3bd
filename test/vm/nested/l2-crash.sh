#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l2-crash.sh - level 2 dies as the tier's flake did (a panic, then the
# reset that panic=-1 asks for): make check-diag runs it with
# run-nested.sh --l2-script and wants the panic in the tier's log.

echo 7 >/proc/sys/kernel/printk
echo "l2-crash: panicking now"
echo "l2-crash: marker before the panic" >/dev/kmsg
echo c >/proc/sysrq-trigger
echo "FAIL l2-crash: still alive after sysrq c"
