// SPDX-License-Identifier: LGPL-2.1
/*
 * libcriu's requests: reach criu (spawn `criu swrk` on a socketpair by
 * default, or connect to `criu service`, or use a given socket), send
 * one criu_req, answer the NOTIFY replies through the client's callback
 * and return the final reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcriu.h"

#define DEFAULT_SERVICE_BINARY	"criu"

criu_opts *libcriu_global_opts;
static int orphan_pts_master_fd = -1;
static int saved_errno;

int criu_local_init_opts(criu_opts **out)
{
	criu_opts *o;

	if (*out)
		criu_local_free_opts(*out);
	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -1;
	o->rpc = malloc(sizeof(*o->rpc));
	o->service_binary = strdup(DEFAULT_SERVICE_BINARY);
	if (!o->rpc || !o->service_binary) {
		free(o->rpc);
		free(o->service_binary);
		free(o);
		return -1;
	}
	criu_opts__init(o->rpc);
	o->service_comm = CRIU_COMM_BIN;
	o->service_fd = -1;
	*out = o;
	return 0;
}

int criu_init_opts(void)
{
	return criu_local_init_opts(&libcriu_global_opts);
}

void criu_local_free_opts(criu_opts *o)
{
	if (!o)
		return;
	criu_opts__free_unpacked(o->rpc, NULL);
	free(o->service_address);
	free(o->service_binary);
	free(o);
}

void criu_free_opts(void)
{
	criu_local_free_opts(libcriu_global_opts);
	libcriu_global_opts = NULL;
}

static int replace_string(char **dst, const char *src)
{
	char *copy = strdup(src);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int criu_local_set_service_address(criu_opts *o, const char *path)
{
	o->service_comm = CRIU_COMM_SK;
	return replace_string(&o->service_address, path ? path : "criu_service.socket");
}

int criu_set_service_address(const char *path)
{
	return criu_local_set_service_address(libcriu_global_opts, path);
}

void criu_local_set_service_fd(criu_opts *o, int fd)
{
	o->service_comm = CRIU_COMM_FD;
	o->service_fd = fd;
}

void criu_set_service_fd(int fd)
{
	criu_local_set_service_fd(libcriu_global_opts, fd);
}

int criu_local_set_service_binary(criu_opts *o, const char *path)
{
	o->service_comm = CRIU_COMM_BIN;
	return replace_string(&o->service_binary, path ? path : DEFAULT_SERVICE_BINARY);
}

int criu_set_service_binary(const char *path)
{
	return criu_local_set_service_binary(libcriu_global_opts, path);
}

int criu_get_orphan_pts_master_fd(void)
{
	return orphan_pts_master_fd;
}

/* `criu swrk FD` as our child, on the other end of a socketpair. */
static int spawn_swrk(criu_opts *o)
{
	char fd_arg[16];
	sigset_t mask;
	int sks[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sks))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sks[0]);
		close(sks[1]);
		return -1;
	}
	if (pid == 0) {
		/* criu must see its children's SIGCHLD even if we block it. */
		sigemptyset(&mask);
		sigaddset(&mask, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		close(sks[0]);
		/* The one descriptor criu keeps across exec. */
		if (fcntl(sks[1], F_SETFD, 0))
			_exit(127);
		snprintf(fd_arg, sizeof(fd_arg), "%d", sks[1]);
		execlp(o->service_binary, o->service_binary, "swrk", fd_arg, (char *)NULL);
		fprintf(stderr, "libcriu: can't run %s swrk: %s\n", o->service_binary,
			strerror(errno));
		_exit(127);
	}
	close(sks[1]);
	o->swrk_pid = pid;
	return sks[0];
}

static int connect_service(const char *address)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sk;

	if (strlen(address) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, address);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -1;
	if (connect(sk, (struct sockaddr *)&addr, sizeof(addr))) {
		close(sk);
		return -1;
	}
	return sk;
}

static int criu_connect(criu_opts *o)
{
	o->swrk_pid = 0;
	switch (o->service_comm) {
	case CRIU_COMM_FD:
		return o->service_fd;
	case CRIU_COMM_SK:
		return connect_service(o->service_address);
	default:
		return spawn_swrk(o);
	}
}

/* Close our end and reap the swrk we started. */
static void criu_disconnect(criu_opts *o, int sk)
{
	if (o->service_comm != CRIU_COMM_FD)
		close(sk);
	if (o->swrk_pid > 0)
		waitpid(o->swrk_pid, NULL, 0);
	o->swrk_pid = 0;
}

static int send_req(int sk, CriuReq *req)
{
	size_t len = criu_req__get_packed_size(req);
	unsigned char *buf = malloc(len ? len : 1);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	criu_req__pack(req, buf);
	if (send(sk, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		ret = -ECOMM;
	free(buf);
	return ret;
}

/* A reply, and the descriptor that came with it (or -1). */
static CriuResp *recv_resp(int sk, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *ch;
	struct iovec iov;
	unsigned char *buf;
	CriuResp *resp;
	ssize_t len;

	*fd = -1;
	len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (len <= 0)
		return NULL;
	buf = malloc(len);
	if (!buf)
		return NULL;
	iov.iov_base = buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (recvmsg(sk, &mh, MSG_CMSG_CLOEXEC) != len) {
		free(buf);
		return NULL;
	}
	for (ch = CMSG_FIRSTHDR(&mh); ch; ch = CMSG_NXTHDR(&mh, ch))
		if (ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(ch), sizeof(int));
	resp = criu_resp__unpack(NULL, len, buf);
	free(buf);
	return resp;
}

/* Run the client's callback for one notification and answer criu. */
static int answer_notify(int sk, criu_opts *o, CriuResp *resp, int fd)
{
	CriuReq ack = CRIU_REQ__INIT;
	int ret = 0, sret;

	if (fd >= 0 && resp->notify && resp->notify->script &&
	    !strcmp(resp->notify->script, "orphan-pts-master")) {
		if (orphan_pts_master_fd >= 0)
			close(orphan_pts_master_fd);
		orphan_pts_master_fd = fd;
	} else if (fd >= 0) {
		close(fd);
	}
	if (o->notify && resp->notify)
		ret = o->notify(resp->notify->script, resp->notify);
	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = true;
	ack.notify_success = ret == 0;
	sret = send_req(sk, &ack);
	return ret ? ret : sret;
}

static int transact(int sk, criu_opts *o, CriuReq *req, CriuResp **out)
{
	CriuResp *resp;
	int ret, fd;

	*out = NULL;
	ret = send_req(sk, req);
	if (ret)
		return ret;
	for (;;) {
		resp = recv_resp(sk, &fd);
		if (!resp)
			return -ECOMM;
		if (resp->type != CRIU_REQ_TYPE__NOTIFY)
			break;
		ret = answer_notify(sk, o, resp, fd);
		criu_resp__free_unpacked(resp, NULL);
		if (ret)
			return ret;
	}
	if (fd >= 0)
		close(fd);
	*out = resp;
	if (resp->has_cr_errno)
		saved_errno = resp->cr_errno;
	if (!resp->success && resp->cr_errmsg)
		fprintf(stderr, "libcriu: criu failed the request: %s\n", resp->cr_errmsg);
	if (resp->type == req->type)
		return 0;
	return resp->type == CRIU_REQ_TYPE__EMPTY && !resp->success ? -EINVAL : -EBADMSG;
}

/* Connect, one request, disconnect. */
static int one_request(criu_opts *o, CriuReq *req, CriuResp **resp)
{
	int sk, ret;

	sk = criu_connect(o);
	if (sk < 0) {
		saved_errno = errno;
		return -ECONNREFUSED;
	}
	ret = transact(sk, o, req, resp);
	criu_disconnect(o, sk);
	return ret;
}

/* The common shape of check/dump/restore: -EBADE when criu said no. */
static int simple_request(criu_opts *o, int type, CriuOpts *rpc, CriuResp **resp)
{
	CriuReq req = CRIU_REQ__INIT;
	int ret;

	saved_errno = 0;
	req.type = type;
	req.opts = rpc;
	ret = one_request(o, &req, resp);
	if (!ret && !(*resp)->success)
		ret = -EBADE;
	return ret;
}

static int finish(CriuResp *resp, int ret)
{
	if (resp)
		criu_resp__free_unpacked(resp, NULL);
	errno = saved_errno;
	return ret;
}

int criu_local_check(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__CHECK, o->rpc, &resp);

	return finish(resp, ret);
}

int criu_local_dump(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__DUMP, o->rpc, &resp);

	if (!ret && resp->dump && resp->dump->has_restored && resp->dump->restored)
		ret = 1;
	return finish(resp, ret);
}

int criu_local_pre_dump(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__SINGLE_PRE_DUMP, o->rpc, &resp);

	return finish(resp, ret);
}

static int restore_request(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__RESTORE, o->rpc, &resp);

	if (!ret)
		ret = resp->restore ? resp->restore->pid : -EBADMSG;
	return finish(resp, ret);
}

int criu_local_restore(criu_opts *o)
{
	return restore_request(o);
}

/* The restored process becomes our child: criu restores it as its sibling. */
int criu_local_restore_child(criu_opts *o)
{
	enum criu_service_comm comm = o->service_comm;
	int ret;

	o->service_comm = CRIU_COMM_BIN;	/* only a swrk child can do it */
	o->rpc->has_rst_sibling = true;
	o->rpc->rst_sibling = true;
	ret = restore_request(o);
	o->service_comm = comm;
	return ret;
}

int criu_local_dump_iters(criu_opts *o, int (*more)(criu_predump_info pi))
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int sk, ret, again;

	saved_errno = 0;
	if (!o->rpc->has_pid || !more)
		return -EINVAL;	/* as CRIU's: no self-dump, a callback needed */
	sk = criu_connect(o);
	if (sk < 0) {
		saved_errno = errno;
		return -ECONNREFUSED;
	}
	req.opts = o->rpc;
	for (;;) {
		req.type = CRIU_REQ_TYPE__PRE_DUMP;
		ret = transact(sk, o, &req, &resp);
		if (!ret && !resp->success)
			ret = -EBADE;
		if (ret)
			goto out;
		again = more(NULL);
		criu_resp__free_unpacked(resp, NULL);
		resp = NULL;
		if (again < 0) {
			ret = again;
			goto out;
		}
		if (!again)
			break;
	}
	req.type = CRIU_REQ_TYPE__DUMP;
	ret = transact(sk, o, &req, &resp);
	if (!ret && !resp->success)
		ret = -EBADE;
out:
	criu_disconnect(o, sk);
	return finish(resp, ret);
}

int criu_local_get_version(criu_opts *o)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp;
	int ret;

	saved_errno = 0;
	req.type = CRIU_REQ_TYPE__VERSION;
	ret = one_request(o, &req, &resp);
	if (!ret && (!resp->success || !resp->version))
		ret = -EBADE;
	if (!ret) {
		ret = resp->version->major_number * 10000 + resp->version->minor_number * 100;
		if (resp->version->has_sublevel)
			ret += resp->version->sublevel;
		/*
		 * As CRIU's libcriu, go-criu and runc count: a build with a
		 * gitid (criu-ooh always sends one) is past its release.
		 */
		if (resp->version->gitid)
			ret = ret - ret % 100 + 100;
	}
	return finish(resp, ret);
}

int criu_local_check_version(criu_opts *o, int minimum)
{
	int version = criu_local_get_version(o);

	if (version < 0)
		return version;
	return version >= minimum;
}

int criu_local_feature_check(criu_opts *o, struct criu_feature_check *features, size_t size)
{
	CriuFeatures f = CRIU_FEATURES__INIT;
	struct criu_feature_check want = {};
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp;
	int ret;

	saved_errno = 0;
	if (!features || size > sizeof(want))
		return -EINVAL;
	memcpy(&want, features, size);
	f.has_mem_track = want.mem_track;
	f.mem_track = want.mem_track;
	f.has_lazy_pages = want.lazy_pages;
	f.lazy_pages = want.lazy_pages;
	f.has_pidfd_store = want.pidfd_store;
	f.pidfd_store = want.pidfd_store;
	req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	req.features = &f;
	ret = one_request(o, &req, &resp);
	if (!ret && (!resp->success || !resp->features))
		ret = -EBADE;
	if (!ret) {
		want.mem_track = want.mem_track && resp->features->mem_track;
		want.lazy_pages = want.lazy_pages && resp->features->lazy_pages;
		want.pidfd_store = want.pidfd_store && resp->features->pidfd_store;
		memcpy(features, &want, size);
	}
	return finish(resp, ret);
}

int criu_check(void)
{
	return criu_local_check(libcriu_global_opts);
}

int criu_dump(void)
{
	return criu_local_dump(libcriu_global_opts);
}

int criu_pre_dump(void)
{
	return criu_local_pre_dump(libcriu_global_opts);
}

int criu_restore(void)
{
	return criu_local_restore(libcriu_global_opts);
}

int criu_restore_child(void)
{
	return criu_local_restore_child(libcriu_global_opts);
}

int criu_dump_iters(int (*more)(criu_predump_info pi))
{
	return criu_local_dump_iters(libcriu_global_opts, more);
}

int criu_get_version(void)
{
	return criu_local_get_version(libcriu_global_opts);
}

int criu_check_version(int minimum)
{
	return criu_local_check_version(libcriu_global_opts, minimum);
}

int criu_feature_check(struct criu_feature_check *features, size_t size)
{
	return criu_local_feature_check(libcriu_global_opts, features, size);
}
