#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-lazy-dump.sh OLD_CRIU NEW_CRIU [RUNS] [MIB] [PCT]: the final
# `dump --lazy-pages` of a migration, two criu builds in the same run,
# alternating. Each run: track-workload of MIB MiB (default 4096) writing
# PCT % of its pages per second (default 1), two tracked pre-dumps a
# second apart (pagemap-scan, by NEW_CRIU; their pages files dropped),
# then the final dump --lazy-pages --track-mem on top of them by the
# build under test. Prints per run: ms from its start to "images ready"
# (--status-fd), frozen_time (stats-dump), the bytes of pages-N.img, and
# the time lazy-fetch.py takes to fetch every lazy page; then medians.
# Root; images under /dev/shm.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OLD=$1 NEW=$2 RUNS=${3:-3} MIB=${4:-4096} PCT=${5:-1}
WL=$HERE/../test/bench-track/track-workload
[ -x "$OLD" ] && [ -x "$NEW" ] || { echo "usage: $0 OLD_CRIU NEW_CRIU [RUNS] [MIB] [PCT]" >&2; exit 2; }
make -s -C "$HERE/../test/bench-track" >&2 || exit 1

ms() { echo $(( ($2 - $1) / 1000000 )).$(( ($2 - $1) / 1000 % 1000 / 100 )); }

one_run() {
	local criu=$1 w p port t0 t1 frozen size fetch

	w=$(mktemp -d /dev/shm/lzd.XXXX)
	mkdir -p "$w/pre1" "$w/pre2" "$w/final"
	setsid "$WL" -s "$MIB" -p "$PCT" -r "$w/ready" -o "$w/rate" </dev/null >"$w/wl.log" 2>&1 &
	p=$!
	while [ ! -e "$w/ready" ]; do sleep 0.05; done
	"$NEW" pre-dump -t "$p" -D "$w/pre1" --track-mem --dirty-tracker=pagemap-scan -o criu.log &&
		rm -f "$w"/pre1/pages-*.img && sleep 1 &&
		"$NEW" pre-dump -t "$p" -D "$w/pre2" --prev-images-dir ../pre1 --track-mem -o criu.log &&
		rm -f "$w"/pre2/pages-*.img && sleep 1 || { echo "pre-dumps failed" >&2; return 1; }
	port=$((29000 + RANDOM % 2000))
	mkfifo "$w/status"
	t0=$(date +%s%N)
	"$criu" dump -t "$p" -D "$w/final" --prev-images-dir ../pre2 --track-mem --lazy-pages \
		--address 127.0.0.1 --port "$port" --status-fd 3 -v4 -o criu.log 3>"$w/status" &
	local cpid=$!
	head -c1 "$w/status" >/dev/null
	t1=$(date +%s%N)
	fetch=$(python3 "$HERE/lazy-fetch.py" 127.0.0.1 "$port" "$w/final" | grep -o '[0-9.]* s$')
	wait "$cpid" || echo "dump exited $?" >&2
	frozen=$(crit decode -i "$w/final/stats-dump" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["dump"]["frozen_time"]/1000)')
	size=$(cat "$w"/final/pages-*.img | wc -c)
	echo "ready_ms $(ms "$t0" "$t1") frozen_ms $frozen pages_bytes $size fetch_s ${fetch% s} load $(cut -d' ' -f1 /proc/loadavg)"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	[ -n "$BENCH_KEEP_LOG" ] && cp "$w/final/criu.log" "$BENCH_KEEP_LOG.$(basename "$criu")"
	rm -rf "$w"
}

out=$(mktemp)
for ((r = 0; r < RUNS; r++)); do
	for c in "$OLD" "$NEW"; do
		line=$(one_run "$c") || continue
		echo "$c $line" | tee -a "$out"
	done
done
for c in "$OLD" "$NEW"; do
	grep "^$c " "$out" | python3 -c '
import sys, statistics as st
rows = [l.split() for l in sys.stdin]
def med(k):
	return st.median(float(r[r.index(k) + 1]) for r in rows)
print(sys.argv[1], "runs", len(rows), "median ready_ms %.1f frozen_ms %.1f pages_bytes %d fetch_s %.3f" %
      (med("ready_ms"), med("frozen_ms"), med("pages_bytes"), med("fetch_s")))' "$c"
done
rm -f "$out"
