// SPDX-License-Identifier: GPL-2.0
/*
 * futex_wait: the process sits in FUTEX_WAIT on a word holding a distinctive
 * value. The SIGTERM handler changes the word and wakes it. Across
 * checkpoint/restore the wait may be interrupted (EINTR) or find the word
 * changed (EAGAIN), but it must not fail otherwise, must not spin, and the
 * word must keep its value until the handler changes it.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define WAITING		0x5a5a1234
#define WOKEN		0x0bad1dea
#define MAX_WAKEUPS	10

static volatile int word = WAITING;
static int broken;

static long futex(volatile int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void wake(void)
{
	word = broken ? WOKEN + 1 : WOKEN;
	futex(&word, FUTEX_WAKE_PRIVATE, 1);
}

static int wait_for_stop(void)
{
	int wakeups = 0;

	while (word == WAITING) {
		if (futex(&word, FUTEX_WAIT_PRIVATE, WAITING) &&
		    errno != EINTR && errno != EAGAIN) {
			fail("FUTEX_WAIT: %m");
			return -1;
		}
		if (word == WAITING && ++wakeups > MAX_WAKEUPS) {
			fail("FUTEX_WAIT returned %d times with the word unchanged", wakeups);
			return -1;
		}
	}
	if (!test_stop || word != WOKEN) {
		fail("futex word is %#x (stop=%d): changed under the waiter", word, (int)test_stop);
		return -1;
	}
	test_msg("woken, %d spurious wakeups", wakeups);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	broken = test_broken();
	test_on_stop(wake);

	if (test_daemon())
		return 1;
	if (wait_for_stop())
		return 1;
	pass();
	return 0;
}
