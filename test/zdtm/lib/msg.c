// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c - test logging and verdicts.
 *
 * The log is <outfile>.log. Verdicts go to the outfile, written to a
 * temporary name and renamed, so the runner never reads half a verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

int test_log_fd = 2;
const char *test_outfile;
static int verdict_failed;

static void log_line(const char *prefix, const char *fmt, va_list args)
{
	char buf[1024];
	struct timespec ts;
	int len, n;

	/* The raw syscall: logging must work even where the vDSO is broken. */
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	len = snprintf(buf, sizeof(buf), "%02ld:%02ld:%02ld.%03ld %d: %s",
		       (ts.tv_sec / 3600) % 24, (ts.tv_sec / 60) % 60,
		       ts.tv_sec % 60, ts.tv_nsec / 1000000, getpid(), prefix);
	n = vsnprintf(buf + len, sizeof(buf) - len - 1, fmt, args);
	len += n < 0 ? 0 : n;
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* One write per line: O_APPEND keeps lines whole. */
	if (write(test_log_fd, buf, len) < 0)
		return;
}

void test_msg(const char *fmt, ...)
{
	va_list args;
	int saved = errno;

	va_start(args, fmt);
	errno = saved;	/* for %m */
	log_line("", fmt, args);
	va_end(args);
	errno = saved;
}

static int write_outfile(const char *text)
{
	char tmp[4096];
	int fd, len, ret = 0;

	if (!test_outfile)
		return -EINVAL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", test_outfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		pr_perror("open %s", tmp);
		return ret;
	}
	len = strlen(text);
	if (write(fd, text, len) != len) {
		ret = -EIO;
		pr_perror("write %s", tmp);
	}
	if (close(fd) && !ret) {
		ret = -errno;
		pr_perror("close %s", tmp);
	}
	if (!ret && rename(tmp, test_outfile)) {
		ret = -errno;
		pr_perror("rename %s to %s", tmp, test_outfile);
	}
	return ret;
}

/*
 * The first verdict is kept; if it could not be written (a test running
 * with another euid, say), any later verdict call writes it again.
 */
static void verdict(const char *kind, const char *reason)
{
	static char first[1024];
	static int written;
	char buf[1024];

	if (reason)
		snprintf(buf, sizeof(buf), "%s: %s\n", kind, reason);
	else
		snprintf(buf, sizeof(buf), "%s\n", kind);
	test_msg("verdict: %s", buf);
	if (!first[0])
		memcpy(first, buf, sizeof(first));
	if (!written && !write_outfile(first))
		written = 1;
}

void pass(void)
{
	/* A failure seen earlier must not be hidden by a later pass(). */
	if (verdict_failed)
		return;
	verdict("PASS", NULL);
}

void fail(const char *fmt, ...)
{
	char reason[900];
	va_list args;

	verdict_failed = 1;
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	verdict("FAIL", reason);
}

void skip(const char *fmt, ...)
{
	char reason[900];
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	verdict("SKIP", reason);
}

int test_failed(void)
{
	return verdict_failed;
}
