// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_deleted_path: a datagram socket bound to a path that was then
 * unlinked, with a message queued from its connected peer (a socketpair
 * is not bound; this one connects by name before the unlink). After
 * restore the socket must keep its name (getsockname) while the path
 * does not exist, the message must be there, and the peer still
 * connected to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX }, got;
	socklen_t len, glen = sizeof(got);
	struct stat st;
	int s, c, ret;
	char buf[16];

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (!getcwd(a.sun_path, sizeof(a.sun_path) - 16))
		return 1;
	strcat(a.sun_path, "/gone");
	len = offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1;
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || c < 0 || bind(s, (struct sockaddr *)&a, len) ||
	    connect(c, (struct sockaddr *)&a, len) || send(c, "queued", 6, 0) != 6 ||
	    unlink(a.sun_path)) {
		fail("setup: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		close(open(a.sun_path, O_CREAT | O_WRONLY, 0600));
	if (getsockname(s, (struct sockaddr *)&got, &glen) || glen != len || memcmp(&got, &a, len)) {
		fail("the socket lost its name %s (%m)", a.sun_path);
		return 1;
	}
	if (!stat(a.sun_path, &st) || errno != ENOENT) {
		fail("%s exists again", a.sun_path);
		return 1;
	}
	if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) != 6 || memcmp(buf, "queued", 6)) {
		fail("the queued message is gone (%m)");
		return 1;
	}
	if (send(c, "again", 5, 0) != 5 || recv(s, buf, sizeof(buf), MSG_DONTWAIT) != 5) {
		fail("the peer is no longer connected to it (%m)");
		return 1;
	}
	pass();
	return 0;
}
