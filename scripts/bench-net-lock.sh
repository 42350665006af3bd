#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-net-lock.sh [RUNS]: what each --network-lock method costs. Dumps
# and restores test/zdtm's sk_tcp_established (4 established connections,
# 2 listeners) RUNS times (default 5) per method and prints the medians of
# the dump's frozen time (criu's own figure, dump.log) and of the restore's
# wall time. Needs root, a built tree (make all; make -C test/zdtm).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$ROOT/test/zdtm/static/sk_tcp_established
C=$ROOT/criu/criu
RUNS=${1:-5}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for m in skip iptables nftables; do
	fz=() rs=()
	for ((i = 1; i <= RUNS; i++)); do
		d=$(mktemp -d /dev/shm/bench-net-lock.XXXXXX)
		mkdir "$d/img"
		(cd "$d" && "$T" --pidfile "$d/pid" --outfile "$d/out" </dev/null >"$d/log" 2>&1)
		p=$(cat "$d/pid")
		"$C" dump -t "$p" -D "$d/img" --tcp-established --network-lock "$m" -o dump.log -v4 ||
			{ echo "$m: dump failed (see $d)"; exit 1; }
		while [ -e "/proc/$p" ]; do sleep 0.01; done
		t0=$(date +%s%N)
		"$C" restore -D "$d/img" -d --network-lock "$m" -o restore.log -v4 ||
			{ echo "$m: restore failed (see $d)"; exit 1; }
		t1=$(date +%s%N)
		kill -TERM "$p"
		for ((j = 0; j < 100; j++)); do [ -s "$d/out" ] && break; sleep 0.05; done
		grep -q '^PASS' "$d/out" || { echo "$m: test says $(head -c 100 "$d/out")"; exit 1; }
		fz+=("$(grep -o 'dump: frozen [0-9.]*' "$d/img/dump.log" | awk '{ print $3 }')")
		rs+=("$(((t1 - t0) / 1000000))")
		rm -rf "$d"
	done
	printf '%-9s frozen %s ms, restore %s ms (medians of %d)\n' "$m" \
		"$(printf '%s\n' "${fz[@]}" | median)" "$(printf '%s\n' "${rs[@]}" | median)" "$RUNS"
done
