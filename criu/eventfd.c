// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd descriptors: the counter, EFD_SEMAPHORE and the open flags,
 * as /proc/PID/fdinfo shows them (eventfd-count in hex). Restore makes
 * a new eventfd and writes the counter into it: eventfd(2) takes only
 * 32 bits of initial value, the counter has 64.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "files.h"
#include "dump.h"
#include "log.h"
#include "restore.h"

#include "eventfd.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"

static bool is_eventfd(struct files_dump *fdump, const struct fd_parms *p)
{
	return is_anon_link(p, "eventfd");
}

static int parse_eventfd(struct files_dump *fdump, const struct fd_parms *p,
			 EventfdFileEntry *e)
{
	unsigned long long count;
	const char *v;
	char *text;
	int sem = 0, ret;

	ret = files_fdinfo_text(fdump, p, &text);
	if (ret)
		return ret;
	v = fdinfo_field(text, "eventfd-count:");
	if (!v || sscanf(v, "%llx", &count) != 1) {
		pr_err("pid %d: fd %d: no eventfd-count in its fdinfo\n", fdump->dc->pid, p->fd);
		ret = -EINVAL;
		goto out;
	}
	/* older kernels have no such line and no way to tell: refuse then */
	v = fdinfo_field(text, "eventfd-semaphore:");
	if (!v || sscanf(v, "%d", &sem) != 1) {
		pr_err("criu: pid %d: fd %d is an eventfd whose EFD_SEMAPHORE this kernel "
		       "does not show: not supported\n", fdump->dc->pid, p->fd);
		ret = -EOPNOTSUPP;
		goto out;
	}
	e->counter = count;
	if (sem) {
		e->has_semaphore = true;
		e->semaphore = true;
	}
out:
	free(text);
	return ret;
}

static int dump_eventfd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	EventfdFileEntry e = EVENTFD_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	int ret;

	ret = anon_check_flags(fdump, p, "an eventfd");
	if (ret)
		return ret;
	ret = parse_eventfd(fdump, p, &e);
	if (ret)
		return ret;
	e.id = dump_new_file_id(fdump->dc);
	e.flags = p->flags;
	e.fown = &fown;
	fe.type = FD_TYPES__EVENTFD;
	fe.id = e.id;
	fe.efd = &e;
	ret = files_write_entry(fdump, &fe);
	if (ret)
		return ret;
	pr_info("pid %d: fd %d: eventfd counter %llu%s\n", fdump->dc->pid, p->fd,
		(unsigned long long)e.counter, e.semaphore ? ", semaphore" : "");
	*id = e.id;
	return 0;
}

static int collect_eventfd(struct rst_session *rs, const FileEntry *fe)
{
	const EventfdFileEntry *e = fe->efd;
	int fd, ret, flags;

	if (!e || e->id != fe->id) {
		pr_err("files.img: EVENTFD file id %u has no eventfd entry of its own\n", fe->id);
		return -EINVAL;
	}
	if (e->counter == UINT64_MAX) {
		pr_err("files.img: eventfd %u: counter %llu is beyond an eventfd's\n",
		       fe->id, (unsigned long long)e->counter);
		return -EINVAL;
	}
	flags = EFD_NONBLOCK | EFD_CLOEXEC | (e->semaphore ? EFD_SEMAPHORE : 0);
	fd = eventfd(0, flags);
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: eventfd %u: can't create it", fe->id);
		return ret;
	}
	if (e->counter && write(fd, &e->counter, sizeof(e->counter)) != sizeof(e->counter)) {
		ret = -errno;
		pr_perror("files.img: eventfd %u: can't set its counter", fe->id);
		goto err;
	}
	if (fcntl(fd, F_SETFL, e->flags & O_NONBLOCK) < 0) {
		ret = -errno;
		pr_perror("files.img: eventfd %u: can't set flags %#x", fe->id, e->flags);
		goto err;
	}
	return rst_keep_file(rs, fe->id, fd, "EVENTFD");
err:
	close(fd);
	return ret;
}

const struct fd_kind fd_kind_eventfd = {
	.name = "eventfd",
	.type = FD_TYPES__EVENTFD,
	.match = is_eventfd,
	.dump = dump_eventfd,
	.collect = collect_eventfd,
};
