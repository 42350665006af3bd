// SPDX-License-Identifier: GPL-2.0
/*
 * Files that can no longer be reopened by the path they were opened with.
 *
 * A file deleted while open or mapped (no link left) becomes a ghost
 * (files-ghost.c: its attributes and data in ghost-file-<id>.img). A
 * file that still has links, only not the one it was opened by, is
 * reached with --link-remap through a hard link made at dump next to the
 * old path (linkat of /proc/PID/fd/N). Either way
 * remap-fpath.img maps the REG entry to its remap, as in CRIU.
 *
 * Restore creates each ghost under its old path (or beside it, when
 * something else took that name meanwhile), opens every entry of it,
 * and unlinks it and the dump's hard links once every files.img entry
 * is open: criu opens all files before the first fork, so nothing needs
 * the paths afterwards, and a restore that fails later leaves none.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "regfile.pb-c.h"
#include "remap-file-path.pb-c.h"

/* A file remapped in this dump: REG entries of one inode share it. */
struct remap_dumped {
	dev_t dev;
	ino_t ino;
	uint32_t remap_id;
	RemapType type;
	char *link;			/* LINKED: the hard link made, or NULL */
};

struct remap_dump {
	struct cr_img *img;		/* remap-fpath.img */
	uint32_t next_ghost_id;
	struct remap_dumped *v;
	unsigned int nr, cap;
};

static struct remap_dump *session_remaps(struct dump_session *sess)
{
	if (!sess->remaps) {
		sess->remaps = calloc(1, sizeof(*sess->remaps));
		if (sess->remaps)
			sess->remaps->next_ghost_id = 1;
	}
	return sess->remaps;
}

static struct remap_dumped *remap_find(struct remap_dump *rd, const struct stat *st)
{
	unsigned int i;

	for (i = 0; i < rd->nr; i++)
		if (rd->v[i].dev == st->st_dev && rd->v[i].ino == st->st_ino)
			return &rd->v[i];
	return NULL;
}

static struct remap_dumped *remap_add(struct remap_dump *rd, const struct stat *st)
{
	struct remap_dumped *tmp;

	if (rd->nr == rd->cap) {
		unsigned int cap = rd->cap ? rd->cap * 2 : 16;

		tmp = realloc(rd->v, cap * sizeof(*tmp));
		if (!tmp)
			return NULL;
		rd->v = tmp;
		rd->cap = cap;
	}
	tmp = &rd->v[rd->nr++];
	memset(tmp, 0, sizeof(*tmp));
	tmp->dev = st->st_dev;
	tmp->ino = st->st_ino;
	return tmp;
}

/* The directory of @path must exist for restore to create a file in it. */
static int check_parent_dir(const char *who, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) || !S_ISDIR(st.st_mode)) {
		pr_err("%s: the directory of %s is gone too: not supported\n", who, path);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Links left, none at @path: reach the file through a new hard link. */
static int dump_linked(struct dump_ctx *dc, const char *who, const char *proc_path,
		       const char *path, const struct stat *st, struct remap_dumped *r)
{
	char link[PATH_MAX], dir[PATH_MAX];
	int ret;

	if (!opts.link_remap_ok) {
		pr_err("%s: %s was unlinked from that path but has other links; "
		       "--link-remap is not given: not supported\n", who, path);
		return -EOPNOTSUPP;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (snprintf(link, sizeof(link), "%s/link_remap.%u", dirname(dir),
		     dump_new_file_id(dc)) >= (int)sizeof(link))
		return -ENAMETOOLONG;
	if (linkat(AT_FDCWD, proc_path, AT_FDCWD, link, AT_SYMLINK_FOLLOW)) {
		ret = -errno;
		pr_perror("%s: can't link %s to %s", who, proc_path, link);
		return ret;
	}
	r->link = strdup(link);
	if (!r->link) {
		unlink(link);
		return -ENOMEM;
	}
	r->type = REMAP_TYPE__LINKED;
	ret = dump_reg_path_entry(dc, link, st, O_PATH, &r->remap_id);
	if (!ret)
		pr_info("%s: %s is reached through the link %s\n", who, path, link);
	return ret;
}

int dump_remap(struct dump_ctx *dc, const char *who, const char *proc_path,
	       const char *path, const struct stat *st, uint32_t reg_id)
{
	RemapFilePathEntry rfe = REMAP_FILE_PATH_ENTRY__INIT;
	struct remap_dump *rd = session_remaps(dc->sess);
	struct remap_dumped *r;
	int ret;

	if (!rd)
		return -ENOMEM;
	r = remap_find(rd, st);
	if (!r) {
		r = remap_add(rd, st);
		if (!r)
			return -ENOMEM;
		ret = check_parent_dir(who, path);
		if (!ret && st->st_nlink == 0) {
			r->type = REMAP_TYPE__GHOST;
			r->remap_id = rd->next_ghost_id++;
			ret = dump_ghost(dc, who, proc_path, path, st, r->remap_id);
		} else if (!ret) {
			ret = dump_linked(dc, who, proc_path, path, st, r);
		}
		if (ret) {
			/* not dumped: forget it, but a link made stays listed for undo */
			if (!r->link)
				rd->nr--;
			return ret;
		}
	}
	if (!rd->img) {
		rd->img = open_image(dc->sess->dfd, CR_FD_REMAP_FPATH, O_DUMP);
		if (!rd->img)
			return -EIO;
	}
	rfe.orig_id = reg_id;
	rfe.remap_id = r->remap_id;
	rfe.has_remap_type = true;
	rfe.remap_type = r->type;
	return pb_write_one(rd->img, &rfe, &remap_file_path_entry__descriptor);
}

int dump_remaps_fini(struct dump_session *sess)
{
	struct remap_dump *rd = sess->remaps;
	int ret;

	if (!rd || !rd->img)
		return 0;
	ret = close_image(rd->img);
	rd->img = NULL;
	return ret;
}

void dump_remaps_undo(struct dump_session *sess)
{
	struct remap_dump *rd = sess->remaps;
	unsigned int i;

	for (i = 0; rd && i < rd->nr; i++) {
		if (!rd->v[i].link)
			continue;
		if (unlink(rd->v[i].link))
			pr_perror("Can't remove the link %s made for the failed dump",
				  rd->v[i].link);
	}
}

void dump_remaps_free(struct dump_session *sess)
{
	struct remap_dump *rd = sess->remaps;
	unsigned int i;

	if (!rd)
		return;
	if (rd->img)
		close_image(rd->img);
	for (i = 0; i < rd->nr; i++)
		free(rd->v[i].link);
	free(rd->v);
	free(rd);
	sess->remaps = NULL;
}

/* --- restore ------------------------------------------------------------ */

/* A path restore made (a ghost) or used (a link): removed once all is open. */
struct remap_made {
	uint32_t remap_id;
	RemapType type;
	char *path;
};

struct remap_rst {
	RemapFilePathEntry **e;
	unsigned int nr;
	struct remap_made *made;
	unsigned int nr_made, cap_made;
};

static int read_remaps(struct rst_session *rs)
{
	struct remap_rst *rr;
	RemapFilePathEntry **tmp;
	struct cr_img *img;
	unsigned int cap = 0;
	void *e;
	int ret;

	rr = calloc(1, sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	rs->remaps = rr;
	img = open_image(rs->dfd, CR_FD_REMAP_FPATH, O_RSTR | O_OPT);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, &e, &remap_file_path_entry__descriptor)) > 0) {
		if (rr->nr == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(rr->e, cap * sizeof(*tmp));
			if (!tmp) {
				pb_free(e);
				ret = -ENOMEM;
				break;
			}
			rr->e = tmp;
		}
		rr->e[rr->nr++] = e;
	}
	close_image(img);
	return ret;
}

static const RemapFilePathEntry *remap_of(const struct remap_rst *rr, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < rr->nr; i++)
		if (rr->e[i]->orig_id == id)
			return rr->e[i];
	return NULL;
}

static struct remap_made *made_find(struct remap_rst *rr, RemapType type,
				    uint32_t remap_id)
{
	unsigned int i;

	for (i = 0; i < rr->nr_made; i++)
		if (rr->made[i].type == type && rr->made[i].remap_id == remap_id)
			return &rr->made[i];
	return NULL;
}

static int made_add(struct remap_rst *rr, RemapType type, uint32_t remap_id,
		    const char *path)
{
	struct remap_made *tmp;
	char *copy;

	if (rr->nr_made == rr->cap_made) {
		unsigned int cap = rr->cap_made ? rr->cap_made * 2 : 16;

		tmp = realloc(rr->made, cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		rr->made = tmp;
		rr->cap_made = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	rr->made[rr->nr_made++] = (struct remap_made){
		.remap_id = remap_id, .type = type, .path = copy,
	};
	return 0;
}

/* Where REG entry @id is opened from: its ghost, its link, or -ENOENT. */
static int remap_path(struct rst_session *rs, uint32_t id, const RegFileEntry *rfe,
		      const char **path)
{
	const RemapFilePathEntry *e;
	char ghost[PATH_MAX];
	struct remap_made *m;
	RemapType type;
	int ret;

	if (!rs->remaps) {
		ret = read_remaps(rs);
		if (ret)
			return ret;
	}
	e = remap_of(rs->remaps, id);
	if (!e)
		return -ENOENT;
	type = e->has_remap_type ? e->remap_type : REMAP_TYPE__LINKED;
	m = made_find(rs->remaps, type, e->remap_id);
	if (m) {
		*path = m->path;
		return 0;
	}
	switch (type) {
	case REMAP_TYPE__GHOST:
		ret = make_ghost(rs->dfd, e->remap_id, rfe->name, ghost, sizeof(ghost));
		if (ret)
			return ret;
		ret = made_add(rs->remaps, type, e->remap_id, ghost);
		if (ret)
			unlink(ghost);
		break;
	case REMAP_TYPE__LINKED:
		*path = rst_reg_path(rs, e->remap_id);
		if (!*path) {
			pr_err("remap-fpath.img: file id %u is linked to id %u, not opened before it\n",
			       id, e->remap_id);
			return -EINVAL;
		}
		ret = made_add(rs->remaps, type, e->remap_id, *path);
		break;
	default:
		pr_err("remap-fpath.img: file id %u has remap type %d, not supported\n",
		       id, type);
		return -EOPNOTSUPP;
	}
	if (ret)
		return ret;
	*path = rs->remaps->made[rs->remaps->nr_made - 1].path;
	return 0;
}

int rst_remap_open(struct rst_session *rs, uint32_t id, const RegFileEntry *rfe, int flags)
{
	const char *path;
	int fd, ret;

	ret = remap_path(rs, id, rfe, &path);
	if (ret)
		return ret;
	fd = open(path, flags);
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: can't open %s for %s (file id %u, flags 0%o)",
			  path, rfe->name, id, flags);
		return ret;
	}
	pr_debug("files.img: file id %u (%s) opened through %s\n", id, rfe->name, path);
	return fd;
}

void rst_remaps_unlink(struct rst_session *rs)
{
	struct remap_rst *rr = rs->remaps;
	unsigned int i;

	for (i = 0; rr && i < rr->nr_made; i++) {
		if (!rr->made[i].path)
			continue;
		if (unlink(rr->made[i].path))
			pr_perror("Can't unlink %s", rr->made[i].path);
		else
			pr_info("Unlinked %s\n", rr->made[i].path);
		free(rr->made[i].path);
		rr->made[i].path = NULL;
	}
}

void rst_remaps_free(struct rst_session *rs)
{
	struct remap_rst *rr = rs->remaps;
	unsigned int i;

	if (!rr)
		return;
	rst_remaps_unlink(rs);
	for (i = 0; i < rr->nr; i++)
		pb_free(rr->e[i]);
	free(rr->e);
	free(rr->made);
	free(rr);
	rs->remaps = NULL;
}
