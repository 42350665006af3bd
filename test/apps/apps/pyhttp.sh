# SPDX-License-Identifier: GPL-2.0
# python3 -m http.server (a ThreadingHTTPServer: a thread per request)
# serving a folder of files under a curl loop; after restore it serves
# the same files.

pyhttp_start() {
	APP_PORT=$(free_port)
	APP_COMM=python3
	www_make
	spawn "$WORK/pyhttp.log" "$PYTHON" -m http.server --bind 127.0.0.1 \
		--directory "$WORK/www" "$APP_PORT"
	APP_PID=$SPAWNED_PID
	wait_port "$APP_PORT"
}

pyhttp_fill() { :; }
pyhttp_load_start() { www_load_start; }
pyhttp_load_stop() { www_load_stop; }
pyhttp_snapshot() { www_snapshot; }
pyhttp_before_dump() { :; }
pyhttp_criu_opts() { :; }
pyhttp_check() { www_check; }
pyhttp_break() { www_break; }
pyhttp_cleanup() { kill_pids bash "${LOAD_PID:-}"; }
