#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-initramfs.sh - make the VM tier's initramfs (an uncompressed newc cpio).
#
#   build-initramfs.sh -o OUT [--add SRC[:DST]]... [--cmd-file FILE]
#                      [--kernel-dir KDIR [--module "NAME|PATH [PARAM=VAL...]"]...]
#
# Always in it: busybox (every applet linked in /bin), /init (./init), bash
# and util-linux's script (zdtm's runner uses both), each with its libraries.
#
#   --add SRC[:DST]   a file or folder from the host; DST defaults to
#                     /bin/NAME for a file, /NAME for a folder. Every ELF file
#                     added brings the shared libraries ldd lists for it.
#   --cmd-file FILE   the test command, run by /init as /vmtest/cmd
#   --kernel-dir KDIR a kernel unpacked by fetch-kernel.sh (for --module)
#   --module M        a module of that kernel by name (kvm_amd), or a .ko file
#                     built against it, with optional parameters; it and the
#                     modules it depends on are copied (decompressed) and
#                     /init loads them in dependency order
set -e

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=
OUT=
KDIR=
ADDS=()
MODULES=()
CMD_FILE=

log() { echo "build-initramfs: $*" >&2; }
die() { log "$*"; exit 1; }

is_elf() {
	[ -f "$1" ] && [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# Copy every shared library (and the loader) that ELF file $1 needs, at the
# path ldd resolves it to. Static files need none.
add_libs() {
	local lib
	ldd "$1" >/dev/null 2>&1 || return 0
	for lib in $(ldd "$1" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}

add_path() {
	local src=${1%%:*} dst f
	dst=${1#*:}
	[ "$dst" = "$1" ] && dst=
	[ -e "$src" ] || die "no such file: $src"
	if [ -d "$src" ]; then
		dst=${dst:-/$(basename "$src")}
		mkdir -p "$ROOT$dst"
		cp -a "$src/." "$ROOT$dst/"
		while IFS= read -r -d '' f; do
			is_elf "$f" && add_libs "$f"
		done < <(find "$src" -type f -print0)
	else
		dst=${dst:-/bin/$(basename "$src")}
		mkdir -p "$ROOT$(dirname "$dst")"
		cp -L "$src" "$ROOT$dst"
		is_elf "$src" && add_libs "$src"
	fi
	return 0
}

add_busybox() {
	local bb=/bin/busybox app
	[ -x $bb ] || die "$bb missing (scripts/install-deps.sh vm)"
	ldd $bb >/dev/null 2>&1 && die "$bb is dynamic: busybox-static is needed"
	mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc/vmtest,vmtest}
	cp $bb "$ROOT/bin/busybox"
	for app in $($bb --list); do
		[ -e "$ROOT/bin/$app" ] || ln -s busybox "$ROOT/bin/$app"
	done
	cp "$VM_DIR/init" "$ROOT/init"
	chmod 755 "$ROOT/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
	echo "root:x:0:" >"$ROOT/etc/group"
}

# --- modules -----------------------------------------------------------------

kver() {
	basename "$(ls -d "$KDIR"/lib/modules/*/ | head -n1)"
}

# Path (relative to lib/modules/VER) of module NAME, '-' and '_' alike.
module_path() {
	local want=${1//-/_}
	awk -F: -v w="$want" '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", n)
		gsub(/-/, "_", n)
		if (n == w) { print $1; exit }
	}' "$KDIR/lib/modules/$(kver)/modules.dep"
}

# Copy $1 (a module file) uncompressed to $2.
copy_module() {
	case "$1" in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Append module NAME and, first, what it depends on to the load list.
declare -A LOADED
queue_module() {
	local name=${1//-/_} params=$2 file rel dep dst mdir
	[ -n "${LOADED[$name]}" ] && return 0
	mdir=/lib/modules/$(kver)
	if [ -f "$1" ]; then
		file=$1
		name=$(basename "$1" .ko)
		name=${name//-/_}
	else
		rel=$(module_path "$name")
		[ -n "$rel" ] || die "module $name not in $KDIR$mdir/modules.dep"
		file=$KDIR$mdir/$rel
	fi
	LOADED[$name]=1
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		queue_module "$dep" ""
	done
	dst=$mdir/$name.ko
	mkdir -p "$ROOT$mdir"
	copy_module "$file" "$ROOT$dst"
	echo "$dst${params:+ $params}" >>"$ROOT/etc/vmtest/modules"
}

add_modules() {
	local m
	[ ${#MODULES[@]} -gt 0 ] || return 0
	[ -d "$KDIR/lib/modules" ] || die "--module needs --kernel-dir with lib/modules"
	for m in "${MODULES[@]}"; do
		queue_module "${m%% *}" "$([ "${m#* }" != "$m" ] && echo "${m#* }")"
	done
}

# --- main --------------------------------------------------------------------

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		-o) OUT=$2; shift ;;
		--add) ADDS+=("$2"); shift ;;
		--cmd-file) CMD_FILE=$2; shift ;;
		--kernel-dir) KDIR=$2; shift ;;
		--module) MODULES+=("$2"); shift ;;
		-h|--help) sed -n '4,24p' "$0"; exit 0 ;;
		*) die "unknown argument $1 (see --help)" ;;
		esac
		shift
	done
	[ -n "$OUT" ] || die "-o OUT is required"
}

main() {
	local a tool

	parse_args "$@"
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
	trap 'rm -rf "$ROOT"' EXIT
	add_busybox
	for tool in /bin/bash /usr/bin/script; do
		[ -x $tool ] || die "$tool missing"
		add_path "$tool:$tool"
	done
	for a in "${ADDS[@]}"; do
		add_path "$a"
	done
	if [ -n "$CMD_FILE" ]; then
		cp "$CMD_FILE" "$ROOT/vmtest/cmd"
		chmod 755 "$ROOT/vmtest/cmd"
	fi
	add_modules
	(cd "$ROOT" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
}

main "$@"
