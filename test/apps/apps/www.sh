# SPDX-License-Identifier: GPL-2.0
# What nginx and the Python server share: a folder of files to serve, a
# curl loop over them as the load, and the served files' checksums.

WWW_FILES="small.txt page.html mid.bin big.bin"

# The files: 1 KiB, 16 KiB, 256 KiB and 2 MiB of random bytes; their
# sha256 sums in $WORK/www.sha256.
www_make() {
	local d=$WORK/www

	mkdir -p "$d"
	head -c 1024 /dev/urandom | base64 >"$d/small.txt"
	{ echo "<html><body><pre>"; head -c 12288 /dev/urandom | base64;
	  echo "</pre></body></html>"; } >"$d/page.html"
	head -c 262144 /dev/urandom >"$d/mid.bin"
	head -c 2097152 /dev/urandom >"$d/big.bin"
	(cd "$d" && sha256sum $WWW_FILES) >"$WORK/www.sha256"
}

# The sums of the files as 127.0.0.1:$APP_PORT serves them, like www.sha256.
www_served_sums() {
	local f

	for f in $WWW_FILES; do
		echo "$(curl -sf "http://127.0.0.1:$APP_PORT/$f" | sha256sum | cut -d' ' -f1)  $f"
	done
}

# A curl loop: each request's HTTP status goes to $WORK/load.out.
www_load_start() {
	spawn "$WORK/load.out" bash -c '
		trap "exit 0" TERM
		while :; do
			for f in '"$WWW_FILES"'; do
				curl -s -o /dev/null -w "%{http_code}\n" "$0/$f" & wait $!
			done
		done' "http://127.0.0.1:$APP_PORT"
	LOAD_PID=$SPAWNED_PID
}

www_load_stop() {
	local ok bad

	kill -TERM "$LOAD_PID" 2>/dev/null
	wait_gone "$LOAD_PID" || { kill_pids bash "$LOAD_PID"; return 1; }
	sleep 0.3
	ok=$(grep -c '^200$' "$WORK/load.out")
	bad=$(grep -vc '^200$' "$WORK/load.out")
	[ "$ok" -gt 0 ] || { WHY="the curl loop got no file served"; return 1; }
	[ "$bad" -eq 0 ] || { WHY="$bad of the curl loop's requests failed during the pre-dumps"; return 1; }
}

www_snapshot() {
	www_served_sums >"$WORK/served-before.sha256"
	cmp -s "$WORK/served-before.sha256" "$WORK/www.sha256" || {
		WHY="the files served before the dump are not the files"; return 1; }
}

www_check() {
	www_served_sums >"$WORK/served-after.sha256"
	cmp -s "$WORK/served-after.sha256" "$WORK/www.sha256" || {
		WHY="after restore the served files differ: $(diff "$WORK/www.sha256" "$WORK/served-after.sha256" | grep '^>' | head -n2 | tr '\n' ' ')"
		return 1; }
}

# One byte of the biggest file changed where it is served from.
www_break() {
	printf 'X' | dd of="$WORK/www/big.bin" bs=1 seek=1000 conv=notrunc status=none
}
