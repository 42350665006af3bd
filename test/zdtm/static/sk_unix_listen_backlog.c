// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_listen_backlog: a stream listener bound to a path (mode 0604)
 * with backlog 5 and three connections waiting in its accept queue, one
 * of them from a bound client. After restore accept() must return three
 * connections in the order they were made (each client sends its
 * number), the file must be the listener's, and SO_ACCEPTCONN set.
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

#define NR_CLIENTS	3

static struct sockaddr_un mkaddr(const char *name, socklen_t *len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (!getcwd(a.sun_path, sizeof(a.sun_path) - 16))
		a.sun_path[0] = '\0';
	strcat(a.sun_path, name);
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1;
	return a;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr, caddr, got;
	socklen_t len, clen, glen = sizeof(got);
	int l, c[NR_CLIENTS], i, a, on = 0, ret;
	socklen_t olen = sizeof(on);
	struct stat st;
	char buf[4];

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	addr = mkaddr("/listener", &len);
	caddr = mkaddr("/client1", &clen);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, len) || chmod(addr.sun_path, 0604) ||
	    listen(l, 5)) {
		fail("listener: %m");
		return 1;
	}
	for (i = 0; i < NR_CLIENTS; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (c[i] < 0 || (i == 1 && bind(c[i], (struct sockaddr *)&caddr, clen)) ||
		    connect(c[i], (struct sockaddr *)&addr, len)) {
			fail("client %d: %m", i);
			return 1;
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	for (i = 0; i < NR_CLIENTS; i++) {
		buf[0] = '0' + i;
		if (send(c[i], buf, 1, 0) != 1) {
			fail("client %d can't send: %m", i);
			return 1;
		}
	}
	if (test_broken()) {
		a = accept(l, NULL, NULL);	/* one connection gone */
		close(a);
	}
	if (getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) || !on) {
		fail("the listener is not listening (%m)");
		return 1;
	}
	if (stat(addr.sun_path, &st) || (st.st_mode & 07777) != 0604) {
		fail("%s: mode %o (%m)", addr.sun_path, st.st_mode);
		return 1;
	}
	for (i = 0; i < NR_CLIENTS; i++) {
		a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
		if (a < 0) {
			fail("accept %d: %m", i);
			return 1;
		}
		if (recv(a, buf, sizeof(buf), 0) != 1 || buf[0] != '0' + i) {
			fail("connection %d accepted out of order ('%c')", i, buf[0]);
			return 1;
		}
		close(a);
	}
	fcntl(l, F_SETFL, O_NONBLOCK);
	if (accept4(l, NULL, NULL, SOCK_NONBLOCK) >= 0 || errno != EAGAIN) {
		fail("more connections waiting than were made");
		return 1;
	}
	glen = sizeof(got);
	if (getsockname(c[1], (struct sockaddr *)&got, &glen) || glen != clen ||
	    memcmp(&got, &caddr, clen)) {
		fail("client 1 lost its name (%m)");
		return 1;
	}
	pass();
	return 0;
}
