// SPDX-License-Identifier: GPL-2.0
/*
 * zombie.c - hold a zombie for the "dump of a zombie" test.
 *
 *   zombie PIDFILE
 *
 * Forks a child that exits at once and never reaps it, so the child stays
 * a zombie for as long as we live. Its pid goes to PIDFILE once it is a
 * zombie (written last, so a reader never sees a live child). We then
 * sleep until killed; the runner kills us, which lets the reaper take both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The child is a zombie once /proc says so: state field 'Z'. */
static int wait_zombie(pid_t pid)
{
	char path[64], buf[256], *p;
	int i, fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 1000; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int write_pid(const char *file, pid_t pid)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", pid);
	if (fclose(f))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	pid_t child;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PIDFILE\n", argv[0]);
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (!child)
		_exit(0);
	ret = wait_zombie(child);
	if (!ret)
		ret = write_pid(argv[1], child);
	if (ret) {
		fprintf(stderr, "zombie %d: %s\n", child, strerror(-ret));
		return 1;
	}
	for (;;)
		pause();
}
