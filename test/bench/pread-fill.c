// SPDX-License-Identifier: GPL-2.0
/*
 * pread-fill: what a restore of private anonymous memory does, without
 * criu: map SIZE MiB of fresh anonymous memory and read FILE (a
 * pages-N.img) into it with pread(), in the chunks criu's restore uses
 * (PREAD_CHUNK, criu/mem-restore.c). scripts/bench.sh runs it beside
 * each restore, on the same image, as the reference of how fast this
 * machine can fill memory from an image file.
 *
 * Usage: pread-fill SIZE_MIB FILE
 * Prints the seconds from the mmap() to the last byte read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(1UL << 30)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long size, off = 0;
	double t0;
	char *mem;
	int fd;

	if (argc != 3 || (size = strtoul(argv[1], NULL, 10) << 20) == 0) {
		fprintf(stderr, "usage: %s SIZE_MIB FILE\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pread-fill: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	t0 = now();
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "pread-fill: mmap of %lu MiB: %s\n", size >> 20, strerror(errno));
		return 1;
	}
	while (off < size) {
		size_t len = size - off < CHUNK ? size - off : CHUNK;
		ssize_t n = pread(fd, mem + off, len, off);

		if (n <= 0) {
			fprintf(stderr, "pread-fill: %s holds %lu of %lu bytes\n", argv[2],
				off, size);
			return 1;
		}
		off += n;
	}
	printf("%.4f\n", now() - t0);
	return 0;
}
