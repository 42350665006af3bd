// SPDX-License-Identifier: GPL-2.0
/*
 * rounds.c - mutation rounds for incremental (pre-dump) tests.
 *
 * Between two pre-dumps the runner sends SIGUSR1 and waits. The test runs
 * one round (changes its memory) in test_waitsig(), outside the signal
 * handler, and only then writes the number of rounds done to
 * <outfile>.round: the runner checkpoints after that, so no write of the
 * test is ever in flight while it is frozen.
 *
 * The round file is on disk, outside what criu saves and restores. After
 * restore the test compares it with its own count: memory brought back from
 * an older image would also hold an older count, and a test whose check
 * replays rounds 1..N from that file cannot be fooled by bookkeeping that
 * is as stale as the data it describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

static int (*round_fn)(int round);
static volatile sig_atomic_t round_asked;
static int rounds_done;

static void sigusr1_handler(int sig)
{
	round_asked = 1;
}

int test_on_round(int (*fn)(int round))
{
	struct sigaction sa = { .sa_handler = sigusr1_handler, .sa_flags = SA_RESTART };

	if (sigaction(SIGUSR1, &sa, NULL)) {
		fail("sigaction SIGUSR1: %m");
		return -errno;
	}
	round_fn = fn;
	return 0;
}

int test_takes_rounds(void)
{
	return round_fn != NULL;
}

int test_rounds(void)
{
	return rounds_done;
}

static void round_path(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s.round%s", test_outfile, suffix);
}

int test_round_publish(void)
{
	char tmp[PATH_MAX], path[PATH_MAX], text[32];
	int fd, len, ret = 0;

	round_path(tmp, sizeof(tmp), ".tmp");
	round_path(path, sizeof(path), "");
	len = snprintf(text, sizeof(text), "%d\n", rounds_done);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		fail("open %s: %m", tmp);
		return ret;
	}
	if (write(fd, text, len) != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		fail("publishing round %d in %s: %s", rounds_done, path, strerror(-ret));
	return ret;
}

void test_round_run(void)
{
	round_asked = 0;
	rounds_done++;
	test_msg("round %d", rounds_done);
	/* A failed round has given its verdict; still ack, the runner goes on. */
	if (round_fn(rounds_done) && !test_failed())
		fail("round %d failed", rounds_done);
	test_round_publish();
}

int test_round_pending(void)
{
	return round_fn && round_asked;
}

int test_rounds_check(void)
{
	char path[PATH_MAX], text[32];
	ssize_t len;
	int fd, disk;

	round_path(path, sizeof(path), "");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail("open %s: %m", path);
		return -errno;
	}
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0) {
		fail("read %s: %zd", path, len);
		return -EIO;
	}
	text[len] = '\0';
	disk = atoi(text);
	if (disk != rounds_done) {
		fail("memory says %d rounds were done, %s says %d: stale memory?",
		     rounds_done, path, disk);
		return -ESTALE;
	}
	return disk;
}
