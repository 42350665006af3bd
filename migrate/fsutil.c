// SPDX-License-Identifier: GPL-2.0
/* Removing what a migration left: work folders, staged and hidden files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path))
		mig_perror("Can't remove %s", path);
	return 0;
}

int rm_tree(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS)) {
		mig_perror("Can't remove %s", path);
		return -errno;
	}
	return 0;
}

void rm_prefixed(int dfd, const char *dir, const char *prefix)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		mig_perror("Can't list %s", dir);
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rm_tree(path);
	}
	closedir(d);
}
