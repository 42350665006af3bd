// SPDX-License-Identifier: GPL-2.0
/*
 * sigaltstack: an alternate signal stack and an SA_ONSTACK handler. After
 * restore sigaltstack() must return the same stack, and the handler must run
 * on it (its locals inside the stack, SS_ONSTACK reported there).
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define ALT_SIZE	(64 * 1024)

static char *alt;
static volatile unsigned long handler_local;
static volatile int handler_flags = -1;

static void on_alt(int sig)
{
	volatile int local;
	stack_t now;

	handler_local = (unsigned long)&local;
	if (!sigaltstack(NULL, &now))
		handler_flags = now.ss_flags;
}

static int check_stack(void)
{
	stack_t now;

	if (sigaltstack(NULL, &now)) {
		fail("sigaltstack query: %m");
		return -1;
	}
	if (now.ss_sp != alt || now.ss_size != ALT_SIZE || now.ss_flags != 0) {
		fail("altstack is %p size %zu flags %#x, want %p size %d flags 0",
		     now.ss_sp, now.ss_size, now.ss_flags, alt, ALT_SIZE);
		return -1;
	}
	return 0;
}

static int check_handler(void)
{
	unsigned long lo = (unsigned long)alt, hi = lo + ALT_SIZE;

	raise(SIGUSR1);
	if (handler_local < lo || handler_local >= hi) {
		fail("handler ran with a local at %#lx, outside the altstack %#lx-%#lx",
		     handler_local, lo, hi);
		return -1;
	}
	if (!(handler_flags & SS_ONSTACK)) {
		fail("in the handler sigaltstack() flags are %#x, no SS_ONSTACK", handler_flags);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alt, .sa_flags = SA_ONSTACK };
	stack_t ss;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt == MAP_FAILED) {
		fail("mmap altstack: %m");
		return 1;
	}
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL)) {
		fail("set up altstack: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		ss.ss_flags = SS_DISABLE;
		sigaltstack(&ss, NULL);
	}
	if (check_stack() || check_handler())
		return 1;
	pass();
	return 0;
}
