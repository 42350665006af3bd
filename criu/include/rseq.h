/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RSEQ_H
#define CRIU_RSEQ_H

#include <stdint.h>
#include <sys/types.h>

/* A thread's rseq registration, as PTRACE_GET_RSEQ_CONFIGURATION gives it. */
struct rseq_config {
	uint64_t rseq_abi_pointer;	/* 0: none registered */
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

#define RSEQ_FLAG_UNREGISTER	1

/* Of the ptrace-stopped thread @pid (Linux 5.13+). 0 or -errno. */
int read_rseq_config(pid_t pid, struct rseq_config *conf);

#endif /* CRIU_RSEQ_H */
