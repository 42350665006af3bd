#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# break-hook.sh TEST PID - damage a running test's state from the outside,
# the way a faulty restore would, so that its check must FAIL.
#
#   ./run.sh --hook ./break-hook.sh [test...]
#
# Registers and process state are changed with gdb (ptrace), memory through
# /proc/PID/mem. Tests without a recipe here are left alone: they still
# PASS, and the runner reports "damage not caught" for them.
name=$1
pid=$2

gdb_do() {
	gdb -p "$pid" -batch -nx "$@" </dev/null
}

# Flip one byte of the target's memory through /proc/PID/mem (which ignores
# page protections), in the mapping picked by the python expression $1 over
# (lo, hi, prot, path, next_prot); at offset $2 into it.
poke() {
	python3 - "$pid" "$1" "$2" <<'PY'
import sys
pid, pick, off = int(sys.argv[1]), sys.argv[2], int(sys.argv[3], 0)
maps = []
for line in open(f"/proc/{pid}/maps"):
    f = line.split(maxsplit=5)
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    maps.append((lo, hi, f[1], f[5].strip() if len(f) > 5 else ""))
cands = []
for i, (lo, hi, prot, path) in enumerate(maps):
    next_prot = maps[i + 1][2] if i + 1 < len(maps) else ""
    if eval(pick):
        cands.append((hi - lo, lo))
size, lo = max(cands)
addr = lo + off
with open(f"/proc/{pid}/mem", "r+b", buffering=0) as m:
    m.seek(addr)
    b = m.read(1)
    m.seek(addr)
    m.write(bytes([b[0] ^ 0x40]))
print(f"flipped the byte at {addr:#x}")
PY
}

# The tid of the thread of $pid that is the Nth (1: the leader) in /proc.
nth_thread() {
	ls "/proc/$pid/task" | sort -n | sed -n "$1p"
}

# The Nth child of $pid (1: the first).
nth_child() {
	tr ' ' '\n' <"/proc/$pid/task/$pid/children" | sed -n "$1p"
}

# A thread-directed signal $2 to thread $1 of $pid.
tgkill() {
	python3 -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None, use_errno=True).syscall(234, *map(int, sys.argv[1:])))' \
		"$pid" "$1" "$2"
}

case "$name" in
thread_fpu_regs) gdb_do -ex 'thread 10' -ex 'set $r14 = 0x1234' ;;
thread_sched_name) renice -n 19 -p "$(nth_thread 3)" ;;
thread_signals)	tgkill "$(nth_thread 5)" 47 ;;	# thread 3 blocks, was never sent 47
pstree)		kill -KILL "$(tr ' ' '\n' <"/proc/$(nth_child 2)/task/$(nth_child 2)/children" | head -n1)" ;;
stopped)	kill -CONT "$(nth_child 1)" ;;
cow00)
	# The same byte written back in child 2: the data stays, the sharing not.
	pid=$(nth_child 2) poke 'prot == "rw-p" and not path and hi - lo == 2048 * 4096' $((300 * 4096)) &&
	pid=$(nth_child 2) poke 'prot == "rw-p" and not path and hi - lo == 2048 * 4096' $((300 * 4096)) ;;
fpu_sse)	gdb_do -ex 'set $xmm3.v4_int32[1] = 0x1234' ;;
fpu_avx)	gdb_do -ex 'set $ymm7.v8_int32[7] = 0x1234' ;;
fpu_avx512)	gdb_do -ex 'set $zmm30.v16_int32[15] = 0x1234' ;;
fpu_x87)	gdb_do -ex 'set $st2 = 42' ;;
cwd_umask)	gdb_do -ex 'call (int)umask(022)' ;;
file_offset_flags) gdb_do -ex 'call (long)lseek(17, 5, 0)' ;;
devnull_chr)	gdb_do -ex 'call (int)dup2(20, 21)' ;;
sig_handlers)	gdb_do -ex 'call (long)signal(3, (void *)1)' ;;
rlimits_creds_name) gdb_do -ex 'call (int)setgroups(0, (void *)0)' ;;
heap_stack_grow) gdb_do -ex 'call (void *)sbrk(4096)' ;;
sig_blocked_pending) gdb_do -ex 'call (int)kill((int)getpid(), 28)' ;;
maps_anon_1g)	poke 'prot == "rw-p" and not path' 0x1234567 ;;
maps_shared_anon) poke 'prot == "rw-s"' 0x1001 ;;
maps_file_private) poke 'path.endswith("maps_file_private.data")' $((5 * 4096 + 9)) ;;
mprotect)	poke 'prot == "r--p" and not path and hi - lo == 0x4000 and next_prot == "---p"' 100 ;;
pipe_read_blocked) gdb_do -ex 'call (long)write(4, "zz", 2)' ;;
futex_wait)	gdb_do -ex 'set var word = 1' ;;
sigaltstack)	gdb_do -ex 'call (long)signal(10, on_alt)' ;;
sleep_nanosleep) gdb_do -ex 'set $rax = 0' ;;
shell_job)	gdb_do -ex 'call (int)dup2((int)open("/dev/null", 2), 1)' ;;
session_leader)
	# Acquire a controlling terminal: open a pty slave as a session leader.
	gdb_do -ex 'set $m = (int)open("/dev/ptmx", 2)' -ex 'call (int)unlockpt($m)' \
		-ex 'call (int)open((char *)ptsname($m), 2)' ;;
vdso_time)
	# Unmap the vDSO, as a restore that forgot it would leave libc.
	vdso=$(awk '$6 == "[vdso]" { split($1, a, "-"); print "0x" a[1] ", 0x" a[2] " - 0x" a[1] }' "/proc/$pid/maps")
	gdb_do -ex "call (int)munmap((void *)$vdso)" ;;
*)		echo "no recipe for $name" ;;
esac
