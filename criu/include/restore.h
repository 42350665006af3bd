/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RESTORE_H
#define CRIU_RESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct compel_ctl;
struct pstree_item;
struct pipes_rst;
struct inet_rst;
struct reg_paths;
struct remap_rst;
struct fifos_rst;
struct memfds_rst;
struct epoll_rst;
struct sk_rst;

/*
 * Restore builds the tree from outside. criu opens every file the tasks
 * will need (regular files, pipes, mapped files, the exe, cwd, root, the
 * pages images) and moves each descriptor to a number at or above
 * @fd_base; then it forks the root with its dumped pid, which inherits
 * them all, and the root forks the others by injected clone3() calls.
 * Each task stops under ptrace and criu drives it with injected system
 * calls until it is the dumped one (Documentation/restore-design.md).
 */
struct rst_file {
	uint32_t id;			/* files.img entry id */
	int fd;				/* criu's descriptor, >= fd_base */
};

/* What one restore shares across the tree: the pre-opened descriptors. */
struct rst_session {
	int dfd;			/* image directory */
	int fd_base;			/* first descriptor of the pre-opened set */
	int fd_next;			/* next free one above fd_base */
	struct rst_file *files;		/* sorted by id (rst-fds.c) */
	unsigned int nr_files;
	struct pipes_rst *pipes;	/* pipes.c: ends collected from files.img */
	struct reg_paths *reg_paths;	/* files-reg-entry.c: paths of REG entries */
	struct remap_rst *remaps;	/* files-remap.c: remap-fpath.img, ghosts made */
	struct fifos_rst *fifos;	/* fifo.c: FIFOs refilled */
	struct memfds_rst *memfds;	/* memfd.c: inodes made */
	int lazy_sk;			/* uffd.c: the lazy-pages daemon, or -1 */
	struct epoll_rst *epolls;	/* eventpoll.c: registrations to make */
	struct inet_rst *inet;		/* sk-tcp.c: connections in repair mode */
	struct sk_rst *sk;		/* sockets.c: the socket kinds' state */
};

/* fs-PID.img of one task, read before the fork. */
struct rst_fs {
	uint32_t cwd_id;
	uint32_t root_id;
	bool has_umask;
	uint32_t umask;
};

/* One task being built. */
struct rst_ctx {
	pid_t pid;
	struct rst_session *sess;
	struct pstree_item *item;
	struct compel_ctl *ctl;		/* injection into the task */
	unsigned long scratch;		/* trampoline page in the task */
	size_t scratch_size;
	size_t scratch_used;		/* bump allocator over @scratch */
	struct rst_fs fs;
};

/*
 * rst-fds.c: move criu's descriptor @fd to the pre-opened set (>= fd_base)
 * and return the new number, closing @fd. -errno on failure.
 */
int rst_keep_fd(struct rst_session *rs, int fd);
/* Remember that files.img entry @id is open as @fd (from rst_keep_fd). */
int rst_add_file(struct rst_session *rs, uint32_t id, int fd);
/* The pre-opened descriptor of files.img entry @id, or -ENOENT. */
int rst_file_fd(const struct rst_session *rs, uint32_t id);
/* Close the whole pre-opened set in criu, and forget it. */
void rst_close_files(struct rst_session *rs);

/*
 * rst-infect.c: an injected call in the task, with the contract of
 * inject_syscall() (infect.h): the raw result, failures logged with @what.
 */
long rst_syscall(struct rst_ctx *rc, const char *what, long nr,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6);
/* The same for a call that must succeed: 0 or its negative errno. */
int rst_call(struct rst_ctx *rc, const char *what, long nr, unsigned long a1,
	     unsigned long a2, unsigned long a3, unsigned long a4);
/* Copy @len bytes into the task's scratch page; returns the address or 0. */
unsigned long rst_scratch_put(struct rst_ctx *rc, const void *data, size_t len);
/* Forget everything put in the scratch page. */
void rst_scratch_reset(struct rst_ctx *rc);

/* files.c: files.img once for the tree, each task's table. 0 or -errno. */
int prepare_files(struct rst_session *rs);
int prepare_fdinfo(struct rst_ctx *rc, uint32_t files_id);
int restore_fds(struct rst_ctx *rc, uint32_t files_id);
/*
 * Once the tree is built or its restore failed (@failed): every kind's
 * restore state freed, and after a failure what it made removed.
 */
void rst_files_fini(struct rst_session *rs, bool failed);
/* file-locks.c: the task's locks, taken again once its fds are back. */
int restore_file_locks(struct rst_ctx *rc);
/* fs.c */
int prepare_fs(struct rst_ctx *rc);
int restore_fs(struct rst_ctx *rc);

#endif /* CRIU_RESTORE_H */
