// SPDX-License-Identifier: GPL-2.0
/*
 * signalfd descriptors: the signal mask (fdinfo's sigmask, in hex) and
 * the open flags. A signalfd reads the pending signals of whoever reads
 * it, so the one criu makes before the fork serves the restored task:
 * its pending signals come back with the task (signals.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "dump.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "signalfd.pb-c.h"

static bool is_signalfd(struct files_dump *fdump, const struct fd_parms *p)
{
	return is_anon_link(p, "signalfd");
}

static int dump_signalfd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	SignalfdEntry e = SIGNALFD_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	unsigned long long mask;
	const char *v;
	char *text;
	int ret;

	ret = anon_check_flags(fdump, p, "a signalfd");
	if (ret)
		return ret;
	ret = files_fdinfo_text(fdump, p, &text);
	if (ret)
		return ret;
	v = fdinfo_field(text, "sigmask:");
	ret = v && sscanf(v, "%llx", &mask) == 1 ? 0 : -EINVAL;
	free(text);
	if (ret) {
		pr_err("pid %d: fd %d: no sigmask in its fdinfo\n", fdump->dc->pid, p->fd);
		return ret;
	}
	e.id = dump_new_file_id(fdump->dc);
	e.flags = p->flags;
	e.fown = &fown;
	e.sigmask = mask;
	fe.type = FD_TYPES__SIGNALFD;
	fe.id = e.id;
	fe.sgfd = &e;
	ret = files_write_entry(fdump, &fe);
	if (ret)
		return ret;
	pr_info("pid %d: fd %d: signalfd mask %#llx\n", fdump->dc->pid, p->fd, mask);
	*id = e.id;
	return 0;
}

static int collect_signalfd(struct rst_session *rs, const FileEntry *fe)
{
	const SignalfdEntry *e = fe->sgfd;
	uint64_t mask;
	int fd, ret;

	if (!e || e->id != fe->id) {
		pr_err("files.img: SIGNALFD file id %u has no signalfd entry of its own\n",
		       fe->id);
		return -EINVAL;
	}
	mask = e->sigmask;
	/* the kernel's sigset is 64 bits on x86-64 */
	fd = syscall(SYS_signalfd4, -1, &mask, sizeof(mask),
		     O_CLOEXEC | (e->flags & O_NONBLOCK));
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: signalfd %u: can't create it with mask %#llx", fe->id,
			  (unsigned long long)mask);
		return ret;
	}
	return rst_keep_file(rs, fe->id, fd, "SIGNALFD");
}

const struct fd_kind fd_kind_signalfd = {
	.name = "signalfd",
	.type = FD_TYPES__SIGNALFD,
	.match = is_signalfd,
	.dump = dump_signalfd,
	.collect = collect_signalfd,
};
