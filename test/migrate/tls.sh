#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tls.sh - the migrate tier's --tls cases: the page server and lazy pages
# over TLS, and every way a TLS session must be refused.
#
#   tls.sh [--criu PATH] [--keep] [CASE...]
#
# Everything runs on the loopback of a network namespace made here and
# removed at exit (so the ports are this script's alone). A CA, a second
# CA nobody trusts, certificates for 127.0.0.1 (a server, a client, a
# revoked client) and for 10.9.9.9 (a name that is not the peer's), and a
# revocation list are made with certtool in the work folder at start.
#
# CASEs (default: all, in this order):
#   wire        a plain pre-dump through a relay that records the stream:
#               a page B received is seen on the wire (the check works);
#               the same over --tls: the stream is TLS and no page shows
#   migrate     pre-dump and final dump (--track-mem, chained) through
#               page-server --tls, restore on "B": the test PASSes
#   refusals    plain dump to a TLS server, TLS dump to a plain server, a CA
#               the dump does not trust, a revoked client, a server
#               certificate of another name, a client certificate of
#               another name, a missing key: each a clear error naming the
#               peer or the file, the dump fails, the test runs on
#               unstopped, the server holds no image; with
#               --tls-no-cn-verify the two name cases go through
#   options     --tls where nothing connects, --tls-cert without --tls,
#               page-server --tls without its key: refused, nothing done
#   lazy        dump --lazy-pages --tls; a daemon without TLS and one that
#               trusts another CA are refused before any restore while the
#               source waits on; then lazy-pages --page-server --tls and
#               restore --lazy-pages (in a pid namespace of its own: the
#               source holds its tree stopped while it serves): the test
#               PASSes, both ends exit 0, the source's tree is gone after
#
# One line per case, then "N passed, N failed". Root only.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ZDTM_ANON_MB=${ZDTM_ANON_MB:-64}
# shellcheck source=../zdtm/run.sh
ZDTM_LIB_ONLY=1 source "$HERE/../zdtm/run.sh"
CRIU=$HERE/../../criu/criu
ADDR=127.0.0.1
PORT=27079
RELAY_PORT=27080
NET_TIMEOUT=3
NS=criu-tls.$$
KEEP=0
PASSED=0
FAILED=0
TEST=maps_anon_1g

in_ns() { nsenter --net="/run/netns/$NS" "$@"; }

cleanup() {
	local p
	for p in "$ROOT"/*/*/ps.pid "$ROOT"/*/relay.pid "$ROOT"/*/rst.pid; do
		[ -s "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	[ -n "$ROOT" ] && for p in "$ROOT"/*; do
		[ -d "$p" ] && kill_leftover "$p"
	done
	ip netns del "$NS" 2>/dev/null
	if [ "$KEEP" = 1 ] || [ "$FAILED" -gt 0 ]; then
		log "work folders kept in $ROOT"
	else
		rm -rf "${ROOT:?}"
	fi
}

# ------------------------------------------------------------ certificates

# cert NAME CA CN SERIAL: a key and a certificate for address CN signed by CA.
cert() {
	local d=$PKI name=$1 ca=$2 cn=$3 serial=$4

	printf 'cn = "%s"\nip_address = "%s"\nserial = %s\nexpiration_days = 2\n%s\n' \
		"$cn" "$cn" "$serial" "tls_www_server
tls_www_client
signing_key
encryption_key" >"$d/$name.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$d/$name.key" &&
	certtool --generate-certificate --load-privkey "$d/$name.key" \
		--load-ca-certificate "$d/$ca.pem" --load-ca-privkey "$d/$ca.key" \
		--template "$d/$name.tmpl" --outfile "$d/$name.pem"
}

ca() {
	local d=$PKI name=$1

	printf 'cn = "criu-ooh test %s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 2\nserial = 1\n' \
		"$name" >"$d/$name.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$d/$name.key" &&
	certtool --generate-self-signed --load-privkey "$d/$name.key" \
		--template "$d/$name.tmpl" --outfile "$d/$name.pem"
}

make_pki() {
	PKI=$ROOT/pki
	mkdir -p "$PKI"
	{
		ca ca && ca otherca &&
		cert server ca "$ADDR" 2 && cert client ca "$ADDR" 3 &&
		cert revoked ca "$ADDR" 4 && cert faraway ca 10.9.9.9 5 &&
		printf 'crl_next_update = 2\ncrl_number = 1\n' >"$PKI/crl.tmpl" &&
		certtool --generate-crl --load-ca-privkey "$PKI/ca.key" \
			--load-ca-certificate "$PKI/ca.pem" --load-certificate "$PKI/revoked.pem" \
			--template "$PKI/crl.tmpl" --outfile "$PKI/crl.pem"
	} >"$PKI/certtool.log" 2>&1
}

# tls_args WHO [CA]: --tls options with WHO's certificate, trusting CA (ca).
tls_args() {
	echo "--tls --tls-cert $PKI/$1.pem --tls-key $PKI/$1.key --tls-cacert $PKI/${2:-ca}.pem"
}

# ------------------------------------------------------------ pieces

start_target() {
	local w=$1

	mkdir -p "$w"
	(cd "$w" && in_ns timeout 300 "$ZDTM_DIR/static/$TEST" --pidfile "$w/pid" \
		--outfile "$w/out" </dev/null >"$w/start.log" 2>&1) || return 1
	PID=$(cat "$w/pid")
}

# server DIR [ARGS...]: a page server in DIR, detached; its pid in DIR/ps.pid.
server() {
	local dir=$1

	shift
	mkdir -p "$dir"
	in_ns "$CRIU" page-server -D "$dir" --address "$ADDR" --port "$PORT" \
		--timeout "$NET_TIMEOUT" -v4 -o ps.log -d --pidfile ps.pid "$@" \
		>"$dir/ps.out" 2>&1
}

server_stop() {
	local pid

	[ -s "$1/ps.pid" ] || return 0
	pid=$(cat "$1/ps.pid")
	kill -9 "$pid" 2>/dev/null
	wait_gone "$pid"
	rm -f "$1/ps.pid"
}

# The server is gone (it serves one dump); $2: "ok" if it must have succeeded.
server_done() {
	local pid i

	pid=$(cat "$1/ps.pid" 2>/dev/null) || return 1
	for ((i = 0; i < 100; i++)); do
		[ -e "/proc/$pid" ] || break
		sleep 0.05
	done
	[ -e "/proc/$pid" ] && return 1
	rm -f "$1/ps.pid"
	[ "$2" != ok ] || ! grep -q "Error" "$1/ps.log"
}

# No image in place in B's folder $1; with $2 = "gone", not even the
# hidden folder of unflushed ones (the server ended the session itself).
no_images_in_place() {
	local f
	for f in "$1"/pagemap-*.img "$1"/pages-*.img; do
		[ -e "$f" ] && { echo "$f is in place after a refused session"; return 1; }
	done
	[ "$2" = gone ] || return 0
	for f in "$1"/.page-server.*; do
		[ -e "$f" ] && { echo "$f is left by a refused session"; return 1; }
	done
	return 0
}

# predump DIR PORT [ARGS...]: criu pre-dump of $PID to a page server.
predump() {
	local dir=$1 port=$2

	shift 2
	mkdir -p "$dir"
	in_ns "$CRIU" pre-dump -t "$PID" -D "$dir" --page-server --address "$ADDR" \
		--port "$port" --timeout "$NET_TIMEOUT" -v4 -o dump.log "$@" >"$dir/dump.out" 2>&1
}

still_running() {
	[ "$(proc_state "$PID")" = alive ] || { echo "pid $PID died"; return 1; }
	grep -q "^State:.*[tT]" "/proc/$PID/status" && { echo "pid $PID left stopped"; return 1; }
	return 0
}

# A relay from RELAY_PORT to PORT writing what the client sends to FILE.
relay_start() {
	local w=$1 file=$2

	in_ns python3 - "$ADDR" "$RELAY_PORT" "$PORT" "$file" <<'EOF' >"$w/relay.log" 2>&1 &
import socket, sys, threading
addr, lport, dport, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, lport))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
s = socket.create_connection((addr, dport))
def pump(src, dst, out):
    while True:
        b = src.recv(65536)
        if not b:
            break
        if out:
            out.write(b)
        dst.sendall(b)
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
with open(path, "wb") as out:
    t = threading.Thread(target=pump, args=(s, c, None))
    t.start()
    pump(c, s, out)
    t.join()
EOF
	echo $! >"$w/relay.pid"
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$w/relay.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

relay_wait() {
	local pid

	pid=$(cat "$1/relay.pid")
	wait "$pid"
	rm -f "$1/relay.pid"
}

# Is a page that B received (the first one with varied bytes) in FILE?
page_on_wire() {
	python3 - "$1" "$2" <<'EOF'
import sys
pages = open(sys.argv[1], "rb").read()
wire = open(sys.argv[2], "rb").read()
for off in range(0, len(pages), 4096):
    page = pages[off:off + 4096]
    if len(set(page)) > 64:
        sys.exit(0 if page in wire else 1)
sys.exit(2)
EOF
}

# ------------------------------------------------------------ cases

case_wire() {
	local w=$1 r

	start_target "$w" || { echo "can't start the test"; return 1; }
	# plain: the check must see the pages
	server "$w/B/plain" || { echo "plain page server did not start"; return 1; }
	relay_start "$w" "$w/plain.wire" || { echo "relay did not start"; return 1; }
	predump "$w/A/plain" "$RELAY_PORT" || { echo "plain pre-dump failed: $(tail -n1 "$w/A/plain/dump.out")"; return 1; }
	relay_wait "$w"
	server_done "$w/B/plain" ok || { echo "plain page server failed"; return 1; }
	page_on_wire "$w/B/plain/pages-1.img" "$w/plain.wire"
	r=$?
	[ $r = 0 ] || { echo "a page B got is not on the plain wire ($r): the check sees nothing"; return 1; }
	# TLS: the same pages, not to be seen
	# shellcheck disable=SC2046
	server "$w/B/tls" $(tls_args server) || { echo "TLS page server did not start"; return 1; }
	relay_start "$w" "$w/tls.wire" || { echo "relay did not start"; return 1; }
	# shellcheck disable=SC2046
	predump "$w/A/tls" "$RELAY_PORT" $(tls_args client) ||
		{ echo "TLS pre-dump failed: $(tail -n1 "$w/A/tls/dump.out")"; return 1; }
	relay_wait "$w"
	server_done "$w/B/tls" ok || { echo "TLS page server failed: $(grep Error "$w/B/tls/ps.log" | tail -n1)"; return 1; }
	grep -q "over TLS" "$w/A/tls/dump.log" || { echo "the dump does not say TLS"; return 1; }
	[ "$(head -c1 "$w/tls.wire" | od -An -tu1 | tr -d ' ')" = 22 ] ||
		{ echo "the TLS stream does not start with a TLS handshake"; return 1; }
	page_on_wire "$w/B/tls/pages-1.img" "$w/tls.wire"
	r=$?
	[ $r = 1 ] || { echo "a page B got is readable on the TLS wire ($r)"; return 1; }
	still_running
}

case_migrate() {
	local w=$1 why

	start_target "$w" || { echo "can't start the test"; return 1; }
	# shellcheck disable=SC2046
	server "$w/B/pre1" $(tls_args server) --tls-cacrl "$PKI/crl.pem" ||
		{ echo "page server did not start"; return 1; }
	# shellcheck disable=SC2046
	predump "$w/A/pre1" "$PORT" --track-mem $(tls_args client) ||
		{ echo "pre-dump failed: $(tail -n1 "$w/A/pre1/dump.out")"; return 1; }
	server_done "$w/B/pre1" ok || { echo "pre1 server failed"; return 1; }
	# shellcheck disable=SC2046
	server "$w/B/final" --prev-images-dir ../pre1 $(tls_args server) ||
		{ echo "page server did not start"; return 1; }
	mkdir -p "$w/A/final"
	tree_list "$PID" >"$w/tree"
	# shellcheck disable=SC2046
	in_ns "$CRIU" dump -t "$PID" -D "$w/A/final" --prev-images-dir ../pre1 --track-mem \
		--page-server --address "$ADDR" --port "$PORT" $(tls_args client) \
		-v4 -o dump.log >"$w/A/final/dump.out" 2>&1 ||
		{ echo "dump failed: $(tail -n1 "$w/A/final/dump.out")"; return 1; }
	server_done "$w/B/final" ok || { echo "final server failed"; return 1; }
	wait_gone "$PID" || { echo "pid $PID alive after the dump"; return 1; }
	why=$(wait_tree_freed "$w/tree") || { echo "pid $why still exists after dump"; return 1; }
	for f in "$w/A/final"/*; do
		case "${f##*/}" in
		pagemap-sent-*|*.log|*.out|parent|dirty-*) ;;
		*) cp -a "$f" "$w/B/final/" ;;
		esac
	done
	in_ns "$CRIU" restore -D "$w/B/final" -d -v4 -o restore.log >"$w/restore.out" 2>&1 ||
		{ echo "restore exited $?: $(tail -n1 "$w/restore.out")"; return 1; }
	[ "$(proc_state "$PID")" = alive ] || { echo "pid $PID not alive after restore"; return 1; }
	kill -TERM "$PID"
	wait_file "$w/out" "$TIMEOUT" || { echo "no verdict within ${TIMEOUT}s"; return 1; }
	[ "$(head -n1 "$w/out")" = PASS ] || { echo "$(head -n1 "$w/out")"; return 1; }
}

# refused W NAME CLIENT-PATTERN SERVER-PATTERN "SERVER ARGS" "CLIENT ARGS":
# the pre-dump must fail with CLIENT-PATTERN in its log, the server with
# SERVER-PATTERN (when given), the test run on, B hold nothing.
refused() {
	local w=$1 name=$2 cpat=$3 spat=$4 sargs=$5 cargs=$6 b=$1/B/$2 a=$1/A/$2

	# shellcheck disable=SC2086
	server "$b" $sargs || { echo "$name: page server did not start: $(cat "$b/ps.out")"; return 1; }
	# shellcheck disable=SC2086
	predump "$a" "$PORT" $cargs && { echo "$name: the pre-dump went through"; return 1; }
	grep -q -- "$cpat" "$a/dump.log" ||
		{ echo "$name: no '$cpat' from the dump: $(grep Error "$a/dump.log" | head -n2)"; return 1; }
	if [ -n "$spat" ]; then
		server_done "$b" || { echo "$name: the server still runs"; return 1; }
		grep -q -- "$spat" "$b/ps.log" ||
			{ echo "$name: no '$spat' from the server: $(grep Error "$b/ps.log" | head -n2)"; return 1; }
	fi
	server_stop "$b"
	[ -e "$a/inventory.img" ] && { echo "$name: A has inventory.img"; return 1; }
	no_images_in_place "$b" "${spat:+gone}" || return 1
	still_running || { echo "$name: $(still_running)"; return 1; }
	echo "$name: $(grep -h -m1 'Error' "$a/dump.log" | sed 's/^Error ([^)]*): //')" >>"$w/refusals.log"
}

# accepted W NAME "SERVER ARGS" "CLIENT ARGS": the pre-dump goes through.
accepted() {
	local w=$1 name=$2 sargs=$3 cargs=$4 b=$1/B/$2 a=$1/A/$2

	# shellcheck disable=SC2086
	server "$b" $sargs || { echo "$name: page server did not start"; return 1; }
	# shellcheck disable=SC2086
	predump "$a" "$PORT" $cargs || { echo "$name: pre-dump failed: $(grep Error "$a/dump.log" | head -n2)"; return 1; }
	server_done "$b" ok || { echo "$name: the server failed: $(grep Error "$b/ps.log" | head -n2)"; return 1; }
	[ -e "$b/pagemap-$PID.img" ] || { echo "$name: B has no pagemap-$PID.img"; return 1; }
	still_running
}

case_refusals() {
	local w=$1 srv cli

	start_target "$w" || { echo "can't start the test"; return 1; }
	srv="$(tls_args server) --tls-cacrl $PKI/crl.pem"
	cli=$(tls_args client)
	refused "$w" plain_to_tls "did not answer the dump's first question" \
		"sent no TLS handshake" "$srv" "" || return 1
	refused "$w" tls_to_plain "TLS handshake with the page server at $ADDR port $PORT failed" \
		"the dump speaks TLS" "" "$cli" || return 1
	refused "$w" unknown_ca "certificate of the page server at $ADDR port $PORT is refused" \
		"" "$srv" "$(tls_args client otherca)" || return 1
	refused "$w" revoked_client "ended the session" "revoked" "$srv" "$(tls_args revoked)" || return 1
	refused "$w" server_name "does not match" "" "$(tls_args faraway) --tls-cacrl $PKI/crl.pem" \
		"$cli" || return 1
	accepted "$w" server_name_unchecked "$(tls_args faraway)" "$cli --tls-no-cn-verify" || return 1
	refused "$w" client_name "ended the session" "does not match" "$srv" "$(tls_args faraway)" ||
		return 1
	accepted "$w" client_name_unchecked "$srv --tls-no-cn-verify" "$(tls_args faraway)" || return 1
	refused "$w" missing_key "can't read the private key $PKI/none.key" "" "$srv" \
		"--tls --tls-cert $PKI/client.pem --tls-key $PKI/none.key --tls-cacert $PKI/ca.pem" ||
		return 1
	cat "$w/refusals.log" >&2
}

# expect_refused W NAME PATTERN CMD...: exits 1 at once with PATTERN, writes nothing.
expect_refused() {
	local w=$1 name=$2 pat=$3 out

	shift 3
	mkdir -p "$w/$name"
	out=$(cd "$w/$name" && in_ns "$@" 2>&1) && { echo "$name: accepted"; return 1; }
	grep -q -- "$pat" <<<"$out" || { echo "$name: no '$pat': $out"; return 1; }
	[ -n "$(ls -A "$w/$name")" ] && { echo "$name: left $(ls -A "$w/$name")"; return 1; }
	return 0
}

case_options() {
	local w=$1

	start_target "$w" || { echo "can't start the test"; return 1; }
	# shellcheck disable=SC2046
	expect_refused "$w" local_dump "makes none" "$CRIU" dump -t "$PID" -D "$w/local_dump" \
		$(tls_args client) || return 1
	expect_refused "$w" cert_alone "given without --tls" "$CRIU" pre-dump -t "$PID" \
		-D "$w/cert_alone" --page-server --port "$PORT" --tls-cert "$PKI/client.pem" || return 1
	expect_refused "$w" restore "makes none" "$CRIU" restore -D "$w/restore" --tls || return 1
	expect_refused "$w" server_key "can't read the private key" "$CRIU" page-server \
		-D "$w/server_key" --port "$PORT" --tls --tls-key "$PKI/none.key" \
		--tls-cert "$PKI/server.pem" --tls-cacert "$PKI/ca.pem" || return 1
	expect_refused "$w" bad_cacert "holds no usable CA certificate" "$CRIU" page-server \
		-D "$w/bad_cacert" --port "$PORT" $(tls_args server) --tls-cacert "$PKI/server.tmpl" ||
		return 1
	still_running
}

# lazy_daemon W NAME ARGS...: a lazy-pages daemon of the source at PORT; $?.
lazy_daemon() {
	local w=$1 name=$2

	shift 2
	rm -rf "$w/$name"
	cp -a "$w/src/." "$w/$name/" && rm -f "$w/$name"/*.log
	# bounded: a daemon wrongly let in would wait for a restore for ever
	in_ns timeout 20 "$CRIU" lazy-pages -D "$w/$name" --page-server --address "$ADDR" \
		--port "$PORT" -v4 -o lazy-pages.log "$@" </dev/null >"$w/$name.out" 2>&1
}

case_lazy() {
	local w=$1 spid dpid i

	start_target "$w" || { echo "can't start the test"; return 1; }
	mkdir -p "$w/src"
	# shellcheck disable=SC2046
	in_ns "$CRIU" dump -t "$PID" -D "$w/src" --lazy-pages --address "$ADDR" --port "$PORT" \
		$(tls_args server) -v4 -o dump.log </dev/null >"$w/dump.out" 2>&1 &
	spid=$!
	for ((i = 0; i < 200; i++)); do
		grep -q "waiting for the lazy-pages daemon" "$w/src/dump.log" 2>/dev/null && break
		kill -0 "$spid" 2>/dev/null || { echo "dump --lazy-pages exited"; return 1; }
		sleep 0.05
	done
	grep -q '^State:.*(tracing stop)' "/proc/$PID/status" ||
		{ kill -9 "$spid"; echo "pid $PID is not held stopped while its pages are served"; return 1; }
	# refused before any restore, and the source waits on
	lazy_daemon "$w" plain && { kill -9 "$spid"; echo "a daemon without TLS was served"; return 1; }
	grep -q "does not serve this restore" "$w/plain/lazy-pages.log" ||
		{ kill -9 "$spid"; echo "no clear error from the plain daemon"; return 1; }
	# shellcheck disable=SC2046
	lazy_daemon "$w" otherca $(tls_args client otherca) &&
		{ kill -9 "$spid"; echo "a daemon trusting another CA was served"; return 1; }
	grep -q "certificate of the page server at $ADDR port $PORT is refused" \
		"$w/otherca/lazy-pages.log" || { kill -9 "$spid"; echo "no clear error from the otherca daemon"; return 1; }
	kill -0 "$spid" 2>/dev/null || { echo "the source gave up after refused daemons"; return 1; }
	[ "$(grep -c "still waiting for the lazy-pages daemon" "$w/src/dump.log")" = 2 ] ||
		{ kill -9 "$spid"; echo "the source did not refuse both peers"; return 1; }
	# the real one, in a pid namespace of its own: the held tree keeps its pids here
	mkdir -p "$w/dst"
	cp -a "$w/src/." "$w/dst/" && rm -f "$w/dst"/*.log
	restore_host "$w" || { kill -9 "$spid"; echo "can't make the restoring host"; return 1; }
	# shellcheck disable=SC2046
	in_rst "$w" env CRIU_LAZY_PUSH_DELAY_MS=300 "$CRIU" lazy-pages -D "$w/dst" --page-server \
		--address "$ADDR" --port "$PORT" $(tls_args client) -v4 -o lazy-pages.log \
		</dev/null >"$w/lazy.out" 2>&1 &
	dpid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$w/dst/lazy-pages.socket" ] && break
		sleep 0.05
	done
	in_rst "$w" "$CRIU" restore -D "$w/dst" -d --lazy-pages -v4 -o restore.log >"$w/restore.out" 2>&1 ||
		{ kill -9 "$spid" "$dpid"; echo "restore --lazy-pages failed"; return 1; }
	in_rst "$w" kill -TERM "$PID"
	wait_file "$w/out" "$TIMEOUT" || { kill -9 "$spid" "$dpid"; echo "no verdict"; return 1; }
	[ "$(head -n1 "$w/out")" = PASS ] || { kill -9 "$spid" "$dpid"; head -n1 "$w/out"; return 1; }
	wait "$dpid" || { kill -9 "$spid"; echo "the daemon exited $?"; return 1; }
	wait "$spid" || { echo "dump --lazy-pages exited $?"; return 1; }
	wait_gone "$PID" || { echo "pid $PID still on the source after its pages were served"; return 1; }
	grep -q "over TLS" "$w/dst/lazy-pages.log" || { echo "the daemon does not say TLS"; return 1; }
}

# restore_host W: a pid and mount namespace in $NS, its init (zdtm's
# subreaper) in W/rst.pid, which cleanup kills with all it runs.
restore_host() {
	local w=$1 up i init

	nsenter --net="/run/netns/$NS" unshare --pid --mount --fork --mount-proc --propagation private \
		"$HERE/../zdtm/lib/subreaper" sleep infinity </dev/null >/dev/null 2>&1 &
	up=$!
	for ((i = 0; i < 100; i++)); do
		init=$(pgrep -P "$up" | head -n1)
		if [ -n "$init" ] &&
			[ "$(readlink "/proc/$init/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; then
			echo "$init" >"$w/rst.pid"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

in_rst() {
	local w=$1

	shift
	nsenter -t "$(cat "$w/rst.pid")" -n -p -m -- "$@"
}

run_case() {
	local c=$1 w=$ROOT/$1 why

	mkdir -p "$w"
	why=$("case_$c" "$w" 2>>"$w/stderr" | tail -n1; exit "${PIPESTATUS[0]}")
	if [ $? -eq 0 ]; then
		echo "PASS tls_$c"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL tls_$c: $why"
		FAILED=$((FAILED + 1))
	fi
	for p in "$w"/*/*/ps.pid; do
		[ -s "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	kill_leftover "$w"
}

main_tls() {
	local cases=()

	while [ $# -gt 0 ]; do
		case "$1" in
		--criu) CRIU=$2; shift ;;
		--keep) KEEP=1 ;;
		-*) log "unknown option $1"; exit 2 ;;
		*) cases+=("$1") ;;
		esac
		shift
	done
	[ ${#cases[@]} -gt 0 ] || cases=(wire migrate refusals options lazy)
	[ "$(id -u)" = 0 ] || { log "the TLS cases need root"; exit 2; }
	[ -x "$CRIU" ] || { log "criu not found at $CRIU"; exit 2; }
	command -v certtool >/dev/null || { log "certtool (gnutls-bin) is missing"; exit 2; }
	CRIU=$(cd "$(dirname "$CRIU")" && pwd)/$(basename "$CRIU")
	ROOT=$(mktemp -d "${TMPDIR:-/dev/shm}/migrate-tls.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	{ ip netns add "$NS" && ip -n "$NS" link set lo up; } ||
		{ log "can't create the network namespace"; FAILED=1; echo "0 passed, 1 failed"; exit 1; }
	make_pki || { log "certtool failed: $(tail -n3 "$ROOT/pki/certtool.log")"; FAILED=1; exit 1; }
	for c in "${cases[@]}"; do
		run_case "$c"
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

main_tls "$@"
