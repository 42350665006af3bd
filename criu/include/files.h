/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_FILES_H
#define CRIU_FILES_H

/*
 * Shared between files.c (the descriptor table) and the per-kind files
 * files-reg.c, pipes.c and tty.c. dump.h and restore.h hold what the
 * rest of criu calls; this holds what the file kinds call each other.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;
struct rst_ctx;
struct cr_img;

/* What dump_files() learned about one descriptor of the target. */
struct fd_parms {
	int fd;				/* number in the target */
	char proc_path[64];		/* /proc/PID/fd/N */
	char link[PATH_MAX];		/* what that link says */
	struct stat st;			/* the file behind it */
	uint32_t flags;			/* open flags, without O_CLOEXEC */
	bool cloexec;			/* FD_CLOEXEC of the descriptor */
	uint64_t pos;			/* file offset */
};

/*
 * State of one dump_files() call: the images besides files.img and
 * fdinfo that the file kinds write to, opened when first needed.
 */
struct files_dump {
	struct dump_ctx *dc;
	int pidfd;			/* of the target, for pidfd_getfd */
	struct cr_img *pipes_data;	/* pipes-data.img */
	uint32_t *pipe_ids;		/* pipes whose data is dumped */
	unsigned int nr_pipe_ids;
	struct cr_img *tty_info;	/* tty-info.img */
	struct {
		uint64_t rdev;
		uint32_t info_id;	/* its tty-info.img entry */
	} ttys[2];			/* /dev/tty and the terminal itself */
	unsigned int nr_ttys;
};

/* A new files.img entry id. */
uint32_t dump_new_file_id(struct dump_ctx *dc);

/* Dumpers of one descriptor: write the files.img entry, return its id. */
int dump_reg_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id);
int dump_pipe_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id);
int dump_tty_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id);
/* True if @p is a terminal: a character device answering TCGETS. */
bool fd_is_tty(struct files_dump *fdump, const struct fd_parms *p);

/* Close the images opened by the kinds; 0 or the first -errno. */
int pipes_dump_fini(struct files_dump *fdump);
int tty_dump_fini(struct files_dump *fdump);

/*
 * Restore, before the fork: open one files.img entry in criu and
 * register it with rst_add_file(). Pipes are collected first and all
 * opened by pipes_prepare() once files.img was read, because the ends
 * of one pipe come from one pipe2().
 */
int open_reg_entry(struct rst_ctx *rc, const FileEntry *fe);
int collect_pipe_entry(struct rst_ctx *rc, const FileEntry *fe);
int pipes_prepare(struct rst_ctx *rc);
int open_tty_entry(struct rst_ctx *rc, const FileEntry *fe);

/* The path of REG entry @id as files.img gave it, NULL if unknown. */
const char *rst_reg_path(uint32_t id);

#endif /* CRIU_FILES_H */
