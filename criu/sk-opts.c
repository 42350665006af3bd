// SPDX-License-Identifier: GPL-2.0
/*
 * Socket-level options (SOL_SOCKET) of any socket: SkOptsEntry.
 *
 * What is dumped is what getsockopt() reports; restore sets it and
 * reads it back, so that an option the kernel takes differently is an
 * error then rather than a silent change. Options SkOptsEntry cannot
 * carry (timestamping, busy polling, a locked filter, ...) refuse the
 * dump when they are not at their defaults.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/filter.h>

#include "log.h"
#include "sockets.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK		72
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD		76
#endif
#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF		42
#endif

/* More instructions than BPF_MAXINSNS is not a classic filter. */
#define SK_FILTER_MAX		4096

/* An option this socket or kernel may lack: -ENOPROTOOPT/-EOPNOTSUPP unlogged. */
static int get_int_maybe(int sk, int opt, int *val, const char *what, const char *name)
{
	socklen_t len = sizeof(*val);
	int ret;

	if (getsockopt(sk, SOL_SOCKET, opt, val, &len)) {
		ret = -errno;
		if (ret != -ENOPROTOOPT && ret != -EOPNOTSUPP)
			pr_perror("%s: can't read %s", what, name);
		return ret;
	}
	return 0;
}

static int get_int(int sk, int opt, int *val, const char *what, const char *name)
{
	socklen_t len = sizeof(*val);
	int ret;

	if (getsockopt(sk, SOL_SOCKET, opt, val, &len)) {
		ret = -errno;
		pr_perror("%s: can't read %s", what, name);
		return ret;
	}
	return 0;
}

static int set_int(int sk, int opt, int val, const char *what, const char *name)
{
	int ret;

	if (setsockopt(sk, SOL_SOCKET, opt, &val, sizeof(val))) {
		ret = -errno;
		pr_perror("%s: can't set %s to %d", what, name, val);
		return ret;
	}
	return 0;
}

/* Set @opt to @val and check that the kernel reports @want back as @get_opt. */
static int set_int_as(int sk, int opt, int get_opt, int val, int want, const char *what,
		      const char *name)
{
	int got, ret;

	ret = set_int(sk, opt, val, what, name);
	if (!ret)
		ret = get_int(sk, get_opt, &got, what, name);
	if (!ret && got != want) {
		pr_err("%s: %s is %d after restore, %d was dumped\n", what, name, got, want);
		ret = -EINVAL;
	}
	return ret;
}

static int set_int_checked(int sk, int opt, int val, int want, const char *what,
			   const char *name)
{
	return set_int_as(sk, opt, opt, val, want, what, name);
}

static int get_tmo(int sk, int opt, uint64_t *sec, uint64_t *usec, const char *what,
		   const char *name)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	int ret;

	if (getsockopt(sk, SOL_SOCKET, opt, &tv, &len)) {
		ret = -errno;
		pr_perror("%s: can't read %s", what, name);
		return ret;
	}
	*sec = tv.tv_sec;
	*usec = tv.tv_usec;
	return 0;
}

static int set_tmo(int sk, int opt, uint64_t sec, uint64_t usec, const char *what,
		   const char *name)
{
	struct timeval tv = { .tv_sec = sec, .tv_usec = usec };
	int ret;

	if (usec >= 1000000) {
		pr_err("%s: %s of %llu us is corrupt\n", what, name, (unsigned long long)usec);
		return -EINVAL;
	}
	if (setsockopt(sk, SOL_SOCKET, opt, &tv, sizeof(tv))) {
		ret = -errno;
		pr_perror("%s: can't set %s", what, name);
		return ret;
	}
	return 0;
}

/* Options with no place in SkOptsEntry: the dump is refused unless they are off. */
static const struct {
	int opt;
	const char *name;
} must_be_off[] = {
	{ SO_TIMESTAMP_OLD,	"SO_TIMESTAMP" },
	{ SO_TIMESTAMPNS_OLD,	"SO_TIMESTAMPNS" },
	{ SO_TIMESTAMPING_OLD,	"SO_TIMESTAMPING" },
	{ SO_RXQ_OVFL,		"SO_RXQ_OVFL" },
	{ SO_WIFI_STATUS,	"SO_WIFI_STATUS" },
	{ SO_SELECT_ERR_QUEUE,	"SO_SELECT_ERR_QUEUE" },
	{ SO_ZEROCOPY,		"SO_ZEROCOPY" },
	{ SO_BUSY_POLL,		"SO_BUSY_POLL" },
	{ SO_LOCK_FILTER,	"SO_LOCK_FILTER" },
};

static int check_unsupported(int sk, const char *what)
{
	unsigned int i;
	int val, ret;

	for (i = 0; i < sizeof(must_be_off) / sizeof(must_be_off[0]); i++) {
		ret = get_int_maybe(sk, must_be_off[i].opt, &val, what, must_be_off[i].name);
		if (ret == -ENOPROTOOPT || ret == -EOPNOTSUPP)
			continue;	/* this kernel does not have it */
		if (ret)
			return ret;
		if (val) {
			pr_err("%s: socket option %s (%d) is set, which criu-ooh cannot restore\n",
			       what, must_be_off[i].name, val);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int dump_bufs(int sk, SkOptsEntry *soe, const char *what)
{
	int snd, rcv, lock, ret;

	ret = get_int(sk, SO_SNDBUF, &snd, what, "SO_SNDBUF");
	if (!ret)
		ret = get_int(sk, SO_RCVBUF, &rcv, what, "SO_RCVBUF");
	if (ret)
		return ret;
	/* setsockopt() doubles what it is given: an odd size cannot come back */
	if ((snd | rcv) & 1) {
		pr_err("%s: buffer sizes %d/%d cannot be set back (odd)\n", what, snd, rcv);
		return -EOPNOTSUPP;
	}
	soe->so_sndbuf = snd;
	soe->so_rcvbuf = rcv;
	ret = get_int_maybe(sk, SO_BUF_LOCK, &lock, what, "SO_BUF_LOCK");
	if (ret && ret != -ENOPROTOOPT)
		return ret;
	if (!ret) {
		soe->has_so_buf_lock = true;
		soe->so_buf_lock = lock;
	}
	return 0;
}

static bool sk_opt_exists(int sk, int opt)
{
	socklen_t len = sizeof(int);
	int val;

	return getsockopt(sk, SOL_SOCKET, opt, &val, &len) == 0 || errno != EOPNOTSUPP;
}

static int dump_flags(int sk, SkOptsEntry *soe, const char *what)
{
	struct {
		int opt;
		const char *name;
		protobuf_c_boolean *has, *val;
	} b[] = {
		{ SO_REUSEADDR, "SO_REUSEADDR", &soe->has_reuseaddr, &soe->reuseaddr },
		{ SO_REUSEPORT, "SO_REUSEPORT", &soe->has_so_reuseport, &soe->so_reuseport },
		{ SO_PASSCRED, "SO_PASSCRED", &soe->has_so_passcred, &soe->so_passcred },
		{ SO_PASSSEC, "SO_PASSSEC", &soe->has_so_passsec, &soe->so_passsec },
		{ SO_DONTROUTE, "SO_DONTROUTE", &soe->has_so_dontroute, &soe->so_dontroute },
		{ SO_NO_CHECK, "SO_NO_CHECK", &soe->has_so_no_check, &soe->so_no_check },
		{ SO_BROADCAST, "SO_BROADCAST", &soe->has_so_broadcast, &soe->so_broadcast },
		{ SO_KEEPALIVE, "SO_KEEPALIVE", &soe->has_so_keepalive, &soe->so_keepalive },
		{ SO_PASSPIDFD, "SO_PASSPIDFD", &soe->has_so_passpidfd, &soe->so_passpidfd },
	};
	unsigned int i;
	int val, ret;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		/* Linux 6.16+ keeps these for unix and netlink sockets only */
		if ((b[i].opt == SO_PASSCRED || b[i].opt == SO_PASSSEC) && !sk_opt_exists(sk, b[i].opt))
			continue;
		ret = b[i].opt == SO_PASSPIDFD ?
			get_int_maybe(sk, b[i].opt, &val, what, b[i].name) :
			get_int(sk, b[i].opt, &val, what, b[i].name);
		/* SO_PASSPIDFD: Unix sockets only, and not on older kernels */
		if ((ret == -ENOPROTOOPT || ret == -EOPNOTSUPP) && b[i].opt == SO_PASSPIDFD)
			continue;
		if (ret)
			return ret;
		*b[i].has = true;
		*b[i].val = !!val;
	}
	return 0;
}

static int dump_values(int sk, SkOptsEntry *soe, const char *what)
{
	struct linger ll;
	socklen_t len = sizeof(ll);
	int val, ret;

	ret = get_int(sk, SO_PRIORITY, &val, what, "SO_PRIORITY");
	if (ret)
		return ret;
	soe->has_so_priority = true;
	soe->so_priority = val;
	ret = get_int(sk, SO_RCVLOWAT, &val, what, "SO_RCVLOWAT");
	if (ret)
		return ret;
	soe->has_so_rcvlowat = true;
	soe->so_rcvlowat = val;
	ret = get_int(sk, SO_MARK, &val, what, "SO_MARK");
	if (ret)
		return ret;
	soe->has_so_mark = true;
	soe->so_mark = val;
	ret = get_int(sk, SO_OOBINLINE, &val, what, "SO_OOBINLINE");
	if (ret)
		return ret;
	soe->has_so_oobinline = true;
	soe->so_oobinline = !!val;
	ret = get_int_maybe(sk, SO_PEEK_OFF, &val, what, "SO_PEEK_OFF");
	if (ret && ret != -EOPNOTSUPP)
		return ret;
	if (!ret) {
		soe->has_so_peek_off = true;
		soe->so_peek_off = val;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_LINGER, &ll, &len)) {
		ret = -errno;
		pr_perror("%s: can't read SO_LINGER", what);
		return ret;
	}
	if (ll.l_onoff) {
		soe->has_so_linger = true;
		soe->so_linger = ll.l_linger;
	} else if (ll.l_linger) {
		pr_err("%s: SO_LINGER is off with a time of %d s, which the image cannot carry\n",
		       what, ll.l_linger);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int dump_bound_dev(int sk, SkOptsEntry *soe, const char *what)
{
	char dev[IFNAMSIZ + 1] = "";
	socklen_t len = sizeof(dev) - 1;
	int ret;

	if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev, &len)) {
		ret = -errno;
		pr_perror("%s: can't read SO_BINDTODEVICE", what);
		return ret;
	}
	if (!len || !dev[0])
		return 0;
	dev[len] = '\0';
	soe->so_bound_dev = strdup(dev);
	return soe->so_bound_dev ? 0 : -ENOMEM;
}

static int dump_filter(int sk, SkOptsEntry *soe, const char *what)
{
	struct sock_filter *f;
	socklen_t len = 0;
	unsigned int i;
	int ret;

	/* the length (in instructions, not bytes) comes first */
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, NULL, &len)) {
		ret = -errno;
		pr_perror("%s: can't read the length of the socket filter", what);
		return ret;
	}
	if (!len)
		return 0;
	if (len > SK_FILTER_MAX) {
		pr_err("%s: socket filter of %u instructions\n", what, len);
		return -EOPNOTSUPP;
	}
	f = calloc(len, sizeof(*f));
	soe->so_filter = calloc(len, sizeof(*soe->so_filter));
	if (!f || !soe->so_filter) {
		free(f);
		return -ENOMEM;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, f, &len)) {
		ret = -errno;
		pr_perror("%s: can't read the socket filter", what);
		free(f);
		return ret;
	}
	for (i = 0; i < len; i++)
		memcpy(&soe->so_filter[i], &f[i], sizeof(f[i]));
	soe->n_so_filter = len;
	free(f);
	return 0;
}

int dump_sk_opts(int sk, SkOptsEntry *soe, const char *what)
{
	int ret;

	ret = check_unsupported(sk, what);
	if (!ret)
		ret = dump_bufs(sk, soe, what);
	if (!ret)
		ret = get_tmo(sk, SO_SNDTIMEO_OLD, &soe->so_snd_tmo_sec, &soe->so_snd_tmo_usec,
			      what, "SO_SNDTIMEO");
	if (!ret)
		ret = get_tmo(sk, SO_RCVTIMEO_OLD, &soe->so_rcv_tmo_sec, &soe->so_rcv_tmo_usec,
			      what, "SO_RCVTIMEO");
	if (!ret)
		ret = dump_flags(sk, soe, what);
	if (!ret)
		ret = dump_values(sk, soe, what);
	if (!ret)
		ret = dump_bound_dev(sk, soe, what);
	if (!ret)
		ret = dump_filter(sk, soe, what);
	return ret;
}

void sk_opts_free(SkOptsEntry *soe)
{
	free(soe->so_bound_dev);
	soe->so_bound_dev = NULL;
	free(soe->so_filter);
	soe->so_filter = NULL;
	soe->n_so_filter = 0;
}

/* --- restore ------------------------------------------------------------ */

static int restore_bufs(int sk, const SkOptsEntry *soe, const char *what)
{
	int ret;

	/* FORCE: past net.core.[rw]mem_max, as root may have set them */
	ret = set_int_as(sk, SO_SNDBUFFORCE, SO_SNDBUF, soe->so_sndbuf / 2, soe->so_sndbuf,
			 what, "SO_SNDBUF");
	if (!ret)
		ret = set_int_as(sk, SO_RCVBUFFORCE, SO_RCVBUF, soe->so_rcvbuf / 2,
				 soe->so_rcvbuf, what, "SO_RCVBUF");
	/* setting the sizes locked them; the dumped lock state wins */
	if (!ret && soe->has_so_buf_lock)
		ret = set_int_checked(sk, SO_BUF_LOCK, soe->so_buf_lock, soe->so_buf_lock,
				      what, "SO_BUF_LOCK");
	return ret;
}

static int restore_flags(int sk, const SkOptsEntry *soe, const char *what)
{
	const struct {
		int opt;
		const char *name;
		bool has, val;
	} b[] = {
		{ SO_REUSEADDR, "SO_REUSEADDR", soe->has_reuseaddr, soe->reuseaddr },
		{ SO_REUSEPORT, "SO_REUSEPORT", soe->has_so_reuseport, soe->so_reuseport },
		{ SO_PASSCRED, "SO_PASSCRED", soe->has_so_passcred, soe->so_passcred },
		{ SO_PASSSEC, "SO_PASSSEC", soe->has_so_passsec, soe->so_passsec },
		{ SO_DONTROUTE, "SO_DONTROUTE", soe->has_so_dontroute, soe->so_dontroute },
		{ SO_NO_CHECK, "SO_NO_CHECK", soe->has_so_no_check, soe->so_no_check },
		{ SO_BROADCAST, "SO_BROADCAST", soe->has_so_broadcast, soe->so_broadcast },
		{ SO_KEEPALIVE, "SO_KEEPALIVE", soe->has_so_keepalive, soe->so_keepalive },
		{ SO_PASSPIDFD, "SO_PASSPIDFD", soe->has_so_passpidfd, soe->so_passpidfd },
		{ SO_OOBINLINE, "SO_OOBINLINE", soe->has_so_oobinline, !!soe->so_oobinline },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		/* a new socket has them off: only what is on is set */
		if (!b[i].has || !b[i].val)
			continue;
		ret = set_int(sk, b[i].opt, 1, what, b[i].name);
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_values(int sk, const SkOptsEntry *soe, const char *what)
{
	int ret = 0;

	if (soe->has_so_priority)
		ret = set_int_checked(sk, SO_PRIORITY, soe->so_priority, soe->so_priority,
				      what, "SO_PRIORITY");
	if (!ret && soe->has_so_rcvlowat)
		ret = set_int_checked(sk, SO_RCVLOWAT, soe->so_rcvlowat, soe->so_rcvlowat,
				      what, "SO_RCVLOWAT");
	if (!ret && soe->has_so_mark && soe->so_mark)
		ret = set_int_checked(sk, SO_MARK, soe->so_mark, soe->so_mark, what, "SO_MARK");
	if (!ret && soe->has_so_peek_off && soe->so_peek_off != -1)
		ret = set_int_checked(sk, SO_PEEK_OFF, soe->so_peek_off, soe->so_peek_off,
				      what, "SO_PEEK_OFF");
	if (!ret && soe->has_so_linger) {
		struct linger ll = { .l_onoff = 1, .l_linger = soe->so_linger };

		if (setsockopt(sk, SOL_SOCKET, SO_LINGER, &ll, sizeof(ll))) {
			ret = -errno;
			pr_perror("%s: can't set SO_LINGER", what);
		}
	}
	return ret;
}

static int restore_filter(int sk, const SkOptsEntry *soe, const char *what)
{
	struct sock_fprog prog;
	struct sock_filter *f;
	size_t i;
	int ret = 0;

	if (!soe->n_so_filter)
		return 0;
	if (soe->n_so_filter > SK_FILTER_MAX) {
		pr_err("%s: socket filter of %zu instructions is corrupt\n", what,
		       soe->n_so_filter);
		return -EINVAL;
	}
	f = calloc(soe->n_so_filter, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (i = 0; i < soe->n_so_filter; i++)
		memcpy(&f[i], &soe->so_filter[i], sizeof(f[i]));
	prog.len = soe->n_so_filter;
	prog.filter = f;
	if (setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		ret = -errno;
		pr_perror("%s: can't attach the socket filter", what);
	}
	free(f);
	return ret;
}

int restore_sk_opts(int sk, const SkOptsEntry *soe, const char *what)
{
	int ret;

	ret = restore_bufs(sk, soe, what);
	if (!ret)
		ret = set_tmo(sk, SO_SNDTIMEO_OLD, soe->so_snd_tmo_sec, soe->so_snd_tmo_usec,
			      what, "SO_SNDTIMEO");
	if (!ret)
		ret = set_tmo(sk, SO_RCVTIMEO_OLD, soe->so_rcv_tmo_sec, soe->so_rcv_tmo_usec,
			      what, "SO_RCVTIMEO");
	if (!ret)
		ret = restore_flags(sk, soe, what);
	if (!ret)
		ret = restore_values(sk, soe, what);
	if (!ret && soe->so_bound_dev &&
	    setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, soe->so_bound_dev,
		       strlen(soe->so_bound_dev))) {
		ret = -errno;
		pr_perror("%s: can't bind to device %s", what, soe->so_bound_dev);
	}
	if (!ret)
		ret = restore_filter(sk, soe, what);
	return ret;
}
