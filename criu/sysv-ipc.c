// SPDX-License-Identifier: GPL-2.0
/*
 * SysV IPC of the host's IPC namespace, which criu-ooh does not dump.
 *
 * Shared memory segments belong to the namespace, not to the task: an
 * attached one ("/SYSV<key>" areas) is refused by the memory dump
 * (mm.c), since restore could not bring back its contents or its id.
 * Semaphores and message queues are reached by id and left where they
 * are: the restored task finds them if they still exist. The one piece
 * of per-task SysV state is the semaphore undo list (semop SEM_UNDO),
 * which the kernel applies at exit: it cannot be dumped, and a task that
 * has one is refused. /proc shows no undo list, but kcmp(KCMP_SYSVSEM)
 * compares it with criu's own, which criu never creates: equal means the
 * task has none either. Message queues keep no per-task state.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"

int check_sysv_undo(pid_t pid, pid_t tid)
{
	long ret = syscall(SYS_kcmp, getpid(), tid, KCMP_SYSVSEM, 0, 0);

	if (ret < 0) {
		ret = -errno;
		pr_perror("kcmp(KCMP_SYSVSEM) of pid %d thread %d", pid, tid);
		return (int)ret;
	}
	if (ret) {
		pr_err("pid %d: thread %d has SysV semaphore undo state (semop SEM_UNDO): "
		       "not supported\n", pid, tid);
		return -EOPNOTSUPP;
	}
	return 0;
}
