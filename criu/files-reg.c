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
 * they were opened cannot be reopened by path and are refused at dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "fown.pb-c.h"
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

static struct {
	const struct cr_img *img;
	struct reg_cached *v;
	unsigned int nr, cap;
} reg_cache;

static struct reg_cached *cache_find(struct dump_ctx *dc, const struct stat *st,
				     uint32_t flags)
{
	unsigned int i;

	if (reg_cache.img != dc->files_img) {
		reg_cache.img = dc->files_img;
		reg_cache.nr = 0;
	}
	for (i = 0; i < reg_cache.nr; i++) {
		struct reg_cached *c = &reg_cache.v[i];

		if (c->dev == st->st_dev && c->ino == st->st_ino && c->flags == flags)
			return c;
	}
	return NULL;
}

/* Failing to remember only costs a duplicate entry: not an error. */
static void cache_add(const struct stat *st, uint32_t flags, uint32_t id)
{
	struct reg_cached *tmp;

	if (reg_cache.nr == reg_cache.cap) {
		unsigned int cap = reg_cache.cap ? reg_cache.cap * 2 : 32;

		tmp = realloc(reg_cache.v, cap * sizeof(*tmp));
		if (!tmp)
			return;
		reg_cache.v = tmp;
		reg_cache.cap = cap;
	}
	reg_cache.v[reg_cache.nr++] = (struct reg_cached){
		.dev = st->st_dev, .ino = st->st_ino, .flags = flags, .id = id,
	};
}

/*
 * The path must still lead to the very file the process has open: not
 * deleted (no links left), not replaced by another file of that name.
 */
static int check_reg_path(const char *proc_path, const char *link,
			  const struct stat *st)
{
	struct stat pst;

	if (st->st_nlink == 0) {
		pr_err("%s: %s was deleted; deleted files are not supported\n",
		       proc_path, link);
		return -EOPNOTSUPP;
	}
	if (link[0] != '/') {
		pr_err("%s: %s is not a path; such files are not supported\n",
		       proc_path, link);
		return -EOPNOTSUPP;
	}
	if (stat(link, &pst) || pst.st_dev != st->st_dev || pst.st_ino != st->st_ino) {
		pr_err("%s: the path %s no longer leads to the open file (deleted or replaced)\n",
		       proc_path, link);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int write_reg_entry(struct dump_ctx *dc, const char *path,
			   const struct stat *st, uint32_t flags, uint64_t pos,
			   uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry rfe = REG_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	rfe.id = dump_new_file_id(dc);
	rfe.flags = flags;
	rfe.pos = pos;
	rfe.fown = &fown;
	rfe.name = (char *)path;
	rfe.has_mode = true;
	rfe.mode = st->st_mode;
	if (S_ISREG(st->st_mode)) {
		rfe.has_size = true;
		rfe.size = st->st_size;
	}
	fe.type = FD_TYPES__REG;
	fe.id = rfe.id;
	fe.reg = &rfe;
	ret = pb_write_one(dc->files_img, &fe, &file_entry__descriptor);
	if (ret)
		return ret;
	pr_debug("files.img: REG id %u %s flags 0%o pos %" PRIu64 "\n",
		 rfe.id, path, flags, pos);
	*id = rfe.id;
	return 0;
}

int dump_reg_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	int ret;

	ret = check_reg_path(p->proc_path, p->link, &p->st);
	if (ret)
		return ret;
	return write_reg_entry(fdump->dc, p->link, &p->st, p->flags, p->pos, id);
}

int dump_reg_file(struct dump_ctx *dc, const char *proc_path,
		  uint32_t flags, uint64_t pos, uint32_t *id)
{
	char link[PATH_MAX];
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
	ret = check_reg_path(proc_path, link, &st);
	if (ret)
		return ret;
	flags &= ~O_CLOEXEC;
	if (pos == 0) {
		c = cache_find(dc, &st, flags);
		if (c) {
			*id = c->id;
			return 0;
		}
	}
	ret = write_reg_entry(dc, link, &st, flags, pos, id);
	if (!ret && pos == 0)
		cache_add(&st, flags, *id);
	return ret;
}

/* --- restore ------------------------------------------------------------ */

/* Paths of restored REG entries, for restore_fs() to see if root is "/". */
static struct {
	uint32_t *ids;
	char **paths;
	unsigned int nr, cap;
} reg_paths;

static int remember_path(uint32_t id, const char *path)
{
	unsigned int cap;
	uint32_t *ids;
	char **paths, *copy;

	if (reg_paths.nr == reg_paths.cap) {
		cap = reg_paths.cap ? reg_paths.cap * 2 : 32;
		ids = realloc(reg_paths.ids, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		reg_paths.ids = ids;
		paths = realloc(reg_paths.paths, cap * sizeof(*paths));
		if (!paths)
			return -ENOMEM;
		reg_paths.paths = paths;
		reg_paths.cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	reg_paths.ids[reg_paths.nr] = id;
	reg_paths.paths[reg_paths.nr++] = copy;
	return 0;
}

const char *rst_reg_path(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < reg_paths.nr; i++)
		if (reg_paths.ids[i] == id)
			return reg_paths.paths[i];
	return NULL;
}

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

static int reopen_reg(uint32_t id, const RegFileEntry *rfe)
{
	int fd, ret;

	fd = open(rfe->name, (rfe->flags & ~REG_OPEN_ONLY_FLAGS) | O_NOCTTY);
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

int open_reg_entry(struct rst_ctx *rc, const FileEntry *fe)
{
	const RegFileEntry *rfe = fe->reg;
	int fd, ret;

	if (!rfe || !rfe->name) {
		pr_err("files.img: REG file id %u has no reg_file_entry\n", fe->id);
		return -EINVAL;
	}
	fd = reopen_reg(fe->id, rfe);
	if (fd < 0)
		return fd;
	fd = rst_keep_fd(rc, fd);
	if (fd < 0)
		return fd;
	ret = rst_add_file(rc, fe->id, fd);
	if (ret)
		return ret;
	pr_debug("files.img: REG id %u %s open as %d\n", fe->id, rfe->name, fd);
	return remember_path(fe->id, rfe->name);
}
