#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkpatches.sh A B - regenerate patches/*.patch from a pristine tree A and
# an edited tree B (both as build-kvm.sh extracts them). Maintainer tool:
# the series is split by what each patch does, file by file.
set -e
HOST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
A=$1 B=$2
[ -d "$A" ] && [ -d "$B" ] || { echo "usage: $0 PRISTINE EDITED" >&2; exit 2; }

# patch NAME SUBJECT FILE...
emit() {
	local name=$1 subject=$2 out f
	shift 2
	out=$HOST_DIR/patches/$name.patch
	{
		echo "Subject: [PATCH] $subject"
		echo
		sed -n "/^## $name\$/,/^##/{/^##/d;p}" "$HOST_DIR/patches/SERIES"
		echo "---"
		for f in "$@"; do
			if [ -e "$A/$f" ]; then
				diff -u --label "a/$f" --label "b/$f" "$A/$f" "$B/$f" || true
			else
				diff -u --label /dev/null --label "b/$f" /dev/null "$B/$f" || true
			fi
		done
	} >"$out"
	echo "$out"
}

emit 0001-kvm-ooh-shadow-pml-core "KVM: x86: OoH Shadow PML hypercalls and guest ring" \
	include/linux/kvm_host.h include/linux/kvm_ooh.h \
	arch/x86/kvm/Makefile arch/x86/kvm/ooh-hypercall.h \
	arch/x86/kvm/ooh.h arch/x86/kvm/ooh.c \
	arch/x86/kvm/ooh_ring.h arch/x86/kvm/ooh_ring.c
emit 0002-kvm-ooh-hooks "KVM: feed marked-dirty frames and OoH hypercalls to OoH" \
	virt/kvm/kvm_main.c arch/x86/kvm/x86.c
emit 0003-kvm-mmu-ooh-write-logging "KVM: x86/mmu: trap writes 4K at a time while OoH logs" \
	arch/x86/kvm/mmu/mmu.c arch/x86/kvm/mmu/spte.c
emit 0004-kvm-ooh-epml "KVM: x86/mmu: OoH Extended PML, a per-process log of written guest-virtual pages" \
	arch/x86/kvm/ooh_epml.c arch/x86/kvm/mmu/paging_tmpl.h
