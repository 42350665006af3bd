# SPDX-License-Identifier: GPL-2.0
# memcached: 20000 keys set by mc-client.py, rewritten and read back by
# it during the pre-dumps; after restore every key comes back with the
# value it had when the load stopped.

memcached_start() {
	APP_PORT=$(free_port)
	APP_COMM=memcached
	# -U 0: no UDP port; -t 4: four worker threads.
	spawn "$WORK/memcached.log" memcached -l 127.0.0.1 -p "$APP_PORT" -U 0 \
		-m 128 -t 4 -c 256 -u root
	APP_PID=$SPAWNED_PID
	wait_port "$APP_PORT"
}

memcached_fill() {
	"$PYTHON" "$APPS_DIR/mc-client.py" fill "$APP_PORT" "$WORK/keys.json" 20000 \
		>"$WORK/fill.out" 2>&1 || { WHY="fill: $(cat "$WORK/fill.out")"; return 1; }
}

memcached_load_start() {
	spawn "$WORK/load.out" "$PYTHON" "$APPS_DIR/mc-client.py" churn "$APP_PORT" \
		"$WORK/keys.json"
	LOAD_PID=$SPAWNED_PID
}

memcached_load_stop() {
	kill -TERM "$LOAD_PID" 2>/dev/null
	wait_gone "$LOAD_PID" || { kill_pids python3 "$LOAD_PID"; return 1; }
	grep -q '^churn: [1-9][0-9]* operations' "$WORK/load.out" || {
		WHY="load: $(cat "$WORK/load.out")"; return 1; }
	sleep 0.3
}

memcached_snapshot() {
	# No key may have been evicted before the dump: the check counts on all.
	"$PYTHON" "$APPS_DIR/mc-client.py" check "$APP_PORT" "$WORK/keys.json" \
		>"$WORK/check-before.out" 2>&1 ||
		{ WHY="before the dump: $(cat "$WORK/check-before.out")"; return 1; }
}

memcached_before_dump() { :; }

memcached_criu_opts() { :; }

memcached_check() {
	"$PYTHON" "$APPS_DIR/mc-client.py" check "$APP_PORT" "$WORK/keys.json" \
		>"$WORK/check.out" 2>&1 || { WHY="after restore: $(cat "$WORK/check.out")"; return 1; }
}

# One key rewritten with a value the manifest does not expect.
memcached_break() {
	"$PYTHON" "$APPS_DIR/mc-client.py" break "$APP_PORT" "$WORK/keys.json" >/dev/null
}

memcached_cleanup() { kill_pids python3 "${LOAD_PID:-}"; }
