#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kvm.sh - build KVM with the OoH Shadow PML patches, out of tree, for
# the Debian kernel the VM tier boots.
#
#   build-kvm.sh [--kernel stable|backports|KDIR] [--no-patches] [--out DIR]
#
# Resolves that kernel (test/vm/fetch-kernel.sh, never a pinned version),
# installs linux-source-X.Y and linux-headers-<kver> with apt-get if missing,
# extracts arch/x86/kvm, virt/kvm and the KVM headers from the source tarball
# (once per source version, under .cache/), applies patches/*.patch in order
# and builds kvm.ko, kvm-amd.ko and kvm-intel.ko against the headers. The
# last line printed is the folder holding the three modules.
#
# Headers the patches change (include/...) shadow the packaged ones through
# an overlay put first on the include path, so every module built here sees
# the patched struct kvm. Only these three modules may be loaded together.
# The modules are rebuilt only when an input changed (FORCE=1: always).
set -e

HOST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HOST_DIR/../.." && pwd)
CACHE=${OOH_HOST_CACHE:-$HOST_DIR/.cache}
KERNEL=stable
PATCHES=1
OUT=

log() { echo "build-kvm: $*" >&2; }
die() { log "$*"; exit 1; }

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) KERNEL=$2; shift ;;
		--no-patches) PATCHES=0 ;;
		--out) OUT=$2; shift ;;
		-h|--help) sed -n '4,20p' "$0"; exit 0 ;;
		*) die "unknown argument $1 (see --help)" ;;
		esac
		shift
	done
}

# The kernel release (6.1.0-NN-amd64) of the VM tier's kernel.
resolve_kver() {
	local kdir=$KERNEL

	[ -d "$kdir" ] || kdir=$("$TOP/test/vm/fetch-kernel.sh" "$KERNEL" | tail -n1)
	[ -d "$kdir/lib/modules" ] || die "no lib/modules in $kdir"
	basename "$(ls -d "$kdir"/lib/modules/*/ | head -n1)"
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

pkg_version() {
	dpkg-query -W -f='${Version}' "$1"
}

# linux-source-X.Y and the headers (which pull linux-kbuild-X.Y) of $1.
install_packages() {
	local kver=$1 src=linux-source-${1%.*-*} missing=
	src=linux-source-$(echo "$kver" | cut -d. -f1-2)
	for p in "$src" "linux-headers-$kver"; do
		installed "$p" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		[ "$(id -u)" = 0 ] || die "need root to install:$missing"
		log "installing:$missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $missing >&2 ||
			die "apt-get install$missing failed"
	fi
	# The source and the headers must be the same upload, or the modules
	# would be built from code that does not match the running kernel.
	[ "$(pkg_version "$src")" = "$(pkg_version "linux-headers-$kver")" ] ||
		die "$src $(pkg_version "$src") != linux-headers-$kver $(pkg_version "linux-headers-$kver")"
	echo "$src"
}

# Pristine KVM sources of package $1, extracted once per version.
extract_pristine() {
	local src=$1 ver dir tarball
	ver=$(pkg_version "$src")
	dir=$CACHE/pristine-$ver
	tarball=$(ls /usr/src/"$src".tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "no /usr/src/$src.tar.* (is $src installed?)"
	if [ ! -d "$dir" ]; then
		log "extracting KVM from $tarball"
		rm -rf "$dir.part"
		mkdir -p "$dir.part"
		tar -xf "$tarball" -C "$dir.part" --strip-components=1 \
			"$src/arch/x86/kvm" "$src/virt/kvm" \
			"$src/include/linux/kvm_host.h" "$src/include/linux/kvm_types.h" \
			"$src/arch/x86/include/asm/kvm_host.h"
		mv "$dir.part" "$dir"
	fi
	echo "$dir"
}

# Fresh copy of the pristine tree with the patches applied.
prepare_tree() {
	local pristine=$1 tree=$2 p

	rm -rf "$tree"
	cp -a "$pristine" "$tree"
	if [ "$PATCHES" = 1 ]; then
		for p in "$HOST_DIR"/patches/*.patch; do
			[ -e "$p" ] || continue
			patch -s -p1 -d "$tree" --no-backup-if-mismatch <"$p" ||
				die "$(basename "$p") does not apply to $(basename "$pristine")"
		done
		check_abi "$tree"
	fi
	# Build from this tree, not from the headers' srctree.
	sed -i 's|\$(srctree)|$(OOH_TREE)|g' "$tree/arch/x86/kvm/Makefile"
	# trace.h includes itself as ../../arch/x86/kvm/trace.h from an include
	# directory: give it one two levels below the tree.
	mkdir -p "$tree/.inc/trace"
	echo 'ccflags-y += -I $(OOH_TREE)/.inc/trace' >>"$tree/arch/x86/kvm/Makefile"
	# Patched headers shadow the packaged ones.
	mkdir -p "$tree/.overlay"
	(cd "$tree" && find include arch/x86/include -name '*.h' 2>/dev/null) |
		while read -r h; do
			mkdir -p "$tree/.overlay/$(dirname "${h#arch/x86/}")"
			cp "$tree/$h" "$tree/.overlay/${h#arch/x86/}"
		done
}

# The patch carries its own copy of the hypercall ABI; it must be the
# project's (ooh-kmod/include/ooh-hypercall.h), which the guest uses.
check_abi() {
	local mine=$1/arch/x86/kvm/ooh-hypercall.h abi=$TOP/ooh-kmod/include/ooh-hypercall.h
	[ -e "$mine" ] || return 0
	cmp -s "$mine" "$abi" ||
		die "patched tree's ooh-hypercall.h differs from $abi: regenerate the patch"
}

# What the modules are made of: the source, the patches, the ABI, this script.
input_stamp() {
	{
		echo "$1 patches=$PATCHES"
		cat "$HOST_DIR"/patches/*.patch "$TOP/ooh-kmod/include/ooh-hypercall.h" "$0"
	} | sha256sum | cut -d' ' -f1
}

build() {
	local tree=$1 kver=$2 hdr=/usr/src/linux-headers-$2 inc

	[ -d "$hdr" ] || die "no $hdr"
	# -nostdinc is what the kernel Makefile puts there; the overlay goes first.
	inc="-nostdinc -I$tree/.overlay/include"
	log "building in $tree against $hdr"
	make -s -C "$hdr" M="$tree/arch/x86/kvm" OOH_TREE="$tree" \
		NOSTDINC_FLAGS="$inc" -j"$(nproc)" modules >&2 ||
		die "build failed"
}

main() {
	local kver src pristine tree out m stamp t0=$SECONDS

	parse_args "$@"
	kver=$(resolve_kver)
	src=$(install_packages "$kver")
	pristine=$(extract_pristine "$src")
	tree=$CACHE/build-$kver
	[ "$PATCHES" = 1 ] || tree=$tree-unpatched
	out=${OUT:-$CACHE/modules-$kver}
	[ "$PATCHES" = 1 ] || out=${OUT:-$out-unpatched}
	stamp=$(input_stamp "$pristine")
	if [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ] && [ -z "$FORCE" ]; then
		log "up to date: $out"
		echo "$out"
		return 0
	fi
	prepare_tree "$pristine" "$tree"
	build "$tree" "$kver"
	mkdir -p "$out"
	rm -f "$out/.stamp"
	for m in kvm kvm-amd kvm-intel; do
		cp "$tree/arch/x86/kvm/$m.ko" "$out/$m.ko"
	done
	echo "$stamp" >"$out/.stamp"
	log "kvm.ko kvm-amd.ko kvm-intel.ko for $kver in $((SECONDS - t0)) s"
	echo "$out"
}

main "$@"
