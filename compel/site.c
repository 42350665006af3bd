// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy syscall sites: "syscall; int3" written at an address the
 * caller gives (the restore side, into a page of its own), the bytes
 * there saved and put back afterwards. A task that runs on without us
 * here would trap, so this is only for tasks that die with us.
 */
#include <errno.h>
#include <string.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

const unsigned char compel_syscall_code[COMPEL_SYSCALL_CODE_LEN] = {
	0x0f, 0x05,	/* syscall */
	0xcc,		/* int3: traps back to us with the result in rax */
};

/* Save the bytes at @site into ctl->site_saved, then put the code there. */
int compel_place_code(struct compel_ctl *ctl, unsigned long site)
{
	int ret;

	ret = compel_read_mem(ctl->pid, site, ctl->site_saved,
			      COMPEL_SYSCALL_CODE_LEN);
	if (ret)
		return ret;
	ret = compel_write_mem(ctl->pid, site, compel_syscall_code,
			       COMPEL_SYSCALL_CODE_LEN);
	if (ret)
		return ret;
	ctl->site = site;
	pr_debug("pid %d: syscall site at %#lx\n", ctl->pid, site);
	return 0;
}

int compel_remove_code(struct compel_ctl *ctl)
{
	return compel_write_mem(ctl->pid, ctl->site, ctl->site_saved,
				COMPEL_SYSCALL_CODE_LEN);
}

/*
 * Moving off the way home (self-return mode) puts back the stack bytes
 * it took; the task can't find its own way back from then on.
 */
int compel_move_site(struct compel_ctl *ctl, unsigned long site)
{
	unsigned long old = ctl->site;
	int ret;

	if (!ctl->legacy) {
		ret = compel_home_remove(ctl);
		if (ret)
			return ret;
		return compel_place_code(ctl, site);
	}
	ret = compel_remove_code(ctl);
	if (ret)
		return ret;
	ret = compel_place_code(ctl, site);
	if (ret) {
		/* Keep a working site: back to the old one. */
		pr_err("pid %d: can't move the syscall site to %#lx\n",
		       ctl->pid, site);
		if (compel_place_code(ctl, old))
			pr_err("pid %d: and can't restore it at %#lx\n",
			       ctl->pid, old);
	}
	return ret;
}
