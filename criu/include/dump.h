/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_DUMP_H
#define CRIU_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "inventory.h"		/* every dumper ends with write_inventory() */
#include "kcmp-ids.h"

struct compel_ctl;
struct cr_img;
struct files_dump;
struct vmflags_bpf;
struct inet_dump;
struct page_server_conn;
struct pstree;
struct pstree_item;
struct reg_cache;
struct remap_dump;
struct memfd_dump;
struct seccomp_dump;

/*
 * What one dump (or pre-dump) shares across all tasks of the tree: the
 * image folder, files.img and its entry ids, the ids of shared kernel
 * objects, and the state the descriptor kinds keep across tasks (a pipe
 * shared by two tasks has its data dumped once).
 */
struct dump_session {
	int dfd;			/* image directory */
	struct cr_img *files_img;	/* files.img, open for writing */
	uint32_t next_file_id;		/* ids of files.img entries, from 1 */
	uint32_t next_pages_id;		/* pages-N.img, one per process */
	struct kcmp_ids ids;
	struct files_dump *files;	/* files.c, created on first use */
	struct reg_cache *reg_cache;	/* files-reg.c: entries of mapped files */
	struct remap_dump *remaps;	/* files-remap.c: ghosts and links, remap-fpath.img */
	struct memfd_dump *memfds;	/* memfd.c: inodes dumped, memfd.img */
	struct pstree *tree;		/* the tree being dumped */
	struct seccomp_dump *seccomp;	/* seccomp.c: the filters for seccomp.img */
	struct inet_dump *inet;		/* sk-tcp.c: connections in repair mode */
	struct page_server_conn *ps;	/* page-xfer.c: --page-server, or NULL */
	/*
	 * dump --lazy-pages: the lazy areas' pages are not copied; they are
	 * served from the tree, held stopped until the daemon has them.
	 */
	bool lazy_src;
	struct vmflags_bpf *vmflags_bpf;	/* vmflags-bpf.c: NULL to read smaps */
};

/*
 * One process being dumped. It is seized for the whole dump and
 * "infected" (compel) while its state is read; @scratch is a shared
 * page mapped inside it for the arguments and results of injected
 * calls, unmapped again before the task is released (infect.c).
 */
struct dump_ctx {
	pid_t pid;			/* the thread injected into: the leader, or
					 * a live thread when the leader exited */
	struct dump_session *sess;
	struct pstree_item *item;
	struct compel_ctl *ctl;
	unsigned long scratch;		/* address in the target */
	size_t scratch_size;
	long locked_kb;			/* VmLck before the scratch area (mlock.c) */
	int tracker_fd;			/* a tracker's descriptor in the target, or -1 */
	uint32_t pages_id;		/* its pages-N.img */
};

/*
 * Record the file behind @proc_path (e.g. /proc/PID/fd/3 or
 * /proc/PID/map_files/A-B) as a REG entry of files.img and return its id.
 * @flags and @pos are the open flags and offset to restore (0 for files
 * that are only mapped). A file that was deleted or replaced since it
 * was opened is saved as a ghost file, or reached through a hard link
 * with --link-remap (files-remap.c).
 */
int dump_reg_file(struct dump_ctx *dc, const char *proc_path,
		  uint32_t flags, uint64_t pos, uint32_t *id);

/*
 * Per-kind dumpers, in the order cr-dump.c runs them. 0 or -errno.
 * files.c: table @files_id of @dc's task but the @nr_criu_fds numbers at
 * @criu_fds, criu's own descriptors parked in it (dirty trackers').
 */
int dump_files(struct dump_ctx *dc, uint32_t files_id, const int *criu_fds,
	       unsigned int nr_criu_fds);
/* Close what the descriptor kinds kept open across tasks. */
int dump_files_fini(struct dump_session *sess);			/* files.c */
/* Once the dump is over, done or failed: the kinds' session state freed. */
void dump_files_free(struct dump_session *sess);		/* files.c */
int dump_fs(struct dump_ctx *dc);				/* fs.c */
/* sysv-ipc.c: refuse thread @tid of @pid if it has a semaphore undo list. */
int check_sysv_undo(pid_t pid, pid_t tid);

#endif /* CRIU_DUMP_H */
