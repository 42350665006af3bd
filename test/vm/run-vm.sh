#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh - boot a Debian kernel under QEMU (TCG) and run a command inside.
#
#   run-vm.sh [options] [--] CMD [ARG...]
#   run-vm.sh [options] --cmd-file SCRIPT
#
# The guest is a busybox initramfs (build-initramfs.sh) with bash, the files
# given with --add and their shared libraries. CMD runs as root in /root with
# /proc, /sys, /dev, /dev/pts, /dev/shm, /tmp mounted. Everything it prints
# is shown here as it comes; run-vm.sh exits with CMD's status, 124 if the
# guest did not report one within the timeout, 125 if it could not run CMD.
#
#   --kernel K        stable (default), backports, or a folder from fetch-kernel.sh
#   --add SRC[:DST]   put a host file/folder in the guest (see build-initramfs.sh)
#   --module M        load kernel module M (name or .ko, "M PARAM=VAL..." for parameters)
#   --cmd-file FILE   run this script instead of CMD
#   --thp MODE        transparent huge pages: never, madvise or always
#   --append ARGS     more kernel command line
#   --mem SIZE        guest memory (default 2G)
#   --smp N           guest CPUs (default: host CPUs, at most 4)
#   --timeout SECS    kill the guest after SECS (default 900)
#   --log-dir DIR     keep console.log (kernel console) and results.log there
#   --shell           interactive busybox shell on the console instead of CMD
#
# Environment: VM_KERNEL (default for --kernel), VM_QEMU (qemu binary).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNEL=${VM_KERNEL:-stable}
QEMU=${VM_QEMU:-qemu-system-x86_64}
MEM=2G
SMP=$(nproc)
[ "$SMP" -gt 4 ] && SMP=4
TIMEOUT=900
APPEND=
LOG_DIR=
CMD_FILE=
SHELL_MODE=0
BUILD_ARGS=()
PREFIX="VMTEST: "

log() { echo "run-vm: $*" >&2; }

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) KERNEL=$2; shift ;;
		--add) BUILD_ARGS+=(--add "$2"); shift ;;
		--module) BUILD_ARGS+=(--module "$2"); shift ;;
		--cmd-file) CMD_FILE=$2; shift ;;
		--thp) APPEND="$APPEND vmtest.thp=$2"; shift ;;
		--append) APPEND="$APPEND $2"; shift ;;
		--mem) MEM=$2; shift ;;
		--smp) SMP=$2; shift ;;
		--timeout) TIMEOUT=$2; shift ;;
		--log-dir) LOG_DIR=$2; shift ;;
		--shell) SHELL_MODE=1 ;;
		-h|--help) sed -n '4,28p' "$0"; exit 0 ;;
		--) shift; break ;;
		-*) log "unknown option $1 (see --help)"; exit 2 ;;
		*) break ;;
		esac
		shift
	done
	CMD=("$@")
	if [ "$SHELL_MODE" = 0 ] && [ -z "$CMD_FILE" ] && [ ${#CMD[@]} -eq 0 ]; then
		log "nothing to run: give CMD or --cmd-file (see --help)"
		exit 2
	fi
}

kernel_dir() {
	if [ -d "$KERNEL" ]; then
		echo "$KERNEL"
	else
		"$VM_DIR/fetch-kernel.sh" "$KERNEL" | tail -n1
	fi
}

# The guest's /vmtest/cmd: the script given, or CMD quoted for bash.
write_cmd() {
	if [ -n "$CMD_FILE" ]; then
		cp "$CMD_FILE" "$WORK/cmd"
	else
		printf '%q ' "${CMD[@]}" >"$WORK/cmd"
		echo >>"$WORK/cmd"
	fi
}

boot() {
	local kdir=$1 append="console=ttyS0 quiet loglevel=4 panic=-1 $APPEND"

	if [ "$SHELL_MODE" = 1 ]; then
		append="$append vmtest.shell=1"
		"$QEMU" -accel tcg -cpu max -smp "$SMP" -m "$MEM" -nographic -no-reboot \
			-kernel "$(kernel_image "$kdir")" -initrd "$WORK/initramfs.cpio" \
			-append "$append"
		return
	fi
	# ttyS0: the kernel's console; ttyS1: the results channel (/init).
	timeout -k 5 "$TIMEOUT" "$QEMU" -accel tcg -cpu max -smp "$SMP" -m "$MEM" \
		-display none -monitor none -no-reboot \
		-kernel "$(kernel_image "$kdir")" -initrd "$WORK/initramfs.cpio" \
		-append "$append" \
		-serial "file:$WORK/console.log" -serial "file:$WORK/results.log" &
	QEMU_PID=$!
	# Show results as they arrive, while QEMU runs.
	tail -n +1 -s 0.2 --pid=$QEMU_PID -f "$WORK/results.log" 2>/dev/null |
		tr -d '\r' | sed -u -n "s/^$PREFIX//p"
	wait $QEMU_PID
}

elapsed() {
	local ms=$((($(date +%s%N) - $1) / 1000000))
	printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100))
}

# The PVH vmlinux if fetch-kernel.sh could make one (boots 3x faster), else bzImage.
kernel_image() {
	if [ -e "$1/boot/vmlinux-pvh" ]; then
		echo "$1/boot/vmlinux-pvh"
	else
		ls "$1"/boot/vmlinuz-*
	fi
}

# The guest's exit status from the results channel.
guest_status() {
	local rc
	rc=$(tr -d '\r' <"$WORK/results.log" | sed -n 's/^VMTEST-EXIT: //p' | tail -n1)
	case "$rc" in
	''|*[!0-9]*) echo 124 ;;
	*) echo "$rc" ;;
	esac
}

main() {
	local kdir t0 rc

	parse_args "$@"
	kdir=$(kernel_dir) || { log "no kernel"; return 1; }
	if [ -n "$LOG_DIR" ]; then
		mkdir -p "$LOG_DIR" && WORK=$(cd "$LOG_DIR" && pwd)
	else
		WORK=$(mktemp -d "${TMPDIR:-/tmp}/vm.XXXXXX")
	fi
	: >"$WORK/console.log"
	: >"$WORK/results.log"
	write_cmd
	[ ${#BUILD_ARGS[@]} -gt 0 ] && case " ${BUILD_ARGS[*]} " in
		*" --module "*) BUILD_ARGS+=(--kernel-dir "$kdir") ;;
	esac
	"$VM_DIR/build-initramfs.sh" -o "$WORK/initramfs.cpio" --cmd-file "$WORK/cmd" \
		"${BUILD_ARGS[@]}" || { log "initramfs build failed"; return 1; }
	t0=$(date +%s%N)
	boot "$kdir"
	[ "$SHELL_MODE" = 1 ] && return 0
	rc=$(guest_status)
	log "$(basename "$kdir"): guest exit $rc after $(elapsed "$t0") s"
	if [ "$rc" != 0 ]; then
		[ "$rc" = 124 ] && log "no exit status from the guest (timeout ${TIMEOUT}s or crash)"
		log "---- tail of the guest console ($WORK/console.log)"
		tail -n 30 "$WORK/console.log" | tr -d '\r' >&2
	fi
	rm -f "$WORK/initramfs.cpio"
	[ -z "$LOG_DIR" ] && [ "$rc" = 0 ] && rm -rf "$WORK"
	return "$rc"
}

main "$@"
