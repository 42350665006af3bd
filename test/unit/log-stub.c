// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for criu/log.c: keeps what was logged so that tests can check
 * that an error names its file. Set UNIT_VERBOSE=1 to see it on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "unit.h"

#define LOG_KEEP	(64 * 1024)

static char logged[LOG_KEEP];
static size_t logged_len;

void print_on_level(int level, const char *fmt, ...)
{
	char line[1024];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;

	if (getenv("UNIT_VERBOSE"))
		fputs(line, stderr);
	/* Keep the first LOG_KEEP bytes of a test: errors come early. */
	if (logged_len + len < sizeof(logged)) {
		memcpy(logged + logged_len, line, len + 1);
		logged_len += len;
	}
}

int log_init(const char *path, int level)
{
	return 0;
}

void log_fini(void)
{
}

int log_get_level(void)
{
	return LOG_DEBUG;
}

bool log_contains(const char *needle)
{
	return strstr(logged, needle) != NULL;
}

bool log_line_has(const char *a, const char *b)
{
	const char *line = logged;

	while (*line) {
		const char *end = strchrnul(line, '\n');
		const char *pa = memmem(line, end - line, a, strlen(a));
		const char *pb = memmem(line, end - line, b, strlen(b));

		if (pa && pb)
			return true;
		line = *end ? end + 1 : end;
	}
	return false;
}

void log_reset(void)
{
	logged[0] = '\0';
	logged_len = 0;
}
