/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_NS_CHECK_H
#define CRIU_NS_CHECK_H

#include <sys/types.h>

/*
 * criu-ooh dumps processes that share every namespace with criu: -EOPNOTSUPP,
 * naming each namespace of @pid that differs, otherwise 0 (or -errno).
 */
int check_namespaces(pid_t pid);

#endif /* CRIU_NS_CHECK_H */
