/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_PRE_DUMP_H
#define CRIU_CR_PRE_DUMP_H

#include <sys/types.h>

/* `criu pre-dump`: 0 on success, -errno (already reported) otherwise. */
int cr_pre_dump_tasks(pid_t pid, int dfd);

#endif /* CRIU_CR_PRE_DUMP_H */
