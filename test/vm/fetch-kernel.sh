#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh - get a Debian guest kernel for the VM tier, print its folder.
#
#   fetch-kernel.sh [stable|backports]
#
# stable (default): the kernel linux-image-amd64 depends on in the machine's
#   apt sources (bookworm: 6.1).
# backports: the same from bookworm-backports (6.12). Its apt source is derived
#   from the machine's own bookworm source (same mirror, same key), written to a
#   private apt state under .cache/apt-backports; the system's apt setup is not
#   touched.
#
# Versions are resolved on every run, never pinned. The package is unpacked with
# dpkg-deb -x into .cache/kernel/<package>/ (boot/vmlinuz-*, lib/modules/* with
# modules.dep made by depmod),
# plus boot/vmlinux-pvh, the unpacked kernel QEMU boots faster; the last line
# of output is that folder.
set -e

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VM_CACHE:-$VM_DIR/.cache}
FLAVOUR=${1:-stable}
APT_OPTS=()

log() { echo "fetch-kernel: $*" >&2; }

codename() {
	. /etc/os-release
	echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"
}

# Print "URI|components|signed-by" of the first deb source for suite $1,
# from one-line (*.list) and deb822 (*.sources) files.
find_source() {
	local suite=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v s="$suite" '
			$1 != "deb" { next }
			{
				i = 2; sb = ""
				if ($2 ~ /^\[/) {
					while (i <= NF) {
						if ($i ~ /^\[?signed-by=/) {
							sb = $i; sub(/^\[?signed-by=/, "", sb); sub(/\]$/, "", sb)
						}
						if ($i ~ /\]$/) { i++; break }
						i++
					}
				}
				if ($(i + 1) != s) next
				comps = ""
				for (j = i + 2; j <= NF; j++) comps = comps " " $j
				print $i "|" substr(comps, 2) "|" sb; exit
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v s="$suite" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && uris != "")
					{ split(uris, u, " "); print u[1] "|" comps "|" sb; found = 1; exit }
				types = suites = uris = comps = sb = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = $1; sub(/:$/, "", key); val = $0
				sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "Types") types = val
				else if (key == "Suites") suites = val
				else if (key == "URIs") uris = val
				else if (key == "Components") comps = val
				else if (key == "Signed-By") sb = val
			}
			END { if (!found) flush() }' "$f"
	done | head -n1
}

# A private apt state that sees only <codename>-backports.
setup_backports() {
	local dir=$CACHE/apt-backports suite src uri comps sb
	suite=$(codename)
	src=$(find_source "$suite")
	[ -n "$src" ] || { log "no 'deb ... $suite' source in /etc/apt: can't derive backports"; return 1; }
	IFS='|' read -r uri comps sb <<<"$src"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts"
	{
		printf 'deb '
		[ -n "$sb" ] && printf '[signed-by=%s] ' "$sb"
		printf '%s %s-backports %s\n' "$uri" "$suite" "${comps:-main}"
	} >"$dir/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
		  -o "Dir::Etc::SourceParts=$dir/parts"
		  -o "Dir::State::Lists=$dir/lists"
		  -o "Dir::Cache=$dir/cache")
	# Refresh the private index once a day.
	if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		log "apt-get update for: $(cat "$dir/sources.list")"
		apt-get "${APT_OPTS[@]}" update -qq >&2 ||
			[ -n "$(find "$dir/lists" -maxdepth 1 -name '*Packages*')" ] ||
			return 1
		touch "$dir"/lists/*Packages* 2>/dev/null
	fi
}

# Unpack the ELF kernel from bzImage $1 into $2. QEMU boots such a vmlinux
# straight at its PVH entry point: no decompression in the guest, which under
# TCG takes about 9 s of a 14 s boot. The boot protocol header gives where the
# payload is (setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c); its
# last 4 bytes are the decompressed size, checked here.
extract_vmlinux() {
	local bz=$1 out=$2 setup_sects off len want magic

	setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	off=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
	off=$(((setup_sects + 1) * 512 + off))
	want=$(tail -c +$((off + len - 3)) "$bz" | head -c4 | od -An -tu4 | tr -d ' ')
	magic=$(tail -c +$((off + 1)) "$bz" | head -c4 | od -An -tx1 | tr -d ' ')
	case "$magic" in
	fd377a58) tail -c +$((off + 1)) "$bz" | head -c $((len - 4)) | xz -dc >"$out.tmp" ;;
	28b52ffd) tail -c +$((off + 1)) "$bz" | head -c $((len - 4)) | zstd -qdc >"$out.tmp" ;;
	1f8b*) tail -c +$((off + 1)) "$bz" | head -c $((len - 4)) | gzip -dc >"$out.tmp" ;;
	*) log "$bz: payload compression $magic not handled, booting bzImage"; return 0 ;;
	esac
	if [ "$(stat -c %s "$out.tmp" 2>/dev/null)" != "$want" ]; then
		log "$bz: payload did not unpack to $want bytes, booting bzImage"
		rm -f "$out.tmp"
		return 0
	fi
	# 0x12 is the Xen ELF note type of the PVH entry point.
	if ! readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen .*(0x00000012)'; then
		log "$bz: vmlinux has no PVH entry, booting bzImage"
		rm -f "$out.tmp"
		return 0
	fi
	mv "$out.tmp" "$out"
}

# The versioned image package the meta package currently depends on.
resolve_package() {
	apt-cache "${APT_OPTS[@]}" depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

main() {
	local pkg dir deb tmp kver

	case "$FLAVOUR" in
	stable) ;;
	backports) setup_backports ;;
	*) log "usage: $0 [stable|backports]"; return 2 ;;
	esac
	pkg=$(resolve_package)
	[ -n "$pkg" ] || { log "apt knows no linux-image-amd64 ($FLAVOUR)"; return 1; }
	dir=$CACHE/kernel/$pkg
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
		log "downloading $pkg"
		# _apt can't write into a root-only folder: let it, for this download.
		chmod 755 "$tmp"
		(cd "$tmp" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root \
			download -qq "$pkg" >&2) ||
			{ rm -rf "$tmp"; log "apt-get download $pkg failed"; return 1; }
		deb=$(ls "$tmp"/*.deb)
		rm -rf "$dir.part"
		mkdir -p "$dir.part"
		dpkg-deb -x "$deb" "$dir.part"
		rm -rf "$tmp" "$dir"
		mv "$dir.part" "$dir"
	fi
	# The package leaves modules.dep to depmod at install time.
	kver=$(basename "$(ls -d "$dir"/lib/modules/*/ | head -n1)")
	[ -e "$dir/lib/modules/$kver/modules.dep" ] ||
		depmod -b "$dir" "$kver" || { log "depmod -b $dir $kver failed"; return 1; }
	[ -e "$dir/boot/vmlinux-pvh" ] ||
		extract_vmlinux "$(ls "$dir"/boot/vmlinuz-*)" "$dir/boot/vmlinux-pvh"
	log "$pkg: $(cd "$dir/boot" && echo vmlinu*)"
	echo "$dir"
}

mkdir -p "$CACHE"
main
