// SPDX-License-Identifier: GPL-2.0
/*
 * CRIU's image files as far as send needs them: two magic words, then
 * entries, each a 32-bit length and a protobuf message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "images.h"
#include "log.h"

#include "pstree.pb-c.h"
#include "stats.pb-c.h"

#define IMG_MAX_ENTRY	(1 << 20)

struct img_file {
	uint8_t *buf;
	size_t len, pos;
	const char *dir, *name;
};

static int img_load(int dfd, const char *dir, const char *name, struct img_file *f)
{
	off_t size;
	int fd, ret = 0;

	f->buf = NULL;
	f->dir = dir;
	f->name = name;
	f->pos = 8;	/* the magic words */
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mig_perror("Can't open %s/%s", dir, name);
		return -errno;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 8 || size > 64 << 20) {
		mig_err("%s/%s: a size of %lld bytes is not an image\n", dir, name, (long long)size);
		ret = -EINVAL;
		goto out;
	}
	f->len = size;
	f->buf = malloc(size);
	if (!f->buf) {
		ret = -ENOMEM;
		goto out;
	}
	if (pread(fd, f->buf, size, 0) != size) {
		mig_perror("Can't read %s/%s", dir, name);
		ret = -EIO;
		free(f->buf);
		f->buf = NULL;
	}
out:
	close(fd);
	return ret;
}

/* The next entry's bytes: 1, 0 at the end, -errno. */
static int img_next(struct img_file *f, const uint8_t **data, uint32_t *len)
{
	if (f->pos == f->len)
		return 0;
	if (f->len - f->pos < 4)
		goto bad;
	*len = f->buf[f->pos] | f->buf[f->pos + 1] << 8 | f->buf[f->pos + 2] << 16 |
	       (uint32_t)f->buf[f->pos + 3] << 24;
	f->pos += 4;
	if (*len > IMG_MAX_ENTRY || *len > f->len - f->pos)
		goto bad;
	*data = f->buf + f->pos;
	f->pos += *len;
	return 1;
bad:
	mig_err("%s/%s: truncated entry at byte %zu\n", f->dir, f->name, f->pos);
	return -EINVAL;
}

int read_dump_figures(int dfd, const char *dir, struct dump_figures *fig)
{
	StatsEntry *se = NULL;
	struct img_file f;
	const uint8_t *data;
	uint32_t len;
	int ret;

	ret = img_load(dfd, dir, "stats-dump", &f);
	if (ret)
		return ret;
	if (img_next(&f, &data, &len) > 0)
		se = stats_entry__unpack(NULL, len, data);
	if (se && se->dump) {
		fig->pages_written = se->dump->pages_written;
		fig->frozen_us = se->dump->frozen_time;
	} else {
		mig_err("%s/stats-dump holds no dump statistics\n", dir);
		ret = -EINVAL;
	}
	if (se)
		stats_entry__free_unpacked(se, NULL);
	free(f.buf);
	return ret;
}

int tree_pids_add(struct tree_pids *t, pid_t pid)
{
	pid_t *p = realloc(t->pids, (t->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	p[t->nr++] = pid;
	t->pids = p;
	return 0;
}

int read_tree_pids(int dfd, const char *dir, struct tree_pids *t)
{
	struct img_file f;
	const uint8_t *data;
	PstreeEntry *pe;
	uint32_t len;
	int ret;

	t->pids = NULL;
	t->nr = 0;
	ret = img_load(dfd, dir, "pstree.img", &f);
	while (!ret && (ret = img_next(&f, &data, &len)) > 0) {
		pe = pstree_entry__unpack(NULL, len, data);
		if (!pe || pe->pid <= 0) {
			mig_err("%s/pstree.img: an entry that does not decode\n", dir);
			ret = -EINVAL;
		} else {
			ret = tree_pids_add(t, pe->pid);
		}
		if (pe)
			pstree_entry__free_unpacked(pe, NULL);
	}
	if (!ret && !t->nr) {
		mig_err("%s/pstree.img holds no process\n", dir);
		ret = -EINVAL;
	}
	free(f.buf);
	if (ret)
		tree_pids_free(t);
	return ret;
}

void tree_pids_free(struct tree_pids *t)
{
	free(t->pids);
	t->pids = NULL;
	t->nr = 0;
}
