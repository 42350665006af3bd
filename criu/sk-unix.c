// SPDX-License-Identifier: GPL-2.0
/*
 * Unix sockets, dump: unixsk.img.
 *
 * Each socket behind a descriptor is read when the descriptor is first
 * seen, its task frozen: sock_diag (by inode) gives its state, name,
 * bound file, peer, pending connections and shutdown state; sk-opts.c
 * its options; sk-queue.c copies its receive queue without consuming
 * it. Peers are matched only when the whole tree was read (finish):
 * a peer behind no descriptor is a connection waiting in a listener's
 * accept queue, a socket that was closed (sock_diag no longer finds
 * it), or a socket outside the tree, which only --ext-unix-sk allows.
 * Then unixsk.img is written, every socket once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "sk-unix-rst.h"
#include "unixsk.h"
#include "sockets.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "sk-unix.pb-c.h"

#ifndef UNIX_DIAG_SHUTDOWN
#define UNIX_DIAG_SHUTDOWN	6
#endif

/* What sock_diag says about one Unix socket. */
struct unix_diag_info {
	uint32_t ino;
	uint8_t type;
	uint8_t state;
	uint8_t name[UNIX_NAME_MAX];
	size_t name_len;		/* 0: not bound */
	bool has_vfs;
	uint32_t vfs_ino;
	uint32_t vfs_dev;		/* the kernel's encoding */
	uint32_t peer;
	uint32_t *icons;		/* peers of the pending connections, in order */
	unsigned int nr_icons;
	uint32_t rqueue, wqueue;	/* for a listener: pending, backlog */
	uint8_t shutdown;
};

/* One socket of unixsk.img, with what its entry points to. */
struct unix_sk {
	UnixSkEntry e;
	FownEntry fown;
	SkOptsEntry opts;
	FilePermsEntry perms;
	uint8_t name[UNIX_NAME_MAX];
	char *name_dir;
	struct unix_diag_info di;
	pid_t pid;			/* where it was found, for messages; */
	int fd;				/* -1 for those behind no descriptor */
};

struct unix_dump {
	struct unix_sk **sks;
	unsigned int nr;
};

/* --- sock_diag -------------------------------------------------------------- */

static int parse_icons(struct unix_diag_info *di, const struct rtattr *a)
{
	size_t n = RTA_PAYLOAD(a) / sizeof(uint32_t);

	if (!n)
		return 0;
	di->icons = malloc(n * sizeof(uint32_t));
	if (!di->icons)
		return -ENOMEM;
	memcpy(di->icons, RTA_DATA(a), n * sizeof(uint32_t));
	di->nr_icons = n;
	return 0;
}

static int parse_diag_attr(struct unix_diag_info *di, const struct rtattr *a)
{
	size_t len = RTA_PAYLOAD(a);

	switch (a->rta_type) {
	case UNIX_DIAG_NAME:
		if (len > sizeof(di->name))
			return -EINVAL;
		memcpy(di->name, RTA_DATA(a), len);
		di->name_len = len;
		break;
	case UNIX_DIAG_VFS: {
		struct unix_diag_vfs v;

		if (len < sizeof(v))
			return -EINVAL;
		memcpy(&v, RTA_DATA(a), sizeof(v));
		di->has_vfs = true;
		di->vfs_ino = v.udiag_vfs_ino;
		di->vfs_dev = v.udiag_vfs_dev;
		break;
	}
	case UNIX_DIAG_PEER:
		if (len < sizeof(uint32_t))
			return -EINVAL;
		memcpy(&di->peer, RTA_DATA(a), sizeof(uint32_t));
		break;
	case UNIX_DIAG_ICONS:
		return parse_icons(di, a);
	case UNIX_DIAG_RQLEN: {
		struct unix_diag_rqlen q;

		if (len < sizeof(q))
			return -EINVAL;
		memcpy(&q, RTA_DATA(a), sizeof(q));
		di->rqueue = q.udiag_rqueue;
		di->wqueue = q.udiag_wqueue;
		break;
	}
	case UNIX_DIAG_SHUTDOWN:
		if (len < 1)
			return -EINVAL;
		di->shutdown = *(const uint8_t *)RTA_DATA(a);
		break;
	}
	return 0;
}

static int unix_diag_cb(const struct nlmsghdr *h, void *arg)
{
	struct unix_diag_info *di = arg;
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	int len, ret;

	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	di->ino = m->udiag_ino;
	di->type = m->udiag_type;
	di->state = m->udiag_state;
	a = (const struct rtattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
	len = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		ret = parse_diag_attr(di, a);
		if (ret)
			return ret;
	}
	return 1;
}

/* sock_diag's view of Unix socket @ino: 0, -ENOENT if there is none. */
static int unix_diag_get(uint32_t ino, struct unix_diag_info *di)
{
	struct unix_diag_req req = {
		.sdiag_family = AF_UNIX,
		.udiag_ino = ino,
		.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
			      UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN,
		.udiag_cookie = { ~0U, ~0U },
	};
	int ret;

	memset(di, 0, sizeof(*di));
	/* without SHOW_* for it, the kernel sends the shutdown state anyway */
	ret = sk_diag_query(&req, sizeof(req), 0, unix_diag_cb, di);
	if (!ret && di->ino != ino)
		ret = -ENOENT;
	return ret;
}

/* --- one socket ------------------------------------------------------------- */

static struct unix_dump *unix_state(struct files_dump *fdump)
{
	struct sk_dump *sd = sk_dump_state(fdump);

	if (!sd)
		return NULL;
	if (!sd->unix_sks)
		sd->unix_sks = calloc(1, sizeof(*sd->unix_sks));
	return sd->unix_sks;
}

static int unix_add(struct unix_dump *ud, struct unix_sk *us)
{
	struct unix_sk **tmp;

	tmp = realloc(ud->sks, (ud->nr + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	ud->sks = tmp;
	ud->sks[ud->nr++] = us;
	return 0;
}

static struct unix_sk *unix_find(const struct unix_dump *ud, uint32_t ino)
{
	unsigned int i;

	for (i = 0; i < ud->nr; i++)
		if (ud->sks[i]->e.ino == ino)
			return ud->sks[i];
	return NULL;
}

static void unix_sk_free(struct unix_sk *us)
{
	sk_opts_free(&us->opts);
	free(us->name_dir);
	free(us->di.icons);
	free(us);
}

static struct unix_sk *unix_sk_new(uint32_t ino, uint32_t type)
{
	struct unix_sk *us = calloc(1, sizeof(*us));

	if (!us)
		return NULL;
	unix_sk_entry__init(&us->e);
	fown_entry__init(&us->fown);
	sk_opts_entry__init(&us->opts);
	file_perms_entry__init(&us->perms);
	us->e.ino = ino;
	us->e.type = type;
	us->e.fown = &us->fown;
	us->e.opts = &us->opts;
	us->e.name.data = us->name;
	us->fd = -1;
	return us;
}

/* The kernel's dev_t of UNIX_DIAG_VFS, as stat() gives it. */
static dev_t kdev_to_dev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/*
 * A name in the file system: is the bound file still there (else the
 * socket is "deleted"), and with which owner and mode. A relative name
 * is taken from the task's working directory and must lead to the file.
 */
static int unix_dump_path(struct unix_sk *us, const char *what)
{
	const struct unix_diag_info *di = &us->di;
	char path[PATH_MAX], dir[PATH_MAX];
	size_t n = strnlen((const char *)di->name, di->name_len);
	struct stat st;
	ssize_t len;

	if (!di->has_vfs) {
		pr_err("%s: bound to %.*s but sock_diag gives no file\n", what, (int)n, di->name);
		return -EIO;
	}
	if (di->name[0] != '/') {
		snprintf(path, sizeof(path), "/proc/%d/cwd", us->pid);
		len = readlink(path, dir, sizeof(dir) - 1);
		if (len < 0) {
			pr_perror("%s: can't read %s", what, path);
			return -errno;
		}
		dir[len] = '\0';
		us->name_dir = strdup(dir);
		if (!us->name_dir)
			return -ENOMEM;
		if (snprintf(path, sizeof(path), "%s/%.*s", dir, (int)n, di->name) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
	} else {
		snprintf(path, sizeof(path), "%.*s", (int)n, di->name);
	}
	if (stat(path, &st) || st.st_ino != di->vfs_ino ||
	    st.st_dev != kdev_to_dev(di->vfs_dev)) {
		if (us->name_dir) {
			pr_err("%s: relative name %.*s does not lead to its socket from %s\n",
			       what, (int)n, di->name, us->name_dir);
			return -EOPNOTSUPP;
		}
		us->e.has_deleted = true;
		us->e.deleted = true;
		return 0;
	}
	us->perms.mode = st.st_mode;
	us->perms.uid = st.st_uid;
	us->perms.gid = st.st_gid;
	us->e.file_perms = &us->perms;
	us->e.name_dir = us->name_dir;
	return 0;
}

static int unix_fill(struct unix_sk *us, const struct fd_parms *p, const char *what)
{
	const struct unix_diag_info *di = &us->di;

	us->e.state = di->state;
	us->e.flags = p->flags;
	us->e.peer = di->peer;
	if (di->state == UNIX_ST_LISTEN)
		us->e.backlog = di->wqueue;
	if (di->shutdown) {
		us->e.has_shutdown = true;
		us->e.shutdown = di->shutdown & (UNIX_RCV_SHUTDOWN | UNIX_SEND_SHUTDOWN);
	}
	us->e.vfs_ino = di->vfs_ino;
	us->e.has_vfs_ino = di->has_vfs;
	us->e.vfs_dev = kdev_to_dev(di->vfs_dev);
	us->e.has_vfs_dev = di->has_vfs;
	memcpy(us->name, di->name, di->name_len);
	us->e.name.len = di->name_len;
	if (di->name_len && di->name[0])
		return unix_dump_path(us, what);
	return 0;
}

/* An out-of-band byte (MSG_OOB) waiting: it has no place in the image. */
static int unix_check_oob(int sk, const char *what)
{
	char c;

	if (recv(sk, &c, 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT) >= 0) {
		pr_err("%s: an out-of-band byte is pending, which criu-ooh cannot dump\n", what);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int unix_write_file(struct files_dump *fdump, uint32_t id)
{
	FileEntry fe = FILE_ENTRY__INIT;

	fe.type = FD_TYPES__UNIXSK;
	fe.id = id;
	return pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
}

static int dump_unix_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	const struct sk_probe *sk = sk_probe(fdump, p);
	struct unix_dump *ud = unix_state(fdump);
	struct unix_sk *us;
	uint64_t bytes = 0;
	char what[128];
	int ret;

	if (!sk || !ud)
		return -ENOMEM;
	snprintf(what, sizeof(what), "fd %d of pid %d (unix %s socket %llu)", p->fd,
		 sk->pid, sk_type_name(sk->type), (unsigned long long)sk->ino);
	if (sk->type != SOCK_STREAM && sk->type != SOCK_DGRAM && sk->type != SOCK_SEQPACKET) {
		pr_err("%s: socket type %d is not supported\n", what, sk->type);
		return -EOPNOTSUPP;
	}
	us = unix_sk_new(sk->ino, sk->type);
	if (!us)
		return -ENOMEM;
	us->pid = sk->pid;
	us->fd = p->fd;
	ret = unix_diag_get(sk->ino, &us->di);
	if (ret) {
		pr_err("%s: sock_diag does not know it: %s\n", what, strerror(-ret));
		goto err;
	}
	ret = unix_fill(us, p, what);
	if (!ret)
		ret = dump_sk_opts(sk->sk, &us->opts, what);
	if (!ret && sk->type == SOCK_STREAM && us->e.state != UNIX_ST_LISTEN)
		ret = unix_check_oob(sk->sk, what);
	us->e.id = dump_new_file_id(fdump->dc);
	/* a listener's queue holds connections, not data */
	if (!ret && us->e.state != UNIX_ST_LISTEN)
		ret = sk_queue_dump(fdump, sk->sk, us->e.id, !us->e.peer, what, &bytes);
	if (!ret)
		ret = unix_write_file(fdump, us->e.id);
	if (!ret)
		ret = unix_add(ud, us);
	if (ret)
		goto err;
	*id = us->e.id;
	pr_info("%s: state %u, peer %u, %u pending, %llu bytes queued\n", what,
		us->e.state, us->e.peer, us->di.nr_icons, (unsigned long long)bytes);
	return 0;
err:
	unix_sk_free(us);
	return ret;
}

/* --- the whole tree --------------------------------------------------------- */

/* --ext-unix-sk: all of them, or those whose ino it lists. */
static bool ext_allowed(uint32_t ino)
{
	const char *s = opts.ext_unix_sk_inos;
	char *end;

	if (!opts.ext_unix_sk)
		return false;
	if (!s || !*s)
		return true;
	while (*s) {
		if (strtoul(s, &end, 0) == ino && end != s)
			return true;
		if (end == s)
			return false;
		s = *end == ',' ? end + 1 : end;
	}
	return false;
}

static int add_external(struct unix_dump *ud, struct unix_sk *us, const char *what)
{
	struct unix_diag_info di;
	struct unix_sk *ext;
	int ret;

	ret = unix_diag_get(us->e.peer, &di);
	if (ret) {
		pr_err("%s: its peer, unix socket %u, is not in the tree and sock_diag does not find it: %s\n",
		       what, us->e.peer, strerror(-ret));
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	}
	free(di.icons);
	if (!ext_allowed(us->e.peer)) {
		pr_err("%s: its peer, unix socket %u, is outside the dumped tree (see --ext-unix-sk)\n",
		       what, us->e.peer);
		return -EOPNOTSUPP;
	}
	if (us->e.type != SOCK_DGRAM || !di.name_len) {
		pr_err("%s: its peer outside the tree, unix socket %u, is not a named datagram socket, which restore could connect to again\n",
		       what, us->e.peer);
		return -EOPNOTSUPP;
	}
	if (unix_find(ud, us->e.peer))
		return 0;	/* another socket of the tree sends to it too */
	ext = unix_sk_new(us->e.peer, di.type);
	if (!ext)
		return -ENOMEM;
	ext->e.state = di.state;
	ext->e.uflags = USK_EXTERN;
	memcpy(ext->name, di.name, di.name_len);
	ext->e.name.len = di.name_len;
	ret = unix_add(ud, ext);
	if (ret) {
		unix_sk_free(ext);
		return ret;
	}
	pr_info("%s: its peer %u is outside the tree, connected to by name at restore\n",
		what, us->e.peer);
	return 0;
}

/*
 * The connections waiting in @l's accept queue: each comes from a
 * socket of the tree (whose peer, the socket accept() would return, has
 * no inode yet: sock_diag reports 0), marked with icon_of. What such a
 * client sent is queued on that socket out of reach: refused.
 */
static int mark_clients(struct unix_dump *ud, struct unix_sk *l)
{
	unsigned int j;

	for (j = 0; j < l->di.nr_icons; j++) {
		uint32_t ino = l->di.icons[j];
		struct unix_sk *c = ino ? unix_find(ud, ino) : NULL;

		if (!c || c->fd < 0) {
			pr_err("fd %d of pid %d (unix socket %u): a connection waiting to be accepted comes from %s, which criu-ooh cannot dump\n",
			       l->fd, l->pid, l->e.ino,
			       ino ? "a socket outside the tree" : "a socket that was closed");
			return -EOPNOTSUPP;
		}
		if (c->di.wqueue) {
			pr_err("fd %d of pid %d (unix socket %u): it sent data on a connection that socket %u has not accepted yet, which criu-ooh cannot dump\n",
			       c->fd, c->pid, c->e.ino, l->e.ino);
			return -EOPNOTSUPP;
		}
		c->e.has_icon_of = true;
		c->e.icon_of = l->e.ino;
	}
	return 0;
}

/*
 * The sockets behind descriptors were read: match their peers. A peer
 * of 0 on a connected socket is one that was closed (a closed socket
 * has no inode), unless the connection is still in an accept queue.
 */
static int unix_resolve(struct unix_dump *ud)
{
	unsigned int i, nr = ud->nr;
	char what[96];
	int ret = 0;

	for (i = 0; i < nr && !ret; i++)
		if (ud->sks[i]->e.state == UNIX_ST_LISTEN)
			ret = mark_clients(ud, ud->sks[i]);
	for (i = 0; i < nr && !ret; i++) {
		struct unix_sk *us = ud->sks[i];

		if (!us->e.peer || unix_find(ud, us->e.peer))
			continue;
		snprintf(what, sizeof(what), "fd %d of pid %d (unix socket %u)", us->fd,
			 us->pid, us->e.ino);
		ret = add_external(ud, us, what);
	}
	return ret;
}

/* Each listener followed by its waiting clients in accept order: restore connects them so. */
static int write_unixsk(struct files_dump *fdump, struct unix_dump *ud)
{
	struct cr_img *img;
	unsigned int i, j;
	int ret = 0, err;

	img = open_image(fdump->dc->sess->dfd, CR_FD_UNIXSK, O_DUMP);
	if (!img)
		return -EIO;
	for (i = 0; i < ud->nr && !ret; i++) {
		const struct unix_sk *us = ud->sks[i];

		if (us->e.has_icon_of)
			continue;
		ret = pb_write_one(img, &us->e, &unix_sk_entry__descriptor);
		if (us->e.state != UNIX_ST_LISTEN)
			continue;
		for (j = 0; j < us->di.nr_icons && !ret; j++)
			ret = pb_write_one(img, &unix_find(ud, us->di.icons[j])->e,
					   &unix_sk_entry__descriptor);
	}
	err = close_image(img);
	return ret ? ret : err;
}

static int unix_dump_fini(struct files_dump *fdump)
{
	struct unix_dump *ud = fdump->sk ? fdump->sk->unix_sks : NULL;
	unsigned int i;
	int ret;

	if (!ud)
		return 0;
	ret = unix_resolve(ud);
	if (!ret)
		ret = write_unixsk(fdump, ud);
	for (i = 0; i < ud->nr; i++)
		unix_sk_free(ud->sks[i]);
	free(ud->sks);
	free(ud);
	fdump->sk->unix_sks = NULL;
	return ret;
}

static bool is_unix(struct files_dump *fdump, const struct fd_parms *p)
{
	const struct sk_probe *sk = sk_probe(fdump, p);

	return sk && sk->family == AF_UNIX;
}

const struct fd_kind fd_kind_unixsk = {
	.name = "unix socket",
	.type = FD_TYPES__UNIXSK,
	.match = is_unix,
	.dump = dump_unix_fd,
	.finish = unix_dump_fini,
	.collect = unix_collect,
	.open = unix_open,
	.rst_fini = unix_rst_fini,
};
