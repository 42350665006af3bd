# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: group "inet", established TCP connections whose peer
# is outside the dumped tree: this shell, through bash's /dev/tcp. The
# target is inet_server (an echo server on 127.0.0.1).
#   inet_refused        dump without --tcp-established: refused naming the
#                       pid, fd and addresses; the connection still works
#   inet_peer_METHOD    dump --tcp-established --network-lock METHOD
#                       (nftables, iptables): the lock's rules exist while
#                       the server is down, a request sent then gets no
#                       reset and is answered after restore; the next one
#                       too; no rules are left
#   inet_fault          a dump failing once the connection was read and
#                       locked (CRIU_FAULT=4): it works, no rules left
#   inet_killed_N       criu SIGKILLed (CRIU_FAULT_KILL=1) at 3 (before any
#                       connection is touched) and 4: the guard removes the
#                       lock, the connection works; at 5 (the server killed,
#                       the connection still open in criu): the guard closes
#                       it silently, the rules stay, and after restore the
#                       connection works and the rules are gone
#   inet_leave_running  dump -R --tcp-established: the server runs on and
#                       answers at once, no rules left
#   inet_tcp_close      dump --tcp-established, restore --tcp-close: the
#                       connection is gone (the server serves a new one), no
#                       rules left; a dump with --tcp-close has no stream,
#                       and its restore without --tcp-close says so
#   inet_in_flight      a client waiting in the server's accept queue: the
#                       dump is refused naming --skip-in-flight; with it the
#                       dump and restore work and the served client goes on
#   inet_addr_in_use    restore while another socket holds the listener's
#                       port: exit 1 naming bind and the address, no
#                       process left; restore works once the port is free

INET_SERVER=$HERE/inet_server

# start_server DIR: the echo server; TPID and TPORT.
start_server() {
	local dir=$1

	mkdir -p "$dir"
	rm -f "$dir/pid" "$dir/port"
	"$INET_SERVER" "$dir/pid" "$dir/port" </dev/null >"$dir/server.log" 2>&1 ||
		why "inet_server did not start" || return 1
	TPID=$(cat "$dir/pid") && TPORT=$(cat "$dir/port") || return 1
	TARGETS+=("$TPID:inet_server")
}

# ask FD LINE: send LINE on the connection and expect its echo within 20 s
# (a request dropped by the lock comes back after TCP's retransmission).
ask() {
	local fd=$1 line=$2 reply

	echo "$line" >&"$fd" 2>/dev/null || why "sending '$line' failed (connection reset?)" || return 1
	read -r -t 20 -u "$fd" reply || why "no answer to '$line'" || return 1
	[ "$reply" = "echo:$line" ] || why "answer to '$line' is '$reply'"
}

# lock_rules PID: the lock's rules of either method, empty if none.
lock_rules() {
	nft list table inet "CRIU-$1" 2>/dev/null
	iptables -w -S "CRIU-$1" 2>/dev/null
	ip6tables -w -S "CRIU-$1" 2>/dev/null
}

no_rules_left() {
	[ -z "$(lock_rules "$1")" ] || why "lock rules of pid $1 left: $(lock_rules "$1" | head -3 | tr '\n' ' ')"
}

stop_server() {
	kill -9 "$1" 2>/dev/null
	wait_gone "$1"
}

inet_refused() {
	local dir=$ROOT/inet/refused fd

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	snapshot "$TPID" "$dir/before"
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img"
	expect_rc1 || return 1
	err_has "pid $TPID.*established TCP connection 127\.0\.0\.1:$TPORT -> 127\.0\.0\.1:[0-9]+.*--tcp-established" \
		"pid, fd, addresses and --tcp-established" || return 1
	expect_untouched "$TPID" inet_server "$dir/before" "$dir/after" || return 1
	ask "$fd" two || return 1
	exec {fd}>&-
	no_rules_left "$TPID" && stop_server "$TPID"
}

inet_peer() {
	local method=$1 dir=$ROOT/inet/peer-$1 fd

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" before || return 1
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" --tcp-established \
		--network-lock "$method" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	[ -n "$(lock_rules "$TPID")" ] || why "no $method rules while the server is down" || return 1
	# sent into the lock: dropped, neither answered nor reset
	echo during >&"$fd" || why "the connection was reset while the server was down" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d --network-lock "$method" -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	target_is "$TPID" inet_server || why "pid $TPID is not the server after restore" || return 1
	local reply
	read -r -t 20 -u "$fd" reply || why "the request sent during the dump got no answer" || return 1
	[ "$reply" = "echo:during" ] || why "answer to 'during' is '$reply'" || return 1
	ask "$fd" after || return 1
	exec {fd}>&-
	no_rules_left "$TPID" && stop_server "$TPID"
}

# inet_broken_dump FAULT KILL: the dump dies or fails with the connection repaired.
inet_broken_dump() {
	local fault=$1 kill=$2 dir=$ROOT/inet/fault-$1-$2 fd

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	rm -rf "$dir/img" && mkdir -p "$dir/img"
	if [ "$kill" = 1 ]; then
		CRIU_FAULT_KILL=1 FAULT=$fault criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" \
			--tcp-established --network-lock nftables -v4 -o dump.log
		[ "$RC" -eq 137 ] || why "criu was not killed at fault $fault (exit $RC)" || return 1
		sleep 0.5	# the guard's work
	else
		FAULT=$fault criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" \
			--tcp-established --network-lock nftables -v4 -o dump.log
		expect_rc1 || return 1
	fi
	target_is "$TPID" inet_server || why "server $TPID is $(proc_state "$TPID")" || return 1
	no_rules_left "$TPID" || return 1
	ask "$fd" two || return 1
	ask "$fd" three || return 1
	exec {fd}>&-
	stop_server "$TPID"
}

# criu dies after killing the server: the guard ends the connection
# silently and keeps the lock, the restore brings it back.
inet_killed_after_kill() {
	local dir=$ROOT/inet/killed-5 fd reply

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	rm -rf "$dir/img" && mkdir -p "$dir/img"
	CRIU_FAULT_KILL=1 FAULT=5 criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" \
		--tcp-established --network-lock nftables -v4 -o dump.log
	[ "$RC" -eq 137 ] || why "criu was not killed at fault 5 (exit $RC)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after the dump" || return 1
	sleep 0.5	# the guard's work
	grep -q "network lock kept" "$dir/dump.err" || why "the guard did not keep the lock$(err_tail)" || return 1
	[ -n "$(lock_rules "$TPID")" ] || why "no rules left for the restore" || return 1
	echo during >&"$fd" || why "the connection was reset" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d --network-lock nftables -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	read -r -t 20 -u "$fd" reply || why "the request sent meanwhile got no answer" || return 1
	[ "$reply" = "echo:during" ] || why "answer to 'during' is '$reply'" || return 1
	ask "$fd" after || return 1
	exec {fd}>&-
	no_rules_left "$TPID" && stop_server "$TPID"
}

inet_leave_running() {
	local dir=$ROOT/inet/leave fd

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" -R --tcp-established -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	target_is "$TPID" inet_server || why "server $TPID is $(proc_state "$TPID")" || return 1
	no_rules_left "$TPID" || return 1
	ask "$fd" two || return 1
	exec {fd}>&-
	stop_server "$TPID"
}

inet_tcp_close() {
	local dir=$ROOT/inet/close fd fd2 reply

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" --tcp-established -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d --tcp-close -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore --tcp-close exited $RC$(err_tail)" || return 1
	no_rules_left "$TPID" || return 1
	# the server's end is closed: it takes the next client
	exec {fd2}<>"/dev/tcp/127.0.0.1/$TPORT" || why "restored server does not accept" || return 1
	ask "$fd2" new || return 1
	echo two >&"$fd" 2>/dev/null
	read -r -t 3 -u "$fd" reply 2>/dev/null && why "the closed connection answered '$reply'" && return 1
	exec {fd}>&- {fd2}>&-
	stop_server "$TPID"
	# dumped with --tcp-close: no stream image, and restore needs the option
	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	rm -rf "$dir/img2" && mkdir -p "$dir/img2"
	criu_run "$dir/dump2" dump -t "$TPID" -D "$dir/img2" --tcp-close -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump --tcp-close exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	! ls "$dir/img2" | grep -q tcp-stream || why "dump --tcp-close wrote a stream" || return 1
	no_rules_left "$TPID" || return 1
	criu_run "$dir/restore2" restore -D "$dir/img2" -d -v4 -o restore2.log
	expect_rc1 || return 1
	err_has "tcp-stream-.*--tcp-close" "the missing stream and --tcp-close" || return 1
	expect_no_process "$TPID" || return 1
	criu_run "$dir/restore3" restore -D "$dir/img2" -d --tcp-close -v4 -o restore3.log
	[ "$RC" -eq 0 ] || why "restore --tcp-close exited $RC$(err_tail)" || return 1
	exec {fd}>&-
	stop_server "$TPID"
}

inet_in_flight() {
	local dir=$ROOT/inet/inflight fd fd2

	start_server "$dir" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect" || return 1
	ask "$fd" one || return 1
	# served one at a time: this one waits in the accept queue
	exec {fd2}<>"/dev/tcp/127.0.0.1/$TPORT" || why "can't connect a second client" || return 1
	sleep 0.1
	snapshot "$TPID" "$dir/before"
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" --tcp-established
	expect_rc1 || return 1
	err_has "pid $TPID.*1 connections wait in the listener's queue.*--skip-in-flight" \
		"pid, the waiting connection and --skip-in-flight" || return 1
	expect_untouched "$TPID" inet_server "$dir/before" "$dir/after" || return 1
	no_rules_left "$TPID" || return 1
	ask "$fd" two || return 1
	criu_run "$dir/dump2" dump -t "$TPID" -D "$dir/img" --tcp-established --skip-in-flight -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump --skip-in-flight exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	[ "$RC" -eq 0 ] || why "restore exited $RC$(err_tail)" || return 1
	ask "$fd" three || return 1
	exec {fd}>&- {fd2}>&-
	no_rules_left "$TPID" && stop_server "$TPID"
}

inet_addr_in_use() {
	local dir=$ROOT/inet/inuse hold fd

	start_server "$dir" || return 1
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$TPID" -D "$dir/img" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump exited $RC$(err_tail)" || return 1
	wait_gone "$TPID" || why "pid $TPID alive after dump" || return 1
	"$INET_SERVER" --hold "$TPORT" "$dir/hold.pid" </dev/null >"$dir/hold.log" 2>&1 ||
		why "can't hold port $TPORT" || return 1
	hold=$(cat "$dir/hold.pid")
	TARGETS+=("$hold:inet_server")
	criu_run "$dir/restore" restore -D "$dir/img" -d -v4 -o restore.log
	expect_rc1 || return 1
	err_has "bind.*127\.0\.0\.1:$TPORT.*Address already in use" "bind, the address and EADDRINUSE" || return 1
	expect_no_process "$TPID" || return 1
	expect_no_process_in "$dir" "$hold" || return 1
	stop_server "$hold"
	criu_run "$dir/restore2" restore -D "$dir/img" -d -v4 -o restore2.log
	[ "$RC" -eq 0 ] || why "restore with the port free exited $RC$(err_tail)" || return 1
	exec {fd}<>"/dev/tcp/127.0.0.1/$TPORT" || why "restored server does not accept" || return 1
	ask "$fd" hello || return 1
	exec {fd}>&-
	stop_server "$TPID"
}

group_inet() {
	[ -x "$INET_SERVER" ] || { run_test inet why "$INET_SERVER missing: run make"; return; }
	run_test inet_refused inet_refused
	command -v nft >/dev/null && run_test inet_peer_nftables inet_peer nftables
	command -v iptables-restore >/dev/null && run_test inet_peer_iptables inet_peer iptables
	run_test inet_fault inet_broken_dump 4 0
	run_test inet_killed_3 inet_broken_dump 3 1
	run_test inet_killed_4 inet_broken_dump 4 1
	run_test inet_killed_5 inet_killed_after_kill
	run_test inet_leave_running inet_leave_running
	run_test inet_tcp_close inet_tcp_close
	run_test inet_in_flight inet_in_flight
	run_test inet_addr_in_use inet_addr_in_use
}
