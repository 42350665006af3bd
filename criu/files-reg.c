// SPDX-License-Identifier: GPL-2.0
/*
 * Files reached by a path: regular files, directories and devices that
 * are not terminals (/dev/null, /dev/zero, /dev/urandom...).
 *
 * A REG entry records the path, open flags, offset, mode and, for a
 * regular file, its size. Restore opens the path again and refuses a
 * file whose type or size differs from the dump: the offset, mapped
 * pages and the program's idea of the contents would no longer match
 * (CRIU refuses a size change too). Files deleted or replaced since
 * they were opened go through files-remap.c: a ghost copy or a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "regfile.pb-c.h"

/* Flags that only mean something to the open() that created the file. */
#define REG_OPEN_ONLY_FLAGS	(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC)

/*
 * Mapped files are dumped once per mapping; entries with the same file
 * and flags at offset 0 are one entry. The cache belongs to one
 * files.img and is dropped when another one is being written.
 */
struct reg_cached {
	dev_t dev;
	ino_t ino;
	uint32_t flags;
	uint32_t id;
};

/* Entries of mapped files written in this dump session. */
struct reg_cache {
	struct reg_cached *v;
	unsigned int nr, cap;
};

static struct reg_cached *cache_find(struct dump_ctx *dc, const struct stat *st,
				     uint32_t flags)
{
	struct reg_cache *rc = dc->sess->reg_cache;
	unsigned int i;

	for (i = 0; rc && i < rc->nr; i++) {
		struct reg_cached *c = &rc->v[i];

		if (c->dev == st->st_dev && c->ino == st->st_ino && c->flags == flags)
			return c;
	}
	return NULL;
}

/* Failing to remember only costs a duplicate entry: not an error. */
static void cache_add(struct dump_ctx *dc, const struct stat *st, uint32_t flags,
		      uint32_t id)
{
	struct reg_cache *rc = dc->sess->reg_cache;
	struct reg_cached *tmp;

	if (!rc) {
		rc = calloc(1, sizeof(*rc));
		if (!rc)
			return;
		dc->sess->reg_cache = rc;
	}
	if (rc->nr == rc->cap) {
		unsigned int cap = rc->cap ? rc->cap * 2 : 32;

		tmp = realloc(rc->v, cap * sizeof(*tmp));
		if (!tmp)
			return;
		rc->v = tmp;
		rc->cap = cap;
	}
	rc->v[rc->nr++] = (struct reg_cached){
		.dev = st->st_dev, .ino = st->st_ino, .flags = flags, .id = id,
	};
}

/*
 * Whether the path still leads to the very file the process has open:
 * 0 when it does, 1 when the file was deleted or the path now names
 * another file (files-remap.c takes it), -errno when it has no path.
 */
static int check_reg_path(const char *proc_path, const char *link,
			  const struct stat *st)
{
	struct stat pst;

	if (link[0] != '/') {
		pr_err("%s: %s is not a path; such files are not supported\n",
		       proc_path, link);
		return -EOPNOTSUPP;
	}
	if (st->st_nlink == 0)
		return 1;
	if (stat(link, &pst) || pst.st_dev != st->st_dev || pst.st_ino != st->st_ino)
		return 1;
	return 0;
}

/* The path a deleted file had: its link without the kernel's " (deleted)". */
static void strip_deleted(char *link)
{
	static const char tail[] = " (deleted)";
	size_t len = strlen(link), tlen = sizeof(tail) - 1;

	if (len > tlen && !strcmp(link + len - tlen, tail))
		link[len - tlen] = '\0';
}

/*
 * The REG entry of the file behind @proc_path, whose link reads @link
 * (changed in place to the old path of a deleted file); @who names it.
 * A file its path no longer leads to is remapped first: restore must
 * know the remap before it opens the entry.
 */
static int dump_reg_entry(struct dump_ctx *dc, const char *who, const char *proc_path,
			  char *link, const struct stat *st, uint32_t flags,
			  uint64_t pos, uint32_t *id)
{
	int ret;

	ret = check_reg_path(proc_path, link, st);
	if (ret < 0)
		return ret;
	*id = dump_new_file_id(dc);
	if (ret) {
		strip_deleted(link);
		ret = dump_remap(dc, who, proc_path, link, st, *id);
		if (ret)
			return ret;
	}
	return dump_reg_write_entry(dc, link, st, flags, pos, *id);
}

int dump_reg_of_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	char who[64], *link;
	int ret;

	link = strdup(p->link);
	if (!link)
		return -ENOMEM;
	snprintf(who, sizeof(who), "pid %d: fd %d", fdump->dc->pid, p->fd);
	ret = dump_reg_entry(fdump->dc, who, p->proc_path, link, &p->st, p->flags,
			     p->pos, id);
	free(link);
	return ret;
}

int dump_reg_file(struct dump_ctx *dc, const char *proc_path,
		  uint32_t flags, uint64_t pos, uint32_t *id)
{
	char link[PATH_MAX], who[96];
	const char *area;
	struct reg_cached *c;
	struct stat st;
	ssize_t len;
	int ret;

	len = readlink(proc_path, link, sizeof(link) - 1);
	if (len < 0) {
		ret = -errno;
		pr_perror("Can't read link %s", proc_path);
		return ret;
	}
	link[len] = '\0';
	if (stat(proc_path, &st)) {
		ret = -errno;
		pr_perror("Can't stat %s (%s)", proc_path, link);
		return ret;
	}
	flags &= ~O_CLOEXEC;
	if (pos == 0) {
		c = cache_find(dc, &st, flags);
		if (c) {
			*id = c->id;
			return 0;
		}
	}
	area = strstr(proc_path, "/map_files/");
	snprintf(who, sizeof(who), "pid %d: %s%s", dc->pid, area ? "area " : "",
		 area ? area + 11 : proc_path);
	if (is_memfd_link(link))
		ret = dump_memfd_file(dc, who, proc_path, link, &st, flags, pos, id);
	else
		ret = dump_reg_entry(dc, who, proc_path, link, &st, flags, pos, id);
	if (!ret && pos == 0)
		cache_add(dc, &st, flags, *id);
	return ret;
}

/* --- restore ------------------------------------------------------------ */

/* The reopened file must be of the dumped type and, if regular, size. */
static int check_reopened(int fd, uint32_t id, const RegFileEntry *rfe)
{
	struct stat st;
	int ret;

	if (fstat(fd, &st)) {
		ret = -errno;
		pr_perror("files.img: can't stat %s (file id %u)", rfe->name, id);
		return ret;
	}
	if (rfe->has_mode && (st.st_mode & S_IFMT) != (rfe->mode & S_IFMT)) {
		pr_err("files.img: %s (file id %u) has mode 0%o, was 0%o at dump\n",
		       rfe->name, id, st.st_mode, rfe->mode);
		return -ESTALE;
	}
	if (rfe->has_size && S_ISREG(st.st_mode) && (uint64_t)st.st_size != rfe->size) {
		pr_err("files.img: %s (file id %u) has size %lld, was %" PRIu64 " at dump\n",
		       rfe->name, id, (long long)st.st_size, rfe->size);
		return -ESTALE;
	}
	return 0;
}

static int reopen_reg(struct rst_session *rs, uint32_t id, const RegFileEntry *rfe)
{
	int flags = (rfe->flags & ~REG_OPEN_ONLY_FLAGS) | O_NOCTTY;
	int fd, ret;

	/*
	 * A FIFO's path, which fifo.c reopens with the descriptor's flags:
	 * read-write opens a FIFO without waiting for the other end.
	 */
	if (rfe->has_mode && S_ISFIFO(rfe->mode))
		flags = O_RDWR | O_NONBLOCK;
	fd = rst_remap_open(rs, id, rfe, flags);
	if (fd == -ENOENT)
		fd = open(rfe->name, flags);
	else if (fd < 0)
		return fd;
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: can't open %s (file id %u, flags 0%o)",
			  rfe->name, id, rfe->flags);
		return ret;
	}
	ret = check_reopened(fd, id, rfe);
	if (ret)
		goto err;
	if (rfe->pos && !(rfe->flags & O_PATH) &&
	    lseek(fd, rfe->pos, SEEK_SET) != (off_t)rfe->pos) {
		ret = -errno;
		pr_perror("files.img: can't seek %s (file id %u) to %" PRIu64,
			  rfe->name, id, rfe->pos);
		goto err;
	}
	return fd;
err:
	close(fd);
	return ret;
}

static int open_reg_entry(struct rst_session *rs, const FileEntry *fe)
{
	const RegFileEntry *rfe = fe->reg;
	int fd, ret;

	if (!rfe || !rfe->name) {
		pr_err("files.img: REG file id %u has no reg_file_entry\n", fe->id);
		return -EINVAL;
	}
	fd = reopen_reg(rs, fe->id, rfe);
	if (fd < 0)
		return fd;
	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	ret = rst_add_file(rs, fe->id, fd);
	if (ret)
		return ret;
	pr_debug("files.img: REG id %u %s open as %d\n", fe->id, rfe->name, fd);
	return rst_reg_remember(rs, fe->id, rfe->name,
				(rfe->flags & ~REG_OPEN_ONLY_FLAGS) | O_NOCTTY);
}

static void reg_dump_free(struct dump_session *sess)
{
	dump_remaps_free(sess);
	if (sess->reg_cache)
		free(sess->reg_cache->v);
	free(sess->reg_cache);
	sess->reg_cache = NULL;
}

/* Anything with a path that is a file, directory or device. */
static bool is_reg(struct files_dump *fdump, const struct fd_parms *p)
{
	mode_t fmt = p->st.st_mode & S_IFMT;

	if (p->link[0] != '/')
		return false;
	return fmt == S_IFREG || fmt == S_IFDIR || fmt == S_IFCHR || fmt == S_IFBLK;
}

static int reg_dump_finish(struct files_dump *fdump)
{
	return dump_remaps_fini(fdump->dc->sess);
}

/* Every entry is open: the ghosts and links are needed no more. */
static int reg_open_done(struct rst_session *rs)
{
	rst_remaps_unlink(rs);
	return 0;
}

static void reg_rst_fini(struct rst_session *rs, bool failed)
{
	rst_remaps_free(rs);
	rst_reg_paths_free(rs);
}

const struct fd_kind fd_kind_reg = {
	.name = "regular file",
	.type = FD_TYPES__REG,
	.match = is_reg,
	.dump = dump_reg_of_fd,
	.finish = reg_dump_finish,
	.collect = open_reg_entry,
	.open = reg_open_done,
	.dump_free = reg_dump_free,
	.rst_fini = reg_rst_fini,
};
