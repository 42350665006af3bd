// SPDX-License-Identifier: GPL-2.0
/*
 * compel test runner: "compel-test [VICTIM] [TEST...]". One line per
 * test, then "N passed, N failed"; exits non-zero on any failure.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log-stub.h"
#include "test-util.h"
#include "tests.h"

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "state_dead_pid", test_dead_pid },
	{ "state_zombie", test_zombie },
	{ "state_kthread", test_kthread },
	{ "state_alive", test_alive },
	{ "job_stopped_stays_stopped", test_job_stopped },
	{ "traceme_child", test_traceme_child },
	{ "traceme_last_call_and_jump", test_traceme_last_call },
	{ "getpid_and_regs_kept", test_getpid_regs },
	{ "thread_gettid", test_thread },
	{ "mmap_mem_munmap", test_mem },
	{ "fault_at_bad_site", test_bad_site },
	{ "nanosleep_restarts", test_restart_sleep },
	{ "pipe_read_restarts", test_restart_read },
	{ "munmap_then_set_regs", test_set_regs_last },
	{ "seccomp_suspended", test_seccomp },
	{ "signal_state_kept", test_sigstate_kept },
	{ "sigtrap_ignored_kept", test_sigtrap_ignored },
	{ "no_signal_lost", test_no_signal_lost },
	{ "sigstop_during_syscall", test_sigstop_during_syscall },
	{ "signal_before_interrupt", test_signal_before_interrupt },
	{ "xsave_roundtrip", test_xsave },
	{ "tracer_death_random", test_death_random },
	{ "tracer_death_each_step", test_death_each_step },
	{ "tracer_death_in_read", test_death_in_read },
	{ "tracer_death_sigstop_kept", test_death_sigstop },
};

static char reason[512];

void fail_reason(const char *fmt, ...)
{
	va_list args;

	if (reason[0])
		return;	/* keep the first, most specific reason */
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
}

static int selected(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 3)
		return 1;
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	size_t i;

	if (argc > 1)
		victim_path = argv[1];
	/* A victim that died early must fail a test, not kill the runner. */
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0)
		fprintf(stderr, "warning: not root, ptrace may be refused\n");
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!selected(argc, argv, tests[i].name))
			continue;
		reason[0] = '\0';
		log_stub_reset();
		if (tests[i].fn() == 0) {
			printf("PASS %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s: %s\n", tests[i].name, reason);
			failed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
