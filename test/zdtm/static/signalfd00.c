// SPDX-License-Identifier: GPL-2.0
/*
 * signalfd00: a non-blocking signalfd for SIGUSR1 and SIGRTMIN+3 (both
 * blocked) at fd 25, with a SIGUSR1 queued with a value before the dump.
 * After restore: the same mask in fdinfo, the queued SIGUSR1 is read
 * through it with its value, then nothing; a SIGRTMIN+3 sent after
 * restore is read through it too, and SIGUSR2 (not in the mask) is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SFD		25
#define VALUE		0x5eed

static unsigned long long want_mask;

static unsigned long long fdinfo_mask(void)
{
	char buf[512];
	const char *v;

	if (test_fdinfo(SFD, buf, sizeof(buf)))
		return 0;
	v = strstr(buf, "sigmask:");
	return v ? strtoull(v + 8, NULL, 16) : 0;
}

static int read_one(int signo, int value)
{
	struct signalfd_siginfo si;

	if (read(SFD, &si, sizeof(si)) != sizeof(si)) {
		fail("no signal %d through the signalfd: %m", signo);
		return -1;
	}
	if ((int)si.ssi_signo != signo || (value && si.ssi_int != value)) {
		fail("read signal %u value %#x, want %d value %#x", si.ssi_signo, si.ssi_int,
		     signo, value);
		return -1;
	}
	return 0;
}

static int empty(const char *when)
{
	struct signalfd_siginfo si;

	if (read(SFD, &si, sizeof(si)) != -1 || errno != EAGAIN) {
		fail("%s: the signalfd is not empty (signal %u)", when, si.ssi_signo);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	union sigval sv = { .sival_int = VALUE };
	sigset_t set;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 3);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		fail("sigprocmask: %m");
		return 1;
	}
	sigdelset(&set, SIGUSR2);
	if (test_move_fd(signalfd(-1, &set, SFD_NONBLOCK), SFD))
		return 1;
	want_mask = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGRTMIN + 3 - 1));
	if (fdinfo_mask() != want_mask) {
		fail("fdinfo mask %#llx, want %#llx", fdinfo_mask(), want_mask);
		return 1;
	}
	if (sigqueue(getpid(), SIGUSR1, sv)) {
		fail("sigqueue: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		sigdelset(&set, SIGUSR1);
		signalfd(SFD, &set, SFD_NONBLOCK);
	}
	if (fdinfo_mask() != want_mask) {
		fail("after restore the mask is %#llx, want %#llx", fdinfo_mask(), want_mask);
		return 1;
	}
	if (!(fcntl(SFD, F_GETFL) & O_NONBLOCK)) {
		fail("fd %d lost O_NONBLOCK", SFD);
		return 1;
	}
	if (read_one(SIGUSR1, VALUE) || empty("after the queued SIGUSR1"))
		return 1;
	if (kill(getpid(), SIGUSR2) || kill(getpid(), SIGRTMIN + 3)) {
		fail("kill: %m");
		return 1;
	}
	if (read_one(SIGRTMIN + 3, 0) || empty("after SIGRTMIN+3"))
		return 1;
	pass();
	return 0;
}
