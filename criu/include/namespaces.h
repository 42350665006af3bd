/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_NAMESPACES_H
#define CRIU_NAMESPACES_H

struct pstree;

/*
 * criu-ooh dumps no namespaces yet: refuse a tree with a process in a
 * namespace criu itself is not in, naming the pid and the namespace,
 * instead of dumping it as if it shared criu's. 0 or -EOPNOTSUPP.
 */
int check_tree_namespaces(const struct pstree *t);

#endif /* CRIU_NAMESPACES_H */
