// SPDX-License-Identifier: GPL-2.0
/*
 * rseq: glibc registers an area per thread that the kernel updates on
 * every preemption; dump records it and restore registers it again at
 * the same address (and first drops the one criu's own child inherited).
 */
#include <errno.h>
#include <sys/ptrace.h>

#include "log.h"
#include "rseq.h"

int read_rseq_config(pid_t pid, struct rseq_config *conf)
{
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, pid, sizeof(*conf), conf) !=
	    sizeof(*conf)) {
		pr_perror("PTRACE_GET_RSEQ_CONFIGURATION of pid %d", pid);
		return -errno;
	}
	return 0;
}
