/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_DUMP_H
#define CRIU_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct compel_ctl;
struct cr_img;

/*
 * Everything one dump of one process shares. The target is seized and
 * "infected" (compel) for the whole dump; @scratch is a private page
 * mapped inside it for the arguments and results of injected calls,
 * unmapped again before the target is released.
 */
struct dump_ctx {
	pid_t pid;
	int dfd;			/* image directory */
	struct compel_ctl *ctl;
	unsigned long scratch;		/* address in the target */
	size_t scratch_size;
	struct cr_img *files_img;	/* files.img, open for writing */
	uint32_t next_file_id;		/* ids of files.img entries, from 1 */
	int tracker_fd;			/* a tracker's descriptor in the target, or -1 */
};

/* An injected call in the target; result in *@ret. 0 or -errno. */
int dump_syscall(struct dump_ctx *dc, long nr, long *ret,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6);

/*
 * Record the file behind @proc_path (e.g. /proc/PID/fd/3 or
 * /proc/PID/map_files/A-B) as a REG entry of files.img and return its id.
 * @flags and @pos are the open flags and offset to restore (0 for files
 * that are only mapped). A file that was deleted or replaced since it
 * was opened is a clear error (ghost files are not supported).
 */
int dump_reg_file(struct dump_ctx *dc, const char *proc_path,
		  uint32_t flags, uint64_t pos, uint32_t *id);

struct proc_stat;

/*
 * Refuse what can't be dumped (dead, zombie, kernel thread, criu
 * itself, threads or children for a full dump, a non-leader without
 * --shell-job), with a message. 0 or -errno.
 */
int check_dump_target(pid_t pid, struct proc_stat *st, bool pre_dump);
/* Prepare injected calls and the scratch page; undo with dump_cure(). */
int dump_infect(struct dump_ctx *dc);
int dump_cure(struct dump_ctx *dc);
/* pstree.img, ids-PID.img; inventory.img goes last. */
int write_tree(struct dump_ctx *dc, const struct proc_stat *st);
int write_inventory(struct dump_ctx *dc);

/* Per-kind dumpers, in the order cr-dump.c runs them. 0 or -errno. */
int dump_files(struct dump_ctx *dc, uint32_t files_id);	/* files.c */
int dump_fs(struct dump_ctx *dc);				/* fs.c */

#endif /* CRIU_DUMP_H */
