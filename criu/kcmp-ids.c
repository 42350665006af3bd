// SPDX-License-Identifier: GPL-2.0
/*
 * Shared-object ids by kcmp(2). kcmp orders objects by pointer, but
 * only equality is used here: a new task is compared with one holder of
 * each id seen so far. Trees are small enough that this linear search
 * costs nothing next to seizing them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kcmp-ids.h"
#include "log.h"

static const struct {
	int kcmp_type;
	const char *name;
} kid_kinds[KID_NR_KINDS] = {
	[KID_VM] = { KCMP_VM, "address space" },
	[KID_FILES] = { KCMP_FILES, "descriptor table" },
	[KID_FS] = { KCMP_FS, "fs (cwd, root, umask)" },
	[KID_SIGHAND] = { KCMP_SIGHAND, "signal handlers" },
};

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
	return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static int kid_one(struct kcmp_ids *k, enum kid_kind kind, pid_t pid, uint32_t *id)
{
	struct kid_obj *objs;
	unsigned int i, nr = k->nr_objs[kind];
	long r;

	for (i = 0; i < nr; i++) {
		r = kcmp(k->objs[kind][i].pid, pid, kid_kinds[kind].kcmp_type, 0, 0);
		if (r < 0) {
			pr_perror("kcmp of the %s of pids %d and %d",
				  kid_kinds[kind].name, k->objs[kind][i].pid, pid);
			return -errno;
		}
		if (r == 0) {
			*id = k->objs[kind][i].id;
			return 0;
		}
	}
	objs = realloc(k->objs[kind], (nr + 1) * sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	k->objs[kind] = objs;
	objs[nr].pid = pid;
	objs[nr].id = nr + 1;
	k->nr_objs[kind] = nr + 1;
	*id = nr + 1;
	return 0;
}

int kid_task_ids(struct kcmp_ids *k, pid_t pid, TaskKobjIdsEntry *ids)
{
	int ret;

	ret = kid_one(k, KID_VM, pid, &ids->vm_id);
	if (!ret)
		ret = kid_one(k, KID_FILES, pid, &ids->files_id);
	if (!ret)
		ret = kid_one(k, KID_FS, pid, &ids->fs_id);
	if (!ret)
		ret = kid_one(k, KID_SIGHAND, pid, &ids->sighand_id);
	return ret;
}

int kid_file_find(struct kcmp_ids *k, pid_t pid, int fd, const struct stat *st,
		  const struct kid_file **found)
{
	unsigned int i;
	long r;

	*found = NULL;
	for (i = 0; i < k->nr_files; i++) {
		const struct kid_file *f = &k->files[i];

		if (f->dev != st->st_dev || f->ino != st->st_ino)
			continue;
		r = kcmp(f->pid, pid, KCMP_FILE, f->fd, fd);
		if (r < 0) {
			pr_perror("kcmp of fd %d of pid %d and fd %d of pid %d",
				  f->fd, f->pid, fd, pid);
			return -errno;
		}
		if (r == 0) {
			*found = f;
			return 0;
		}
	}
	return 0;
}

int kid_file_add(struct kcmp_ids *k, pid_t pid, int fd, const struct stat *st,
		 uint32_t id, int type)
{
	struct kid_file *files;

	files = realloc(k->files, (k->nr_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	k->files = files;
	files[k->nr_files++] = (struct kid_file){
		.pid = pid, .fd = fd, .dev = st->st_dev, .ino = st->st_ino,
		.id = id, .type = type,
	};
	return 0;
}

void kid_free(struct kcmp_ids *k)
{
	unsigned int i;

	for (i = 0; i < KID_NR_KINDS; i++)
		free(k->objs[i]);
	free(k->files);
	memset(k, 0, sizeof(*k));
}
