// SPDX-License-Identifier: GPL-2.0
/*
 * The fs state of a process: current directory, root and umask.
 *
 * cwd and root are directories recorded as REG entries of files.img
 * (so prepare_files() opens them with the rest); fs-PID.img names them
 * by id and holds the umask. In the child, restore_fs() changes root
 * (only if it was not "/"), then directory, then umask, all through the
 * pre-opened descriptors, so no path is looked up inside the child
 * except the "." of chroot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fs.pb-c.h"

/* --- dump --------------------------------------------------------------- */

static int read_umask(pid_t pid, uint32_t *mask)
{
	char path[64], line[256];
	unsigned int m;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Umask: %o", &m) == 1) {
			*mask = m;
			ret = 0;
			break;
		}
	}
	fclose(f);
	if (ret)
		pr_err("%s has no Umask line\n", path);
	return ret;
}

static int dump_dir(struct dump_ctx *dc, const char *name, uint32_t *id)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", dc->pid, name);
	return dump_reg_file(dc, path, O_RDONLY | O_DIRECTORY, 0, id);
}

int dump_fs(struct dump_ctx *dc)
{
	FsEntry fe = FS_ENTRY__INIT;
	struct cr_img *img;
	int ret, err;

	ret = dump_dir(dc, "cwd", &fe.cwd_id);
	if (!ret)
		ret = dump_dir(dc, "root", &fe.root_id);
	if (!ret)
		ret = read_umask(dc->pid, &fe.umask);
	if (ret)
		return ret;
	fe.has_umask = true;
	img = open_image(dc->sess->dfd, CR_FD_FS, O_DUMP, (int)dc->pid);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &fe, &fs_entry__descriptor);
	err = close_image(img);
	ret = ret ? ret : err;
	if (!ret)
		pr_info("fs of pid %d: cwd id %u, root id %u, umask %03o\n",
			dc->pid, fe.cwd_id, fe.root_id, fe.umask);
	return ret;
}

/* --- restore ------------------------------------------------------------ */

static int check_dir_id(const struct rst_ctx *rc, const char *what, uint32_t id)
{
	if (rst_file_fd(rc->sess, id) >= 0)
		return 0;
	pr_err("fs-%d.img: %s is file id %u, which files.img lacks\n", rc->pid, what, id);
	return -EINVAL;
}

int prepare_fs(struct rst_ctx *rc)
{
	struct cr_img *img;
	FsEntry *fe;
	int ret;

	img = open_image(rc->sess->dfd, CR_FD_FS, O_RSTR, (int)rc->pid);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&fe, &fs_entry__descriptor);
	close_image(img);
	if (ret)
		return ret;
	rc->fs.cwd_id = fe->cwd_id;
	rc->fs.root_id = fe->root_id;
	rc->fs.has_umask = fe->has_umask;
	rc->fs.umask = fe->umask;
	pb_free(fe);
	if (rc->fs.umask & ~0777u) {
		pr_err("fs-%d.img: umask %o is not a permission mask\n", rc->pid,
		       rc->fs.umask);
		return -EINVAL;
	}
	ret = check_dir_id(rc, "cwd", rc->fs.cwd_id);
	if (!ret)
		ret = check_dir_id(rc, "root", rc->fs.root_id);
	return ret;
}

static int restore_root(struct rst_ctx *rc)
{
	const char *path = rst_reg_path(rc->sess, rc->fs.root_id);
	unsigned long dot;
	long ret;

	if (path && !strcmp(path, "/"))
		return 0;
	ret = rst_syscall(rc, "fchdir to root", __NR_fchdir,
			  rst_file_fd(rc->sess, rc->fs.root_id), 0, 0, 0, 0, 0);
	if (ret < 0)
		return (int)ret;
	dot = rst_scratch_put(rc, ".", 2);
	if (!dot)
		return -ENOSPC;
	ret = rst_syscall(rc, "chroot", __NR_chroot, dot, 0, 0, 0, 0, 0);
	if (ret < 0)
		return (int)ret;
	pr_info("pid %d: root is %s\n", rc->pid, path ? path : "?");
	return 0;
}

int restore_fs(struct rst_ctx *rc)
{
	long ret;

	ret = restore_root(rc);
	if (ret < 0)
		return (int)ret;
	ret = rst_syscall(rc, "fchdir to cwd", __NR_fchdir,
			  rst_file_fd(rc->sess, rc->fs.cwd_id), 0, 0, 0, 0, 0);
	if (ret < 0)
		return (int)ret;
	if (rc->fs.has_umask) {
		ret = rst_syscall(rc, "umask", __NR_umask, rc->fs.umask, 0, 0, 0, 0, 0);
		if (ret < 0)
			return (int)ret;
	}
	pr_info("pid %d: cwd %s, umask %03o\n", rc->pid,
		rst_reg_path(rc->sess, rc->fs.cwd_id) ?: "?", rc->fs.umask);
	return 0;
}
