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
 * may have one is refused. /proc shows no undo list, but kcmp(KCMP_SYSVSEM)
 * compares it with criu's own, which criu never creates: equal means the
 * task has none either. A list may be there and empty (threads made with
 * CLONE_SYSVSEM share one), and its entries go with their semaphore set:
 * with no set in the namespace (/proc/sysvipc/sem) the list is empty.
 * Message queues keep no per-task state.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"

/* Whether the IPC namespace has a semaphore set: 1, 0 or -errno. */
static int have_sem_sets(void)
{
	char line[256];
	int lines = 0;
	FILE *f;

	f = fopen("/proc/sysvipc/sem", "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;	/* no CONFIG_SYSVIPC: no semaphores at all */
		pr_perror("Can't open /proc/sysvipc/sem");
		return -errno;
	}
	while (lines < 2 && fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;	/* a header, then one line per set */
}

int check_sysv_undo(pid_t pid, pid_t tid)
{
	long ret = syscall(SYS_kcmp, getpid(), tid, KCMP_SYSVSEM, 0, 0);

	if (ret < 0) {
		ret = -errno;
		pr_perror("kcmp(KCMP_SYSVSEM) of pid %d thread %d", pid, tid);
		return (int)ret;
	}
	if (!ret)
		return 0;
	ret = have_sem_sets();
	if (ret <= 0)
		return (int)ret;
	pr_err("pid %d: thread %d may have SysV semaphore undo state (semop SEM_UNDO; "
	       "the IPC namespace has semaphore sets): not supported\n", pid, tid);
	return -EOPNOTSUPP;
}
