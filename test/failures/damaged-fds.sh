# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: the group "damaged-fds". files.img entries of the
# event descriptors, dumped from zdtm tests and then damaged (through
# pycriu, as a foreign or faulty writer would), must fail the restore
# with exit 1, a message naming the entry, and no process left behind.
# pycriu drops criu-ooh's own fields (numbers >= 1000), so an epoll that
# went through it is CRIU's layout without target ids: refused as such.

# CASE:TEST:what stderr must say
DAMAGED_FDS=(
	"epoll_foreign:epoll00:epoll [0-9]+: fd [0-9]+ has no target file id"
	"eventfd_counter_max:eventfd00:eventfd [0-9]+: counter 18446744073709551615"
	"timerfd_bad_clock:timerfd00:timerfd [0-9]+: clock 99"
	"timerfd_bad_nsec:timerfd00:timerfd [0-9]+: clock [0-9]+, value [0-9]+.2000000000"
	"inotify_no_path:inotify00:inotify [0-9]+: watch [0-9]+ \\(wd [0-9]+\\) has no path"
	"inotify_wd_twice:inotify00:inotify [0-9]+: watch [0-9]+ \\(wd 1\\) has no path or a bad number"
)

# damage_fds CASE DIR: rewrite DIR/files.img for CASE.
damage_fds() {
	"${PYCRIU_PYTHON:-/usr/bin/python3}" - "$2/files.img" "$1" <<'PY'
import sys
import pycriu.images as images

path, case = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    img = images.load(f)
done = False
for e in img["entries"]:
    t = e["type"]
    if case == "eventfd_counter_max" and t == "EVENTFD":
        e["efd"]["counter"] = (1 << 64) - 1
        done = True
    elif case == "timerfd_bad_clock" and t == "TIMERFD":
        e["tfd"]["clockid"] = 99
        done = True
    elif case == "timerfd_bad_nsec" and t == "TIMERFD":
        e["tfd"]["vnsec"] = 2000000000
        done = True
    elif case == "inotify_no_path" and t == "INOTIFY":
        del e["ify"]["wd"][0]["f_handle"]["path"]
        done = True
    elif case == "inotify_wd_twice" and t == "INOTIFY":
        for w in e["ify"]["wd"]:
            w["wd"] = 1
        done = True
    elif case == "epoll_foreign" and t == "EVENTPOLL":
        done = True	# pycriu drops criu-ooh's fields: writing it back is the damage
if not done:
    sys.exit("no entry for " + case)
with open(path, "wb") as f:
    images.dump(img, f)
PY
}

damaged_fd_case() {
	local c=$1 what=$2 dir=$3 pid=$4

	rm -rf "${dir:?}/$c" && cp -a "$dir/good" "$dir/$c" || return 1
	rm -f "$dir/$c"/*.log
	damage_fds "$c" "$dir/$c" >"$dir/$c.damage.log" 2>&1 ||
		why "could not damage files.img: $(tail -n1 "$dir/$c.damage.log")" || return 1
	criu_run "$dir/$c" restore -D "$dir/$c" -d -v4 -o restore.log
	expect_rc1 || return 1
	err_has "files.img: $what" "files.img and $what" || return 1
	expect_no_process "$pid" || return 1
	expect_no_process_in "$dir" ""
}

group_damaged_fds() {
	local i c t what dir done=" "

	for i in "${DAMAGED_FDS[@]}"; do
		c=${i%%:*}
		t=${i#*:}
		what=${t#*:}
		t=${t%%:*}
		dir=$ROOT/damaged-fds/$t
		if [[ "$done" != *" $t "* ]]; then
			done="$done$t "
			if ! start_target "$t" "$dir"; then
				run_test "damaged_fds_$t" why "can't start $t"
				continue
			fi
			eval "DFD_PID_$t=$TPID"
			mkdir -p "$dir/good"
			criu_run "$dir/dump" dump -t "$TPID" -D "$dir/good" -v4 -o dump.log
			if [ "$RC" -ne 0 ] || ! wait_gone "$TPID"; then
				run_test "damaged_fds_$t" why "dump failed (exit $RC)$(err_tail)"
				continue
			fi
		fi
		eval "TPID=\$DFD_PID_$t"
		run_test "damaged_fds_$c" damaged_fd_case "$c" "$what" "$dir" "$TPID"
	done
	# the sets were good: the failures came from the damage alone
	for t in epoll00 inotify00; do
		eval "TPID=\$DFD_PID_$t"
		run_test "damaged_fds_${t}_restores" restore_passes "$TPID" "$t" \
			"$ROOT/damaged-fds/$t" "$ROOT/damaged-fds/$t/good"
	done
}
