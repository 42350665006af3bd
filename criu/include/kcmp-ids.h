/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_KCMP_IDS_H
#define CRIU_KCMP_IDS_H

/*
 * Ids of kernel objects that tasks of a dumped tree may share: the
 * address space, the descriptor table, the fs struct, the signal
 * handlers, and each open file description. Tasks that share an object
 * get the same id, found with kcmp(2), so the images say what restore
 * must share again. Ids of one kind count from 1 in the order first seen.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core.pb-c.h"

enum kid_kind {
	KID_VM,
	KID_FILES,
	KID_FS,
	KID_SIGHAND,
	KID_NR_KINDS,
};

struct kid_obj {
	pid_t pid;		/* a task holding the object */
	uint32_t id;
};

/* An open file description, by one descriptor that points at it. */
struct kid_file {
	pid_t pid;
	int fd;
	dev_t dev;
	ino_t ino;
	uint32_t id;
	int type;		/* FdTypes of its files.img entry */
};

struct kcmp_ids {
	struct kid_obj *objs[KID_NR_KINDS];
	unsigned int nr_objs[KID_NR_KINDS];
	struct kid_file *files;
	unsigned int nr_files;
};

/* Fill vm_id, files_id, fs_id and sighand_id of the task @pid. 0 or -errno. */
int kid_task_ids(struct kcmp_ids *k, pid_t pid, TaskKobjIdsEntry *ids);
/*
 * The description behind @fd of @pid if an earlier descriptor (of any
 * task) points at it: *@found is set to it, or NULL. Only descriptors on
 * the same inode are compared with kcmp. 0 or -errno.
 */
int kid_file_find(struct kcmp_ids *k, pid_t pid, int fd, const struct stat *st,
		  const struct kid_file **found);
int kid_file_add(struct kcmp_ids *k, pid_t pid, int fd, const struct stat *st,
		 uint32_t id, int type);
void kid_free(struct kcmp_ids *k);

#endif /* CRIU_KCMP_IDS_H */
