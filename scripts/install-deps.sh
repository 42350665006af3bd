#!/bin/bash
# Install the Debian packages criu-ooh needs, only those that are missing.
# Usage: scripts/install-deps.sh build|test|bench|vm|ooh|ooh-host
# Idempotent; as non-root it only says what is missing.
set -e

# libgnutls28-dev: criu --tls (criu/tls.c)
# clang, libbpf-dev: the task_vma BPF iterator that reads the areas' VmFlags (criu/vma-iter.c)
build_pkgs="gcc make protobuf-c-compiler libprotobuf-c-dev pkg-config libgnutls28-dev clang libbpf-dev"
# test/rpc: the Python client (python3-protobuf, protoc), runc and a busybox rootfs.
# nftables, iptables: criu's --network-lock (established TCP connections).
# test/migrate: ip and ss (network namespaces, a veth pair), nsenter (util-linux);
# certtool (gnutls-bin) makes the CA, certificates and CRL of tls.sh.
test_pkgs="$build_pkgs criu python3 clang libclang-rt-14-dev util-linux python3-protobuf protobuf-compiler runc busybox-static nftables iptables iproute2 gnutls-bin"
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
# test/apps: the real programs checkpointed under load, and their clients
# (redis-benchmark and redis-cli are in redis-tools; curl for nginx and
# Python); bench-apps: the same, and matplotlib (Debian's) for its plot.
apps_pkgs="redis-server redis-tools memcached nginx-light curl python3"
test_pkgs="$test_pkgs $apps_pkgs"
bench_pkgs="$bench_pkgs $apps_pkgs python3-matplotlib"
# bench-migrate: two network namespaces and a veth pair (ip, ss), nsenter.
bench_pkgs="$bench_pkgs iproute2 util-linux"

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

# Debian starts redis-server, memcached and nginx as system services when
# they are installed. The tests start their own instances on ports they
# pick and never use these, so the packages are installed with service
# starts denied (invoke-rc.d honours policy-rc.d; exit 101 = action
# forbidden); an existing policy-rc.d of the host is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts while installing\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
	trap 'rm -f "$policy"' EXIT
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ -n "$own_policy" ] && rm -f "$policy" && trap - EXIT

# A service of the newly installed packages that started anyway (a host
# whose policy-rc.d allows it) is stopped and kept from starting at boot.
for svc in redis-server memcached nginx; do
	case " $missing " in
	*" $svc "* | *" $svc-light "*) ;;
	*) continue ;;
	esac
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	elif command -v service >/dev/null; then
		service "$svc" stop >/dev/null 2>&1 || true
	fi
done
exit 0
