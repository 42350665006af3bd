// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_opts: socket options on a Unix stream pair: SO_PASSCRED,
 * SO_PEEK_OFF, buffer sizes (set and locked), send and receive
 * timeouts, SO_PRIORITY, SO_MARK, SO_RCVLOWAT, SO_LINGER and a classic
 * BPF filter. After restore each must read back as it was set, the
 * untouched end must still have the defaults, and the filter must still
 * act on a datagram pair (it truncates every message to 2 bytes).
 */
#include <errno.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

struct opt {
	const char *name;
	int opt;
	int val;
};

static const struct opt opts[] = {
	{ "SO_PASSCRED", SO_PASSCRED, 1 },
	{ "SO_PEEK_OFF", SO_PEEK_OFF, 5 },
	{ "SO_SNDBUF", SO_SNDBUF, 65536 },
	{ "SO_RCVBUF", SO_RCVBUF, 98304 },
	{ "SO_PRIORITY", SO_PRIORITY, 5 },
	{ "SO_MARK", SO_MARK, 0x1234 },
	{ "SO_RCVLOWAT", SO_RCVLOWAT, 3 },
};
#define NR_OPTS	(sizeof(opts) / sizeof(opts[0]))

/* "ret #2": every message cut to 2 bytes */
static struct sock_filter cut2[] = { { BPF_RET | BPF_K, 0, 0, 2 } };

static int sv[2], df[2], def_sndbuf;

static int get(int sk, int opt)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	getsockopt(sk, SOL_SOCKET, opt, &v, &len);
	return v;
}

static int check(void)
{
	struct timeval tv;
	struct linger ll;
	socklen_t len = sizeof(tv);
	unsigned int i;
	char buf[16];
	int want;

	for (i = 0; i < NR_OPTS; i++) {
		/* the kernel doubles buffer sizes */
		want = opts[i].opt == SO_SNDBUF || opts[i].opt == SO_RCVBUF ? 2 * opts[i].val :
									      opts[i].val;
		if (get(sv[0], opts[i].opt) != want) {
			fail("%s is %d, want %d", opts[i].name, get(sv[0], opts[i].opt), want);
			return -1;
		}
	}
	if (get(sv[1], SO_PASSCRED) != 0 || get(sv[1], SO_SNDBUF) != def_sndbuf ||
	    get(sv[1], SO_PEEK_OFF) != -1) {
		fail("the other end changed: passcred %d, sndbuf %d, peek_off %d",
		     get(sv[1], SO_PASSCRED), get(sv[1], SO_SNDBUF), get(sv[1], SO_PEEK_OFF));
		return -1;
	}
	if (getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len) || tv.tv_sec != 3 ||
	    tv.tv_usec != 500000) {
		fail("SO_RCVTIMEO is %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
		return -1;
	}
	len = sizeof(tv);
	if (getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, &len) || tv.tv_sec != 7 ||
	    tv.tv_usec != 0) {
		fail("SO_SNDTIMEO is %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
		return -1;
	}
	len = sizeof(ll);
	if (getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &ll, &len) || !ll.l_onoff ||
	    ll.l_linger != 9) {
		fail("SO_LINGER is %d/%d", ll.l_onoff, ll.l_linger);
		return -1;
	}
	/* the filter cuts what df[1] receives (Linux filters datagrams only) */
	if (send(df[0], "abcdef", 6, 0) != 6 || recv(df[1], buf, sizeof(buf), MSG_DONTWAIT) != 2) {
		fail("the socket filter does not act (%m)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sock_fprog prog = { .len = 1, .filter = cut2 };
	struct timeval rtv = { 3, 500000 }, stv = { 7, 0 };
	struct linger ll = { 1, 9 };
	unsigned int i;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || socketpair(AF_UNIX, SOCK_DGRAM, 0, df)) {
		fail("socketpair: %m");
		return 1;
	}
	def_sndbuf = get(sv[1], SO_SNDBUF);
	for (i = 0; i < NR_OPTS; i++)
		if (setsockopt(sv[0], SOL_SOCKET, opts[i].opt, &opts[i].val, sizeof(int))) {
			fail("set %s: %m", opts[i].name);
			return 1;
		}
	if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof(rtv)) ||
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof(stv)) ||
	    setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &ll, sizeof(ll)) ||
	    setsockopt(df[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		fail("set timeouts, linger, filter: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		int off = 0;

		setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &off, sizeof(off));
	}
	if (check())
		return 1;
	pass();
	return 0;
}
