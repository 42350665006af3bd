/* SPDX-License-Identifier: GPL-2.0 */
/* What send reads from A's images of a round: criu's stats, the tree. */
#ifndef CRIU_MIGRATE_IMAGES_H
#define CRIU_MIGRATE_IMAGES_H

#include <stdint.h>
#include <sys/types.h>

struct dump_figures {
	uint64_t pages_written;
	uint64_t frozen_us;
};

/* stats-dump of the folder @dfd. */
int read_dump_figures(int dfd, const char *dir, struct dump_figures *f);

struct tree_pids {
	pid_t *pids;
	unsigned int nr;
};

/* Every process of pstree.img of @dfd. */
int read_tree_pids(int dfd, const char *dir, struct tree_pids *t);
int tree_pids_add(struct tree_pids *t, pid_t pid);
void tree_pids_free(struct tree_pids *t);

#endif /* CRIU_MIGRATE_IMAGES_H */
