// SPDX-License-Identifier: GPL-2.0
/*
 * What the anonymous-inode kinds (eventfd.c, signalfd.c, timerfd.c,
 * fsnotify.c, eventpoll.c) share, and the kind that takes every other
 * anonymous inode: io_uring, BPF objects, perf events, userfaultfd,
 * pidfds, fanotify and whatever the kernel adds next. None of those can
 * be rebuilt exactly, so the dump stops there, naming pid, fd and kind,
 * before anything was written for the descriptor; the tree is thawed
 * as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"

#include "fdinfo.pb-c.h"

bool is_anon_link(const struct fd_parms *p, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(p->link, "anon_inode:", 11))
		return false;
	if (p->link[11] == '[')
		return !strncmp(p->link + 12, name, len) && p->link[12 + len] == ']' &&
		       !p->link[13 + len];
	return !strcmp(p->link + 11, name);
}

int files_target_fd(struct files_dump *fdump, int fd)
{
	int lfd;

	lfd = syscall(SYS_pidfd_getfd, fdump->pidfd, fd, 0);
	if (lfd < 0) {
		lfd = -errno;
		pr_perror("pidfd_getfd of fd %d of pid %d", fd, fdump->dc->pid);
	}
	return lfd;
}

int files_fdinfo_text(struct files_dump *fdump, const struct fd_parms *p, char **text)
{
	char name[32];
	ssize_t len;

	snprintf(name, sizeof(name), "fdinfo/%d", p->fd);
	len = read_proc_file(fdump->dc->pid, name, text);
	return len < 0 ? (int)len : 0;
}

const char *fdinfo_field(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *l = text;

	while (l && *l) {
		if (!strncmp(l, key, len))
			return l + len;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return NULL;
}

int anon_check_flags(struct files_dump *fdump, const struct fd_parms *p, const char *kind)
{
	if (!(p->flags & O_ASYNC))
		return 0;
	pr_err("criu: pid %d: fd %d is %s with O_ASYNC (signal-driven I/O): not supported\n",
	       fdump->dc->pid, p->fd, kind);
	return -EOPNOTSUPP;
}

int files_write_entry(struct files_dump *fdump, const FileEntry *fe)
{
	return pb_write_one(fdump->dc->sess->files_img, fe, &file_entry__descriptor);
}

int rst_keep_file(struct rst_session *rs, uint32_t id, int fd, const char *kind)
{
	int ret;

	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	ret = rst_add_file(rs, id, fd);
	if (ret)
		return ret;
	pr_debug("files.img: %s id %u open as %d\n", kind, id, fd);
	return 0;
}

/* Anonymous inodes criu-ooh knows it cannot restore, by their link name. */
static const struct {
	const char *name;
	const char *what;
} refused_anon[] = {
	{ "io_uring",		"an io_uring instance" },
	{ "bpf-map",		"a BPF map" },
	{ "bpf-prog",		"a BPF program" },
	{ "bpf_link",		"a BPF link" },
	{ "bpf-link",		"a BPF link" },
	{ "bpf_iter",		"a BPF iterator" },
	{ "perf_event",		"a perf event" },
	{ "userfaultfd",	"a userfaultfd" },
	{ "pidfd",		"a pidfd" },
	{ "fanotify",		"a fanotify group" },
};

static bool is_refused_anon(struct files_dump *fdump, const struct fd_parms *p)
{
	return !strncmp(p->link, "anon_inode:", 11) || !strncmp(p->link, "pidfd:", 6);
}

static int refuse_anon(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	const char *what = "an anonymous inode criu-ooh does not know";
	unsigned int i;

	if (!strncmp(p->link, "pidfd:", 6))
		what = "a pidfd";
	for (i = 0; i < sizeof(refused_anon) / sizeof(refused_anon[0]); i++)
		if (is_anon_link(p, refused_anon[i].name))
			what = refused_anon[i].what;
	pr_err("criu: pid %d: fd %d is %s (%s): not supported\n", fdump->dc->pid,
	       p->fd, what, p->link);
	return -EOPNOTSUPP;
}

const struct fd_kind fd_kind_anon_refused = {
	.name = "refused anonymous inode",
	.type = FD_TYPES__UND,
	.match = is_refused_anon,
	.dump = refuse_anon,
};
