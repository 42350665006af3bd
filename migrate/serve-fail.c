// SPDX-License-Identifier: GPL-2.0
/*
 * The failure of a session on B: logged with the session's folder and
 * peer, and told to A in an ERROR message before the session ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "net.h"
#include "serve.h"

int serve_fail(struct session *ss, int err, const char *fmt, ...)
{
	char text[MIG_MAX_ERROR];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mig_err("session %s from %s: %s\n", ss->dir, ss->peer, text);
	if (ss->sk >= 0)
		mig_send_error(ss->sk, text);
	return err < 0 ? err : -EIO;
}
