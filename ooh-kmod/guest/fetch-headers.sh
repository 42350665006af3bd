#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-headers.sh - make sure the linux-headers of a VM-tier kernel are
# installed, print the kernel version (the KVER to build ooh.ko with).
#
#   fetch-headers.sh [stable|backports|KERNEL_DIR]
#
# The kernel is the one test/vm/fetch-kernel.sh resolves (never pinned); its
# headers are linux-headers-<version>, which pull in linux-headers-*-common,
# linux-kbuild-* and the compiler the kernel was built with. stable: plain
# apt-get install from the machine's sources. backports: the packages of the
# same version are downloaded through fetch-kernel.sh's private apt state for
# bookworm-backports (so no host name is written here), then installed with
# apt-get, which takes their remaining dependencies from the machine's sources.
set -e

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_DIR=$(cd "$GUEST_DIR/../../test/vm" && pwd)
CACHE=${VM_CACHE:-$VM_DIR/.cache}
FLAVOUR=${1:-stable}

log() { echo "fetch-headers: $*" >&2; }

have_headers() {
	[ -e "/usr/src/linux-headers-$1/Makefile" ] &&
		[ -e "/usr/src/linux-headers-$1/scripts/Makefile.build" ] &&
		command -v "$(compiler_of "$1")" >/dev/null
}

# The gcc the kernel was configured with (gcc-12, gcc-14...), or gcc.
compiler_of() {
	local v
	v=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="x86_64-linux-gnu-gcc-\([0-9]*\) .*/\1/p' \
		"/usr/src/linux-headers-$1/.config" 2>/dev/null)
	echo "gcc${v:+-$v}"
}

backports_opts() {
	local dir=$CACHE/apt-backports
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
		  -o "Dir::Etc::SourceParts=$dir/parts"
		  -o "Dir::State::Lists=$dir/lists"
		  -o "Dir::Cache=$dir/cache")
}

# The headers package and the versioned packages it depends on from the
# same source package: linux-headers-*-common and linux-kbuild-*.
backports_closure() {
	local pkg=$1
	echo "$pkg"
	apt-cache "${APT_OPTS[@]}" depends "$pkg" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(headers|kbuild)-/ { print $2 }'
}

install_backports() {
	local kver=$1 tmp pkgs=()

	backports_opts
	mapfile -t pkgs < <(backports_closure "linux-headers-$kver")
	tmp=$(mktemp -d "$CACHE/hdr.XXXXXX")
	chmod 755 "$tmp"
	log "downloading ${pkgs[*]} (bookworm-backports)"
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root \
		download -qq "${pkgs[@]}" >&2) ||
		{ rm -rf "$tmp"; log "apt-get download ${pkgs[*]} failed"; return 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "$tmp"/*.deb >&2 ||
		{ rm -rf "$tmp"; log "apt-get install of the backports headers failed"; return 1; }
	rm -rf "$tmp"
}

main() {
	local kdir kver

	if [ -d "$FLAVOUR" ]; then
		kdir=$FLAVOUR
	else
		kdir=$("$VM_DIR/fetch-kernel.sh" "$FLAVOUR" | tail -n1)
	fi
	kver=$(basename "$(ls -d "$kdir"/lib/modules/*/ | head -n1)")
	[ -n "$kver" ] || { log "no lib/modules in $kdir"; return 1; }
	if ! have_headers "$kver"; then
		[ "$(id -u)" = 0 ] || { log "linux-headers-$kver missing (run as root)"; return 1; }
		if apt-cache show "linux-headers-$kver" >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends "linux-headers-$kver" >&2 ||
				{ log "apt-get install linux-headers-$kver failed"; return 1; }
		else
			install_backports "$kver"
		fi
		# The kernel's own compiler, if the headers' dependencies missed it.
		command -v "$(compiler_of "$kver")" >/dev/null ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends "$(compiler_of "$kver")" >&2
	fi
	have_headers "$kver" || { log "linux-headers-$kver still unusable"; return 1; }
	echo "$kver"
}

main
