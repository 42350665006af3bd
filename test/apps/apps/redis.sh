# SPDX-License-Identifier: GPL-2.0
# redis-server: data from redis-benchmark, its load redis-benchmark in a
# loop; after restore DEBUG DIGEST and DBSIZE are those of before the
# dump, and a client connected through the checkpoint (--tcp-established)
# gets the right answer to its next command.

redis_cli() { redis-cli -h 127.0.0.1 -p "$APP_PORT" "$@"; }

redis_start() {
	APP_PORT=$(free_port)
	APP_COMM=redis-server
	spawn "$WORK/redis.log" redis-server --bind 127.0.0.1 --port "$APP_PORT" \
		--dir "$WORK" --save '' --appendonly no --daemonize no \
		--enable-debug-command local --protected-mode yes
	APP_PID=$SPAWNED_PID
	wait_port "$APP_PORT"
}

# Strings, lists and hashes, 100000 random keys of 64 bytes.
redis_fill() {
	redis-benchmark -h 127.0.0.1 -p "$APP_PORT" -q -r 100000 -n 100000 -d 64 \
		-t set,lpush,hset,sadd >"$WORK/fill.out" 2>&1 &&
		[ "$(redis_cli DBSIZE)" -gt 1000 ]
}

redis_load_start() {
	spawn "$WORK/load.out" redis-benchmark -h 127.0.0.1 -p "$APP_PORT" -q -l -n 10000 \
		-r 100000 -d 64 -c 20 -t set,get,incr,lpush,hset
	LOAD_PID=$SPAWNED_PID
}

redis_load_stop() {
	# Its output so far is all there is to keep (it may sit out SIGINT).
	kill_pids redis-benchmark "$LOAD_PID"
	wait_gone "$LOAD_PID" || return 1
	# Let the server see its clients' connections close.
	sleep 0.3
	grep -q 'requests per second' "$WORK/load.out" || {
		WHY="redis-benchmark load did no requests"; return 1; }
}

redis_snapshot() {
	BEFORE_DIGEST=$(redis_cli DEBUG DIGEST) && BEFORE_DBSIZE=$(redis_cli DBSIZE) || {
		WHY="redis-cli DEBUG DIGEST/DBSIZE failed before the dump"; return 1; }
}

# A client connected through the checkpoint: redis-conn.py waits for
# SIGUSR1 on its open connection, then sends DBSIZE.
redis_before_dump() {
	local i

	rm -f "$WORK/conn.ready"
	spawn "$WORK/conn.out" "$PYTHON" "$APPS_DIR/redis-conn.py" "$APP_PORT" "$WORK/conn.ready"
	CONN_PID=$SPAWNED_PID
	for ((i = 0; i < 100; i++)); do
		[ -e "$WORK/conn.ready" ] && return 0
		sleep 0.05
	done
	WHY="redis-conn.py did not connect: $(cat "$WORK/conn.out")"
	return 1
}

redis_criu_opts() { echo --tcp-established; }

redis_check() {
	local digest dbsize i

	kill -USR1 "$CONN_PID"
	for ((i = 0; i < 200; i++)); do
		alive "$CONN_PID" || break
		sleep 0.05
	done
	if alive "$CONN_PID"; then
		kill_pids python3 "$CONN_PID"
		WHY="the client connected through the checkpoint got no answer to DBSIZE"
		return 1
	fi
	[ "$(cat "$WORK/conn.out")" = "$BEFORE_DBSIZE" ] || {
		WHY="the client connected through the checkpoint: DBSIZE '$(cat "$WORK/conn.out")', expected $BEFORE_DBSIZE"
		return 1; }
	digest=$(redis_cli DEBUG DIGEST)
	dbsize=$(redis_cli DBSIZE)
	[ "$digest" = "$BEFORE_DIGEST" ] || {
		WHY="DEBUG DIGEST $digest after restore, $BEFORE_DIGEST before"; return 1; }
	[ "$dbsize" = "$BEFORE_DBSIZE" ] || {
		WHY="DBSIZE $dbsize after restore, $BEFORE_DBSIZE before"; return 1; }
	[ "$(redis_cli SET after-restore yes)" = OK ] &&
		[ "$(redis_cli GET after-restore)" = yes ] || {
		WHY="SET/GET after restore failed"; return 1; }
}

# One key renamed: the same DBSIZE, another digest.
redis_break() {
	local key

	key=$(redis_cli RANDOMKEY) && [ -n "$key" ] &&
		[ "$(redis_cli RENAME "$key" "$key.x")" = OK ]
}

redis_cleanup() { kill_pids python3 "${CONN_PID:-}"; kill_pids redis-benchmark "${LOAD_PID:-}"; }
