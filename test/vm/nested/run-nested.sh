#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-nested.sh - the nested tier: OoH Shadow PML end to end.
#
#   run-nested.sh [--no-patches] [--l2-kernel K] [--l2-script FILE]
#                 [--add SRC:DST]... [ZDTM_TEST...]
#
# Level 1: Debian's kernel under QEMU TCG (-cpu max: AMD SVM with nested
# paging) loading the patched kvm.ko and kvm-amd.ko from
# ooh-kmod/host/build-kvm.sh instead of Debian's. Level 2: the same kernel
# under a QEMU inside level 1, -accel kvm -M microvm, running l2-tests.sh:
# hctest.ko (the hypercalls), and when they exist ooh.ko with spml-test
# (what the log turns into: exact pages, shared ring, COW, THP, swap...),
# criu with its plugin, and the zdtm tests with --tracker ooh.
#
# One line per test ("PASS name", "FAIL name: why", "SKIP name: why"), then
# "N passed, N failed"; exit 1 on any failure.
# --no-patches boots level 1 with Debian's own kvm modules: the hypercall
# tests must then fail (the tier's own sanity check).
# --l2-kernel stable|backports: level 2's kernel (default stable, as level
# 1; ooh.ko is taken from the build for it). --l2-script FILE: level 2 runs
# FILE instead of l2-tests.sh (scripts/bench-ooh.sh), with L2_ENV's
# VAR=value words in its environment; --add puts more files in level 2.
# Environment: OOH_KO (default: ooh-kmod/guest's built ooh.ko, if any), L2_ENV,
# CRIU (default criu/criu, if built), ZDTM_TESTS, ZDTM_ANON_MB (default 64),
# L1_MEM (default 3G), L2_MEM (default 1G), L2_TIMEOUT, VM_TIMEOUT,
# L1_NPT (kvm_amd's npt in level 1, default 1: nested paging, where only
# SPML works; 0 gives shadow paging, which EPML needs, and then level 2
# runs EPML's parts), L2_ONLY (the parts of l2-tests.sh to run: hctest spml
# epml fuzz criu zdtm zdtm-epml migrate), MIG_COMPARE=1 (l2-migrate.sh),
# KEEP=DIR (keep the initramfs work and console logs there).

NESTED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_DIR=$(cd "$NESTED_DIR/.." && pwd)
TOP=$(cd "$VM_DIR/../.." && pwd)
PATCHES=1
L2_KERNEL=stable
L2_SCRIPT=
EXTRA_ADDS=()
ZDTM_TESTS=${ZDTM_TESTS:-}
FIRMWARE="qboot.rom bios-microvm.bin linuxboot_dma.bin pvh.bin kvmvapic.bin"

log() { echo "run-nested: $*" >&2; }

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--no-patches) PATCHES=0 ;;
		--l2-kernel) L2_KERNEL=$2; shift ;;
		--l2-script) L2_SCRIPT=$2; shift ;;
		--add) EXTRA_ADDS+=("$2"); shift ;;
		-h|--help) sed -n '4,31p' "$0"; exit 0 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) ZDTM_TESTS="$ZDTM_TESTS $1" ;;
		esac
		shift
	done
}

# The guest module, if the guest helper's build produced one for $1.
find_ooh_ko() {
	[ -n "$OOH_KO" ] && { echo "$OOH_KO"; return; }
	find "$TOP/ooh-kmod/guest" -name ooh.ko -path "*$1*" 2>/dev/null | head -n1 ||
		true
}

# Python with crit's pycriu, for the zdtm runner's image checks of chains.
python_adds() {
	local py d
	py=$(readlink -f /usr/bin/python3)
	echo "--add=$py:/usr/bin/python3"
	echo "--add=/usr/lib/$(basename "$py"):/usr/lib/$(basename "$py")"
	[ -e /usr/bin/crit ] && echo "--add=/usr/bin/crit:/usr/bin/crit"
	for d in pycriu google; do
		echo "--add=/usr/lib/python3/dist-packages/$d:/usr/lib/python3/dist-packages/$d"
	done
}

# The second level's files: hctest.ko always, criu/zdtm/ooh.ko when built.
l2_adds() {
	local kver=$1 ooh criu=${CRIU:-$TOP/criu/criu} a

	echo "--add=$NESTED_DIR/hctest/hctest.ko:/root/hctest.ko"
	echo "--add=$NESTED_DIR/l2-tests.sh:/vmtest/l2-tests.sh"
	[ -n "$L2_SCRIPT" ] && echo "--add=$L2_SCRIPT:/vmtest/l2-script.sh"
	for a in "${EXTRA_ADDS[@]}"; do echo "--add=$a"; done
	ooh=$(find_ooh_ko "$kver")
	[ -z "$ooh" ] && [ -e "$TOP/ooh-kmod/guest/ooh.ko" ] && ooh=$TOP/ooh-kmod/guest/ooh.ko
	[ -n "$ooh" ] && echo "--add=$ooh:/root/ooh.ko"
	[ -n "$ooh" ] && [ -x "$NESTED_DIR/spml-test" ] &&
		echo "--add=$NESTED_DIR/spml-test:/bin/spml-test"
	[ -n "$ooh" ] && [ -x "$TOP/test/ooh/ooh-test" ] &&
		echo "--add=$TOP/test/ooh/ooh-test:/bin/ooh-test"
	if [ -n "$ooh" ] && [ -x "$criu" ]; then
		echo "--add=$criu:/bin/criu"
		echo "--add=$TOP/test/zdtm:/zdtm"
		python_adds
		[ -d "$TOP/plugins/ooh" ] && find "$TOP/plugins/ooh" -name '*.so' |
			while read -r so; do echo "--add=$so:/lib/criu/$(basename "$so")"; done
		migrate_adds
	fi
}

# criu-migrate and what its cases need to make two hosts in level 2
# (l2-migrate.sh): the migrate tier's driver, iproute2 (busybox's ip has
# no veth), util-linux's nsenter and unshare, and procps' pgrep.
migrate_adds() {
	local mig=$TOP/migrate/criu-migrate t

	# always: without criu-migrate its cases say SKIP
	echo "--add=$NESTED_DIR/l2-migrate.sh:/vmtest/l2-migrate.sh"
	[ -x "$mig" ] || return 0
	echo "--add=$mig:/bin/criu-migrate"
	for t in driver.sh hosts.sh; do
		echo "--add=$TOP/test/migrate/$t:/vmtest/migrate/$t"
	done
	for t in ip nsenter unshare pgrep; do
		t=$(command -v "$t") && echo "--add=$(readlink -f "$t"):/usr/sbin/$(basename "$t")"
	done
}

# zram (with what it needs) for a swap device in level 2: spml-test's swap
# case; veth for the two hosts of the migrate cases.
build_l2() {
	local kdir=$1 kver=$2 out=$3 adds=() a
	while read -r a; do adds+=(--add "${a#--add=}"); done < <(l2_adds "$kver")
	if [ -n "$L2_SCRIPT" ]; then
		echo "$L2_ENV bash /vmtest/l2-script.sh" >"$WORK/l2-cmd"
	else
		printf 'ZDTM_TESTS=%q ZDTM_ANON_MB=%q L2_ONLY=%q L1_NPT=%q MIG_COMPARE=%q bash /vmtest/l2-tests.sh\n' \
			"$ZDTM_TESTS" "${ZDTM_ANON_MB:-64}" "$L2_ONLY" "${L1_NPT:-1}" "$MIG_COMPARE" \
			>"$WORK/l2-cmd"
	fi
	"$VM_DIR/build-initramfs.sh" -o "$out" --cmd-file "$WORK/l2-cmd" \
		--kernel-dir "$kdir" --module zram --module veth "${adds[@]}"
}

# Level 1's files: QEMU, level 2's kernel ($1: its folder) and initramfs.
l1_adds() {
	local kdir=$1 f qemu
	qemu=$(command -v qemu-system-x86_64)
	L1_ADDS=(--add "$qemu:/usr/bin/qemu-system-x86_64"
		 --add "$(ls "$kdir"/boot/vmlinuz-*):/l2/kernel"
		 --add "$WORK/l2.cpio:/l2/initramfs.cpio"
		 --add "$NESTED_DIR/l1-run.sh:/vmtest/l1-run.sh")
	printf 'L2_MEM=%q L2_TIMEOUT=%q bash /vmtest/l1-run.sh\n' \
		"${L2_MEM:-1G}" "${L2_TIMEOUT:-1200}" >"$WORK/l1-cmd"
	for f in $FIRMWARE; do
		[ -e "/usr/share/qemu/$f" ] && L1_ADDS+=(--add "/usr/share/qemu/$f:/usr/share/qemu/$f")
	done
}

# Patched (or with --no-patches Debian's) kvm modules for level 1.
kvm_modules() {
	local kdir=$1 moddir
	if [ "$PATCHES" = 0 ]; then
		L1_MODULES=(--module kvm --module kvm_amd)
		return
	fi
	moddir=$("$TOP/ooh-kmod/host/build-kvm.sh" --kernel "$kdir" | tail -n1)
	[ -e "$moddir/kvm-amd.ko" ] || return 1
	# Nested paging by default; EPML needs shadow paging (L1_NPT=0), where
	# KVM walks the guest's tables itself.
	L1_MODULES=(--module "$moddir/kvm.ko" --module "$moddir/kvm-amd.ko npt=${L1_NPT:-1}")
}

main() {
	local kdir kver l2kdir l2kver out rc passed failed t0=$SECONDS t1

	parse_args "$@"
	kdir=$("$VM_DIR/fetch-kernel.sh" stable | tail -n1) || exit 1
	kver=$(basename "$(ls -d "$kdir"/lib/modules/*/ | head -n1)")
	l2kdir=$kdir
	[ "$L2_KERNEL" != stable ] &&
		{ l2kdir=$("$VM_DIR/fetch-kernel.sh" "$L2_KERNEL" | tail -n1) || exit 1; }
	l2kver=$(basename "$(ls -d "$l2kdir"/lib/modules/*/ | head -n1)")
	kvm_modules "$kdir" || { log "kvm modules failed to build"; exit 1; }
	make -s -C "$NESTED_DIR/hctest" KVER="$kver" >&2 2> >(grep -v BTF >&2) ||
		{ log "hctest.ko failed to build"; exit 1; }
	make -s -C "$NESTED_DIR" spml-test >&2 || { log "spml-test failed to build"; exit 1; }
	WORK=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/nested.XXXXXX")}
	mkdir -p "$WORK"
	build_l2 "$l2kdir" "$l2kver" "$WORK/l2.cpio" || { log "level 2 initramfs failed"; exit 1; }
	l1_adds "$l2kdir"
	log "setup took $((SECONDS - t0)) s; booting level 1"
	t1=$SECONDS
	out=$WORK/results
	"$VM_DIR/run-vm.sh" --kernel "$kdir" --timeout "${VM_TIMEOUT:-1500}" \
		${KEEP:+--log-dir "$WORK/l1"} "${L1_MODULES[@]}" "${L1_ADDS[@]}" \
		--mem "${L1_MEM:-3G}" --cmd-file "$WORK/l1-cmd" | tee "$out"
	rc=${PIPESTATUS[0]}
	log "two-level cycle took $((SECONDS - t1)) s"
	passed=$(grep -c '^PASS ' "$out")
	failed=$(grep -c '^FAIL ' "$out")
	if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		echo "FAIL nested: level 1 exit $rc"
		failed=1
	fi
	[ -z "$KEEP" ] && rm -rf "$WORK"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

main "$@"
