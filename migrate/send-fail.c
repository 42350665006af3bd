// SPDX-License-Identifier: GPL-2.0
/*
 * The failure of a migration as A saw it: its first cause is kept for
 * the report and logged; what follows it is only its consequence.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "send.h"

void send_fail(struct sender *s, const char *fmt, ...)
{
	va_list ap;

	if (s->rep.error[0])
		return;		/* the first failure is the cause */
	va_start(ap, fmt);
	vsnprintf(s->rep.error, sizeof(s->rep.error), fmt, ap);
	va_end(ap);
	mig_err("%s\n", s->rep.error);
}
