#!/bin/bash
# lib/c's install: header, library and criu.pc in a scratch prefix; a
# program built only from `pkg-config --cflags --libs criu` asks criu-ooh
# its version through the installed library. One line, then the counts.
set -u
CRIU=${CRIU:-$(realpath ../../criu/criu)}
tmp=$(mktemp -d /tmp/rpc-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/usr

result() {
	if [ "$1" = ok ]; then
		echo "PASS install/pkg_config_build"
		echo "1 passed, 0 failed"
	else
		echo "FAIL install/pkg_config_build: $1"
		echo "0 passed, 1 failed"
		exit 1
	fi
}

make -s -C ../../lib/c install PREFIX="$prefix" DESTDIR= >"$tmp/make.log" 2>&1 ||
	result "make install failed: $(tail -1 "$tmp/make.log")"
for f in lib/libcriu.so.2 include/criu/criu.h include/criu/rpc.pb-c.h lib/pkgconfig/criu.pc; do
	[ -e "$prefix/$f" ] || result "$f not installed"
done
cat > "$tmp/v.c" <<'C'
#include <stdio.h>
#include <criu/criu.h>
int main(int argc, char **argv)
{
	if (criu_init_opts() || criu_set_service_binary(argv[1]))
		return 1;
	printf("%d\n", criu_get_version());
	return 0;
}
C
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs criu) ||
	result "pkg-config does not know criu"
gcc -o "$tmp/v" "$tmp/v.c" $flags -Wl,-rpath,"$prefix/lib" 2>"$tmp/cc.log" ||
	result "build with pkg-config flags failed: $(head -1 "$tmp/cc.log")"
v=$("$tmp/v" "$CRIU")
[ "$v" = 40300 ] || result "installed libcriu reports version '$v'"
result ok
