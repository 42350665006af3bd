#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-headers.sh - find or fetch the linux-headers of a VM-tier kernel and
# print the folder to build ooh.ko against (make KDIR=...).
#
#   fetch-headers.sh [stable|backports|KERNEL_DIR]
#
# The kernel is the one test/vm/fetch-kernel.sh resolves (never pinned); its
# headers are linux-headers-<version> with linux-headers-*-common and
# linux-kbuild-* of the same version. When /usr/src has them installed they
# are used. Otherwise the three packages are fetched with apt-get download
# (for backports through fetch-kernel.sh's private apt state, so no host name
# is written here) and unpacked under test/vm/.cache/headers/<version>/: the
# backports headers depend on their linux-image package, which must not be
# installed on this machine. Only the kernel's compiler (gcc-12 for both
# bookworm kernels) is installed system-wide, with apt-get, if missing.
set -e

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_DIR=$(cd "$GUEST_DIR/../../test/vm" && pwd)
CACHE=${VM_CACHE:-$VM_DIR/.cache}
FLAVOUR=${1:-stable}
APT_OPTS=()

log() { echo "fetch-headers: $*" >&2; }

usable() {
	[ -e "$1/Makefile" ] && [ -e "$1/scripts/Makefile.build" ] &&
		[ -e "$1/Module.symvers" ]
}

# The gcc the kernel was configured with (gcc-12...), or plain gcc.
compiler_of() {
	local v
	v=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(x86_64-linux-gnu-\)\{0,1\}gcc-\([0-9]*\) .*/\2/p' \
		"$1/.config" 2>/dev/null)
	echo "gcc${v:+-$v}"
}

need_compiler() {
	local cc

	cc=$(compiler_of "$1")
	command -v "$cc" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || { log "$cc missing (run as root)"; return 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$cc" >&2
}

backports_opts() {
	local dir=$CACHE/apt-backports
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
		  -o "Dir::Etc::SourceParts=$dir/parts"
		  -o "Dir::State::Lists=$dir/lists"
		  -o "Dir::Cache=$dir/cache")
}

# linux-headers-$1 and the versioned packages of its source it depends on.
closure() {
	echo "linux-headers-$1"
	apt-cache "${APT_OPTS[@]}" depends "linux-headers-$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(headers|kbuild)-/ { print $2 }'
}

# Download and unpack into $2; the Makefile's absolute include is redirected.
unpack() {
	local kver=$1 root=$2 tmp pkgs=() f

	mapfile -t pkgs < <(closure "$kver")
	tmp=$(mktemp -d "$CACHE/hdr.XXXXXX")
	chmod 755 "$tmp"
	log "downloading ${pkgs[*]}"
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root \
		download -qq "${pkgs[@]}" >&2) ||
		{ rm -rf "$tmp"; log "apt-get download ${pkgs[*]} failed"; return 1; }
	rm -rf "$root.part"
	mkdir -p "$root.part"
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$root.part"
	done
	rm -rf "$tmp"
	sed -i "s,^include /usr/src/,include $root/usr/src/," \
		"$root.part/usr/src/linux-headers-$kver/Makefile"
	rm -rf "$root"
	mv "$root.part" "$root"
}

main() {
	local kdir kver hdr root

	if [ -d "$FLAVOUR" ]; then
		kdir=$FLAVOUR
	else
		kdir=$("$VM_DIR/fetch-kernel.sh" "$FLAVOUR" | tail -n1)
	fi
	kver=$(basename "$(ls -d "$kdir"/lib/modules/*/ | head -n1)")
	[ -n "$kver" ] || { log "no lib/modules in $kdir"; return 1; }
	hdr=/usr/src/linux-headers-$kver
	if ! usable "$hdr"; then
		root=$CACHE/headers/$kver
		hdr=$root/usr/src/linux-headers-$kver
		if ! usable "$hdr"; then
			[ "$FLAVOUR" = backports ] && backports_opts
			unpack "$kver" "$root"
		fi
	fi
	usable "$hdr" || { log "linux-headers-$kver unusable in $hdr"; return 1; }
	need_compiler "$hdr"
	log "linux-headers-$kver: $hdr"
	echo "$hdr"
}

mkdir -p "$CACHE"
main
