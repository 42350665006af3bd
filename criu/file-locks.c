// SPDX-License-Identifier: GPL-2.0
/*
 * File locks: flock(2), POSIX (fcntl F_SETLK) and OFD (F_OFD_SETLK)
 * locks, read or write, over a byte range or to the end of the file.
 *
 * Dump: /proc/PID/fdinfo/FD lists, as "lock:" lines in /proc/locks'
 * format, the locks the task holds through that descriptor: flock and
 * OFD locks of its open file description, POSIX locks of its descriptor
 * table set through that file. That already matches every lock to its
 * owner and descriptor. With --file-locks each goes to filelocks.img
 * (pid, fd, kind, type, range); without it a task holding one is refused,
 * naming the pid, the fd and the lock.
 *
 * Restore: once a task's descriptors are in place, it takes its locks
 * again through them by injected calls, never waiting: a lock someone
 * else took meanwhile fails the restore. Taking a lock twice through one
 * description (descriptors shared by dup() or fork()) is harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>

#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "file-lock.pb-c.h"

/* FileLockEntry.flag, as CRIU numbers the kinds. */
#define FLE_POSIX	1
#define FLE_FLOCK	2
#define FLE_OFD		4

#ifndef F_OFD_SETLK
#define F_OFD_SETLK	37
#endif

static const char *lock_kind_name(uint32_t flag)
{
	switch (flag) {
	case FLE_POSIX:
		return "POSIX";
	case FLE_FLOCK:
		return "flock";
	case FLE_OFD:
		return "OFD";
	}
	return "unknown";
}

/*
 * One "lock:" line: "ID: KIND ADVISORY TYPE PID MAJ:MIN:INO START END".
 * 0 and *@fle filled, 1 for a lock that is not supported (*@what says
 * which), -EINVAL for a line that can't be read.
 */
static int parse_lock_line(const char *line, FileLockEntry *fle, char *what, size_t len)
{
	char kind[16], mode[16], type[16], end[32];
	long long start;
	int pid;

	if (sscanf(line, "lock: %*d: %15s %15s %15s %d %*x:%*x:%*u %lld %31s", kind, mode,
		   type, &pid, &start, end) != 6)
		return -EINVAL;
	if (!strcmp(kind, "FLOCK"))
		fle->flag = FLE_FLOCK;
	else if (!strcmp(kind, "POSIX"))
		fle->flag = FLE_POSIX;
	else if (!strcmp(kind, "OFDLCK"))
		fle->flag = FLE_OFD;
	else {
		snprintf(what, len, "a %s %s lock", kind, type);
		return 1;
	}
	if (strcmp(mode, "ADVISORY")) {
		snprintf(what, len, "a %s %s %s lock", mode, kind, type);
		return 1;
	}
	if (!strcmp(type, "READ"))
		fle->type = F_RDLCK;
	else if (!strcmp(type, "WRITE"))
		fle->type = F_WRLCK;
	else {
		snprintf(what, len, "a %s lock of type %s", kind, type);
		return 1;
	}
	fle->start = start;
	if (!strcmp(end, "EOF"))
		fle->len = 0;
	else
		fle->len = strtoll(end, NULL, 10) - start + 1;
	snprintf(what, len, "a %s %s lock (%lld-%s)", lock_kind_name(fle->flag),
		 fle->type == F_WRLCK ? "write" : "read", start, end);
	return 0;
}

static int write_lock(struct files_dump *fdump, FileLockEntry *fle)
{
	if (!fdump->file_locks) {
		fdump->file_locks = open_image(fdump->dc->sess->dfd, CR_FD_FILE_LOCKS, O_DUMP);
		if (!fdump->file_locks)
			return -EIO;
	}
	return pb_write_one(fdump->file_locks, fle, &file_lock_entry__descriptor);
}

int dump_fd_locks(struct files_dump *fdump, const struct fd_parms *p)
{
	FileLockEntry fle = FILE_LOCK_ENTRY__INIT;
	pid_t pid = fdump->dc->pid;
	char path[64], line[256], what[128];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, p->fd);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "lock:", 5))
			continue;
		ret = parse_lock_line(line, &fle, what, sizeof(what));
		if (ret < 0) {
			pr_err("%s: can't read the lock line \"%s\"\n", path, line);
			break;
		}
		if (ret || !opts.file_locks) {
			pr_err("pid %d: fd %d (%s) holds %s%s: not supported\n", pid, p->fd,
			       p->link, what, ret ? "" : " and --file-locks is not given");
			ret = -EOPNOTSUPP;
			break;
		}
		fle.pid = pid;
		fle.fd = p->fd;
		ret = write_lock(fdump, &fle);
		if (!ret)
			pr_info("pid %d: fd %d holds %s\n", pid, p->fd, what);
	}
	fclose(f);
	return ret;
}

int dump_locks_fini(struct files_dump *fdump)
{
	int ret;

	if (!fdump->file_locks)
		return 0;
	ret = close_image(fdump->file_locks);
	fdump->file_locks = NULL;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

static int take_lock(struct rst_ctx *rc, const FileLockEntry *fle)
{
	struct flock fl = {
		.l_type = fle->type,
		.l_whence = SEEK_SET,
		.l_start = fle->start,
		.l_len = fle->len,
	};
	unsigned long a_fl;
	long ret;

	if (fle->type != F_RDLCK && fle->type != F_WRLCK) {
		pr_err("filelocks.img: pid %d fd %d: lock type %u\n", fle->pid, fle->fd, fle->type);
		return -EINVAL;
	}
	switch (fle->flag) {
	case FLE_FLOCK:
		ret = rst_syscall(rc, "flock", __NR_flock, fle->fd,
				  (fle->type == F_WRLCK ? LOCK_EX : LOCK_SH) | LOCK_NB, 0, 0, 0, 0);
		break;
	case FLE_POSIX:
	case FLE_OFD:
		a_fl = rst_scratch_put(rc, &fl, sizeof(fl));
		if (!a_fl)
			return -ENOMEM;
		ret = rst_syscall(rc, "fcntl(F_SETLK)", __NR_fcntl, fle->fd,
				  fle->flag == FLE_OFD ? F_OFD_SETLK : F_SETLK, a_fl, 0, 0, 0);
		rst_scratch_reset(rc);
		break;
	default:
		pr_err("filelocks.img: pid %d fd %d: lock kind %u\n", fle->pid, fle->fd, fle->flag);
		return -EINVAL;
	}
	if (ret < 0) {
		pr_err("pid %d: can't take the %s %s lock at %lld+%lld on fd %d again: %s%s\n",
		       rc->pid, lock_kind_name(fle->flag), fle->type == F_WRLCK ? "write" : "read",
		       (long long)fle->start, (long long)fle->len, fle->fd, strerror((int)-ret),
		       ret == -EAGAIN || ret == -EACCES ? " (someone else took it meanwhile)" : "");
		return (int)ret;
	}
	pr_info("pid %d: %s lock on fd %d taken again\n", rc->pid, lock_kind_name(fle->flag),
		fle->fd);
	return 0;
}

int restore_file_locks(struct rst_ctx *rc)
{
	FileLockEntry *fle;
	struct cr_img *img;
	int ret;

	img = open_image(rc->sess->dfd, CR_FD_FILE_LOCKS, O_RSTR | O_OPT);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&fle, &file_lock_entry__descriptor)) > 0) {
		ret = fle->pid == rc->pid ? take_lock(rc, fle) : 0;
		pb_free(fle);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}
