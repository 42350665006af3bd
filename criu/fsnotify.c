// SPDX-License-Identifier: GPL-2.0
/*
 * inotify descriptors: each watch by the path of its inode, its mask and
 * its watch descriptor number (wd).
 *
 * Dump: fdinfo lists the watches ("inotify wd:... ino:... sdev:...
 * mask:... f_handle:..."); the handle, opened with open_by_handle_at()
 * on a mount of that device, gives the inode's path today. An inode
 * that has no path any more, or events already queued (they can't be
 * read without consuming them), are refused.
 *
 * Restore: the kernel hands out wds in increasing order and never
 * reuses one soon (idr_alloc_cyclic), so the watches are added in wd
 * order; where the dump has a gap, a watch is added and removed again
 * to spend the number, and the IN_IGNORED events that leaves are read
 * away before the task gets the descriptor. A wd that still comes out
 * wrong fails the restore instead of giving the task other numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fh.pb-c.h"
#include "fown.pb-c.h"
#include "fsnotify.pb-c.h"

#define FH_BYTES_MAX	128		/* MAX_HANDLE_SZ */
/* Watch numbers above this are refused: restore spends each one below. */
#define INOTIFY_WD_MAX	65536
#define KDEV_MAJOR(d)	((unsigned int)(d) >> 20)
#define KDEV_MINOR(d)	((unsigned int)(d) & 0xfffff)

struct inotify_watch {
	int wd;
	unsigned long ino;
	unsigned int sdev;
	unsigned int mask;
	unsigned int ignored;
	unsigned int fh_bytes;
	int fh_type;
	unsigned char fh[FH_BYTES_MAX];
	char path[PATH_MAX];
};

static bool is_inotify(struct files_dump *fdump, const struct fd_parms *p)
{
	return is_anon_link(p, "inotify");
}

static int hex_bytes(const char *s, unsigned char *out, unsigned int n)
{
	unsigned int i, b;

	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = b;
	}
	return 0;
}

static int parse_watch(const char *l, struct inotify_watch *w)
{
	const char *h;
	int n = 0;

	memset(w, 0, sizeof(*w));
	if (sscanf(l, "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%x "
		   "fhandle-bytes:%x fhandle-type:%x%n", &w->wd, &w->ino, &w->sdev,
		   &w->mask, &w->ignored, &w->fh_bytes, &w->fh_type, &n) != 7 || !n)
		return -EINVAL;
	h = strstr(l + n, "f_handle:");
	if (!h || w->fh_bytes > FH_BYTES_MAX || w->wd <= 0)
		return -EINVAL;
	return hex_bytes(h + 9, w->fh, w->fh_bytes);
}

/* A directory on the filesystem of kernel device @sdev, as seen by @pid. */
static int open_mount_of(pid_t pid, unsigned int sdev)
{
	unsigned int maj, min;
	char *text, *l, mnt[PATH_MAX], path[PATH_MAX + 32];
	int fd = -ENOENT;

	if (read_proc_file(pid, "mountinfo", &text) < 0)
		return -EIO;
	for (l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		if (sscanf(l, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		if (maj != KDEV_MAJOR(sdev) || min != KDEV_MINOR(sdev))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, mnt);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			break;
		fd = -errno;
	}
	free(text);
	return fd;
}

/* The path of @w's inode today, into w->path. */
static int watch_path(pid_t pid, int fd, struct inotify_watch *w)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[FH_BYTES_MAX];
	} h;
	char link[64];
	struct stat st;
	int mfd, hfd, ret = 0;
	ssize_t len;

	mfd = open_mount_of(pid, w->sdev);
	if (mfd < 0) {
		pr_err("criu: pid %d: fd %d: inotify wd %d is on device %u:%u, which no mount "
		       "of the task shows: not supported\n", pid, fd, w->wd,
		       KDEV_MAJOR(w->sdev), KDEV_MINOR(w->sdev));
		return -EOPNOTSUPP;
	}
	h.fh.handle_bytes = w->fh_bytes;
	h.fh.handle_type = w->fh_type;
	memcpy(h.fh.f_handle, w->fh, w->fh_bytes);
	hfd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
	close(mfd);
	if (hfd < 0) {
		pr_err("criu: pid %d: fd %d: inotify wd %d watches inode %#lx, which can't be "
		       "opened by its handle (%s; deleted?): not supported\n", pid, fd, w->wd,
		       w->ino, strerror(errno));
		return -EOPNOTSUPP;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", hfd);
	len = readlink(link, w->path, sizeof(w->path) - 1);
	if (len < 0) {
		ret = -errno;
		pr_perror("pid %d: fd %d: can't read the path of inotify wd %d", pid, fd, w->wd);
		goto out;
	}
	w->path[len] = '\0';
	/* the path must lead back to the same inode, without following a link */
	if (w->path[0] != '/' || lstat(w->path, &st) || st.st_ino != w->ino) {
		pr_err("criu: pid %d: fd %d: inotify wd %d watches inode %#lx, which has no "
		       "path of its own (%s): not supported\n", pid, fd, w->wd, w->ino, w->path);
		ret = -EOPNOTSUPP;
	}
out:
	close(hfd);
	return ret;
}

/* Nothing queued: queued events can't be dumped without taking them. */
static int check_no_events(struct files_dump *fdump, const struct fd_parms *p)
{
	int lfd, queued = 0, ret = 0;

	lfd = files_target_fd(fdump, p->fd);
	if (lfd < 0)
		return lfd;
	if (ioctl(lfd, FIONREAD, &queued)) {
		ret = -errno;
		pr_perror("pid %d: fd %d: FIONREAD of an inotify", fdump->dc->pid, p->fd);
	} else if (queued) {
		pr_err("criu: pid %d: fd %d is an inotify with %d bytes of events queued: "
		       "not supported\n", fdump->dc->pid, p->fd, queued);
		ret = -EOPNOTSUPP;
	}
	close(lfd);
	return ret;
}

static int fill_wd_entry(InotifyWdEntry *we, FhEntry *fh, uint64_t *words,
			 const struct inotify_watch *w, uint32_t id)
{
	unsigned int nw = (w->fh_bytes + 7) / 8;

	memset(words, 0, FH_BYTES_MAX);
	memcpy(words, w->fh, w->fh_bytes);
	inotify_wd_entry__init(we);
	fh_entry__init(fh);
	fh->bytes = w->fh_bytes;
	fh->type = w->fh_type;
	fh->n_handle = nw;
	fh->handle = words;
	fh->path = strdup(w->path);
	if (!fh->path)
		return -ENOMEM;
	we->id = id;
	we->i_ino = w->ino;
	we->mask = w->mask;
	we->ignored_mask = w->ignored;
	we->s_dev = w->sdev;
	we->wd = w->wd;
	we->f_handle = fh;
	return 0;
}

struct inotify_dump {
	InotifyWdEntry *we;
	InotifyWdEntry **wp;
	FhEntry *fh;
	uint64_t (*words)[FH_BYTES_MAX / 8];
	unsigned int nr;
};

static void free_inotify_dump(struct inotify_dump *d)
{
	unsigned int i;

	for (i = 0; d->fh && i < d->nr; i++)
		free(d->fh[i].path);
	free(d->we);
	free(d->wp);
	free(d->fh);
	free(d->words);
}

static int collect_watches(struct files_dump *fdump, const struct fd_parms *p,
			   const char *text, struct inotify_dump *d, uint32_t id)
{
	struct inotify_watch *w;
	const char *l;
	unsigned int n = 0, i;
	int ret = 0;

	for (l = text; (l = strstr(l, "inotify wd:")); l++)
		n++;
	d->we = calloc(n + 1, sizeof(*d->we));
	d->wp = calloc(n + 1, sizeof(*d->wp));
	d->fh = calloc(n + 1, sizeof(*d->fh));
	d->words = calloc(n + 1, sizeof(*d->words));
	w = malloc(sizeof(*w));
	if (!d->we || !d->wp || !d->fh || !d->words || !w) {
		free(w);
		return -ENOMEM;
	}
	for (l = text, i = 0; i < n && (l = strstr(l, "inotify wd:")); l++, i++) {
		ret = parse_watch(l, w);
		if (ret) {
			pr_err("pid %d: fd %d: inotify fdinfo line not understood\n",
			       fdump->dc->pid, p->fd);
			break;
		}
		if (w->wd > INOTIFY_WD_MAX) {
			pr_err("criu: pid %d: fd %d: inotify wd %d is above %d, too high to "
			       "reproduce: not supported\n", fdump->dc->pid, p->fd, w->wd,
			       INOTIFY_WD_MAX);
			ret = -EOPNOTSUPP;
			break;
		}
		ret = watch_path(fdump->dc->pid, p->fd, w);
		if (!ret)
			ret = fill_wd_entry(&d->we[i], &d->fh[i], d->words[i], w, id);
		if (ret)
			break;
		d->wp[i] = &d->we[i];
		d->nr = i + 1;
		pr_info("pid %d: fd %d: inotify wd %d on %s, mask %#x\n", fdump->dc->pid,
			p->fd, w->wd, w->path, w->mask);
	}
	free(w);
	return ret;
}

static int dump_inotify(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	InotifyFileEntry e = INOTIFY_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	struct inotify_dump d = {};
	char *text;
	int ret;

	ret = anon_check_flags(fdump, p, "an inotify");
	if (ret)
		return ret;
	ret = check_no_events(fdump, p);
	if (ret)
		return ret;
	ret = files_fdinfo_text(fdump, p, &text);
	if (ret)
		return ret;
	e.id = dump_new_file_id(fdump->dc);
	ret = collect_watches(fdump, p, text, &d, e.id);
	free(text);
	if (ret)
		goto out;
	e.flags = p->flags;
	e.fown = &fown;
	e.n_wd = d.nr;
	e.wd = d.wp;
	fe.type = FD_TYPES__INOTIFY;
	fe.id = e.id;
	fe.ify = &e;
	ret = files_write_entry(fdump, &fe);
	if (!ret)
		*id = e.id;
out:
	free_inotify_dump(&d);
	return ret;
}

/* --- restore ------------------------------------------------------------ */

static int cmp_wd(const void *a, const void *b)
{
	const InotifyWdEntry *x = *(InotifyWdEntry *const *)a;
	const InotifyWdEntry *y = *(InotifyWdEntry *const *)b;

	return (x->wd > y->wd) - (x->wd < y->wd);
}

/* Add watch @w as number w->wd, spending the numbers below it. */
static int add_watch_as(int fd, uint32_t id, const InotifyWdEntry *w, unsigned int *spent)
{
	const char *path = w->f_handle->path;
	struct stat st;
	int wd;

	for (;;) {
		wd = inotify_add_watch(fd, path, w->mask | IN_DONT_FOLLOW);
		if (wd < 0) {
			wd = -errno;
			pr_perror("files.img: inotify %u: can't watch %s (wd %u)", id, path, w->wd);
			return wd;
		}
		if ((uint32_t)wd == w->wd)
			break;
		if ((uint32_t)wd > w->wd) {
			pr_err("files.img: inotify %u: watch of %s came out as wd %d, not %u\n",
			       id, path, wd, w->wd);
			return -EINVAL;
		}
		if (inotify_rm_watch(fd, wd)) {
			wd = -errno;
			pr_perror("files.img: inotify %u: can't remove spare wd %d", id, wd);
			return wd;
		}
		(*spent)++;
	}
	if (lstat(path, &st) || st.st_ino != w->i_ino)
		pr_warn("files.img: inotify %u: %s is not inode %#llx any more\n", id, path,
			(unsigned long long)w->i_ino);
	return 0;
}

/* The IN_IGNORED events of the spare watches: the task must not see them. */
static int drain_events(int fd, uint32_t id)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0 && errno != EAGAIN) {
		int ret = -errno;

		pr_perror("files.img: inotify %u: can't read spare events", id);
		return ret;
	}
	return 0;
}

static int check_inotify(const FileEntry *fe)
{
	const InotifyFileEntry *e = fe->ify;
	size_t i;

	if (!e || e->id != fe->id) {
		pr_err("files.img: INOTIFY file id %u has no inotify entry of its own\n", fe->id);
		return -EINVAL;
	}
	for (i = 0; i < e->n_wd; i++) {
		const InotifyWdEntry *w = e->wd[i];

		if (!w->f_handle->path || w->f_handle->path[0] != '/' || !w->wd ||
		    w->wd > INOTIFY_WD_MAX || (i && w->wd == e->wd[i - 1]->wd)) {
			pr_err("files.img: inotify %u: watch %zu (wd %u) has no path or a bad "
			       "number\n", fe->id, i, w->wd);
			return -EINVAL;
		}
	}
	return 0;
}

static int collect_inotify(struct rst_session *rs, const FileEntry *fe)
{
	InotifyFileEntry *e = fe->ify;
	unsigned int spent = 0;
	size_t i;
	int fd, ret;

	if (!e || e->id != fe->id)
		return check_inotify(fe);
	/* the entry is ours until prepare_files() frees it: sort in place */
	qsort(e->wd, e->n_wd, sizeof(*e->wd), cmp_wd);
	ret = check_inotify(fe);
	if (ret)
		return ret;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: inotify %u: can't create it", fe->id);
		return ret;
	}
	for (i = 0; i < e->n_wd && !ret; i++)
		ret = add_watch_as(fd, fe->id, e->wd[i], &spent);
	if (!ret && spent)
		ret = drain_events(fd, fe->id);
	if (!ret && fcntl(fd, F_SETFL, e->flags & O_NONBLOCK) < 0) {
		ret = -errno;
		pr_perror("files.img: inotify %u: can't set flags %#x", fe->id, e->flags);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	pr_info("inotify %u: %zu watches, %u numbers spent\n", fe->id, e->n_wd, spent);
	return rst_keep_file(rs, fe->id, fd, "INOTIFY");
}

const struct fd_kind fd_kind_inotify = {
	.name = "inotify",
	.type = FD_TYPES__INOTIFY,
	.match = is_inotify,
	.dump = dump_inotify,
	.collect = collect_inotify,
};
