// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options of the SOL_SOCKET level (and TCP keepalive), dumped
 * into sk_opts_entry and set again on the new socket.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "log.h"
#include "sk-inet.h"

#ifndef SO_GET_FILTER
#define SO_GET_FILTER	SO_ATTACH_FILTER
#endif

static int get_int(int sk, int level, int name, const char *oname,
		   const char *what, int *val)
{
	socklen_t len = sizeof(*val);

	if (getsockopt(sk, level, name, val, &len) < 0) {
		int err = -errno;

		pr_perror("%s: getsockopt %s", what, oname);
		return err;
	}
	return 0;
}

static int set_int(int sk, int level, int name, const char *oname,
		   const char *what, int val)
{
	if (setsockopt(sk, level, name, &val, sizeof(val)) < 0) {
		int err = -errno;

		pr_perror("%s: setsockopt %s to %d", what, oname, val);
		return err;
	}
	return 0;
}

static int sk_getint_quiet(int sk, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(sk, level, name, val, &len) < 0 ? -errno : 0;
}

#define GET(lvl, o, v)	get_int(sk, lvl, o, #o, what, v)
#define SET(lvl, o, v)	set_int(sk, lvl, o, #o, what, v)

static int dump_timeo(int sk, int name, const char *what, uint64_t *sec, uint64_t *usec)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(sk, SOL_SOCKET, name, &tv, &len) < 0) {
		int err = -errno;

		pr_perror("%s: getsockopt timeout %d", what, name);
		return err;
	}
	*sec = tv.tv_sec;
	*usec = tv.tv_usec;
	return 0;
}

/* The classic BPF filter attached to @sk, one fixed64 per instruction. */
static int dump_filter(int sk, const char *what, SkOptsEntry *soe)
{
	struct sock_filter *f;
	socklen_t len = 0;
	unsigned int i;

	/* with no buffer the kernel tells the number of instructions */
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, NULL, &len) < 0) {
		int err = -errno;

		pr_perror("%s: getsockopt SO_GET_FILTER", what);
		return err;
	}
	if (!len)
		return 0;
	f = calloc(len, sizeof(*f));
	soe->so_filter = calloc(len, sizeof(uint64_t));
	if (!f || !soe->so_filter) {
		free(f);
		return -ENOMEM;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, f, &len) < 0) {
		int err = -errno;

		pr_perror("%s: getsockopt SO_GET_FILTER", what);
		free(f);
		return err;
	}
	for (i = 0; i < len; i++)
		memcpy(&soe->so_filter[i], &f[i], sizeof(uint64_t));
	soe->n_so_filter = len;
	free(f);
	return 0;
}

int dump_sk_opts(int sk, const char *what, SkOptsEntry *soe)
{
	char dev[IFNAMSIZ + 1] = "";
	socklen_t dlen = sizeof(dev) - 1;
	int v, ret, type;

	ret = GET(SOL_SOCKET, SO_TYPE, &type);
	ret = ret ?: GET(SOL_SOCKET, SO_SNDBUF, &v);
	soe->so_sndbuf = v;
	ret = ret ?: GET(SOL_SOCKET, SO_RCVBUF, &v);
	soe->so_rcvbuf = v;
	ret = ret ?: dump_timeo(sk, SO_SNDTIMEO, what, &soe->so_snd_tmo_sec, &soe->so_snd_tmo_usec);
	ret = ret ?: dump_timeo(sk, SO_RCVTIMEO, what, &soe->so_rcv_tmo_sec, &soe->so_rcv_tmo_usec);
	ret = ret ?: GET(SOL_SOCKET, SO_REUSEADDR, &v);
	soe->has_reuseaddr = true;
	soe->reuseaddr = v;
	ret = ret ?: GET(SOL_SOCKET, SO_REUSEPORT, &v);
	soe->has_so_reuseport = true;
	soe->so_reuseport = v;
	ret = ret ?: GET(SOL_SOCKET, SO_PRIORITY, &v);
	soe->has_so_priority = true;
	soe->so_priority = v;
	ret = ret ?: GET(SOL_SOCKET, SO_RCVLOWAT, &v);
	soe->has_so_rcvlowat = true;
	soe->so_rcvlowat = v;
	ret = ret ?: GET(SOL_SOCKET, SO_MARK, &v);
	soe->has_so_mark = true;
	soe->so_mark = v;
	/* newer kernels have it for unix sockets only */
	if (!ret && !sk_getint_quiet(sk, SOL_SOCKET, SO_PASSCRED, &v)) {
		soe->has_so_passcred = true;
		soe->so_passcred = v;
	}
	ret = ret ?: GET(SOL_SOCKET, SO_DONTROUTE, &v);
	soe->has_so_dontroute = true;
	soe->so_dontroute = v;
	ret = ret ?: GET(SOL_SOCKET, SO_NO_CHECK, &v);
	soe->has_so_no_check = true;
	soe->so_no_check = v;
	ret = ret ?: GET(SOL_SOCKET, SO_BROADCAST, &v);
	soe->has_so_broadcast = true;
	soe->so_broadcast = v;
	ret = ret ?: GET(SOL_SOCKET, SO_KEEPALIVE, &v);
	soe->has_so_keepalive = true;
	soe->so_keepalive = v;
	if (!ret && type == SOCK_STREAM) {
		ret = GET(SOL_TCP, TCP_KEEPCNT, &v);
		soe->has_tcp_keepcnt = true;
		soe->tcp_keepcnt = v;
		ret = ret ?: GET(SOL_TCP, TCP_KEEPIDLE, &v);
		soe->has_tcp_keepidle = true;
		soe->tcp_keepidle = v;
		ret = ret ?: GET(SOL_TCP, TCP_KEEPINTVL, &v);
		soe->has_tcp_keepintvl = true;
		soe->tcp_keepintvl = v;
	}
	if (ret)
		return ret;
	if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev, &dlen) < 0) {
		ret = -errno;
		pr_perror("%s: getsockopt SO_BINDTODEVICE", what);
		return ret;
	}
	if (dlen && dev[0]) {
		soe->so_bound_dev = strdup(dev);
		if (!soe->so_bound_dev)
			return -ENOMEM;
	}
	return dump_filter(sk, what, soe);
}

void free_sk_opts(SkOptsEntry *soe)
{
	free(soe->so_bound_dev);
	free(soe->so_filter);
	soe->so_bound_dev = NULL;
	soe->so_filter = NULL;
	soe->n_so_filter = 0;
}

static int restore_timeo(int sk, int name, const char *what, uint64_t sec, uint64_t usec)
{
	struct timeval tv = { .tv_sec = (time_t)sec, .tv_usec = (suseconds_t)usec };

	if (usec >= 1000000) {
		pr_err("%s: bad socket timeout %llu.%06llu\n", what,
		       (unsigned long long)sec, (unsigned long long)usec);
		return -EINVAL;
	}
	if (setsockopt(sk, SOL_SOCKET, name, &tv, sizeof(tv)) < 0) {
		int err = -errno;

		pr_perror("%s: setsockopt timeout %d", what, name);
		return err;
	}
	return 0;
}

static int restore_filter(int sk, const char *what, const SkOptsEntry *soe)
{
	struct sock_fprog prog;
	struct sock_filter *f;
	size_t i;
	int ret = 0;

	if (!soe->n_so_filter)
		return 0;
	if (soe->n_so_filter > BPF_MAXINSNS) {
		pr_err("%s: a filter of %zu instructions\n", what, soe->n_so_filter);
		return -EINVAL;
	}
	f = calloc(soe->n_so_filter, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (i = 0; i < soe->n_so_filter; i++)
		memcpy(&f[i], &soe->so_filter[i], sizeof(*f));
	prog.len = soe->n_so_filter;
	prog.filter = f;
	if (setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		ret = -errno;
		pr_perror("%s: setsockopt SO_ATTACH_FILTER", what);
	}
	free(f);
	return ret;
}

/*
 * Buffer sizes: the kernel doubles what it is given and reports the
 * doubled value, so half of it is set (SO_SNDBUFFORCE would also pass
 * the sysctl limits the original may have been granted by privilege).
 */
int restore_sk_opts(int sk, const char *what, const SkOptsEntry *soe)
{
	int ret;

	ret = SET(SOL_SOCKET, SO_SNDBUFFORCE, soe->so_sndbuf / 2);
	ret = ret ?: SET(SOL_SOCKET, SO_RCVBUFFORCE, soe->so_rcvbuf / 2);
	ret = ret ?: restore_timeo(sk, SO_SNDTIMEO, what, soe->so_snd_tmo_sec, soe->so_snd_tmo_usec);
	ret = ret ?: restore_timeo(sk, SO_RCVTIMEO, what, soe->so_rcv_tmo_sec, soe->so_rcv_tmo_usec);
	if (!ret && soe->has_reuseaddr)
		ret = SET(SOL_SOCKET, SO_REUSEADDR, soe->reuseaddr);
	if (!ret && soe->has_so_reuseport)
		ret = SET(SOL_SOCKET, SO_REUSEPORT, soe->so_reuseport);
	if (!ret && soe->has_so_priority)
		ret = SET(SOL_SOCKET, SO_PRIORITY, soe->so_priority);
	if (!ret && soe->has_so_rcvlowat)
		ret = SET(SOL_SOCKET, SO_RCVLOWAT, soe->so_rcvlowat);
	if (!ret && soe->has_so_mark && soe->so_mark)
		ret = SET(SOL_SOCKET, SO_MARK, soe->so_mark);
	if (!ret && soe->has_so_passcred && soe->so_passcred)
		ret = SET(SOL_SOCKET, SO_PASSCRED, soe->so_passcred);
	if (!ret && soe->has_so_dontroute)
		ret = SET(SOL_SOCKET, SO_DONTROUTE, soe->so_dontroute);
	if (!ret && soe->has_so_no_check)
		ret = SET(SOL_SOCKET, SO_NO_CHECK, soe->so_no_check);
	if (!ret && soe->has_so_broadcast)
		ret = SET(SOL_SOCKET, SO_BROADCAST, soe->so_broadcast);
	if (!ret && soe->has_so_keepalive)
		ret = SET(SOL_SOCKET, SO_KEEPALIVE, soe->so_keepalive);
	if (!ret && soe->has_tcp_keepcnt && soe->tcp_keepcnt)
		ret = SET(SOL_TCP, TCP_KEEPCNT, soe->tcp_keepcnt);
	if (!ret && soe->has_tcp_keepidle && soe->tcp_keepidle)
		ret = SET(SOL_TCP, TCP_KEEPIDLE, soe->tcp_keepidle);
	if (!ret && soe->has_tcp_keepintvl && soe->tcp_keepintvl)
		ret = SET(SOL_TCP, TCP_KEEPINTVL, soe->tcp_keepintvl);
	if (!ret && soe->so_bound_dev &&
	    setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, soe->so_bound_dev,
		       strlen(soe->so_bound_dev)) < 0) {
		ret = -errno;
		pr_perror("%s: setsockopt SO_BINDTODEVICE %s", what, soe->so_bound_dev);
	}
	return ret ?: restore_filter(sk, what, soe);
}
