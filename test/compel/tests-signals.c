// SPDX-License-Identifier: GPL-2.0
/* Infection must leave signal state alone and lose no signal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "compel-priv.h"
#include "test-util.h"
#include "tests.h"

#define SIGBIT(sig)	(1ULL << ((sig) - 1))

struct sigstate {
	uint64_t blk, ign, cgt;
};

static int read_sigstate(pid_t pid, struct sigstate *s)
{
	return status_mask(pid, "SigBlk", &s->blk) ||
	       status_mask(pid, "SigIgn", &s->ign) ||
	       status_mask(pid, "SigCgt", &s->cgt);
}

/* Seize, infect, run two calls, cure, detach. */
static int infect_cycle(pid_t pid)
{
	struct compel_ctl *ctl;
	int ret = -1, seized = 0;
	long res = 0;

	CHECK(!compel_seize(pid), "seize failed");
	seized = 1;
	ctl = compel_infect(pid, 0);
	CHECK(ctl, "infect failed: %m");
	if (compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0) ||
	    res != pid)
		fail_reason("remote getpid gave %ld", res);
	else
		ret = 0;
	if (compel_cure(ctl)) {
		fail_reason("cure failed");
		ret = -1;
	}
out:
	if (seized && compel_detach(pid)) {
		fail_reason("detach failed");
		ret = -1;
	}
	return ret;
}

static int sigstate_kept(const char *mode, int trap_bit_in_ign)
{
	struct sigstate before, after;
	struct victim v;
	int ret = -1;

	CHECK(!victim_start(&v, mode), "no victim");
	CHECK(!read_sigstate(v.pid, &before), "can't read signal state");
	CHECK(!!(before.ign & SIGBIT(SIGTRAP)) == trap_bit_in_ign,
	      "victim did not set SIGTRAP up");
	CHECK(before.blk & SIGBIT(SIGUSR1), "victim did not block SIGUSR1");
	CHECK(!infect_cycle(v.pid), "infection failed");
	CHECK(!read_sigstate(v.pid, &after), "can't read signal state");
	CHECK(after.blk == before.blk, "SigBlk %#llx -> %#llx",
	      (unsigned long long)before.blk, (unsigned long long)after.blk);
	CHECK(after.ign == before.ign, "SigIgn %#llx -> %#llx",
	      (unsigned long long)before.ign, (unsigned long long)after.ign);
	CHECK(after.cgt == before.cgt, "SigCgt %#llx -> %#llx",
	      (unsigned long long)before.cgt, (unsigned long long)after.cgt);
	CHECK(counter_advances(&v) == 1, "victim does not run");
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

int test_sigstate_kept(void)
{
	return sigstate_kept("sigs", 0);
}

int test_sigtrap_ignored(void)
{
	return sigstate_kept("sigign", 1);
}

#define ROUNDS	50

/*
 * Real-time signals queue one per kill(), so the victim's handler count
 * must end at exactly what was sent: sent before the seize (possibly
 * caught in a delivery stop while seizing), while seized, and while
 * infected (blocked until cure).
 */
int test_no_signal_lost(void)
{
	unsigned long got = 0;
	struct victim v;
	int i, waited, ret = -1;

	CHECK(!victim_start(&v, "sigs"), "no victim");
	for (i = 0; i < ROUNDS; i++) {
		struct compel_ctl *ctl;
		long res = 0;

		kill(v.pid, SIGRTMIN);
		CHECK(!compel_seize(v.pid), "seize %d failed", i);
		kill(v.pid, SIGRTMIN);
		ctl = compel_infect(v.pid, 0);
		CHECK(ctl, "infect %d failed", i);
		kill(v.pid, SIGRTMIN);
		if (compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0) ||
		    res != v.pid)
			fail_reason("remote getpid %d gave %ld", i, res);
		CHECK(!compel_cure(ctl) && res == v.pid, "round %d failed", i);
		CHECK(!compel_detach(v.pid), "detach %d failed", i);
	}
	for (waited = 0; waited < 3000 && got < 3 * ROUNDS; waited += 20) {
		msleep(20);
		CHECK(!compel_read_mem(v.pid, v.sigs, &got, sizeof(got)),
		      "can't read the count");
	}
	msleep(50);
	CHECK(!compel_read_mem(v.pid, v.sigs, &got, sizeof(got)), "read failed");
	CHECK(got == 3 * ROUNDS, "victim got %lu signals of %d", got,
	      3 * ROUNDS);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/* A SIGSTOP sent while a call runs is kept: the task stops after detach. */
int test_sigstop_during_syscall(void)
{
	struct compel_ctl *ctl = NULL;
	struct victim v;
	long res = 0;
	int ret = -1;

	CHECK(!victim_start(&v, "spin"), "no victim");
	CHECK(!compel_seize(v.pid), "seize failed");
	ctl = compel_infect(v.pid, 0);
	CHECK(ctl, "infect failed");
	kill(v.pid, SIGSTOP);
	CHECK(!compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0) &&
	      res == v.pid, "remote getpid gave %ld", res);
	CHECK(!cure_once(&ctl), "cure failed");
	CHECK(!compel_detach(v.pid), "detach failed");
	CHECK(!wait_state(v.pid, 'T', 2000), "SIGSTOP was lost");
	CHECK(counter_advances(&v) == 0, "victim runs");
	kill(v.pid, SIGCONT);
	CHECK(counter_advances(&v) == 1, "victim does not run after SIGCONT");
	ret = 0;
out:
	if (ctl) {
		compel_cure(ctl);
		compel_detach(v.pid);
	}
	victim_stop(&v);
	return ret;
}

/*
 * A signal dequeued by the task before our interrupt stop (it shows up
 * as a signal-delivery stop first) must reach the task, once.
 */
int test_signal_before_interrupt(void)
{
	unsigned long got = 0;
	struct victim v;
	int waited, ret = -1, seized = 0;

	CHECK(!victim_start(&v, "sigs"), "no victim");
	CHECK(!ptrace(PTRACE_SEIZE, v.pid, 0, (long)PTRACE_O_TRACESYSGOOD),
	      "PTRACE_SEIZE: %m");
	seized = 1;
	kill(v.pid, SIGRTMIN);
	CHECK(!wait_state(v.pid, 't', 2000), "no signal-delivery stop");
	CHECK(!compel_interrupt(v.pid), "interrupt failed");
	CHECK(!compel_detach(v.pid), "detach failed");
	seized = 0;
	for (waited = 0; waited < 2000 && !got; waited += 20) {
		msleep(20);
		CHECK(!compel_read_mem(v.pid, v.sigs, &got, sizeof(got)),
		      "can't read the count");
	}
	msleep(50);
	CHECK(!compel_read_mem(v.pid, v.sigs, &got, sizeof(got)), "read failed");
	CHECK(got == 1, "victim got the signal %lu times", got);
	ret = 0;
out:
	if (seized)
		ptrace(PTRACE_DETACH, v.pid, 0, 0);
	victim_stop(&v);
	return ret;
}
