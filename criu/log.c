// SPDX-License-Identifier: GPL-2.0
/*
 * Logging: one destination (stderr or the -o file), a level filter and a
 * timestamp relative to the start, like CRIU's log lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_fd = STDERR_FILENO;
static int log_level = LOG_WARN;
static struct timespec log_start;
/* The first error of the run, for the RPC reply's cr_errmsg. */
static char first_error[512];

int log_init(const char *path, int level)
{
	int fd;

	log_level = level;
	clock_gettime(CLOCK_MONOTONIC, &log_start);
	if (!path || !strcmp(path, "-")) {
		log_fd = STDERR_FILENO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = -errno;

		fprintf(stderr, "Error: can't open log file %s: %s\n", path, strerror(errno));
		return err;
	}
	log_fd = fd;
	return 0;
}

void log_fini(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
}

int log_get_level(void)
{
	return log_level;
}

/* The log descriptor must not leak into processes we create. */
int log_get_fd(void)
{
	return log_fd;
}

const char *log_first_error(void)
{
	return first_error[0] ? first_error : NULL;
}

void log_forget_first_error(void)
{
	first_error[0] = '\0';
}

static void keep_first_error(const char *line)
{
	const char *end;
	size_t len;

	if (first_error[0])
		return;
	/* Without the "Error (file:line): " of pr_err() */
	if (!strncmp(line, "Error (", 7) && (end = strstr(line, "): ")))
		line = end + 3;
	len = strcspn(line, "\n");
	if (len >= sizeof(first_error))
		len = sizeof(first_error) - 1;
	memcpy(first_error, line, len);
	first_error[len] = '\0';
}

static void vprint(int level, bool summary, const char *fmt, va_list args);

void print_on_level(int level, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprint(level, false, fmt, args);
	va_end(args);
}

/* A result line shown from -v1 on, in the log only. */
void print_summary(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprint(LOG_ERROR, true, fmt, args);
	va_end(args);
}

static void vprint(int level, bool summary, const char *fmt, va_list args)
{
	char buf[4096];
	struct timespec now;
	int off = 0, n, saved_errno = errno;

	if (level > log_level)
		return;

	if (level != LOG_MSG) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		now.tv_sec -= log_start.tv_sec;
		now.tv_nsec -= log_start.tv_nsec;
		if (now.tv_nsec < 0) {
			now.tv_sec--;
			now.tv_nsec += 1000000000L;
		}
		off = snprintf(buf, sizeof(buf), "(%02ld.%06ld) ",
			       (long)now.tv_sec, now.tv_nsec / 1000);
	}
	errno = saved_errno;
	n = vsnprintf(buf + off, sizeof(buf) - off, fmt, args);
	if (n < 0)
		return;
	off += n;
	if (off > (int)sizeof(buf) - 1)
		off = sizeof(buf) - 1;
	buf[off] = '\0';
	if (level == LOG_ERROR && !summary)
		keep_first_error(buf + off - n);	/* the message, no timestamp */

	/*
	 * Results for the user go to stdout; errors also reach stderr
	 * when the log is a file, so that they are seen.
	 */
	if (level == LOG_MSG) {
		if (write(STDOUT_FILENO, buf, off) < 0)
			return;
	} else if (level == LOG_ERROR && log_fd != STDERR_FILENO && !summary) {
		if (write(STDERR_FILENO, buf, off) < 0)
			return;
	}
	if (level != LOG_MSG || log_fd != STDERR_FILENO)
		if (write(log_fd, buf, off) < 0)
			return;
	errno = saved_errno;
}
