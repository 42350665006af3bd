// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for criu/log.c in the compel tests: messages are kept (the
 * tests check that errors name the pid) and printed only when
 * COMPEL_TEST_VERBOSE is set, so expected failures stay quiet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "log-stub.h"

static char last_error[1024];
static int level = LOG_DEBUG;

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
