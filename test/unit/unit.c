// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every registered test in a fresh temporary directory, one line
 * per test, then "N passed, N failed". A name given on the command line
 * runs only the tests whose names contain it.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define MAX_TESTS	256

static struct unit_test tests[MAX_TESTS];
static int nr_tests;
static char tmp_path[64];
static int tmp_fd = -1;

void unit_register(const char *name, int (*fn)(void))
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "too many tests, %s dropped\n", name);
		abort();
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

void unit_fail(const char *file, int line, const char *cond)
{
	printf("    %s:%d: check failed: %s\n", file, line, cond);
}

int unit_tmpdir(void)
{
	if (tmp_fd >= 0)
		return tmp_fd;
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/criu-unit.XXXXXX");
	if (!mkdtemp(tmp_path)) {
		perror("mkdtemp");
		return -1;
	}
	tmp_fd = open(tmp_path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (tmp_fd < 0)
		perror("open tmpdir");
	return tmp_fd;
}

const char *unit_tmp_path(void)
{
	return tmp_path;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	if (remove(path))
		perror(path);
	return 0;
}

static void tmpdir_cleanup(void)
{
	if (tmp_fd < 0)
		return;
	close(tmp_fd);
	tmp_fd = -1;
	if (!getenv("UNIT_KEEP"))
		nftw(tmp_path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++) {
		int ret;

		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		log_reset();
		ret = tests[i].fn();
		tmpdir_cleanup();
		printf("%s: %s\n", ret ? "FAIL" : "PASS", tests[i].name);
		if (ret)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
