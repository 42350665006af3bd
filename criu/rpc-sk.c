// SPDX-License-Identifier: GPL-2.0
/*
 * The RPC wire: one packed criu_req or criu_resp per SOCK_SEQPACKET
 * packet, sized by peeking before reading.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "rpc.h"

int rpc_recv_req(int sk, CriuReq **req)
{
	unsigned char *buf;
	ssize_t len, got;

	len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (len < 0) {
		pr_perror("Can't read an RPC request from socket %d", sk);
		return -errno;
	}
	/*
	 * An empty read is the client closing the socket; an empty packet
	 * reads the same and could not hold a criu_req (type is required).
	 */
	if (len == 0)
		return -ECONNRESET;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	got = recv(sk, buf, len, 0);
	if (got != len) {
		pr_perror("Short RPC request (%zd of %zd bytes)", got, len);
		free(buf);
		return got < 0 ? -errno : -EBADMSG;
	}
	*req = criu_req__unpack(NULL, len, buf);
	free(buf);
	if (!*req) {
		pr_err("RPC request of %zd bytes is not a criu_req\n", len);
		return -EBADMSG;
	}
	return 0;
}

static int send_with_fd(int sk, const void *buf, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *ch;

	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &fd, sizeof(int));
	}
	return sendmsg(sk, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

int rpc_send_resp(int sk, const CriuResp *resp, int fd)
{
	size_t len = criu_resp__get_packed_size(resp);
	unsigned char *buf;
	int ret = 0;

	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	criu_resp__pack(resp, buf);
	if (send_with_fd(sk, buf, len, fd)) {
		ret = -errno;
		pr_perror("Can't send the RPC reply on socket %d", sk);
	}
	free(buf);
	return ret;
}
