// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-util.h"
#include "unit.h"

int put_file(const char *name, const void *buf, size_t len)
{
	int fd, ret = 0;

	fd = openat(unit_tmpdir(), name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(name);
		return -1;
	}
	if (write(fd, buf, len) != (ssize_t)len) {
		perror(name);
		ret = -1;
	}
	if (close(fd))
		ret = -1;
	return ret;
}

ssize_t get_file(const char *name, void *buf, size_t len)
{
	ssize_t ret;
	int fd;

	fd = openat(unit_tmpdir(), name, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = read(fd, buf, len);
	close(fd);
	return ret;
}

off_t file_size(const char *name)
{
	struct stat st;

	if (fstatat(unit_tmpdir(), name, &st, 0))
		return -1;
	return st.st_size;
}

int cut_file(const char *name, off_t len)
{
	int fd, ret;

	fd = openat(unit_tmpdir(), name, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = ftruncate(fd, len);
	close(fd);
	return ret;
}

int put_image(const char *name, uint32_t first, uint32_t magic,
	      const void *body, size_t len)
{
	unsigned char buf[8 + 4096];
	size_t n = 0;

	if (len > 4096)
		return -1;
	if (first) {
		memcpy(buf, &first, 4);
		n += 4;
	}
	if (magic) {
		memcpy(buf + n, &magic, 4);
		n += 4;
	}
	if (len)
		memcpy(buf + n, body, len);
	return put_file(name, buf, n + len);
}
