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
struct rst_session;
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
 * The descriptor kinds' state for one dump session: the images besides
 * files.img and fdinfo that the kinds write to, opened when first
 * needed, and what they must dump only once for the whole tree. @dc
 * and @pidfd are those of the task whose table is being dumped.
 */
struct files_dump {
	struct dump_ctx *dc;
	int pidfd;			/* of that task, for pidfd_getfd */
	struct cr_img *pipes_data;	/* pipes-data.img */
	uint32_t *pipe_ids;		/* pipes whose data is dumped */
	unsigned int nr_pipe_ids;
	struct cr_img *tty_info;	/* tty-info.img */
	struct {
		uint64_t rdev;
		uint32_t info_id;	/* its tty-info.img entry */
	} ttys[2];			/* /dev/tty and the terminal itself */
	unsigned int nr_ttys;
	struct epoll_dump *epolls;	/* eventpoll.c: written at finish */
};

/*
 * One kind of descriptor (regular file, pipe, terminal, ...): a new kind
 * is a file with one of these and a line in files.c's table.
 *
 * Dump: @match says whether a descriptor is of this kind (the table is
 * tried in order, the first match wins); @dump writes its files.img
 * entry (and whatever else it needs) and returns the entry's id; @finish
 * closes what the kind kept open across tasks, once per dump.
 *
 * Restore, in criu before the first fork: @collect takes one files.img
 * entry of this type; @open, once every entry was collected, opens what
 * was collected and registers each descriptor with rst_add_file()
 * (pipes need both ends first); @link, once every kind has opened its
 * files, connects files to each other (epoll registrations). Any may be
 * NULL.
 */
struct fd_kind {
	const char *name;
	FdTypes type;
	bool (*match)(struct files_dump *fdump, const struct fd_parms *p);
	int (*dump)(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id);
	int (*finish)(struct files_dump *fdump);
	int (*collect)(struct rst_session *rs, const FileEntry *fe);
	int (*open)(struct rst_session *rs);
	int (*link)(struct rst_session *rs);
};

extern const struct fd_kind fd_kind_reg;	/* files-reg.c */
extern const struct fd_kind fd_kind_pipe;	/* pipes.c */
extern const struct fd_kind fd_kind_tty;	/* tty.c */
extern const struct fd_kind fd_kind_eventfd;	/* eventfd.c */
extern const struct fd_kind fd_kind_signalfd;	/* signalfd.c */
extern const struct fd_kind fd_kind_timerfd;	/* timerfd.c */
extern const struct fd_kind fd_kind_inotify;	/* fsnotify.c */
extern const struct fd_kind fd_kind_eventpoll;	/* eventpoll.c */
extern const struct fd_kind fd_kind_anon_refused; /* files-anon.c */

/* A new files.img entry id. */
uint32_t dump_new_file_id(struct dump_ctx *dc);

/* The path of REG entry @id as files.img gave it, NULL if unknown. */
const char *rst_reg_path(const struct rst_session *rs, uint32_t id);

/* "anon_inode:[NAME]" (or "anon_inode:NAME") names @name. */
bool is_anon_link(const struct fd_parms *p, const char *name);
/* A duplicate of the target's descriptor @fd (pidfd_getfd), or -errno. */
int files_target_fd(struct files_dump *fdump, int fd);
/* The text of /proc/PID/fdinfo/FD of descriptor @p (malloc'ed), or -errno. */
int files_fdinfo_text(struct files_dump *fdump, const struct fd_parms *p, char **text);
/* What follows "@key" at the start of a line of @text, or NULL. */
const char *fdinfo_field(const char *text, const char *key);
/*
 * The anonymous-inode kinds restore the access mode and O_NONBLOCK; a
 * descriptor with O_ASYNC (its owner and signal not kept) is refused.
 */
int anon_check_flags(struct files_dump *fdump, const struct fd_parms *p, const char *kind);
/* Write @fe to files.img. */
int files_write_entry(struct files_dump *fdump, const FileEntry *fe);
/* Move @fd, just opened for files.img entry @id, into the pre-opened set. */
int rst_keep_file(struct rst_session *rs, uint32_t id, int fd, const char *kind);

#endif /* CRIU_FILES_H */
