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
struct dump_session;
struct cr_img;
struct sk_dump;

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
	struct cr_img *file_locks;	/* filelocks.img (file-locks.c) */
	struct cr_img *fifo_data;	/* fifo-data.img (fifo.c) */
	uint32_t *fifo_ids;		/* FIFOs whose data is dumped */
	unsigned int nr_fifo_ids;
	struct epoll_dump *epolls;	/* eventpoll.c: written at finish */
	struct sk_dump *sk;		/* sockets.c, created on first use */
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
 * files, connects files to each other (epoll registrations).
 *
 * Cleanup, called through files.c for every kind so that no kind frees
 * another's state: @dump_free once the dump is over, done or failed,
 * frees what the kind keeps in the dump session; @rst_fini once the
 * tree is built, or its restore failed (@failed), frees what the kind
 * keeps in the restore session and, after a failure, removes what it
 * made outside criu (socket files, say). Both may be called when the
 * kind has nothing, and must then do nothing. Any op may be NULL.
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
	void (*dump_free)(struct dump_session *sess);
	void (*rst_fini)(struct rst_session *rs, bool failed);
};

extern const struct fd_kind fd_kind_reg;	/* files-reg.c */
extern const struct fd_kind fd_kind_pipe;	/* pipes.c */
extern const struct fd_kind fd_kind_tty;	/* tty.c */
extern const struct fd_kind fd_kind_fifo;	/* fifo.c */
extern const struct fd_kind fd_kind_memfd;	/* memfd.c */

/*
 * memfd.c: @link names a memfd; the MEMFD entry of the file behind
 * @proc_path (its inode dumped once per tree), its id in *@id.
 */
bool is_memfd_link(const char *link);
int dump_memfd_file(struct dump_ctx *dc, const char *who, const char *proc_path,
		    const char *link, const struct stat *st, uint32_t flags, uint64_t pos,
		    uint32_t *id);

/*
 * pipes.c, for pipes and FIFOs: the capacity and the bytes buffered in
 * the pipe behind @proc_path, read without consuming them through a new
 * descriptor opened with @oflags (*@buf malloc'ed, NULL when empty); and
 * the pipe_data_entry and bytes of pipe @pipe_id written to @img.
 */
int pipe_contents(const char *proc_path, int oflags, const char *what, int *size,
		  void **buf, int *bytes);
int write_pipe_data_entry(struct cr_img *img, uint32_t pipe_id, int size,
			  const void *buf, size_t bytes);
/* files-reg.c: the REG entry of descriptor @p (a FIFO's path, say). */
int dump_reg_of_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id);
extern const struct fd_kind fd_kind_eventfd;	/* eventfd.c */
extern const struct fd_kind fd_kind_signalfd;	/* signalfd.c */
extern const struct fd_kind fd_kind_timerfd;	/* timerfd.c */
extern const struct fd_kind fd_kind_inotify;	/* fsnotify.c */
extern const struct fd_kind fd_kind_eventpoll;	/* eventpoll.c */
extern const struct fd_kind fd_kind_anon_refused; /* files-anon.c */
extern const struct fd_kind fd_kind_inet;	/* sk-inet.c */
extern const struct fd_kind fd_kind_unixsk;	/* sk-unix.c */
extern const struct fd_kind fd_kind_netlinksk;	/* sk-netlink.c */
extern const struct fd_kind fd_kind_socket;	/* sockets.c: those no family took */

/* A new files.img entry id. */
uint32_t dump_new_file_id(struct dump_ctx *dc);

/*
 * files-reg-entry.c: REG entry @id for @path, which leads to the file
 * (@st, or it was remapped), with @flags at @pos; and a REG entry for
 * @path at offset 0, its new id in *@id.
 */
int dump_reg_write_entry(struct dump_ctx *dc, const char *path, const struct stat *st,
			 uint32_t flags, uint64_t pos, uint32_t id);
int dump_reg_path_entry(struct dump_ctx *dc, const char *path, const struct stat *st,
			uint32_t flags, uint32_t *id);

/*
 * files-remap.c. Dump: REG entry @reg_id is for a file (@st, reached by
 * @proc_path) that @path no longer leads to: save it as a ghost (no link
 * left) or, with --link-remap, make a hard link to it, and record that
 * in remap-fpath.img. @who ("pid 12: fd 3") names it in refusals.
 */
int dump_remap(struct dump_ctx *dc, const char *who, const char *proc_path,
	       const char *path, const struct stat *st, uint32_t reg_id);
int dump_remaps_fini(struct dump_session *sess);	/* close remap-fpath.img */
void dump_remaps_undo(struct dump_session *sess);	/* failed dump: remove links made */
void dump_remaps_free(struct dump_session *sess);
/*
 * Restore: REG entry @id opened with @flags through its ghost or link;
 * -ENOENT when it has none (open its own path). The paths made or used
 * are unlinked by rst_remaps_unlink(), once every entry is open.
 */
int rst_remap_open(struct rst_session *rs, uint32_t id, const RegFileEntry *rfe, int flags);

/*
 * files-ghost.c: ghost-file-@ghost_id.img of the deleted file (@st) behind
 * @proc_path, whose path was @path; and at restore its inode made again
 * at @name or beside it, the path used in @path (@len bytes).
 */
int dump_ghost(struct dump_ctx *dc, const char *who, const char *proc_path,
	       const char *path, const struct stat *st, uint32_t ghost_id);
int make_ghost(int dfd, uint32_t ghost_id, const char *name, char *path, size_t len);
void rst_remaps_unlink(struct rst_session *rs);
void rst_remaps_free(struct rst_session *rs);

/*
 * file-locks.c: the locks held through descriptor @p of the task being
 * dumped go to filelocks.img with --file-locks, and are refused without.
 */
int dump_fd_locks(struct files_dump *fdump, const struct fd_parms *p);
int dump_locks_fini(struct files_dump *fdump);		/* close filelocks.img */

/*
 * files-reg-entry.c, restore: REG entry @id was opened from @path with
 * @flags; the path as files.img gave it (NULL if unknown), and its open
 * flags as restore opens it (O_RDONLY if unknown).
 */
int rst_reg_remember(struct rst_session *rs, uint32_t id, const char *path,
		     uint32_t flags);
const char *rst_reg_path(const struct rst_session *rs, uint32_t id);
uint32_t rst_reg_flags(const struct rst_session *rs, uint32_t id);
void rst_reg_paths_free(struct rst_session *rs);

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
