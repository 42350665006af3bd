// SPDX-License-Identifier: GPL-2.0
/*
 * The final round's other images from A. Each is written as ".in.NAME"
 * in the round's folder (created, never opened if it exists, no link
 * followed) and renamed to NAME only when A asks for the restore, the
 * inventory last: until then the folder holds no image that looks
 * complete, and a failure removes the staged files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "serve.h"

#define STAGE_PREFIX	".in."

static void staged_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, STAGE_PREFIX "%s", name);
}

static int finish_file(struct session *ss)
{
	int ret = 0;

	if (close(ss->file_fd))
		ret = serve_fail(ss, -errno, "can't write %s in %s/round%u: %s",
				 ss->files[ss->nr_files - 1].name, ss->dir, ss->round,
				 strerror(errno));
	ss->file_fd = -1;
	return ret;
}

static int add_staged(struct session *ss, const char *name, size_t len)
{
	struct staged *f = realloc(ss->files, (ss->nr_files + 1) * sizeof(*f));

	if (!f)
		return serve_fail(ss, -ENOMEM, "no memory for the list of images");
	memcpy(f[ss->nr_files].name, name, len);
	f[ss->nr_files].name[len] = 0;
	ss->files = f;
	ss->nr_files++;
	return 0;
}

int serve_file(struct session *ss)
{
	char path[MIG_MAX_NAME + 8], why[4 * MIG_MAX_NAME + 128];
	struct mig_file f;
	const char *name;
	size_t len;
	uint64_t size;
	int ret;

	ret = mig_parse_file(ss->msg, &f, why, sizeof(why));
	if (ret)
		return serve_fail(ss, ret, "%s", why);
	name = f.name;
	len = f.name_len;
	size = f.size;
	if (!ss->final_done || ss->placed || ss->file_fd >= 0)
		return serve_fail(ss, -EPROTO, "FILE %.*s %s", (int)len, name, ss->file_fd >= 0 ?
				  "before the previous one is complete" : "outside the final round");
	if (!ss->nr_files && mig_fault("stall-files"))
		pause();	/* the test kills serve now */
	ret = add_staged(ss, name, len);
	if (ret)
		return ret;
	name = ss->files[ss->nr_files - 1].name;
	if (!faccessat(ss->round_dfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
		return serve_fail(ss, -EEXIST, "FILE %s: round%u has it already (from the page server)",
				  name, ss->round);
	staged_path(name, path, sizeof(path));
	ss->file_fd = openat(ss->round_dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			     O_CLOEXEC, 0600);
	if (ss->file_fd < 0) {
		ss->nr_files--;		/* not ours to remove */
		return serve_fail(ss, -errno, "can't create %s/round%u/%s: %s", ss->dir, ss->round,
				  path, strerror(errno));
	}
	ss->file_left = size;
	return size ? 0 : finish_file(ss);
}

int serve_data(struct session *ss)
{
	ssize_t n;

	if (ss->file_fd < 0)
		return serve_fail(ss, -EPROTO, "DATA without a FILE");
	if (ss->msg->len > ss->file_left)
		return serve_fail(ss, -EFBIG, "DATA of %u bytes past the end of %s (%llu left)",
				  ss->msg->len, ss->files[ss->nr_files - 1].name,
				  (unsigned long long)ss->file_left);
	n = write(ss->file_fd, ss->msg->data, ss->msg->len);
	if (n != (ssize_t)ss->msg->len)
		return serve_fail(ss, n < 0 ? -errno : -ENOSPC, "can't write %s in %s/round%u: %s",
				  ss->files[ss->nr_files - 1].name, ss->dir, ss->round,
				  n < 0 ? strerror(errno) : "short write");
	ss->file_left -= n;
	return ss->file_left ? 0 : finish_file(ss);
}

static int place(struct session *ss, const char *name)
{
	char path[MIG_MAX_NAME + 8];

	staged_path(name, path, sizeof(path));
	if (renameat2(ss->round_dfd, path, ss->round_dfd, name, RENAME_NOREPLACE))
		return serve_fail(ss, -errno, "can't put %s in place in %s/round%u: %s", name,
				  ss->dir, ss->round, strerror(errno));
	return 0;
}

int serve_place_files(struct session *ss)
{
	unsigned int i;
	int ret = 0, inv = -1;

	if (ss->file_fd >= 0 || !ss->final_done || ss->placed)
		return serve_fail(ss, -EPROTO, "RESTORE %s", ss->file_fd >= 0 ?
				  "in the middle of a file" : "outside the final round");
	for (i = 0; i < ss->nr_files && !ret; i++) {
		if (!strcmp(ss->files[i].name, "inventory.img"))
			inv = i;
		else
			ret = place(ss, ss->files[i].name);
	}
	if (!ret && inv < 0)
		ret = serve_fail(ss, -ENOENT, "A sent no inventory.img");
	ss->placed = true;	/* from here a failure unlinks the inventory */
	if (!ret)
		ret = place(ss, "inventory.img");
	return ret;
}

/* After a failure: no staged file stays, no placed inventory either. */
void serve_unstage(struct session *ss)
{
	char path[MIG_MAX_NAME + 8];
	unsigned int i;

	if (ss->file_fd >= 0)
		close(ss->file_fd);
	ss->file_fd = -1;
	for (i = 0; i < ss->nr_files; i++) {
		staged_path(ss->files[i].name, path, sizeof(path));
		if (unlinkat(ss->round_dfd, path, 0) && errno != ENOENT)
			mig_perror("Can't remove %s/round%u/%s", ss->dir, ss->round, path);
	}
	if (ss->placed && unlinkat(ss->round_dfd, "inventory.img", 0) && errno != ENOENT)
		mig_perror("Can't remove %s/round%u/inventory.img", ss->dir, ss->round);
	free(ss->files);
	ss->files = NULL;
	ss->nr_files = 0;
}
