#!/bin/bash
# Install the Debian packages criu-ooh needs, only those that are missing.
# Usage: scripts/install-deps.sh build|test|bench
# Idempotent; as non-root it only says what is missing.
set -e

build_pkgs="gcc make protobuf-c-compiler libprotobuf-c-dev pkg-config"
test_pkgs="$build_pkgs criu python3 clang libclang-rt-14-dev util-linux"
bench_pkgs="$build_pkgs gnuplot-nox time criu python3"

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
*) echo "usage: $0 build|test|bench" >&2; exit 1 ;;
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
