// SPDX-License-Identifier: GPL-2.0
/* One message of lazy-pages.h, with a descriptor attached (restore -> daemon -> watchdog). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lazy-pages.h"
#include "log.h"

int lazy_msg_send(int sk, uint32_t type, int pid, int fd)
{
	struct lazy_msg m = { .magic = LAZY_MSG_MAGIC, .type = type, .pid = pid };
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sk, &mh, MSG_NOSIGNAL) != sizeof(m)) {
		pr_perror("Can't send the message of pid %d", pid);
		return -EPIPE;
	}
	return 0;
}
