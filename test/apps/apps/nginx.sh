# SPDX-License-Identifier: GPL-2.0
# nginx: a master and two workers serving a folder of files, under a curl
# loop; after restore it serves the same files.

nginx_start() {
	APP_PORT=$(free_port)
	APP_COMM=nginx
	www_make
	mkdir -p "$WORK/nginx-tmp"
	# Everything under $WORK: no pid file, log or temp file in the
	# host's nginx paths (-e: the error log before the config is read).
	cat >"$WORK/nginx.conf" <<EOC
daemon off;
master_process on;
worker_processes 2;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx-tmp/body;
	proxy_temp_path $WORK/nginx-tmp/proxy;
	fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
	scgi_temp_path $WORK/nginx-tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$APP_PORT;
		root $WORK/www;
	}
}
EOC
	spawn "$WORK/nginx.log" nginx -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf"
	APP_PID=$SPAWNED_PID
	wait_port "$APP_PORT"
}

nginx_fill() { :; }
nginx_load_start() { www_load_start; }
nginx_load_stop() { www_load_stop; }
nginx_snapshot() { www_snapshot; }
nginx_before_dump() { :; }
nginx_criu_opts() { :; }
nginx_check() { www_check; }
nginx_break() { www_break; }
nginx_cleanup() { kill_pids bash "${LOAD_PID:-}"; }
