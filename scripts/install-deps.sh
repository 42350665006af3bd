#!/bin/bash
# Install the Debian packages criu-ooh needs, only those that are missing.
# Usage: scripts/install-deps.sh build|test|bench|vm|ooh|ooh-host
# Idempotent; as non-root it only says what is missing.
set -e

build_pkgs="gcc make protobuf-c-compiler libprotobuf-c-dev pkg-config"
# test/rpc: the Python client (python3-protobuf, protoc), runc and a busybox rootfs.
# test/migrate: ip and ss (network namespaces, a veth pair), nsenter (util-linux).
test_pkgs="$build_pkgs criu python3 clang libclang-rt-14-dev util-linux python3-protobuf protobuf-compiler runc busybox-static iproute2"
bench_pkgs="$build_pkgs gnuplot-nox time criu python3 redis-server redis-tools"
# test/vm: QEMU, the initramfs (busybox, cpio, bash, script from bsdutils),
# kernel unpacking (dpkg, xz, zstd, readelf), module copying (kmod), static probe.
vm_pkgs="$build_pkgs qemu-system-x86 busybox-static cpio bsdutils dpkg xz-utils zstd binutils kmod libc6-dev"
# test/ooh: the VM tier plus what builds ooh.ko out of tree; the kernel
# headers themselves are fetched for the guest kernel at run time
# (ooh-kmod/guest/fetch-headers.sh), gcc-12 is the compiler of bookworm's kernels.
ooh_pkgs="$vm_pkgs gcc-12"
# ooh-kmod/host: patching and building KVM out of tree. The versioned
# linux-source-X.Y and linux-headers-<kver> are resolved and installed by
# ooh-kmod/host/build-kvm.sh for the kernel the VM tier boots.
ooh_host_pkgs="$vm_pkgs patch diffutils tar"

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
vm) want=$vm_pkgs ;;
ooh) want=$ooh_pkgs ;;
ooh-host) want=$ooh_host_pkgs ;;
*) echo "usage: $0 build|test|bench|vm|ooh|ooh-host" >&2; exit 1 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
