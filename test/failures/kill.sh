# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: group "kill", criu killed with SIGKILL in the middle
# of a dump or pre-dump. The target (test/compel/victim selfcheck) checks
# its own registers, vector registers, blocked mask, pending signal,
# alternate stack and memory all the time; after each kill it must run
# on untraced with the same maps, masks and descriptors and no complaint.
# Restores of a tree and of threads are killed the same way: nothing of a
# killed restore may be left running.

VICTIM=$HERE/../compel/victim
KILL_DUMPS=${KILL_DUMPS:-80}
KILL_PREDUMPS=${KILL_PREDUMPS:-80}
KILL_MAX_MS=${KILL_MAX_MS:-50}
KILL_RESTORES=${KILL_RESTORES:-30}
KILL_RESTORE_MAX_MS=${KILL_RESTORE_MAX_MS:-150}	# a restore takes longer
KILL_DEAD=0		# targets that did not survive, for the summary line

# start_victim DIR: a session leader running the self-check; pid in TPID.
start_victim() {
	local dir=$1 i

	mkdir -p "$dir"
	# emptied here: the child's own truncation may come after our grep
	: >"$dir/victim.out"
	setsid "$VICTIM" selfcheck </dev/null >"$dir/victim.out" 2>&1 &
	TPID=$!
	disown "$TPID"
	TARGETS+=("$TPID:victim")
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$dir/victim.out" 2>/dev/null && return 0
		sleep 0.02
	done
	log "victim $TPID not ready after 2 s"
}

# victim_fine PID DIR BEFORE [CURED]: alive, no complaint, unchanged;
# with CURED (criu got to cure it, or finished), a userfaultfd parked by
# a pre-dump's tracker may stay: a --track-mem chain keeps it on purpose.
victim_fine() {
	local pid=$1 dir=$2 before=$3 cured=${4:-1} d keep

	sleep 0.1	# released, it may not have gone home yet
	if [ "$(proc_state "$pid")" = gone ] || [ "$(proc_state "$pid")" = zombie ]; then
		KILL_DEAD=$((KILL_DEAD + 1))
		why "target $pid died: $(grep -m1 selfcheck "$dir/victim.out")"
		return 1
	fi
	grep -q 'selfcheck FAIL' "$dir/victim.out" &&
		{ why "target says: $(grep -m1 'selfcheck FAIL' "$dir/victim.out")"; return 1; }
	snapshot "$pid" "$dir/after"
	grep -q '^TracerPid:[[:space:]]*0$' "$dir/after" ||
		why "target $pid still traced: $(grep TracerPid "$dir/after")" || return 1
	keep='^$'
	[ "$cured" -ne 1 ] && keep='^> [0-9]* -> anon_inode:\[userfaultfd\]$'
	d=$(diff "$before" "$dir/after" | grep '^[<>]' | grep -v "$keep" |
		head -n2 | tr '\n' ' ')
	[ -z "$d" ] || why "target $pid changed: $d"
}

# kill_criu DIR MS ARGS...: start criu ARGS, SIGKILL it after MS ms; RC.
kill_criu() {
	local dir=$1 ms=$2 pid

	shift 2
	rm -rf "$dir/img" && mkdir "$dir/img"
	LAST_ERR=$dir/criu.err
	env -u CRIU_FAULT "$CRIU" "$@" -v4 -o criu.log -D "$dir/img" \
		>/dev/null 2>"$LAST_ERR" </dev/null &
	pid=$!
	disown "$pid"
	[ "$ms" -gt 0 ] && sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null
	# disowned, so no job noise: the exit code comes from the log's end
	while [ -d "/proc/$pid" ] && [ "$(proc_state "$pid")" != zombie ]; do
		sleep 0.005
	done
	# 0: finished; 2: the target was being cured (a pre-dump keeps its
	# tracker parked on purpose from there on, as after a finished run)
	RC=1
	grep -q 'curing' "$dir/img/criu.log" 2>/dev/null && RC=2
	grep -q 'finished successfully' "$dir/img/criu.log" 2>/dev/null && RC=0
}

# kill_tries CMD N: N kills at random delays; one result line for all.
kill_tries() {
	local cmd=$1 n=$2 dir=$ROOT/kill-$1 i ms done=0 bad=0 args

	args=(dump -R)
	[ "$cmd" = pre-dump ] && args=(pre-dump --track-mem)
	start_victim "$dir"
	snapshot "$TPID" "$dir/before"
	for ((i = 0; i < n; i++)); do
		ms=$((RANDOM % (KILL_MAX_MS + 1)))
		kill_criu "$dir" "$ms" "${args[@]}" -t "$TPID"
		[ "$RC" -eq 0 ] && done=$((done + 1))
		if ! victim_fine "$TPID" "$dir" "$dir/before" "$RC"; then
			WHY="try $i ($ms ms): $WHY"
			kill -9 "$TPID" 2>/dev/null
			start_victim "$dir"
			snapshot "$TPID" "$dir/before"
			FAILS="$FAILS|$WHY"
			bad=$((bad + 1))
		elif [ "$cmd" = pre-dump ] && [ "$RC" -ne 1 ]; then
			# a new target, without the tracker of this chain
			kill -9 "$TPID"
			start_victim "$dir"
			snapshot "$TPID" "$dir/before"
		fi
	done
	kill -9 "$TPID" 2>/dev/null
	log "kill $cmd: $n tries, $done finished before the kill, $bad targets harmed, $KILL_DEAD dead so far"
	echo "kill $cmd: $((n - done)) of $n tries killed criu mid-run" >"$dir/summary"
}

kill_random() {
	FAILS=""
	kill_tries "$1" "$2"
	[ -z "$FAILS" ] || why "${FAILS#|}" | cut -c1-400
	[ -z "$FAILS" ]
}

# kill_at_fault CMD FAULT: criu dies at fault point FAULT.
kill_at_fault() {
	local cmd=$1 fault=$2 dir=$ROOT/kill-$1-fault$2 args

	args=(dump -R)
	[ "$cmd" = pre-dump ] && args=(pre-dump --track-mem)
	start_victim "$dir"
	snapshot "$TPID" "$dir/before"
	rm -rf "$dir/img" && mkdir "$dir/img"
	LAST_ERR=$dir/criu.err
	# in a subshell that waits, so its "Killed" notice goes nowhere
	(CRIU_FAULT=$fault CRIU_FAULT_KILL=1 "$CRIU" "${args[@]}" -t "$TPID" \
		-D "$dir/img" >/dev/null 2>"$LAST_ERR" </dev/null; exit $?) 2>/dev/null
	RC=$?
	[ "$RC" -eq 137 ] || why "criu exited $RC, not killed at fault $fault$(err_tail)" || return 1
	victim_fine "$TPID" "$dir" "$dir/before"
	local ret=$?
	kill -9 "$TPID" 2>/dev/null
	return $ret
}

# kill_restore_tries NAME N: dump zdtm test NAME once, then N restores
# SIGKILLed at random delays. A restore killed before it finished must
# leave no process of the tree (every restored task carries the test's
# folder on its command line); one that finished is checked and ended.
kill_restore_tries() {
	local name=$1 n=$2 dir=$ROOT/kill-restore-$1 i j ms pid done=0 p

	start_target "$name" "$dir" || why "can't start $name" || return 1
	pid=$TPID
	mkdir -p "$dir/img"
	criu_run "$dir/dump" dump -t "$pid" -D "$dir/img" -v4 -o dump.log
	[ "$RC" -eq 0 ] || why "dump of $name failed (exit $RC)$(err_tail)" || return 1
	wait_gone "$pid" || why "pid $pid alive after dump" || return 1
	FAILS=""
	for ((i = 0; i < n; i++)); do
		ms=$((RANDOM % (KILL_RESTORE_MAX_MS + 1)))
		rm -f "$dir/img/restore.log"
		env -u CRIU_FAULT "$CRIU" restore -d -D "$dir/img" -v4 -o restore.log \
			>/dev/null 2>"$dir/restore.err" </dev/null &
		p=$!
		disown "$p"
		[ "$ms" -gt 0 ] && sleep "$(printf '0.%03d' "$ms")"
		kill -9 "$p" 2>/dev/null
		while [ -d "/proc/$p" ] && [ "$(proc_state "$p")" != zombie ]; do
			sleep 0.005
		done
		if grep -q 'finished successfully' "$dir/img/restore.log" 2>/dev/null; then
			done=$((done + 1))
			target_is "$pid" "$name" ||
				{ FAILS="$FAILS|try $i ($ms ms): finished but pid $pid is not $name"; break; }
			rm -f "$dir/out"
			verdict "$pid" "$dir" ||
				{ FAILS="$FAILS|try $i ($ms ms): finished: $WHY"; break; }
			continue
		fi
		# the tracees die with their tracer (PTRACE_O_EXITKILL): give them time
		for ((j = 0; j < 30; j++)); do
			expect_no_process_in "$dir" "" && break
			sleep 0.1
		done
		if ! expect_no_process_in "$dir" ""; then
			FAILS="$FAILS|try $i ($ms ms, killed): $WHY"
			break
		fi
		wait_gone "$pid" 30 || { FAILS="$FAILS|try $i ($ms ms): pid $pid not free"; break; }
	done
	log "kill restore $name: $n tries, $done finished before the kill"
	[ -z "$FAILS" ] || why "${FAILS#|}" | cut -c1-400
	[ -z "$FAILS" ]
}

group_kill() {
	local f

	[ -x "$VICTIM" ] || { run_test kill_victim why "no $VICTIM (make -C test/compel)"; return; }
	for f in 1 2 3; do
		run_test "kill_dump_at_fault$f" kill_at_fault dump "$f"
	done
	run_test kill_predump_at_fault2 kill_at_fault pre-dump 2
	run_test "kill_dump_random_x$KILL_DUMPS" kill_random dump "$KILL_DUMPS"
	run_test "kill_predump_random_x$KILL_PREDUMPS" kill_random pre-dump "$KILL_PREDUMPS"
	run_test "kill_restore_pstree_x$KILL_RESTORES" kill_restore_tries pstree "$KILL_RESTORES"
	run_test "kill_restore_threads_x$KILL_RESTORES" kill_restore_tries thread_fpu_regs "$KILL_RESTORES"
	log "kill: $KILL_DEAD targets died"
}
