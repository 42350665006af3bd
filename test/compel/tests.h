/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMPEL_TESTS_H
#define COMPEL_TESTS_H

/* Each test returns 0 when it passed, -1 after fail_reason(). */

/* tests-state.c */
int test_dead_pid(void);
int test_zombie(void);
int test_kthread(void);
int test_alive(void);
int test_job_stopped(void);
int test_traceme_child(void);
int test_traceme_last_call(void);

/* tests-syscall.c */
int test_getpid_regs(void);
int test_thread(void);
int test_mem(void);
int test_bad_site(void);
int test_restart_sleep(void);
int test_restart_read(void);
int test_set_regs_last(void);
int test_seccomp(void);

/* tests-signals.c */
int test_sigstate_kept(void);
int test_sigtrap_ignored(void);
int test_no_signal_lost(void);
int test_sigstop_during_syscall(void);
int test_signal_before_interrupt(void);

/* tests-death.c */
int test_death_random(void);
int test_death_each_step(void);
int test_death_in_read(void);
int test_death_sigstop(void);

/* tests-xsave.c */
int test_xsave(void);

#endif /* COMPEL_TESTS_H */
