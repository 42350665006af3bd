// SPDX-License-Identifier: GPL-2.0
/*
 * garble.c - overwrite part of a file with reproducible noise.
 *
 *   garble FILE OFFSET [SEED]
 *
 * Every byte from OFFSET to the end of FILE is replaced by a byte of a
 * xorshift sequence started from SEED (default 1). The file keeps its size.
 * A fixed seed makes a damaged image the same on every run, so a failure
 * seen once can be seen again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int garble_fd(int fd, off_t off, off_t size, uint64_t seed)
{
	unsigned char buf[4096];
	size_t i, chunk;
	ssize_t n;

	while (off < size) {
		chunk = sizeof(buf);
		if (size - off < (off_t)chunk)
			chunk = size - off;
		for (i = 0; i < chunk; i++)
			buf[i] = next_rand(&seed) >> 24;
		n = pwrite(fd, buf, chunk, off);
		if (n < 0)
			return -errno;
		off += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	struct stat st;
	off_t off;
	int fd, ret;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s FILE OFFSET [SEED]\n", argv[0]);
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	if (argc == 4)
		seed = strtoull(argv[3], NULL, 0) | 1;	/* xorshift needs non-zero */
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	ret = garble_fd(fd, off, st.st_size, seed);
out:
	if (ret)
		fprintf(stderr, "garble %s: %s\n", argv[1], strerror(-ret));
	if (close(fd) && !ret) {
		fprintf(stderr, "close %s: %s\n", argv[1], strerror(errno));
		ret = -errno;
	}
	return ret ? 1 : 0;
}
