// SPDX-License-Identifier: GPL-2.0
/*
 * Ghost files: files deleted while open or mapped, no link left.
 *
 * Dump: the type, owner, mode and times go to ghost-file-<id>.img, and
 * for a regular file its data extents, each a ghost_chunk_entry followed
 * by its bytes (holes, found with SEEK_DATA/SEEK_HOLE, are not saved),
 * as CRIU writes them. A FIFO has no contents: its buffered bytes are
 * fifo.c's. Directories and device nodes are refused.
 *
 * Restore makes the inode again at the old path (files-remap.c opens it
 * and unlinks it), or beside it when something else took that name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#include "ghost-file.pb-c.h"

#define GHOST_COPY_BUF	(1 << 20)

/* Every data extent of @fd as a chunk entry followed by its bytes. */
static int copy_ghost_data(struct cr_img *img, int fd, off_t size, const char *who)
{
	GhostChunkEntry gce = GHOST_CHUNK_ENTRY__INIT;
	off_t data = 0, hole, at;
	char *buf;
	ssize_t n;
	int ret = 0;

	buf = malloc(GHOST_COPY_BUF);
	if (!buf)
		return -ENOMEM;
	while (data < size && !ret) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0) {
			if (errno != ENXIO) {
				ret = -errno;
				pr_perror("%s: SEEK_DATA", who);
			}
			break;			/* ENXIO: only a hole is left */
		}
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			ret = -errno;
			pr_perror("%s: SEEK_HOLE", who);
			break;
		}
		if (hole > size)
			hole = size;
		gce.off = data;
		gce.len = hole - data;
		ret = pb_write_one(img, &gce, &ghost_chunk_entry__descriptor);
		for (at = data; at < hole && !ret; at += n) {
			size_t len = hole - at > GHOST_COPY_BUF ? GHOST_COPY_BUF : hole - at;

			n = pread(fd, buf, len, at);
			if (n <= 0) {
				ret = n < 0 ? -errno : -EIO;
				pr_perror("%s: can't read the deleted file at %lld", who,
					  (long long)at);
				break;
			}
			ret = write_img_buf(img, buf, n);
		}
		data = hole;
	}
	free(buf);
	return ret;
}

static int write_ghost(struct dump_ctx *dc, const char *who, const char *proc_path,
		       const struct stat *st, uint32_t ghost_id)
{
	GhostFileEntry gfe = GHOST_FILE_ENTRY__INIT;
	Timeval atim = TIMEVAL__INIT, mtim = TIMEVAL__INIT;
	struct cr_img *img;
	int fd = -1, ret, err;

	gfe.uid = st->st_uid;
	gfe.gid = st->st_gid;
	gfe.mode = st->st_mode;
	gfe.has_dev = true;
	gfe.dev = st->st_dev;
	gfe.has_ino = true;
	gfe.ino = st->st_ino;
	atim.tv_sec = st->st_atim.tv_sec;
	atim.tv_usec = st->st_atim.tv_nsec / 1000;
	mtim.tv_sec = st->st_mtim.tv_sec;
	mtim.tv_usec = st->st_mtim.tv_nsec / 1000;
	gfe.atim = &atim;
	gfe.mtim = &mtim;
	if (S_ISREG(st->st_mode)) {
		gfe.has_chunks = true;
		gfe.chunks = true;
		gfe.has_size = true;
		gfe.size = st->st_size;
		/* the target's descriptor may be O_PATH or write-only */
		fd = open(proc_path, O_RDONLY);
		if (fd < 0) {
			ret = -errno;
			pr_perror("%s: can't open the deleted file through %s", who, proc_path);
			return ret;
		}
	}
	img = open_image(dc->sess->dfd, CR_FD_GHOST_FILE, O_DUMP, (unsigned int)ghost_id);
	if (!img) {
		ret = -EIO;
		goto out;
	}
	ret = pb_write_one(img, &gfe, &ghost_file_entry__descriptor);
	if (!ret && fd >= 0)
		ret = copy_ghost_data(img, fd, st->st_size, who);
	err = close_image(img);
	ret = ret ? ret : err;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int dump_ghost(struct dump_ctx *dc, const char *who, const char *proc_path,
	       const char *path, const struct stat *st, uint32_t ghost_id)
{
	int ret;

	if (S_ISDIR(st->st_mode)) {
		pr_err("%s: directory %s was deleted: deleted directories are not supported\n",
		       who, path);
		return -EOPNOTSUPP;
	}
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		pr_err("%s: special file %s (mode 0%o) was deleted: not supported\n",
		       who, path, st->st_mode);
		return -EOPNOTSUPP;
	}
	if (S_ISREG(st->st_mode) && st->st_size > opts.ghost_limit) {
		pr_err("%s: deleted file %s has %lld bytes, over --ghost-limit %ld: not supported\n",
		       who, path, (long long)st->st_size, opts.ghost_limit);
		return -EOPNOTSUPP;
	}
	ret = write_ghost(dc, who, proc_path, st, ghost_id);
	if (!ret)
		pr_info("%s: deleted %s saved as ghost-file-%x.img (%lld bytes)\n", who,
			path, ghost_id, (long long)st->st_size);
	return ret;
}

/* --- restore ------------------------------------------------------------ */

/* The chunks after the entry, written back at their offsets. */
static int fill_ghost(struct cr_img *img, int fd, const GhostFileEntry *gfe,
		      const char *path)
{
	GhostChunkEntry *gce;
	uint64_t done;
	char *buf;
	int ret;

	if (ftruncate(fd, gfe->size)) {
		ret = -errno;
		pr_perror("%s: can't set the ghost %s to %" PRIu64 " bytes",
			  img_name(img), path, gfe->size);
		return ret;
	}
	buf = malloc(GHOST_COPY_BUF);
	if (!buf)
		return -ENOMEM;
	while ((ret = pb_read_one(img, (void **)&gce, &ghost_chunk_entry__descriptor)) > 0) {
		ret = 0;
		if (gce->off > gfe->size || gce->len > gfe->size - gce->off) {
			pr_err("%s: chunk %" PRIu64 "+%" PRIu64 " is beyond the size %" PRIu64 "\n",
			       img_name(img), gce->off, gce->len, gfe->size);
			ret = -EINVAL;
		}
		for (done = 0; !ret && done < gce->len;) {
			size_t len = gce->len - done > GHOST_COPY_BUF ? GHOST_COPY_BUF :
				     gce->len - done;

			ret = read_img_buf(img, buf, len);
			errno = EIO;	/* for a short write */
			if (!ret && pwrite(fd, buf, len, gce->off + done) != (ssize_t)len) {
				ret = -errno;
				pr_perror("%s: can't write the ghost %s", img_name(img), path);
			}
			done += len;
		}
		pb_free(gce);
		if (ret)
			break;
	}
	free(buf);
	return ret;
}

/* Owner, mode (after chown, which clears set-id bits) and times. */
static int ghost_attrs(int fd, const GhostFileEntry *gfe, const char *path)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (fchown(fd, gfe->uid, gfe->gid) || fchmod(fd, gfe->mode & 07777)) {
		pr_perror("Can't set owner %u:%u and mode 0%o of the ghost %s",
			  gfe->uid, gfe->gid, gfe->mode, path);
		return -errno;
	}
	if (gfe->atim) {
		ts[0].tv_sec = gfe->atim->tv_sec;
		ts[0].tv_nsec = gfe->atim->tv_usec * 1000;
	}
	if (gfe->mtim) {
		ts[1].tv_sec = gfe->mtim->tv_sec;
		ts[1].tv_nsec = gfe->mtim->tv_usec * 1000;
	}
	if (futimens(fd, ts)) {
		pr_perror("Can't set the times of the ghost %s", path);
		return -errno;
	}
	return 0;
}

/* Create the ghost's inode at @path: 0, -EEXIST, or -errno. */
static int create_ghost(struct cr_img *img, const GhostFileEntry *gfe, const char *path)
{
	int fd, ret;

	if (S_ISFIFO(gfe->mode)) {
		if (mknod(path, S_IFIFO | 0600, 0))
			return -errno;
		/* read-write: opening a FIFO so never waits for the other end */
		fd = open(path, O_RDWR | O_NONBLOCK);
	} else if (S_ISREG(gfe->mode)) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return -errno;
	} else {
		pr_err("%s: ghost of mode 0%o cannot be restored\n", img_name(img), gfe->mode);
		return -EINVAL;
	}
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't open the ghost %s", path);
		goto err;
	}
	ret = S_ISREG(gfe->mode) ? fill_ghost(img, fd, gfe, path) : 0;
	if (!ret)
		ret = ghost_attrs(fd, gfe, path);
	close(fd);
	if (!ret)
		return 0;
err:
	unlink(path);
	return ret == -EEXIST ? -EIO : ret;
}

int make_ghost(int dfd, uint32_t ghost_id, const char *name, char *path, size_t len)
{
	GhostFileEntry *gfe;
	struct cr_img *img;
	int ret;

	img = open_image(dfd, CR_FD_GHOST_FILE, O_RSTR, (unsigned int)ghost_id);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&gfe, &ghost_file_entry__descriptor);
	if (ret)
		goto out;
	if (S_ISREG(gfe->mode) && (!gfe->has_size || !gfe->chunks)) {
		pr_err("%s: a regular ghost without its size or chunks\n", img_name(img));
		ret = -EINVAL;
		goto out_free;
	}
	snprintf(path, len, "%s", name);
	ret = create_ghost(img, gfe, path);
	if (ret == -EEXIST) {
		snprintf(path, len, "%s.cr.%x.ghost", name, ghost_id);
		pr_warn("%s exists: its ghost goes to %s\n", name, path);
		ret = create_ghost(img, gfe, path);
	}
	if (ret)
		pr_err("%s: can't create the ghost %s: %s\n", img_name(img), path,
		       strerror(-ret));
	else
		pr_info("%s: ghost made at %s\n", img_name(img), path);
out_free:
	pb_free(gfe);
out:
	close_image(img);
	return ret;
}
