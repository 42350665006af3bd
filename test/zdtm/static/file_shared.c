// SPDX-License-Identifier: GPL-2.0
/*
 * file_shared: the test and its child C read in turns from one open file
 * description (inherited across fork), so every read moves the offset for
 * both; C also has a description of the same file of its own. After
 * restore the turns go on: each read must return the next chunk of the
 * file, kcmp(KCMP_FILE) must say the two descriptors are one description,
 * and C's own offset must be where C left it (the test has a copy of that
 * descriptor too, but never reads from it).
 */
#include <fcntl.h>
#include <string.h>
#include <linux/kcmp.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED		0x66696c65ULL
#define CHUNK		512
#define NR_CHUNKS	16
#define OWN_READS	3
#define FILE_NAME	"file_shared.data"

static char data[CHUNK * NR_CHUNKS];
static int fd_shared, fd_own;
static sigset_t turn_sigs;

/* Read chunk idx from fd (its offset must be there) and compare. */
static int read_chunk(int fd, int idx)
{
	char buf[CHUNK];

	if (read(fd, buf, CHUNK) != CHUNK)
		return -1;
	return memcmp(buf, data + idx * CHUNK, CHUNK) ? -1 : 0;
}

static int child_main(void *arg)
{
	union sigval ok;
	siginfo_t si;

	for (int i = 0; i < OWN_READS; i++)
		if (read_chunk(fd_own, i)) {
			tree_fail("C: own descriptor, chunk %d: %m", i);
			return 1;
		}
	for (;;) {
		if (sigwaitinfo(&turn_sigs, &si) < 0)
			continue;
		if (si.si_signo == SIGTERM)
			break;
		ok.sival_int = !read_chunk(fd_shared, si.si_value.sival_int);
		if (sigqueue(getppid(), SIGUSR2, ok))
			return 1;
	}
	if (lseek(fd_own, 0, SEEK_CUR) != OWN_READS * CHUNK) {
		tree_fail("C: own descriptor at %ld, want %d", (long)lseek(fd_own, 0, SEEK_CUR),
			  OWN_READS * CHUNK);
		return 1;
	}
	return 0;
}

/* The test reads chunk idx, then C reads chunk idx + 1. */
static int turn(pid_t c, int idx)
{
	union sigval next = { .sival_int = idx + 1 };
	siginfo_t si;

	if (read_chunk(fd_shared, idx)) {
		fail("test: chunk %d is not at offset %ld of the shared descriptor", idx,
		     (long)lseek(fd_shared, 0, SEEK_CUR) - CHUNK);
		return -1;
	}
	if (sigqueue(c, SIGUSR1, next)) {
		fail("sigqueue to %d: %m", c);
		return -1;
	}
	while (sigwaitinfo(&turn_sigs, &si) < 0 || si.si_signo != SIGUSR2)
		;
	if (!si.si_value.sival_int) {
		fail("C: chunk %d is not where the shared offset is", idx + 1);
		return -1;
	}
	return 0;
}

static int check_kcmp(pid_t c)
{
	if (tree_kcmp(getpid(), c, KCMP_FILE, fd_shared, fd_shared)) {
		fail("kcmp: fd %d of the test and of C %d are not one description", fd_shared, c);
		return -1;
	}
	if (!tree_kcmp(getpid(), c, KCMP_FILE, fd_shared, fd_own)) {
		fail("kcmp: C's own fd %d is the shared description", fd_own);
		return -1;
	}
	return 0;
}

static int setup(void)
{
	int fd;

	datagen(data, sizeof(data), SEED);
	fd = open(FILE_NAME, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data) || close(fd))
		return -1;
	fd_shared = open(FILE_NAME, O_RDONLY);
	fd_own = open(FILE_NAME, O_RDONLY);
	if (fd_shared < 0 || fd_own < 0)
		return -1;
	sigemptyset(&turn_sigs);
	sigaddset(&turn_sigs, SIGUSR1);
	sigaddset(&turn_sigs, SIGUSR2);
	sigaddset(&turn_sigs, SIGTERM);
	return sigprocmask(SIG_BLOCK, &turn_sigs, NULL);
}

int main(int argc, char **argv)
{
	int ret, idx = 0;
	pid_t c;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (setup()) {
		fail("setting up %s: %m", FILE_NAME);
		return 1;
	}
	c = tree_fork(child_main, NULL);
	if (c < 0)
		return 1;
	for (; idx < 4; idx += 2)
		if (turn(c, idx))
			return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	if (check_kcmp(c))
		return 1;
	if (test_broken())
		lseek(fd_shared, 0, SEEK_SET);
	for (; idx < NR_CHUNKS; idx += 2)
		if (turn(c, idx))
			return 1;
	if (tree_end(c, "child"))
		return 1;
	pass();
	return 0;
}
