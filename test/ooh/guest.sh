#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the OoH module tests, inside a VM-tier guest (run.sh boots it).
#
# Expects ooh.ko loaded by /init (no parameters), /ooh/ooh.ko for reloading,
# /bin/ooh-test, /bin/criu and /plugins/ooh/ooh.so. One line per test:
#   PASS/FAIL name           from ooh-test nohost, selftest, fuzz
#   module-reload-selftest   ooh.ko unloads cleanly and loads with selftest=1
#   dmesg-clean              no oops, BUG, WARNING after all of the above
#   criu-check-ooh           criu check --feature ooh: "no" with the reason
#   criu-check-ooh-bad-provider  CRIU_OOH_PROVIDER=bogus is refused by name
#   criu-ooh-refused         criu pre-dump --ooh fails, naming the reason
#   criu-auto-skips-ooh      criu pre-dump --track-mem (auto) takes another tracker
# Environment: OOH_FUZZ_CALLS (default 20000).

PLUGINS=/plugins/ooh

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

reload_selftest() {
	local out
	if ! out=$(rmmod ooh 2>&1); then
		fail module-reload-selftest "rmmod: $out"
		return 1
	fi
	if ! out=$(insmod /ooh/ooh.ko selftest=1 2>&1); then
		fail module-reload-selftest "insmod selftest=1: $out"
		return 1
	fi
	pass module-reload-selftest
}

dmesg_clean() {
	local bad
	bad=$(dmesg | grep -E 'BUG|WARNING|Oops|general protection|Call Trace|UBSAN|KASAN' | head -n3)
	if [ -n "$bad" ]; then
		fail dmesg-clean "$(echo "$bad" | tr '\n' ' ')"
	else
		pass dmesg-clean
	fi
}

criu_check() {
	local out rc
	out=$(criu check --feature ooh --libdir "$PLUGINS" 2>&1)
	rc=$?
	echo "# $out"
	case "$out" in
	*"ooh: no, "*"no OoH-capable hypervisor"*)
		[ "$rc" != 0 ] && pass criu-check-ooh ||
			fail criu-check-ooh "exit 0 with: $out" ;;
	*) fail criu-check-ooh "exit $rc: $out" ;;
	esac
}

# A bad $CRIU_OOH_PROVIDER is refused by name, host or not.
criu_check_bad_provider() {
	local out
	if out=$(CRIU_OOH_PROVIDER=bogus criu check --feature ooh --libdir "$PLUGINS" 2>&1); then
		fail criu-check-ooh-bad-provider "exit 0 with: $out"
	elif [[ "$out" == *"CRIU_OOH_PROVIDER=bogus"* ]]; then
		pass criu-check-ooh-bad-provider
	else
		fail criu-check-ooh-bad-provider "no reason: $out"
	fi
}

# A victim for pre-dumps: ooh-test idle sleeps after writing a byte.
start_victim() {
	setsid /bin/ooh-test idle 1 </dev/null >/dev/null 2>&1 &
	VICTIM=$!
	sleep 0.2
}

criu_predump() {
	local dir=/tmp/ooh-pd log
	start_victim
	rm -rf "$dir.ooh" "$dir.auto"
	mkdir -p "$dir.ooh" "$dir.auto"
	if criu pre-dump -t "$VICTIM" -D "$dir.ooh" --track-mem --ooh \
		--libdir "$PLUGINS" -v4 -o pd.log >/dev/null 2>&1; then
		fail criu-ooh-refused "pre-dump --ooh succeeded without a host"
	elif grep -q "no OoH-capable hypervisor" "$dir.ooh/pd.log"; then
		pass criu-ooh-refused
	else
		fail criu-ooh-refused "no reason in the log: $(grep -i ooh "$dir.ooh/pd.log" | tail -n2 | tr '\n' ' ')"
	fi
	if ! criu pre-dump -t "$VICTIM" -D "$dir.auto" --track-mem \
		--libdir "$PLUGINS" -v4 -o pd.log >/dev/null 2>&1; then
		fail criu-auto-skips-ooh "pre-dump failed: $(tail -n3 "$dir.auto/pd.log" | tr '\n' ' ')"
	else
		log=$(grep -E "Dirty tracker: .* \(auto\)" "$dir.auto/pd.log")
		echo "# $log"
		case "$log" in
		*"Dirty tracker: ooh"*|"") fail criu-auto-skips-ooh "chose: '$log'" ;;
		*) pass criu-auto-skips-ooh ;;
		esac
	fi
	kill -9 "$VICTIM" 2>/dev/null
	wait "$VICTIM" 2>/dev/null
}

main() {
	echo "# kernel $(uname -r)"
	/bin/ooh-test nohost
	criu_check
	criu_check_bad_provider
	criu_predump
	reload_selftest && {
		/bin/ooh-test selftest
		/bin/ooh-test fuzz "${OOH_FUZZ_CALLS:-20000}"
	}
	dmesg_clean
}

main
