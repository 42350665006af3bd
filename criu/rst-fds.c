// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-opened descriptor set of a restore: everything the tasks will
 * need is opened by criu before the first fork and moved above fd_base,
 * so that every task inherits it and a missing file is reported while
 * nothing has been created yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

int rst_keep_fd(struct rst_session *rs, int fd)
{
	int nfd;

	nfd = fcntl(fd, F_DUPFD_CLOEXEC, rs->fd_next);
	if (nfd < 0) {
		pr_perror("Can't move fd %d above %d", fd, rs->fd_next);
		close(fd);
		return -errno;
	}
	close(fd);
	/* The tasks inherit these through a plain fork: no close-on-exec issue. */
	rs->fd_next = nfd + 1;
	return nfd;
}

int rst_add_file(struct rst_session *rs, uint32_t id, int fd)
{
	struct rst_file *files;
	unsigned int i;

	files = realloc(rs->files, (rs->nr_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	rs->files = files;
	/* Keep the table sorted by id for rst_file_fd()'s binary search. */
	for (i = rs->nr_files; i > 0 && files[i - 1].id > id; i--)
		files[i] = files[i - 1];
	if (i > 0 && files[i - 1].id == id) {
		pr_err("File id %u is opened twice\n", id);
		memmove(&files[i], &files[i + 1], (rs->nr_files - i) * sizeof(*files));
		return -EEXIST;
	}
	files[i].id = id;
	files[i].fd = fd;
	rs->nr_files++;
	return 0;
}

int rst_file_fd(const struct rst_session *rs, uint32_t id)
{
	unsigned int lo = 0, hi = rs->nr_files;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (rs->files[mid].id == id)
			return rs->files[mid].fd;
		if (rs->files[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

void rst_close_files(struct rst_session *rs)
{
	if (rs->fd_base > 0)
		close_range(rs->fd_base, ~0U, 0);
	free(rs->files);
	rs->files = NULL;
	rs->nr_files = 0;
}
