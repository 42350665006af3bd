#!/bin/bash
# run.sh - the command-line tier: criu as CRIU's callers drive it.
#
#   run.sh [--criu PATH] [--keep] [test...]
#
# Tests: version, options (every line of options.list), config-*,
# scripts-*, check-*, stats-*, timeout, log-pid, verbosity, display-stats,
# namespaces, pidfile, close, commands, track-end, install. One line per test, then "N passed, N failed".
#
# No file is written in /etc or the real $HOME: HOME points into the work
# folder, and the global configuration file is redirected there with
# criu's test hook $CRIU_OOH_GLOBAL_CONFIG (see criu(8)).

here=$(cd "$(dirname "$0")" && pwd)
CRIU=$here/../../criu/criu
KEEP=
while [ $# -gt 0 ]; do
	case $1 in
	--criu) CRIU=$(realpath "$2"); shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) break ;;
	esac
done
ONLY=("$@")

WORK=$(mktemp -d /tmp/criu-cli.XXXXXX)
export HOME=$WORK/home
export CRIU_OOH_GLOBAL_CONFIG=$WORK/etc/criu/default.conf
unset CRIU_CONFIG_FILE CRIU_LIBS_DIR
mkdir -p "$HOME" "$WORK/etc/criu"
MEMHOLDER=$here/memholder
PASS=0
FAIL=0

# Every process a test starts is in $WORK/kids, killed at the end.
cleanup() {
	local p

	for p in $(cat "$WORK/kids" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	[ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# --- helpers --------------------------------------------------------------

# A process to dump: a session leader with no terminal. Sets $PID.
start_sleeper() {
	local pf=$WORK/sleeper.pid i

	rm -f "$pf"
	# the shell that setsid runs is the session leader, forked or not
	setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$pf" </dev/null >/dev/null 2>&1 &
	for i in $(seq 200); do
		# the pid, once the shell has become sleep
		[ -s "$pf" ] && PID=$(cat "$pf") &&
			[[ $(readlink "/proc/$PID/exe") == */sleep ]] && break
		sleep 0.02
	done
	echo "$PID" >>"$WORK/kids"
}

# memholder with PRIV private and SHR shared pages. Sets $PID.
start_memholder() {
	local ready=$WORK/ready.$RANDOM i

	setsid "$MEMHOLDER" "$1" "$2" "$ready" </dev/null >/dev/null 2>&1 &
	for i in $(seq 100); do
		if [ -s "$ready" ]; then
			PID=$(cat "$ready")
			RESULT=$ready.result
			echo "$PID" >>"$WORK/kids"
			return 0
		fi
		sleep 0.05
	done
	echo "memholder did not start"
	return 1
}

alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# criu dump killed it: reap the zombie so that the pid is free again.
reap() {
	wait "$1" 2>/dev/null
	return 0
}

fresh_dir() {
	rm -rf "$1"
	mkdir -p "$1"
}

# A field of a stats image, through Debian's crit.
stats_field() {
	crit decode -i "$1" | python3 -c 'import json,sys
e = json.load(sys.stdin)["entries"][0]
print(e[sys.argv[1]].get(sys.argv[2], "MISSING"))' "$2" "$3"
}

run_test() {
	local name=$1 out

	shift
	if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qx -- "${name%%:*}"; then
		return
	fi
	out=$WORK/out.$PASS.$FAIL
	rm -f "$CRIU_OOH_GLOBAL_CONFIG" "$HOME/.criu/default.conf"
	if ("$@") >"$out" 2>&1; then
		echo "PASS $name"
		PASS=$((PASS + 1))
	else
		echo "FAIL $name: $(tail -n1 "$out")"
		FAIL=$((FAIL + 1))
	fi
}

# --- version ----------------------------------------------------------------

t_version() {
	local out

	out=$("$CRIU" --version) || { echo "criu --version failed"; return 1; }
	[ "$(wc -l <<<"$out")" = 2 ] || { echo "not two lines: $out"; return 1; }
	grep -qx 'Version: 4\.2' <<<"$out" || { echo "no 'Version: 4.2': $out"; return 1; }
	grep -qx 'GitID: criu-ooh-.\+' <<<"$out" || { echo "no 'GitID: criu-ooh-...': $out"; return 1; }
	[ "$("$CRIU" -V)" = "$out" ] || { echo "-V differs from --version"; return 1; }
	# LXC reads it with fscanf("Version: %[^\n]") and compares with "2.0"
	python3 -c 'import sys
v = sys.argv[1].splitlines()[0].split(": ")[1]
sys.exit(0 if tuple(map(int, v.split("."))) >= (2, 0) else 1)' "$out" ||
		{ echo "version not parsable as X.Y"; return 1; }
}

# --- options.list -----------------------------------------------------------

SCRIPT_OK=$WORK/true.sh
printf '#!/bin/sh\nexit 0\n' >"$SCRIPT_OK"
chmod +x "$SCRIPT_OK"

# One line of options.list: the command with those arguments.
t_option_line() {
	local cmd=$1 expect=$2 args=$3 d=$WORK/opt out rc
	local -a argv

	fresh_dir "$d/imgs"
	args=${args//@SCRIPT/$SCRIPT_OK}
	args=${args//@IMGS/$d/imgs}
	start_sleeper
	args=${args//@PID/$PID}
	read -r -a argv <<<"$args"
	case $cmd in
	check) argv=(check "${argv[@]}") ;;
	dump|pre-dump)
		if [[ $args == *prev-images-dir* ]]; then
			fresh_dir "$d/parent"
			"$CRIU" pre-dump -t "$PID" -D "$d/parent" --track-mem ||
				{ echo "parent pre-dump failed"; return 1; }
		fi
		argv=("$cmd" -t "$PID" -D "$d/imgs" "${argv[@]}") ;;
	restore)
		"$CRIU" dump -t "$PID" -D "$d/imgs" || { echo "dump for restore failed"; return 1; }
		reap "$PID"
		argv=(restore -D "$d/imgs" -d "${argv[@]}") ;;
	esac
	out=$("$CRIU" "${argv[@]}" 2>&1)
	rc=$?
	if [ "$expect" = refused ] || [ "$expect" = invalid ]; then
		[ $rc = 1 ] || { echo "exit $rc, not 1: $out"; return 1; }
		if [ "$expect" = refused ]; then
			grep -q 'is not supported by criu-ooh yet' <<<"$out" ||
				{ echo "no 'not supported' message: $out"; return 1; }
		else
			grep -q 'Error' <<<"$out" || { echo "no error message: $out"; return 1; }
			grep -q 'is not supported by criu-ooh yet' <<<"$out" &&
				{ echo "still 'not supported': $out"; return 1; }
		fi
		[ "$cmd" = restore ] && alive "$PID" && { echo "restored anyway"; return 1; }
		[ "$cmd" = restore ] || alive "$PID" || { echo "pid $PID is gone"; return 1; }
		[ -e "$d/imgs/inventory.img" ] && [ "$cmd" != restore ] &&
			{ echo "images were written"; return 1; }
	else
		[ $rc = 0 ] || { echo "exit $rc: $out"; return 1; }
		case $cmd in
		dump|pre-dump) [ -e "$d/imgs/inventory.img" ] || { echo "no inventory.img"; return 1; } ;;
		restore) alive "$PID" || { echo "pid $PID not restored"; return 1; } ;;
		esac
	fi
	kill -9 "$PID" 2>/dev/null
	reap "$PID"
	return 0
}

run_option_lines() {
	local src cmd expect args

	while IFS=$'\t' read -r src cmd expect args; do
		[[ -z $src || $src == \#* ]] && continue
		run_test "options: $src $cmd $args ($expect)" t_option_line "$cmd" "$expect" "$args"
	done <"$here/options.list"
}

# --- configuration files ----------------------------------------------------

GLOBAL=$CRIU_OOH_GLOBAL_CONFIG
USERCONF=$HOME/.criu/default.conf
ENVCONF=$WORK/env.conf
CMDCONF=$WORK/cmd.conf

reset_configs() {
	rm -f "$GLOBAL" "$USERCONF" "$ENVCONF" "$CMDCONF" "$WORK"/log-*
	mkdir -p "$HOME/.criu"
}

# Which of the log files named by the configuration files criu wrote.
which_log() {
	local f

	for f in "$WORK"/log-*; do
		[ -e "$f" ] && basename "$f"
	done
}

# Each source names its own log file: the one that wins is written.
write_all_configs() {
	echo "log-file $WORK/log-global" >"$GLOBAL"
	echo "log-file $WORK/log-user" >"$USERCONF"
	echo "log-file $WORK/log-env" >"$ENVCONF"
	echo "log-file $WORK/log-cmd" >"$CMDCONF"
}

expect_log() {
	local want=$1 got

	got=$(which_log | tr '\n' ' ')
	[ "$got" = "$want " ] || { echo "wrote '$got', expected '$want'"; return 1; }
}

t_config_precedence() {
	reset_configs
	echo "log-file $WORK/log-global" >"$GLOBAL"
	"$CRIU" check >/dev/null || { echo "check failed"; return 1; }
	expect_log log-global || return 1

	reset_configs
	write_all_configs
	rm "$ENVCONF" "$CMDCONF"
	"$CRIU" check >/dev/null && expect_log log-user || return 1

	reset_configs
	write_all_configs
	CRIU_CONFIG_FILE=$ENVCONF "$CRIU" check >/dev/null && expect_log log-env || return 1

	reset_configs
	write_all_configs
	CRIU_CONFIG_FILE=$ENVCONF "$CRIU" check --config "$CMDCONF" >/dev/null &&
		expect_log log-cmd || return 1

	reset_configs
	write_all_configs
	CRIU_CONFIG_FILE=$ENVCONF "$CRIU" check --config="$CMDCONF" -o "$WORK/log-argv" >/dev/null &&
		expect_log log-argv || return 1
}

# --config and --no-default-config skip the default files, not $CRIU_CONFIG_FILE.
t_config_no_default() {
	reset_configs
	echo "log-file $WORK/log-global" >"$GLOBAL"
	echo "log-file $WORK/log-user" >"$USERCONF"
	"$CRIU" check --no-default-config >/dev/null && expect_log "" 2>/dev/null
	[ -z "$(which_log)" ] || { echo "read a default file: $(which_log)"; return 1; }
	echo "verbosity 4" >"$CMDCONF"
	"$CRIU" check --config "$CMDCONF" >/dev/null
	[ -z "$(which_log)" ] || { echo "--config read a default file: $(which_log)"; return 1; }
	echo "log-file $WORK/log-env" >"$ENVCONF"
	CRIU_CONFIG_FILE=$ENVCONF "$CRIU" check --no-default-config >/dev/null &&
		expect_log log-env
}

# Syntax: comments, blank lines, "quoted values", name=value is not CRIU's.
t_config_syntax() {
	reset_configs
	mkdir -p "$WORK/with space"
	cat >"$USERCONF" <<-EOF
	# a comment line

	   verbosity 4   # a comment after the value
	log-file "$WORK/with space/log-quoted"
	EOF
	"$CRIU" check >/dev/null || { echo "check failed"; return 1; }
	[ -e "$WORK/with space/log-quoted" ] || { echo "quoted log file not written"; return 1; }
	grep -q . "$WORK/with space/log-quoted" || { echo "verbosity 4 not applied"; return 1; }
	echo "no-such-option" >"$USERCONF"
	out=$("$CRIU" check 2>&1) && { echo "bad option accepted"; return 1; }
	grep -q "$USERCONF" <<<"$out" || { echo "error does not name the file: $out"; return 1; }
	echo "log-file" >"$USERCONF"
	"$CRIU" check >/dev/null 2>&1 && { echo "missing value accepted"; return 1; }
	echo "log-file \"unterminated" >"$USERCONF"
	"$CRIU" check >/dev/null 2>&1 && { echo "unterminated quote accepted"; return 1; }
	reset_configs
	"$CRIU" check --config "$WORK/no-such.conf" >/dev/null 2>&1 &&
		{ echo "missing --config file accepted"; return 1; }
	return 0
}

# What a container runtime that knows nothing of criu-ooh relies on: the
# tracker chosen in the configuration file, and options refused there too.
t_config_tracker() {
	local d=$WORK/cfg-tracker

	reset_configs
	fresh_dir "$d"
	echo "dirty-tracker none" >"$GLOBAL"
	start_sleeper
	"$CRIU" pre-dump -t "$PID" -D "$d" --track-mem -v1 -o pre.log ||
		{ echo "pre-dump failed"; return 1; }
	grep -q "tracker none" "$d/pre.log" || { echo "tracker none not used: $(cat "$d/pre.log")"; return 1; }
	echo "ooh" >"$GLOBAL"
	fresh_dir "$d"
	out=$("$CRIU" pre-dump -t "$PID" -D "$d" --track-mem 2>&1) &&
		{ echo "ooh tracker without its plugin accepted"; return 1; }
	grep -qi "ooh" <<<"$out" || { echo "failure does not name ooh: $out"; return 1; }
	echo "evasive-devices" >"$GLOBAL"
	out=$("$CRIU" check 2>&1) && { echo "refused option accepted from a file"; return 1; }
	grep -q "evasive-devices is not supported by criu-ooh yet" <<<"$out" ||
		{ echo "no refusal message: $out"; return 1; }
	reset_configs
	kill -9 "$PID"
}

# --- action scripts ---------------------------------------------------------

SCRIPT_LOG=$WORK/script.log

# A script recording what criu told it, and whether the process was
# stopped by criu (ptrace stop) or free to run then; FAIL_AT makes it
# fail at that step.
make_script() {
	cat >"$1" <<-EOF
	#!/bin/sh
	case \$(awk '/^State:/ { print \$2 }' /proc/\$CRTOOLS_INIT_PID/status 2>/dev/null) in
	t) st=stopped ;;
	R|S) st=running ;;
	*) st= ;;
	esac
	echo "$2 \$CRTOOLS_SCRIPT_ACTION pid=\$CRTOOLS_INIT_PID dir=\$CRTOOLS_IMAGE_DIR \$st" >>$SCRIPT_LOG
	[ "\$CRTOOLS_SCRIPT_ACTION" != "\$FAIL_AT" ]
	EOF
	chmod +x "$1"
}

t_scripts_order() {
	local d=$WORK/scripts want got pid

	fresh_dir "$d"
	rm -f "$SCRIPT_LOG"
	make_script "$WORK/s1.sh" one
	make_script "$WORK/s2.sh" two
	start_memholder 8 4 || return 1
	pid=$PID
	# a relative -D: scripts get the absolute path
	cd "$WORK" || return 1
	"$CRIU" dump -t "$pid" -D scripts --action-script "$WORK/s1.sh" --action-script="$WORK/s2.sh" ||
		{ echo "dump failed"; return 1; }
	reap "$pid"
	"$CRIU" restore -D scripts -d --action-script "$WORK/s1.sh" --action-script "$WORK/s2.sh" ||
		{ echo "restore failed"; return 1; }
	kill -TERM "$pid"
	want=""
	for a in "pre-dump running" "post-dump stopped" pre-restore "post-restore stopped" \
		 "pre-resume stopped" "post-resume running"; do
		p=$pid
		[ "$a" = pre-restore ] && p= && a="pre-restore "
		set -- $a
		want+="one $1 pid=$p dir=$d $2"$'\n'"two $1 pid=$p dir=$d $2"$'\n'
	done
	got=$(cat "$SCRIPT_LOG")$'\n'
	[ "$got" = "$want" ] ||
		{ echo "scripts saw (<) and should have (>):"; diff <(echo "$got") <(echo "$want") | grep '^[<>]' | tr '\n' '|'; return 1; }
}

# A failing script fails the step as in CRIU; pre-/post-resume only log it.
t_scripts_failures() {
	local d=$WORK/scripts-fail pid

	make_script "$WORK/s1.sh" one
	for step in pre-dump post-dump; do
		fresh_dir "$d"
		start_sleeper
		FAIL_AT=$step "$CRIU" dump -t "$PID" -D "$d" --action-script "$WORK/s1.sh" 2>/dev/null &&
			{ echo "dump succeeded though $step failed"; return 1; }
		alive "$PID" || { echo "pid gone after failed $step"; return 1; }
		[ -e "$d/inventory.img" ] && { echo "images left after failed $step"; return 1; }
		kill -9 "$PID"
		reap "$PID"
	done
	for step in pre-restore post-restore pre-resume post-resume; do
		fresh_dir "$d"
		start_memholder 4 2 || return 1
		pid=$PID
		"$CRIU" dump -t "$pid" -D "$d" || { echo "dump failed"; return 1; }
		reap "$pid"
		FAIL_AT=$step "$CRIU" restore -D "$d" -d --action-script "$WORK/s1.sh" 2>"$d/err"
		rc=$?
		case $step in
		pre-restore|post-restore)
			[ $rc = 1 ] || { echo "restore exit $rc though $step failed"; return 1; }
			sleep 0.1
			alive "$pid" && { echo "pid $pid left behind after failed $step"; return 1; } ;;
		*)
			[ $rc = 0 ] || { echo "restore failed on a $step script (CRIU only logs it)"; return 1; }
			grep -q "failed at $step" "$d/err" || { echo "$step failure not logged"; return 1; }
			alive "$pid" || { echo "pid $pid not running after $step"; return 1; }
			kill -9 "$pid" ;;
		esac
	done
	return 0
}

# --- check ----------------------------------------------------------------

kernel_at_least() {
	python3 -c 'import os,sys
v = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
sys.exit(0 if v >= (int(sys.argv[1]), int(sys.argv[2])) else 1)' "$1" "$2"
}

# What the kernel says, feature by feature, for those criu-ooh uses.
kernel_has() {
	case $1 in
	uffd) [ -e /proc/sys/vm/unprivileged_userfaultfd ] ;;
	uffd-noncoop|lazy_pages) kernel_at_least 4 11 && [ -e /proc/sys/vm/unprivileged_userfaultfd ] ;;
	get_rseq_conf) kernel_at_least 5 13 ;;
	clone3_set_tid) kernel_at_least 5 5 ;;
	seccomp_suspend) [ -e /proc/sys/kernel/seccomp ] && [ -d /proc/self/map_files ] ;;
	soft_dirty) grep -q '^VmFlags:.* sd' /proc/self/smaps ;;
	pagemap_scan|uffd_wp_async) kernel_at_least 6 7 && [ -e /proc/sys/vm/unprivileged_userfaultfd ] ;;
	mem_dirty_track) kernel_has pagemap_scan || kernel_has soft_dirty ;;
	ooh) [ -c /dev/ooh ] ;;
	*) return 2 ;;
	esac
}

t_check_features() {
	local names f out rc bad=0

	names=$("$CRIU" check --feature list) || { echo "--feature list failed"; return 1; }
	[ "$(wc -w <<<"$names")" -ge 40 ] || { echo "only $(wc -w <<<"$names") names"; return 1; }
	for f in $names; do
		out=$("$CRIU" check --feature "$f" 2>&1)
		rc=$?
		kernel_has "$f"
		case $? in
		0) want=0 ;;
		1) want=1 ;;
		*) # not used by criu-ooh (ooh: its plugin is not loaded here)
			want=1
			grep -q "criu-ooh\|plugin is not loaded" <<<"$out" ||
				{ echo "$f: no reason given: $out"; bad=1; } ;;
		esac
		if [ $rc != $want ]; then
			echo "$f: exit $rc, expected $want: $out"
			bad=1
		fi
		grep -q ": yes" <<<"$out" && [ $rc != 0 ] && { echo "$f: yes with exit $rc"; bad=1; }
	done
	out=$("$CRIU" check --feature no_such_feature 2>&1) && { echo "unknown feature accepted"; bad=1; }
	grep -q "unknown feature" <<<"$out" || { echo "unknown feature: $out"; bad=1; }
	return $bad
}

t_check_all() {
	local out

	out=$("$CRIU" check) || { echo "plain check failed: $out"; return 1; }
	[ "$out" = "Looks good." ] || { echo "plain check said: $out"; return 1; }
	for o in --extra --all --experimental; do
		out=$("$CRIU" check $o) && { echo "check $o: exit 0 though features are missing"; return 1; }
		grep -q "^Looks good but some kernel features are missing" <<<"$out" ||
			{ echo "check $o said: $out"; return 1; }
	done
	out=$("$CRIU" check --extra)
	grep -q "^userns: no" <<<"$out" || { echo "--extra does not cover userns"; return 1; }
	grep -q "^autofs" <<<"$out" && { echo "--extra covers experimental autofs"; return 1; }
	out=$("$CRIU" check --all)
	grep -q "^autofs: no" <<<"$out" || { echo "--all does not cover autofs"; return 1; }
	return 0
}

# --- stats ------------------------------------------------------------------

DUMP_FIELDS="freezing_time frozen_time memdump_time memwrite_time pages_scanned
pages_skipped_parent pages_written irmap_resolve pages_lazy page_pipes page_pipe_bufs
shpages_scanned shpages_skipped_parent shpages_written"
RESTORE_FIELDS="pages_compared pages_skipped_cow forking_time restore_time pages_restored"

expect_field() {
	local got

	got=$(stats_field "$1" "$2" "$3")
	[ "$got" = "$4" ] || { echo "$(basename "$1") $3 = $got, expected $4"; return 1; }
}

t_stats_fields() {
	local d=$WORK/stats pid f crv

	fresh_dir "$d"
	start_memholder 100 50 || return 1
	pid=$PID
	"$CRIU" dump -t "$pid" -D "$d" || { echo "dump failed"; return 1; }
	reap "$pid"
	for f in $DUMP_FIELDS; do
		[ "$(stats_field "$d/stats-dump" dump "$f")" != MISSING ] ||
			{ echo "stats-dump has no $f"; return 1; }
	done
	expect_field "$d/stats-dump" dump shpages_written 50 || return 1
	expect_field "$d/stats-dump" dump shpages_scanned 50 || return 1
	expect_field "$d/stats-dump" dump page_pipes 0 || return 1
	[ "$(stats_field "$d/stats-dump" dump pages_written)" -ge 100 ] ||
		{ echo "pages_written < 100"; return 1; }
	"$CRIU" restore -D "$d" -d || { echo "restore failed"; return 1; }
	for f in $RESTORE_FIELDS; do
		[ "$(stats_field "$d/stats-restore" restore "$f")" != MISSING ] ||
			{ echo "stats-restore has no $f"; return 1; }
	done
	[ "$(stats_field "$d/stats-restore" restore pages_restored)" -ge 150 ] ||
		{ echo "pages_restored < 150"; return 1; }
	kill -9 "$pid"
}

# Both --pre-dump-mode ways give a chain that restores the right memory.
# --ooh-provider: a bad name is refused by the parser; a good one means
# the ooh tracker (a machine without ooh.ko then says so), over what
# $CRIU_OOH_PROVIDER says. Which provider it picks is the nested tier's.
t_ooh_provider() {
	local d=$WORK/oohprov out rc

	out=$("$CRIU" check --feature ooh --ooh-provider=bogus 2>&1)
	rc=$?
	[ $rc = 1 ] || { echo "bogus provider: exit $rc"; return 1; }
	grep -q 'invalid argument for --ooh-provider: bogus' <<<"$out" ||
		{ echo "bogus provider: $out"; return 1; }
	if [ -e /dev/ooh ]; then
		echo "SKIP: this machine has /dev/ooh: the nested tier checks the provider"
		return 0
	fi
	fresh_dir "$d"
	start_sleeper
	out=$(CRIU_OOH_PROVIDER=bogus "$CRIU" pre-dump -t "$PID" -D "$d" --track-mem \
		--ooh-provider=epml 2>&1)
	rc=$?
	kill -9 "$PID" 2>/dev/null
	reap "$PID"
	[ $rc = 1 ] || { echo "pre-dump --ooh-provider=epml without ooh.ko: exit $rc"; return 1; }
	grep -q 'Dirty tracker ooh can.t work here: no /dev/ooh' <<<"$out" ||
		{ echo "pre-dump --ooh-provider=epml did not ask for the ooh tracker: $out"; return 1; }
	grep -q bogus <<<"$out" && { echo "the flag did not win over the environment: $out"; return 1; }
	[ -e "$d/inventory.img" ] && { echo "images were written"; return 1; }
	return 0
}

t_stats_pre_dump_modes() {
	local d=$WORK/modes pid mode

	for mode in splice read; do
		fresh_dir "$d/pre"
		fresh_dir "$d/final"
		start_memholder 64 8 || return 1
		pid=$PID
		"$CRIU" pre-dump -t "$pid" -D "$d/pre" --track-mem --pre-dump-mode "$mode" ||
			{ echo "$mode pre-dump failed"; return 1; }
		if [ $mode = splice ]; then
			expect_field "$d/pre/stats-dump" dump page_pipes 1 || return 1
			[ "$(stats_field "$d/pre/stats-dump" dump page_pipe_bufs)" -ge 1 ] ||
				{ echo "splice: no pipe buffers"; return 1; }
		else
			expect_field "$d/pre/stats-dump" dump page_pipes 0 || return 1
			expect_field "$d/pre/stats-dump" dump page_pipe_bufs 0 || return 1
		fi
		kill -USR1 "$pid"
		sleep 0.2
		"$CRIU" dump -t "$pid" -D "$d/final" --track-mem --prev-images-dir ../pre ||
			{ echo "$mode: final dump failed"; return 1; }
		reap "$pid"
		"$CRIU" restore -D "$d/final" -d || { echo "$mode: restore failed"; return 1; }
		kill -TERM "$pid"
		for i in $(seq 50); do [ -s "$RESULT" ] && break; sleep 0.1; done
		[ "$(cat "$RESULT" 2>/dev/null)" = intact ] ||
			{ echo "$mode: memory after restore is not what was written ($(cat "$RESULT" 2>/dev/null))"; return 1; }
	done
}

# --- track-end --------------------------------------------------------------

tracker_fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c userfaultfd; }
task_state() { sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

# criu track-end: the refusals first, then the end of a chain left stopped
t_track_end() {
	local d=$WORK/track-end pid out

	for s in pre final again; do fresh_dir "$d/$s"; done
	start_memholder 64 8 || return 1
	pid=$PID
	out=$("$CRIU" track-end -t "$pid" -D "$d/pre" 2>&1) &&
		{ echo "track-end on an untracked folder succeeded"; return 1; }
	grep -q "holds no tracker state of pid $pid" <<<"$out" || { echo "untracked: $out"; return 1; }
	out=$("$CRIU" track-end -D "$d/pre" 2>&1) && { echo "track-end without -t accepted"; return 1; }
	grep -q "needs the pid" <<<"$out" || { echo "no -t: $out"; return 1; }
	"$CRIU" pre-dump -t "$pid" -D "$d/pre" --track-mem --dirty-tracker=pagemap-scan ||
		{ echo "pre-dump failed"; return 1; }
	[ "$(tracker_fds "$pid")" = 1 ] || { echo "no userfaultfd in $pid after the pre-dump"; return 1; }
	start_sleeper
	out=$("$CRIU" track-end -t "$PID" -D "$d/pre" 2>&1) &&
		{ echo "track-end of another pid's folder succeeded"; return 1; }
	grep -q "holds no tracker state of pid $PID" <<<"$out" || { echo "other pid: $out"; return 1; }
	"$CRIU" dump -t "$pid" -D "$d/final" --prev-images-dir ../pre --track-mem --leave-stopped ||
		{ echo "final dump failed"; return 1; }
	[ "$(tracker_fds "$pid")" = 1 ] || { echo "the final dump with --track-mem ended the tracker"; return 1; }
	"$CRIU" track-end -t "$pid" -D "$d/final" -v4 -o track-end.log ||
		{ echo "track-end failed: $(grep Error "$d/final/track-end.log" | head -n1)"; return 1; }
	grep -q "Tracking of pid $pid with pagemap-scan ended" "$d/final/track-end.log" ||
		{ echo "track-end does not say it ended the tracking"; return 1; }
	[ "$(tracker_fds "$pid")" = 0 ] || { echo "pid $pid still holds its userfaultfd"; return 1; }
	[ "$(task_state "$pid")" = T ] || { echo "pid $pid is $(task_state "$pid"), not left stopped"; return 1; }
	[ ! -e "$d/final/dirty-tracker" ] || { echo "the tracker state is left in the folder"; return 1; }
	"$CRIU" track-end -t "$pid" -D "$d/final" 2>/dev/null && { echo "a second track-end succeeded"; return 1; }
	kill -CONT "$pid"
	# the chain is over: a pre-dump on top of it copies every page
	"$CRIU" pre-dump -t "$pid" -D "$d/again" --prev-images-dir ../final --track-mem ||
		{ echo "pre-dump after track-end failed"; return 1; }
	expect_field "$d/again/stats-dump" dump pages_skipped_parent 0 || return 1
	kill -TERM "$pid"
	for i in $(seq 50); do [ -s "$RESULT" ] && break; sleep 0.1; done
	[ "$(cat "$RESULT" 2>/dev/null)" = intact ] ||
		{ echo "memory after track-end is not what was written ($(cat "$RESULT" 2>/dev/null))"; return 1; }
}

# --- other options ----------------------------------------------------------

t_timeout() {
	local fz=/sys/fs/cgroup/freezer/criu-cli-$$ d=$WORK/timeout out start

	[ -d /sys/fs/cgroup/freezer ] || { echo "SKIP: no freezer cgroup"; return 0; }
	mkdir "$fz" || return 1
	start_sleeper
	echo "$PID" >"$fz/tasks"
	echo FROZEN >"$fz/freezer.state"
	fresh_dir "$d"
	start=$SECONDS
	out=$(timeout 30 "$CRIU" dump -t "$PID" -D "$d" --timeout 1 2>&1)
	rc=$?
	echo THAWED >"$fz/freezer.state"
	sleep 0.2
	echo "$PID" >/sys/fs/cgroup/freezer/tasks
	rmdir "$fz"
	[ $rc = 1 ] || { echo "exit $rc: $out"; return 1; }
	grep -q "timeout reached" <<<"$out" || { echo "no timeout message: $out"; return 1; }
	alive "$PID" || { echo "pid $PID gone after the timeout"; return 1; }
	grep -q '^State:.*[RS]' "/proc/$PID/status" || { echo "pid $PID left stopped"; return 1; }
	kill -9 "$PID"
}

t_log_pid() {
	local d=$WORK/logpid

	fresh_dir "$d"
	start_sleeper
	"$CRIU" dump -t "$PID" -D "$d" -o dump.log --log-pid -v4 || { echo "dump failed"; return 1; }
	[ -e "$d/dump.log" ] && { echo "dump.log written, not dump.log.PID"; return 1; }
	ls "$d" | grep -qx 'dump\.log\.[0-9]\+' || { echo "no dump.log.PID: $(ls "$d")"; return 1; }
}

t_verbosity() {
	local d=$WORK/verb

	fresh_dir "$d"
	"$CRIU" check -o "$d/v2.log" && "$CRIU" check --verbosity=4 -o "$d/v4.log" &&
		"$CRIU" check -vv -o "$d/vv.log" && "$CRIU" check --verbosity -o "$d/v3.log" ||
		{ echo "check failed"; return 1; }
	start_sleeper
	"$CRIU" dump -t "$PID" -D "$d" -o dump2.log || return 1
	reap "$PID"
	start_sleeper
	"$CRIU" dump -t "$PID" -D "$d" --verbosity=3 -o dump3.log || return 1
	reap "$PID"
	grep -q "Dumping pid" "$d/dump2.log" && { echo "info line at the default level"; return 1; }
	grep -q "Dumping pid" "$d/dump3.log" || { echo "no info line with --verbosity=3"; return 1; }
	"$CRIU" check --verbosity=x 2>/dev/null && { echo "--verbosity=x accepted"; return 1; }
	return 0
}

t_display_stats() {
	local d=$WORK/display out

	fresh_dir "$d"
	start_sleeper
	out=$("$CRIU" dump -t "$PID" -D "$d" --display-stats) || { echo "dump failed"; return 1; }
	grep -q "pages written" <<<"$out" || { echo "no statistics: $out"; return 1; }
	reap "$PID"
	start_sleeper
	fresh_dir "$d"
	out=$("$CRIU" dump -t "$PID" -D "$d" --no-display-stats)
	[ -z "$out" ] || { echo "statistics without --display-stats: $out"; return 1; }
}

# Dump ignores --pidfile, as CRIU does; restore writes it.
t_pidfile() {
	local d=$WORK/pidfile pid

	fresh_dir "$d"
	start_sleeper
	pid=$PID
	"$CRIU" dump -t "$pid" -D "$d" --pidfile dump.pid || return 1
	reap "$pid"
	[ -e "$d/dump.pid" ] && { echo "dump wrote its --pidfile"; return 1; }
	"$CRIU" restore -D "$d" -d --pidfile=rst.pid || return 1
	[ "$(cat "$d/rst.pid")" = "$pid" ] || { echo "rst.pid: $(cat "$d/rst.pid")"; return 1; }
	kill -9 "$pid"
}

# A process in a namespace of its own is refused, not dumped into criu's
# namespaces (so no network-lock script is due, as CRIU's would be).
t_namespaces() {
	local d=$WORK/ns pf=$WORK/ns.pid out ns

	for ns in net uts ipc; do
		fresh_dir "$d"
		rm -f "$pf"
		setsid unshare --$ns sh -c 'echo $$ >"$0"; exec sleep 1000' "$pf" </dev/null >/dev/null 2>&1 &
		for i in $(seq 100); do
			[ -s "$pf" ] && PID=$(cat "$pf") && [[ $(readlink "/proc/$PID/exe") == */sleep ]] && break
			sleep 0.02
		done
		echo "$PID" >>"$WORK/kids"
		out=$("$CRIU" dump -t "$PID" -D "$d" 2>&1) && { echo "$ns namespace dumped"; return 1; }
		grep -q "in namespaces of its own ($ns)" <<<"$out" || { echo "$ns: $out"; return 1; }
		alive "$PID" || { echo "pid $PID gone"; return 1; }
		[ -e "$d/inventory.img" ] && { echo "$ns: images written"; return 1; }
		kill -9 "$PID"
	done
	return 0
}

# --close FD: criu closes it first (a script it runs sees it gone).
t_close() {
	local d=$WORK/close probe=$WORK/fd9.sh

	printf '#!/bin/sh\n[ ! -e /proc/$PPID/fd/9 ]\n' >"$probe"
	chmod +x "$probe"
	fresh_dir "$d"
	start_sleeper
	"$CRIU" dump -t "$PID" -D "$d" -R --action-script "$probe" 9</dev/null 2>/dev/null &&
		{ echo "the probe does not see an open fd 9"; return 1; }
	fresh_dir "$d"
	"$CRIU" dump -t "$PID" -D "$d" -R --close 9 --action-script "$probe" 9</dev/null ||
		{ echo "fd 9 still open with --close 9"; return 1; }
	kill -9 "$PID"
}

t_commands() {
	local out c

	for c in dedup "cpuinfo dump"; do
		out=$("$CRIU" $c 2>&1) && { echo "$c accepted"; return 1; }
		grep -q "not supported by criu-ooh yet" <<<"$out" || { echo "$c: $out"; return 1; }
	done
	out=$("$CRIU" lazy-pages 2>&1) && { echo "lazy-pages without -D accepted"; return 1; }
	grep -q "images folder is needed" <<<"$out" || { echo "lazy-pages: $out"; return 1; }
	out=$("$CRIU" frobnicate 2>&1) && { echo "unknown command accepted"; return 1; }
	# page-server is real (test/migrate): without -D it says what it needs
	out=$("$CRIU" page-server 2>&1) && { echo "page-server without -D accepted"; return 1; }
	grep -q "needs an images folder" <<<"$out" || { echo "page-server: $out"; return 1; }
	"$CRIU" --help | grep -q "^Usage:" || { echo "no usage from --help"; return 1; }
	# --help wins over a broken configuration file, as in CRIU
	echo "no-such-option" >"$USERCONF"
	"$CRIU" -h >/dev/null || { echo "-h failed on a bad configuration file"; return 1; }
	rm -f "$USERCONF"
	"$CRIU" --ms check 2>&1 | grep -q deprecated || { echo "--ms not refused as deprecated"; return 1; }
}

t_install() {
	local dest=$WORK/dest top=$here/../..

	make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr >"$WORK/install.log" 2>&1 ||
		{ tail -n3 "$WORK/install.log"; return 1; }
	for f in usr/sbin/criu usr/lib/criu/ooh.so usr/share/man/man8/criu.8 etc/criu/default.conf \
		 usr/lib/libcriu.so.2 usr/include/criu/criu.h usr/lib/pkgconfig/criu.pc; do
		[ -e "$dest/$f" ] || { echo "not installed: $f"; return 1; }
	done
	"$dest/usr/sbin/criu" --version | grep -q "^Version: " || { echo "installed criu does not run"; return 1; }
	# the installed example changes nothing: every line is a comment
	grep -v '^\s*\(#.*\)\?$' "$dest/etc/criu/default.conf" && { echo "example sets options"; return 1; }
	man -l "$dest/usr/share/man/man8/criu.8" 2>/dev/null | grep -q "action-script" ||
		{ echo "man page does not render or lacks --action-script"; return 1; }
	return 0
}

run_test version t_version
run_option_lines
run_test config-precedence t_config_precedence
run_test config-no-default t_config_no_default
run_test config-syntax t_config_syntax
run_test config-tracker t_config_tracker
run_test scripts-order t_scripts_order
run_test scripts-failures t_scripts_failures
run_test check-features t_check_features
run_test check-all t_check_all
run_test stats-fields t_stats_fields
run_test stats-pre-dump-modes t_stats_pre_dump_modes
run_test ooh-provider t_ooh_provider
run_test timeout t_timeout
run_test log-pid t_log_pid
run_test verbosity t_verbosity
run_test display-stats t_display_stats
run_test pidfile t_pidfile
run_test namespaces t_namespaces
run_test close t_close
run_test commands t_commands
run_test track-end t_track_end
run_test install t_install

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
