// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for criu/log.c in the compel tests: messages are kept (the
 * tests check that errors name the pid) and printed only when
 * COMPEL_TEST_VERBOSE is set, so expected failures stay quiet.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"
#include "log-stub.h"

static char last_error[1024];
static int level = LOG_DEBUG;
static long nr_messages, die_at;
static void kill_point(void);

int log_init(const char *path, int lvl)
{
	level = lvl;
	return 0;
}

void log_fini(void)
{
}

int log_get_level(void)
{
	return level;
}

void print_on_level(int lvl, const char *fmt, ...)
{
	va_list args;
	char msg[1024];

	kill_point();	/* the tests of our own death stop here */
	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (lvl == LOG_ERROR && !last_error[0])
		snprintf(last_error, sizeof(last_error), "%s", msg);
	if (getenv("COMPEL_TEST_VERBOSE") && lvl <= level)
		fputs(msg, stderr);
}

const char *log_stub_first_error(void)
{
	return last_error;
}

void log_stub_reset(void)
{
	last_error[0] = '\0';
}

void log_stub_die_at(long n)
{
	nr_messages = 0;
	die_at = n;
}

long log_stub_count(void)
{
	return nr_messages;
}

/*
 * Kill points around every ptrace request and every write into the
 * target (the compel objects are linked with --wrap=ptrace and
 * --wrap=pwrite, see the Makefile): each is a moment where the state of
 * the task changes, so dying before or after each one covers them all.
 * KP_TRACE=1 in the environment lists them on stderr.
 */
long __real_ptrace(int request, ...);
ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);

static void kill_point(void)
{
	if (die_at && ++nr_messages == die_at)
		raise(SIGKILL);
	if (!die_at)
		nr_messages++;
}

long __wrap_ptrace(int request, ...)
{
	va_list args;
	void *addr, *data;
	pid_t pid;
	long ret;

	va_start(args, request);
	pid = va_arg(args, pid_t);
	addr = va_arg(args, void *);
	data = va_arg(args, void *);
	va_end(args);
	if (getenv("KP_TRACE"))
		fprintf(stderr, "kp %ld: ptrace %d\n", nr_messages + 1, request);
	kill_point();
	ret = __real_ptrace(request, pid, addr, data);
	kill_point();
	return ret;
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t ret;

	if (getenv("KP_TRACE"))
		fprintf(stderr, "kp %ld: pwrite %zu at %#lx\n", nr_messages + 1, n, (long)off);
	kill_point();
	ret = __real_pwrite(fd, buf, n, off);
	kill_point();
	return ret;
}
