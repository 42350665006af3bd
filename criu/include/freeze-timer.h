/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_FREEZE_TIMER_H
#define CRIU_FREEZE_TIMER_H

/*
 * --timeout: stopping the target may block (a task that cannot reach a
 * ptrace stop, in a frozen cgroup say). After opts.timeout seconds criu
 * gives up: it says so and exits, and the kernel detaches the target,
 * which goes on running, as a failed dump must leave it. 0: no limit.
 */
int freeze_timer_start(void);
void freeze_timer_stop(void);

#endif /* CRIU_FREEZE_TIMER_H */
