// SPDX-License-Identifier: GPL-2.0
/*
 * Injected calls and the scratch area, restore side. The scratch area
 * is the part of the trampoline page after its code; arguments are
 * bump-allocated there and forgotten in one go by rst_scratch_reset().
 */
#include <string.h>

#include "compel.h"
#include "infect.h"
#include "log.h"
#include "restore.h"

long rst_syscall(struct rst_ctx *rc, const char *what, long nr,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6)
{
	return inject_syscall(rc->ctl, rc->pid, what, nr, a1, a2, a3, a4, a5, a6);
}

int rst_call(struct rst_ctx *rc, const char *what, long nr, unsigned long a1,
	     unsigned long a2, unsigned long a3, unsigned long a4)
{
	long ret = rst_syscall(rc, what, nr, a1, a2, a3, a4, 0, 0);

	return ret < 0 ? ret : 0;
}

unsigned long rst_scratch_put(struct rst_ctx *rc, const void *data, size_t len)
{
	size_t off = (rc->scratch_used + 15) & ~15UL;

	if (off + len > rc->scratch_size) {
		pr_err("Scratch page of pid %d is full (%zu + %zu bytes)\n",
		       rc->pid, off, len);
		return 0;
	}
	if (compel_write_mem(rc->pid, rc->scratch + off, data, len))
		return 0;
	rc->scratch_used = off + len;
	return rc->scratch + off;
}

void rst_scratch_reset(struct rst_ctx *rc)
{
	rc->scratch_used = 0;
}
