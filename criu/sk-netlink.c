// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink sockets: netlinksk.img.
 *
 * Dump reads, on criu's copy of the socket, its protocol, port id and
 * multicast groups (getsockname, NETLINK_LIST_MEMBERSHIPS), where it is
 * connected (getpeername) and its options. Messages waiting to be read
 * (answers to requests, notifications) refuse the dump: the kernel
 * produced them and only the kernel could queue them again. So do the
 * netlink-level options, which the image has no place for.
 *
 * Restore creates the socket, binds it to the same port id and groups,
 * joins the groups past the first 32, and connects it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"
#include "sockets.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "sk-netlink.pb-c.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif
/* More groups than this (in 32-bit words) is not a real socket. */
#define NL_GROUP_WORDS	64

struct netlink_dump {
	struct cr_img *img;		/* netlinksk.img */
};

struct netlink_rst {
	uint32_t *ids;			/* NETLINKSK entries of files.img */
	unsigned int nr_ids;
};

/* --- dump --------------------------------------------------------------- */

static const struct {
	int opt;
	const char *name;
} nl_opts_off[] = {
	{ NETLINK_PKTINFO,		"NETLINK_PKTINFO" },
	{ NETLINK_NO_ENOBUFS,		"NETLINK_NO_ENOBUFS" },
	{ NETLINK_LISTEN_ALL_NSID,	"NETLINK_LISTEN_ALL_NSID" },
	{ NETLINK_CAP_ACK,		"NETLINK_CAP_ACK" },
	{ NETLINK_EXT_ACK,		"NETLINK_EXT_ACK" },
	{ NETLINK_GET_STRICT_CHK,	"NETLINK_GET_STRICT_CHK" },
};

static int nl_check(int sk, const char *what)
{
	socklen_t len;
	unsigned int i;
	char c;
	int v;

	for (i = 0; i < sizeof(nl_opts_off) / sizeof(nl_opts_off[0]); i++) {
		len = sizeof(v);
		v = 0;
		if (getsockopt(sk, SOL_NETLINK, nl_opts_off[i].opt, &v, &len) && errno != ENOPROTOOPT) {
			pr_perror("%s: can't read %s", what, nl_opts_off[i].name);
			return -errno;
		}
		if (v) {
			pr_err("%s: %s is set, which criu-ooh cannot restore\n", what,
			       nl_opts_off[i].name);
			return -EOPNOTSUPP;
		}
	}
	if (recv(sk, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) {
		pr_err("%s: it has messages waiting to be read, which criu-ooh cannot dump\n", what);
		return -EOPNOTSUPP;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK) {
		pr_perror("%s: can't look at its queue", what);
		return -errno;
	}
	return 0;
}

static int nl_addrs(int sk, NetlinkSkEntry *ne, uint32_t *groups, const char *what)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	size_t n;

	if (getsockname(sk, (struct sockaddr *)&a, &len)) {
		pr_perror("%s: getsockname", what);
		return -errno;
	}
	ne->portid = a.nl_pid;
	len = NL_GROUP_WORDS * sizeof(uint32_t);
	if (getsockopt(sk, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len)) {
		pr_perror("%s: can't list its groups", what);
		return -errno;
	}
	if (len > NL_GROUP_WORDS * sizeof(uint32_t)) {
		pr_err("%s: member of groups past %d\n", what, NL_GROUP_WORDS * 32);
		return -EOPNOTSUPP;
	}
	/* the words up to the last group joined */
	for (n = len / sizeof(uint32_t); n > 0 && !groups[n - 1]; n--)
		;
	ne->n_groups = n;
	ne->groups = groups;
	len = sizeof(a);
	if (getpeername(sk, (struct sockaddr *)&a, &len)) {
		pr_perror("%s: getpeername", what);
		return -errno;
	}
	ne->dst_portid = a.nl_pid;
	ne->dst_group = a.nl_groups;
	ne->state = ne->dst_portid || ne->dst_group;	/* NETLINK_CONNECTED */
	return 0;
}

static int dump_netlink_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	const struct sk_probe *sk = sk_probe(fdump, p);
	struct sk_dump *sd = sk_dump_state(fdump);
	NetlinkSkEntry ne = NETLINK_SK_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	SkOptsEntry so = SK_OPTS_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	uint32_t groups[NL_GROUP_WORDS] = { 0 };
	char what[128];
	int ret;

	if (!sk || !sd)
		return -ENOMEM;
	snprintf(what, sizeof(what), "fd %d of pid %d (netlink socket %llu, protocol %d)", p->fd,
		 sk->pid, (unsigned long long)sk->ino, sk->protocol);
	if (sk->type != SOCK_RAW && sk->type != SOCK_DGRAM) {
		pr_err("%s: type %d is not supported\n", what, sk->type);
		return -EOPNOTSUPP;
	}
	if (!sd->netlink_sks) {
		sd->netlink_sks = calloc(1, sizeof(*sd->netlink_sks));
		if (!sd->netlink_sks)
			return -ENOMEM;
	}
	ret = nl_check(sk->sk, what);
	if (!ret)
		ret = nl_addrs(sk->sk, &ne, groups, what);
	if (!ret)
		ret = dump_sk_opts(sk->sk, &so, what);
	if (ret)
		goto out;
	ne.id = dump_new_file_id(fdump->dc);
	ne.ino = sk->ino;
	ne.protocol = sk->protocol;
	ne.flags = p->flags;
	ne.fown = &fown;
	ne.opts = &so;
	ne.has_sk_type = true;
	ne.sk_type = sk->type;
	if (!sd->netlink_sks->img) {
		sd->netlink_sks->img = open_image(fdump->dc->sess->dfd, CR_FD_NETLINK_SK, O_DUMP);
		if (!sd->netlink_sks->img) {
			ret = -EIO;
			goto out;
		}
	}
	ret = pb_write_one(sd->netlink_sks->img, &ne, &netlink_sk_entry__descriptor);
	fe.type = FD_TYPES__NETLINKSK;
	fe.id = ne.id;
	if (!ret)
		ret = pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret) {
		*id = ne.id;
		pr_info("%s: port id %u, %zu group words, peer %u/%u\n", what, ne.portid,
			ne.n_groups, ne.dst_portid, ne.dst_group);
	}
out:
	sk_opts_free(&so);
	return ret;
}

static int netlink_dump_fini(struct files_dump *fdump)
{
	struct netlink_dump *nd = fdump->sk ? fdump->sk->netlink_sks : NULL;
	int ret = 0;

	if (!nd)
		return 0;
	if (nd->img)
		ret = close_image(nd->img);
	free(nd);
	fdump->sk->netlink_sks = NULL;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

static int netlink_collect(struct rst_session *rs, const FileEntry *fe)
{
	struct sk_rst *sr = sk_rst_state(rs);
	struct netlink_rst *nr;

	if (!sr)
		return -ENOMEM;
	if (!sr->netlink_sks)
		sr->netlink_sks = calloc(1, sizeof(*sr->netlink_sks));
	nr = sr->netlink_sks;
	if (!nr)
		return -ENOMEM;
	return sk_add_id(&nr->ids, &nr->nr_ids, fe->id);
}

static int nl_bind(int sk, const NetlinkSkEntry *ne, const char *what)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = ne->portid };
	size_t w;
	int b, g;

	if (ne->n_groups > NL_GROUP_WORDS) {
		pr_err("%s: %zu group words is corrupt\n", what, ne->n_groups);
		return -EINVAL;
	}
	if (ne->n_groups)
		a.nl_groups = ne->groups[0];
	if ((ne->portid || a.nl_groups) && bind(sk, (struct sockaddr *)&a, sizeof(a))) {
		pr_perror("%s: can't bind to port id %u, groups %#x", what, ne->portid,
			  a.nl_groups);
		return -errno;
	}
	for (w = 1; w < ne->n_groups; w++)
		for (b = 0; b < 32; b++) {
			if (!(ne->groups[w] & (1u << b)))
				continue;
			g = w * 32 + b + 1;
			if (setsockopt(sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g))) {
				pr_perror("%s: can't join group %d", what, g);
				return -errno;
			}
		}
	return 0;
}

static int nl_connect(int sk, const NetlinkSkEntry *ne, const char *what)
{
	struct sockaddr_nl a = {
		.nl_family = AF_NETLINK, .nl_pid = ne->dst_portid, .nl_groups = ne->dst_group,
	};

	if (!ne->dst_portid && !ne->dst_group)
		return 0;
	if (connect(sk, (struct sockaddr *)&a, sizeof(a))) {
		pr_perror("%s: can't connect to %u/%u", what, ne->dst_portid, ne->dst_group);
		return -errno;
	}
	return 0;
}

static bool nl_collected(const struct netlink_rst *nr, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < nr->nr_ids; i++)
		if (nr->ids[i] == id)
			return true;
	return false;
}

static int nl_restore_one(struct rst_session *rs, const struct netlink_rst *nr,
			  const NetlinkSkEntry *ne)
{
	int type = ne->has_sk_type ? (int)ne->sk_type : SOCK_RAW;
	char what[96];
	int sk, fd, ret;

	snprintf(what, sizeof(what), "netlinksk.img: socket %u (id %u)", ne->ino, ne->id);
	if (!nl_collected(nr, ne->id)) {
		pr_err("%s: files.img has no NETLINKSK entry for it\n", what);
		return -EINVAL;
	}
	if (type != SOCK_RAW && type != SOCK_DGRAM) {
		pr_err("%s: type %d is not a netlink socket type\n", what, type);
		return -EINVAL;
	}
	sk = socket(AF_NETLINK, type | SOCK_CLOEXEC, ne->protocol);
	if (sk < 0) {
		pr_perror("%s: can't create a protocol %u socket", what, ne->protocol);
		return -errno;
	}
	ret = nl_bind(sk, ne, what);
	if (!ret)
		ret = nl_connect(sk, ne, what);
	if (!ret)
		ret = restore_sk_opts(sk, ne->opts, what);
	if (!ret && fcntl(sk, F_SETFL, ne->flags & (O_NONBLOCK | O_ASYNC))) {
		ret = -errno;
		pr_perror("%s: can't set file flags %#x", what, ne->flags);
	}
	if (ret) {
		close(sk);
		return ret;
	}
	fd = rst_keep_fd(rs, sk);
	if (fd < 0)
		return fd;
	return rst_add_file(rs, ne->id, fd);
}

static int netlink_open(struct rst_session *rs)
{
	struct netlink_rst *nr = rs->sk ? rs->sk->netlink_sks : NULL;
	unsigned int nr_done = 0;
	NetlinkSkEntry *ne;
	struct cr_img *img;
	int ret;

	if (!nr)
		return 0;
	img = open_image(rs->dfd, CR_FD_NETLINK_SK, O_RSTR);
	if (!img) {
		ret = -EIO;
		goto out;
	}
	while ((ret = pb_read_one(img, (void **)&ne, &netlink_sk_entry__descriptor)) > 0) {
		ret = nl_restore_one(rs, nr, ne);
		pb_free(ne);
		if (ret)
			break;
		nr_done++;
	}
	close_image(img);
	if (!ret && nr_done != nr->nr_ids) {
		pr_err("netlinksk.img: %u sockets for %u NETLINKSK entries of files.img\n",
		       nr_done, nr->nr_ids);
		ret = -EINVAL;
	}
out:
	free(nr->ids);
	free(nr);
	rs->sk->netlink_sks = NULL;
	return ret;
}

static void netlink_rst_fini(struct rst_session *rs, bool failed)
{
	struct netlink_rst *nr = rs->sk ? rs->sk->netlink_sks : NULL;

	if (!nr)
		return;
	free(nr->ids);
	free(nr);
	rs->sk->netlink_sks = NULL;
}

static bool is_netlink(struct files_dump *fdump, const struct fd_parms *p)
{
	const struct sk_probe *sk = sk_probe(fdump, p);

	return sk && sk->family == AF_NETLINK;
}

const struct fd_kind fd_kind_netlinksk = {
	.name = "netlink socket",
	.type = FD_TYPES__NETLINKSK,
	.match = is_netlink,
	.dump = dump_netlink_fd,
	.finish = netlink_dump_fini,
	.collect = netlink_collect,
	.open = netlink_open,
	.rst_fini = netlink_rst_fini,
};
