#!/bin/bash
# Debian's runc against criu-ooh: `runc --criu PATH checkpoint` on a
# busybox container gets through runc's version and feature checks (both
# RPC requests) and then a clear refusal naming the container's
# namespaces, with the container left running. One line per test.
set -u
CRIU=${CRIU:-$(realpath ../../criu/criu)}
tmp=$(mktemp -d /tmp/rpc-runc.XXXXXX)
id=criu-ooh-rpc-$$
passed=0 failed=0

pass() { echo "PASS runc/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL runc/$1: $2"; failed=$((failed + 1)); }

cleanup() {
	runc kill "$id" KILL >/dev/null 2>&1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		runc delete -f "$id" >/dev/null 2>&1 && break
		sleep 0.2
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

make_bundle() {
	mkdir -p "$tmp/bundle/rootfs/bin" &&
	cp /bin/busybox "$tmp/bundle/rootfs/bin/" &&
	ln -s busybox "$tmp/bundle/rootfs/bin/sleep" &&
	(cd "$tmp/bundle" && runc spec) &&
	/usr/bin/python3 - "$tmp/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c['process']['terminal'] = False
c['process']['args'] = ['/bin/sleep', '100000']
json.dump(c, open(sys.argv[1], 'w'))
PY
}

container_running() {
	runc state "$id" 2>/dev/null | grep -q '"status": "running"'
}

# $1: test name, $2: extra checkpoint options
checkpoint() {
	local dir=$tmp/$1
	shift
	mkdir -p "$dir/img" "$dir/work"
	runc --debug --criu "$CRIU" checkpoint "$@" --image-path "$dir/img" \
		--work-path "$dir/work" "$id" >"$dir/runc.out" 2>&1
}

if ! make_bundle >"$tmp/spec.log" 2>&1; then
	fail bundle "can't build the busybox bundle: $(tail -1 "$tmp/spec.log")"
elif ! (cd "$tmp/bundle" && runc run -d "$id" </dev/null >/dev/null 2>&1) || ! container_running; then
	fail container "runc can't start the busybox container"
else
	checkpoint dump
	log=$tmp/dump/work/dump.log
	if grep -q "CRIU version check failed\|criu version" "$tmp/dump/runc.out"; then
		fail version_check "runc refused criu-ooh's version: $(grep -i version "$tmp/dump/runc.out" | tail -1)"
	elif [ ! -s "$log" ]; then
		fail version_check "runc never sent the DUMP (no dump.log): $(tail -1 "$tmp/dump/runc.out")"
	else
		pass version_check
	fi
	if grep -q "namespaces of its own (pid, mnt" "$log" 2>/dev/null; then
		pass namespaces_refused
	else
		fail namespaces_refused "dump.log does not name the namespaces"
	fi
	if grep -q "criu failed: type DUMP errno" "$tmp/dump/runc.out"; then
		pass dump_fails
	else
		fail dump_fails "runc did not report a failed DUMP"
	fi
	if container_running; then
		pass container_left_running
	else
		fail container_left_running "the container is not running after the refusal"
	fi
	checkpoint predump --pre-dump
	if grep -q "Feature check says: .*success:true.*mem_track:true" "$tmp/predump/runc.out"; then
		pass feature_check
	else
		fail feature_check "runc's FEATURE_CHECK did not report mem_track"
	fi
	if grep -q "namespaces of its own" "$tmp/predump/work/dump.log" 2>/dev/null &&
	   grep -q "criu failed: type PRE_DUMP" "$tmp/predump/runc.out" && container_running; then
		pass pre_dump_refused
	else
		fail pre_dump_refused "pre-dump not refused cleanly"
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
