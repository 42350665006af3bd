#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# l2-migrate.sh - sourced by l2-tests.sh in the second-level guest:
# criu-migrate with --dirty-tracker ooh over the real host's log, between
# two "hosts" made here (test/migrate/hosts.sh: network, pid and mount
# namespaces, a veth pair with 10.77.0.1 and 10.77.0.2), on SPML under
# nested paging in level 1 and on EPML under shadow paging (L1_NPT=0).
#
#   migrate-ooh/eager       incr_busy_hotset (a thread rewriting 512 of its
#   migrate-ooh/lazy        8192 pages without pause, which checks every
#                           page after restore) moved with ooh, eagerly and
#                           with --lazy: it runs on B and passes its check
#                           there, nothing of it is left on A, every round's
#                           criu log says ooh tracked it (and never lost
#                           track), the report names ooh, and the rounds
#                           after the first sent the hot set, not the memory
#   migrate-ooh/serve-killed B's serve SIGKILLed while round 1 sends its
#                           pages: send exits 1 naming the round, the test
#                           runs on on A (not stopped) and passes its check
#                           there, nothing of it in B, and it holds no
#                           /dev/ooh descriptor any more (its session would
#                           keep the host logging and refuse the next attach)
#   migrate-ooh/restore-failed the same when B's restore fails, after the
#                           final dump (CRIU_FAULT=14)
#
# Called as migrate_ooh_tests; prints "PASS migrate-ooh/NAME" or "FAIL
# migrate-ooh/NAME: why" per case. With MIG_COMPARE=1 it first migrates
# the same test eagerly with pagemap-scan and with ooh and prints both
# reports ("# compare TRACKER: ..."), for Documentation/migrate.md;
# MIG_COMPARE="ooh pagemap-scan" names the trackers and their order.

MIG_TEST_DIR=/vmtest/migrate
# the hot set of incr_busy_hotset: every 16th of its 8192 pages
MIG_HOT_PAGES=512
MIG_AREA_PAGES=8192

# Every round's criu log on A says ooh followed pid $PID there: round 1
# started it on $MIG_PROVIDER, each later round (the final dump too) drained it,
# and none lost track (a full copy would hide a tracker that misses).
mig_rounds_tracked() {
	local dir=$1 log n=0 lost="lost track of pid\|the log is incomplete"

	log=$dir/A/round1/pre-dump.log
	grep -q "ooh: tracking pid $PID with its fd [0-9]*, provider $MIG_PROVIDER" "$log" ||
		{ echo "round1: ooh did not start on pid $PID on $MIG_PROVIDER"; return 1; }
	for log in "$dir"/A/round*/pre-dump.log "$dir"/A/round*/dump.log; do
		[ -e "$log" ] || continue
		n=$((n + 1))
		if grep -q "$lost" "$log"; then
			echo "${log#"$dir"/}: $(grep -m1 "$lost" "$log")"
			return 1
		fi
		[ "$log" = "$dir/A/round1/pre-dump.log" ] && continue
		grep -q "ooh: [0-9]* bytes written since the parent" "$log" &&
			grep -q "ooh: pid $PID: [0-9]* frames logged" "$log" ||
			{ echo "${log#"$dir"/}: no drain of ooh for pid $PID"; return 1; }
	done
	[ "$n" -ge 3 ] || { echo "only $n round logs on A"; return 1; }
}

# Rounds 2.. of the pre-dumps sent the hot set: at least what the writer
# rewrites (it never pauses), far below the whole area.
mig_rounds_hot() {
	local rep=$1 max=$((MIG_AREA_PAGES / 4)) line pages

	while read -r line; do
		pages=$(echo "$line" | grep -o 'pages=[0-9]*' | cut -d= -f2)
		[ "$pages" -ge "$MIG_HOT_PAGES" ] && [ "$pages" -le "$max" ] ||
			{ echo "${line%% kind*} sent $pages pages, the hot set is $MIG_HOT_PAGES (at most $max)"; return 1; }
	done < <(grep '^round=' "$rep" | grep 'kind=pre-dump' | tail -n +2)
}

# case_ooh_migration [--lazy]: a good migration tracked by ooh, and its rounds.
case_ooh_migration() {
	local tracker=${MIG_TRACKER:-ooh} why

	good_migration incr_busy_hotset --dirty-tracker "$tracker" --max-iters 3 "$@" ||
		return 1
	[ "$(field "$W/report" tracker)" = "$tracker" ] ||
		{ echo "the report names tracker '$(field "$W/report" tracker)'"; return 1; }
	[ "$tracker" = ooh ] || return 0
	why=$(mig_rounds_tracked "$W") || { echo "$why"; return 1; }
	mig_rounds_hot "$W/report"
}

# The figures of a good migration, as a comment line of the tier's output.
mig_figures() {
	local rep=$W/report

	[ "$(field "$rep" result)" = ok ] || return 0
	echo "# migrate-ooh/$1: tracker $(field "$rep" tracker), pages per round" \
		"$(grep -o ' pages=[0-9]*' "$rep" | cut -d= -f2 | tr '\n' ' ')" \
		"downtime $(field "$rep" downtime_ms) ms, total $(field "$rep" total_ms) ms"
	[[ "$1" == compare-* ]] || return 0
	grep -E '^(round|stop_reason|downtime_ms|total_ms|total_bytes|restore_ms)=' "$rep" |
		tr '\n' ' ' | sed "s/^/# compare ${1#compare-}: /"
	echo
}

mig_result() {
	local name=$1 why
	shift

	W=$MIG_ROOT/$name
	mkdir -p "$W"
	if why=$("$@" 2>>"$W/stderr"); then
		echo "PASS migrate-ooh/$name"
		mig_figures "$name"
		# level 2's /tmp is its memory: two copies of the images per case
		rm -rf "$W"
	else
		echo "FAIL migrate-ooh/$name: $why"
		for f in "$W/send.out" "$W/serve.out" "$W/report"; do
			[ -s "$f" ] && tail -n 6 "$f" | sed "s|^|l2-migrate: ${f#"$W"/}: |"
		done
	fi
}

# Kill what a case left: serve (its pid in B), the test in both hosts.
mig_cleanup_case() {
	local h p

	p=$(cat "$W/serve.pid" 2>/dev/null)
	[ -n "$p" ] && in_b kill -9 "$p" 2>/dev/null
	for h in A B; do
		for p in $(test_procs "$h" "$W"); do
			in_host "$h" kill -9 "$p" 2>/dev/null
		done
	done
	SERVE='' SERVE_PID='' PID=''
}

# One eager migration with each tracker, their reports side by side.
mig_compare() {
	local tr list=$MIG_COMPARE

	[ "$list" = 1 ] && list="pagemap-scan ooh"
	for tr in $list; do
		MIG_TRACKER=$tr mig_result "compare-$tr" case_ooh_migration
		mig_cleanup_case
	done
}

migrate_ooh_tests() {
	if ! [ -x /bin/criu-migrate ] || ! [ -x /zdtm/static/incr_busy_hotset ] ||
	   ! [ -e "$MIG_TEST_DIR/driver.sh" ] || ! load_ooh; then
		echo "SKIP migrate-ooh: no criu-migrate, zdtm or ooh.ko in this guest"
		return
	fi
	# shellcheck source=../../migrate/driver.sh
	MIGRATE_DRIVER_LIB=1 MIGRATE_BIN=/bin/criu-migrate MIGRATE_CRIU=/bin/criu \
		MIGRATE_ZDTM=/zdtm source "$MIG_TEST_DIR/driver.sh"
	MIG_ROOT=$(mktemp -d /tmp/l2-migrate.XXXXXX)
	# SPML under nested paging in level 1, EPML (by name) under shadow paging
	MIG_PROVIDER=spml
	[ "${L1_NPT:-1}" = 0 ] && MIG_PROVIDER=epml
	export CRIU_OOH_PROVIDER=$MIG_PROVIDER
	if ! hosts_up /zdtm/lib/subreaper; then
		echo "FAIL migrate-ooh/hosts: can't make the two hosts: $(ip -V 2>&1)"
		hosts_down
		return
	fi
	[ -n "$MIG_COMPARE" ] && mig_compare
	mig_result eager case_ooh_migration
	mig_cleanup_case
	mig_result lazy case_ooh_migration --lazy
	mig_cleanup_case
	mig_result serve-killed case_failure predump "" --dirty-tracker ooh
	mig_cleanup_case
	mig_result restore-failed case_failure restore "" --dirty-tracker ooh
	mig_cleanup_case
	hosts_down
	unset CRIU_OOH_PROVIDER
}
