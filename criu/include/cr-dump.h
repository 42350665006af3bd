/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_DUMP_H
#define CRIU_CR_DUMP_H

#include <sys/types.h>

/*
 * `criu dump`: 0 on success, -errno (already reported) otherwise. With
 * @lazy_sk, a socket lazy_dump_listen() bound (else -1), the pages of
 * lazy areas are served from the held tree (lazy-dump.c) before the
 * tree ends as the options say.
 */
int cr_dump_tasks(pid_t pid, int dfd, int lazy_sk);

#endif /* CRIU_CR_DUMP_H */
