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

int lazy_msg_check(const struct lazy_msg *m, long n, int msg_flags)
{
	if (msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		pr_err("%s: a message longer than %zu bytes or with more than one descriptor"
		       " (flags 0x%x)\n", LAZY_SOCKET_NAME, sizeof(*m), msg_flags);
		return -EINVAL;
	}
	if (n != (long)sizeof(*m)) {
		pr_err("%s: a message of %ld bytes, not %zu\n", LAZY_SOCKET_NAME, n, sizeof(*m));
		return -EINVAL;
	}
	if (m->magic != LAZY_MSG_MAGIC) {
		pr_err("%s: bad magic 0x%08x (not criu restore's, 0x%08x)\n", LAZY_SOCKET_NAME,
		       m->magic, LAZY_MSG_MAGIC);
		return -EINVAL;
	}
	if (m->type != LAZY_MSG_TASK && m->type != LAZY_MSG_DONE) {
		pr_err("%s: message type %u from the restore (pid %d): only TASK (%u) or DONE (%u)\n",
		       LAZY_SOCKET_NAME, m->type, m->pid, LAZY_MSG_TASK, LAZY_MSG_DONE);
		return -EINVAL;
	}
	return 0;
}
