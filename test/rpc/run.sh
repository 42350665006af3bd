#!/bin/bash
# The RPC tier: the Python client, the libcriu client, and runc. Each
# prints one line per test; the total comes last.
cd "$(dirname "$0")" || exit 1
CRIU=$(realpath ../../criu/criu)
export CRIU
tmp=$(mktemp -d /tmp/rpc-tier.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

run_part() {
	local out
	"$@" 2>"$tmp/stderr" | tee "$tmp/out" | grep -E '^(PASS|FAIL) '
	out=$(tail -1 "$tmp/out")
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "FAIL $1: no summary line (stderr: $(tail -1 "$tmp/stderr"))"
		failed=$((failed + 1))
	fi
}

run_part /usr/bin/python3 ./test_rpc.py
mkdir -p "$tmp/libcriu"
run_part ./libcriu-test "$CRIU" "$(realpath victim)" "$tmp/libcriu"
LD_LIBRARY_PATH=$(realpath ../../lib/c) run_part ./libcriu-dlopen ../../lib/c/libcriu.so.2
run_part ./notify-fd-test
run_part ./install-test.sh
run_part ./runc-test.sh
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
