// SPDX-License-Identifier: GPL-2.0
/*
 * sk_netlink: netlink sockets. A NETLINK_ROUTE raw socket bound to its
 * own port id with groups RTMGRP_LINK (in the bind mask) and 33 (joined
 * by NETLINK_ADD_MEMBERSHIP), and an unbound datagram-type one. After
 * restore the port id, the groups and the types must be as before, and
 * each socket must still get an answer to an RTM_GETLINK request.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif
#define HIGH_GROUP	33

static int ask_link(int sk, const char *what)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 7 },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = 1 },
	};
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	char buf[8192];
	ssize_t n;

	if (sendto(sk, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k)) != sizeof(req)) {
		fail("%s: can't send RTM_GETLINK: %m", what);
		return -1;
	}
	n = recv(sk, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(struct nlmsghdr) || ((struct nlmsghdr *)buf)->nlmsg_seq != 7) {
		fail("%s: no answer to RTM_GETLINK (%zd, %m)", what, n);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK }, got;
	socklen_t len = sizeof(got);
	uint32_t groups[4] = { 0 };
	int b, u, g = HIGH_GROUP, type, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	a.nl_pid = 0x70000000 | getpid();
	b = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	u = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	if (b < 0 || u < 0 || bind(b, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(b, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g))) {
		fail("setup: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		setsockopt(b, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof(g));
	if (getsockname(b, (struct sockaddr *)&got, &len) || got.nl_pid != a.nl_pid ||
	    got.nl_groups != RTMGRP_LINK) {
		fail("port id %#x groups %#x, want %#x %#x", got.nl_pid, got.nl_groups, a.nl_pid,
		     RTMGRP_LINK);
		return 1;
	}
	len = sizeof(groups);
	if (getsockopt(b, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len) ||
	    groups[0] != RTMGRP_LINK || groups[1] != 1u << (HIGH_GROUP - 33)) {
		fail("groups %#x %#x, want %#x %#x (%m)", groups[0], groups[1], RTMGRP_LINK,
		     1u << (HIGH_GROUP - 33));
		return 1;
	}
	len = sizeof(type);
	if (getsockopt(u, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_DGRAM) {
		fail("the second socket's type is %d", type);
		return 1;
	}
	if (ask_link(b, "bound socket") || ask_link(u, "unbound socket"))
		return 1;
	pass();
	return 0;
}
