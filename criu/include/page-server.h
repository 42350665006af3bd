/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGE_SERVER_H
#define CRIU_PAGE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct cr_img;

/*
 * One session of the receiving page server: a dump's commands on one
 * connection, written as pagemap-PID.img and pages-N.img into the image
 * folder. Until a FLUSH the files live in a hidden folder inside it
 * (.page-server.PID.N); FLUSH renames them into place, and a session that
 * ends without one removes them, so that a dropped link leaves nothing
 * that looks like a complete image.
 */
struct ps_parent_entry {
	uint64_t start, end;
	uint64_t off;			/* in the level's pages file (data entries) */
	uint32_t flags;
};

/* One folder of the parent chain, for the pid being received. */
struct ps_level {
	int pages_fd;			/* --auto-dedup: its pages-N.img, else -1 */
	struct ps_parent_entry *e;
	unsigned int nr;
};

#define PS_MAX_LEVELS		64

/* Pages received for pid @id, whose copies up the chain --auto-dedup frees. */
struct ps_dedup {
	unsigned long id;
	uint64_t start, end;
};

struct ps_session {
	int dfd;			/* the image folder, -D */
	int tmp_dfd;			/* images not yet flushed */
	char tmp_name[48];
	int parent_dfd;			/* --prev-images-dir, or -1 */
	const char *parent_path;
	bool auto_dedup;

	/* the image being received */
	bool open;
	uint64_t dst_id;
	unsigned long id;
	struct cr_img *pagemap, *pages;
	uint64_t next_vaddr;		/* entries come in address order */
	struct ps_level levels[PS_MAX_LEVELS];
	unsigned int nr_levels;

	struct ps_dedup *dedup;		/* --auto-dedup: ranges received, until FLUSH */
	unsigned int nr_dedup, cap_dedup;
	unsigned long *ids;		/* pids opened in this session */
	unsigned int nr_ids, cap_ids;
	char (*files)[40];		/* files in the hidden folder */
	unsigned int nr_files, cap_files;
	uint32_t next_pages_id;
	char *buf;
	bool committed_any;
	uint64_t commands;		/* taken so far in this session */
	uint64_t bytes, pages_deduped;
};

/*
 * Prepare a session for the folder @dfd; @parent (relative to it, or
 * NULL) is --prev-images-dir. 0 or -errno, logged.
 */
int ps_session_init(struct ps_session *s, int dfd, const char *parent, bool auto_dedup);
/*
 * Serve the commands of @sk until FLUSH_N_CLOSE (0), or until the peer
 * goes away or sends something wrong (-errno, logged; the connection is
 * not answered further).
 */
int ps_session_serve(struct ps_session *s, int sk);
/* Remove what was not flushed, close everything. */
void ps_session_fini(struct ps_session *s);

#endif /* CRIU_PAGE_SERVER_H */
