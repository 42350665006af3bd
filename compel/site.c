// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall site: where the "syscall; int3" sequence is placed in the
 * task. By default the start of its first executable mapping, whose
 * bytes are saved and put back afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

const unsigned char compel_syscall_code[COMPEL_SYSCALL_CODE_LEN] = {
	0x0f, 0x05,	/* syscall */
	0xcc,		/* int3: traps back to us with the result in rax */
};

int compel_find_exec_vma(pid_t pid, unsigned long *start)
{
	unsigned long from, to;
	char path[64], perms[8], *line = NULL;
	size_t size = 0;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		ret = errno == ENOENT ? -ESRCH : -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	/* getline: a long file name must not split a line in two. */
	while (getline(&line, &size, f) > 0) {
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) != 3)
			continue;
		if (perms[2] == 'x' && to - from >= COMPEL_SYSCALL_CODE_LEN) {
			*start = from;
			ret = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	if (ret)
		pr_err("No executable mapping in %s\n", path);
	return ret;
}

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

int compel_move_site(struct compel_ctl *ctl, unsigned long site)
{
	int ret;

	ret = compel_remove_code(ctl);
	if (ret)
		return ret;
	ret = compel_place_code(ctl, site);
	if (ret) {
		/* Keep a working site: back to the old one. */
		pr_err("pid %d: can't move the syscall site to %#lx\n",
		       ctl->pid, site);
		if (compel_place_code(ctl, ctl->site))
			pr_err("pid %d: and can't restore it at %#lx\n",
			       ctl->pid, ctl->site);
	}
	return ret;
}
