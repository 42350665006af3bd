// SPDX-License-Identifier: GPL-2.0
/*
 * The injection helpers of infect.c and rst-infect.c, which signals.c
 * links against; the tests here only reach signals.c's pure parts, so
 * any injection is a failure.
 */
#include <errno.h>

#include "dump.h"
#include "infect.h"
#include "log.h"
#include "restore.h"

long infect_syscall(struct dump_ctx *dc, const char *what, long nr,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5, unsigned long a6)
{
	pr_err("test stub: infect_syscall(%s) called\n", what);
	return -ENOSYS;
}

long rst_syscall(struct rst_ctx *rc, const char *what, long nr,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6)
{
	pr_err("test stub: rst_syscall(%s) called\n", what);
	return -ENOSYS;
}

unsigned long rst_scratch_put(struct rst_ctx *rc, const void *data, size_t len)
{
	return 0;
}

void rst_scratch_reset(struct rst_ctx *rc)
{
}
