/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RESTORE_H
#define CRIU_RESTORE_H

#include <stdint.h>
#include <sys/types.h>

struct compel_ctl;

/*
 * Restore builds the process from outside. criu opens every file the
 * process will need (regular files, pipes, mapped files, the exe, cwd,
 * root, the pages image) and moves each descriptor to a number at or
 * above @fd_base; then it forks the child with the dumped pid, which
 * inherits them all. The child stops under ptrace and criu drives it
 * with injected system calls: unmap criu's own memory, map the dumped
 * areas, fill them from the pages image, dup the inherited descriptors
 * to their dumped numbers, close the rest, set signals, ids and
 * registers, and let it go.
 */
struct rst_file {
	uint32_t id;			/* files.img entry id */
	int fd;				/* criu's descriptor, >= fd_base */
};

struct rst_ctx {
	pid_t pid;
	int dfd;			/* image directory */
	struct compel_ctl *ctl;		/* injection into the child */
	unsigned long scratch;		/* trampoline page in the child */
	size_t scratch_size;
	size_t scratch_used;		/* bump allocator over @scratch */
	int fd_base;			/* first descriptor of the pre-opened set */
	int fd_next;			/* next free one above fd_base */
	struct rst_file *files;		/* sorted by id */
	unsigned int nr_files;
};

/*
 * Move criu's descriptor @fd to the pre-opened set (>= fd_base) and
 * return the new number, closing @fd. -errno on failure.
 */
int rst_keep_fd(struct rst_ctx *rc, int fd);
/* Remember that files.img entry @id is open as @fd (from rst_keep_fd). */
int rst_add_file(struct rst_ctx *rc, uint32_t id, int fd);
/* The pre-opened descriptor of files.img entry @id, or -ENOENT. */
int rst_file_fd(const struct rst_ctx *rc, uint32_t id);

/*
 * An injected call in the child. Returns the call's result, which is a
 * negative errno when the call failed; failure to inject at all also
 * comes back as a negative errno. Failures are logged with @what.
 */
long rst_syscall(struct rst_ctx *rc, const char *what, long nr,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6);
/* Copy @len bytes into the child's scratch page; returns the address or 0. */
unsigned long rst_scratch_put(struct rst_ctx *rc, const void *data, size_t len);
/* Forget everything put in the scratch page. */
void rst_scratch_reset(struct rst_ctx *rc);

/* Files: before the fork (in criu) and inside the child. 0 or -errno. */
int prepare_files(struct rst_ctx *rc, uint32_t files_id);	/* files.c */
int restore_fds(struct rst_ctx *rc, uint32_t files_id);		/* files.c */
int prepare_fs(struct rst_ctx *rc);				/* fs.c */
int restore_fs(struct rst_ctx *rc);				/* fs.c */

#endif /* CRIU_RESTORE_H */
