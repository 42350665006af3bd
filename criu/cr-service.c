// SPDX-License-Identifier: GPL-2.0
/*
 * One RPC session (criu swrk, or a connection to criu service): requests
 * are read one per packet and answered as CRIU's service answers them.
 * Dumps, pre-dumps and checks run in a forked child each, so that one
 * request's state never leaks into the next; the child reports its
 * result and first error through a pipe and the session replies. A
 * restore runs in the session process itself: the restored process is
 * its child, as CRIU's are children of its service, and the session
 * ends with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cr-dump.h"
#include "cr-pre-dump.h"
#include "cr-restore.h"
#include "cr_options.h"
#include "log.h"
#include "ns-check.h"
#include "plugin.h"
#include "rpc.h"
#include "tls.h"
#include "rpc-notify.h"
#include "tracking.h"

/* The CRIU version whose interface criu-ooh implements. */
#define RPC_CRIU_MAJOR		4
#define RPC_CRIU_MINOR		2
#define RPC_CRIU_GITID		"criu-ooh-0.1"

/* What a request's child hands back to the session. */
struct rpc_result {
	int ret;			/* 0 or -errno */
	char errmsg[512];		/* the first error logged */
};

static const char *req_type_name(int type)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(&criu_req_type__descriptor, type);
	return v ? v->name : "unknown";
}

static int reply(const struct rpc_peer *peer, CriuResp *resp)
{
	return rpc_send_resp(peer->sk, resp, -1);
}

/* A failure reply of @type: cr_errno and cr_errmsg from @err and @fmt. */
static int reply_error(const struct rpc_peer *peer, int type, int err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int reply_error(const struct rpc_peer *peer, int type, int err,
		       const char *fmt, ...)
{
	CriuResp resp = CRIU_RESP__INIT;
	char msg[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	pr_err("RPC: %s\n", msg);
	resp.type = type;
	resp.success = false;
	resp.has_cr_errno = err != 0;
	resp.cr_errno = err;
	resp.cr_errmsg = msg;
	return reply(peer, &resp);
}

static void fill_result(CriuResp *resp, const struct rpc_result *res)
{
	resp->success = res->ret == 0;
	if (res->ret) {
		resp->has_cr_errno = true;
		resp->cr_errno = -res->ret;
		resp->cr_errmsg = (char *)(res->errmsg[0] ? res->errmsg : strerror(-res->ret));
	}
}

static int open_imgs_dir(bool for_dump)
{
	int dfd = open(opts.imgs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		pr_perror("RPC: can't open the images folder %s", opts.imgs_dir);
		return -errno;
	}
	if (for_dump && faccessat(dfd, ".", W_OK, AT_EACCESS)) {
		pr_perror("RPC: images folder %s is not writable", opts.imgs_dir);
		close(dfd);
		return -errno;
	}
	return dfd;
}

static int child_dump(const CriuReq *req, const struct rpc_peer *peer)
{
	bool pre = req->type != CRIU_REQ_TYPE__DUMP;
	CriuOpts empty = CRIU_OPTS__INIT;
	const CriuOpts *ro = req->opts ? req->opts : &empty;
	int ret, dfd;

	ret = rpc_setup_opts(ro, peer, true);
	if (!ret)
		ret = tls_check_options(pre ? "pre-dump" : "dump");
	if (!opts.pid)
		opts.pid = peer->pid;	/* CRIU: no pid dumps the client */
	if (ret) {
		/* Say everything that stands in the way at once. */
		if (opts.pid)
			check_namespaces(opts.pid);
		return ret;
	}
	dfd = open_imgs_dir(true);
	if (dfd < 0)
		return dfd;
	ret = pre ? cr_pre_dump_tasks(opts.pid, dfd) : cr_dump_tasks(opts.pid, dfd, -1);
	close(dfd);
	return ret;
}

static int child_check(const CriuReq *req, const struct rpc_peer *peer)
{
	CriuOpts empty = CRIU_OPTS__INIT;
	int ret;

	ret = rpc_setup_opts(req->opts ? req->opts : &empty, peer, false);
	if (!ret)
		ret = tls_check_options("check");
	if (ret)
		return ret;
	/* "Looks good." belongs in the log, not on the client's stdout. */
	if (dup2(log_get_fd(), STDOUT_FILENO) < 0)
		return -errno;
	return cr_check();
}

/* FEATURE_CHECK: what criu-ooh can do on this kernel. */
static int child_features(const CriuReq *req, const struct rpc_peer *peer)
{
	const struct dirty_tracker *tr;
	CriuResp resp = CRIU_RESP__INIT;
	CriuFeatures f = CRIU_FEATURES__INIT;
	const CriuFeatures *ask = req->features;

	log_init(NULL, LOG_ERROR);
	f.has_mem_track = f.has_lazy_pages = f.has_pidfd_store = true;
	if (ask && ask->has_mem_track && ask->mem_track)
		f.mem_track = !select_dirty_tracker("auto", &tr) && strcmp(tr->name, "none");
	/* criu-ooh has neither lazy pages nor a pidfd store yet. */
	f.lazy_pages = false;
	f.pidfd_store = false;
	resp.type = req->type;
	resp.success = true;
	resp.features = &f;
	return reply(peer, &resp);
}

typedef int (*rpc_child_fn)(const CriuReq *req, const struct rpc_peer *peer);

/*
 * Run @fn in a child. It returns 0 when the child has replied itself,
 * 1 with @res filled when the session must reply, or -errno.
 */
static int run_in_child(rpc_child_fn fn, const CriuReq *req, const struct rpc_peer *peer,
			struct rpc_result *res)
{
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(pfd, O_CLOEXEC)) {
		pr_perror("RPC: pipe");
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		pr_perror("RPC: fork for a %s request", req_type_name(req->type));
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		close(pfd[0]);
		log_forget_first_error();
		res->ret = fn(req, peer);
		if (log_first_error())
			snprintf(res->errmsg, sizeof(res->errmsg), "%s", log_first_error());
		log_fini();
		n = write(pfd[1], res, sizeof(*res));
		_exit(n == sizeof(*res) ? 0 : 1);
	}
	close(pfd[1]);
	n = read(pfd[0], res, sizeof(*res));
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		pr_perror("RPC: waitpid %d", pid);
	if (n == sizeof(*res))
		return req->type == CRIU_REQ_TYPE__FEATURE_CHECK && !res->ret ? 0 : 1;
	res->ret = -EIO;
	snprintf(res->errmsg, sizeof(res->errmsg),
		 "criu-ooh's worker for the %s request died (status 0x%x)",
		 req_type_name(req->type), status);
	return 1;
}

static int handle_child_req(rpc_child_fn fn, const CriuReq *req, const struct rpc_peer *peer)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuDumpResp dr = CRIU_DUMP_RESP__INIT;
	struct rpc_result res;
	int ret;

	ret = run_in_child(fn, req, peer, &res);
	if (ret <= 0)
		return ret;
	resp.type = req->type;
	fill_result(&resp, &res);
	if (req->type == CRIU_REQ_TYPE__DUMP) {
		dr.has_restored = true;
		resp.dump = &dr;
	}
	ret = reply(peer, &resp);
	return ret ? ret : res.ret;
}

static int handle_version(const CriuReq *req, const struct rpc_peer *peer)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuVersion v = CRIU_VERSION__INIT;

	v.major_number = RPC_CRIU_MAJOR;
	v.minor_number = RPC_CRIU_MINOR;
	v.gitid = RPC_CRIU_GITID;
	resp.type = req->type;
	resp.success = true;
	resp.version = &v;
	return reply(peer, &resp);
}

static int handle_wait_pid(const CriuReq *req, const struct rpc_peer *peer)
{
	CriuResp resp = CRIU_RESP__INIT;
	int status;

	if (!req->has_pid || waitpid(req->pid, &status, 0) != (pid_t)req->pid)
		return reply_error(peer, req->type, req->has_pid ? errno : EINVAL,
				   "WAIT_PID: can't wait for pid %u: %s", req->pid,
				   req->has_pid ? strerror(errno) : "no pid in the request");
	resp.type = req->type;
	resp.success = true;
	resp.has_status = true;
	resp.status = status;
	return reply(peer, &resp);
}

static int handle_restore(const CriuReq *req, const struct rpc_peer *peer)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuRestoreResp rr = CRIU_RESTORE_RESP__INIT;
	CriuOpts empty = CRIU_OPTS__INIT;
	int ret, dfd;

	log_forget_first_error();
	ret = rpc_setup_opts(req->opts ? req->opts : &empty, peer, true);
	if (!ret)
		ret = tls_check_options("restore");
	/* The session, not the client, is the parent: it must not wait. */
	opts.restore_detached = true;
	if (!ret) {
		dfd = open_imgs_dir(false);
		ret = dfd < 0 ? dfd : cr_restore_tasks(dfd);
		if (dfd >= 0)
			close(dfd);
	}
	resp.type = req->type;
	resp.success = ret == 0;
	rr.pid = -1;
	if (!ret) {
		rr.pid = notify_root_pid();
	} else {
		resp.has_cr_errno = true;
		resp.cr_errno = ret < 0 ? -ret : EIO;
		resp.cr_errmsg = (char *)log_first_error();
	}
	resp.restore = &rr;
	return reply(peer, &resp);
}

/* PRE_DUMP: pre-dumps go on in the same session until the final DUMP. */
static int handle_pre_dump_loop(CriuReq *req, const struct rpc_peer *peer)
{
	int ret;

	for (;;) {
		ret = handle_child_req(child_dump, req, peer);
		criu_req__free_unpacked(req, NULL);
		if (ret)
			return ret;
		ret = rpc_recv_req(peer->sk, &req);
		if (ret == -ECONNRESET)
			return 0;	/* the client is done: a pre-dump only */
		if (ret)
			return reply_error(peer, CRIU_REQ_TYPE__EMPTY, EBADMSG,
					   "after PRE_DUMP: a packet that is not a criu_req");
		if (req->type == CRIU_REQ_TYPE__DUMP)
			break;
		if (req->type != CRIU_REQ_TYPE__PRE_DUMP) {
			ret = reply_error(peer, CRIU_REQ_TYPE__EMPTY, EINVAL,
					  "after PRE_DUMP only PRE_DUMP or DUMP may follow, not %s",
					  req_type_name(req->type));
			criu_req__free_unpacked(req, NULL);
			return ret ? ret : -EINVAL;
		}
	}
	ret = handle_child_req(child_dump, req, peer);
	criu_req__free_unpacked(req, NULL);
	return ret;
}

/* CRIU keeps a session open after these only. */
static bool keep_open_allowed(int type)
{
	switch (type) {
	case CRIU_REQ_TYPE__PAGE_SERVER:
	case CRIU_REQ_TYPE__PAGE_SERVER_CHLD:
	case CRIU_REQ_TYPE__CPUINFO_DUMP:
	case CRIU_REQ_TYPE__CPUINFO_CHECK:
	case CRIU_REQ_TYPE__FEATURE_CHECK:
	case CRIU_REQ_TYPE__VERSION:
		return true;
	default:
		return false;
	}
}

static int handle_req(CriuReq *req, const struct rpc_peer *peer)
{
	switch (req->type) {
	case CRIU_REQ_TYPE__VERSION:
		return handle_version(req, peer);
	case CRIU_REQ_TYPE__FEATURE_CHECK:
		return handle_child_req(child_features, req, peer);
	case CRIU_REQ_TYPE__CHECK:
		return handle_child_req(child_check, req, peer);
	case CRIU_REQ_TYPE__DUMP:
	case CRIU_REQ_TYPE__SINGLE_PRE_DUMP:
		return handle_child_req(child_dump, req, peer);
	case CRIU_REQ_TYPE__RESTORE:
		return handle_restore(req, peer);
	case CRIU_REQ_TYPE__WAIT_PID:
		return handle_wait_pid(req, peer);
	case CRIU_REQ_TYPE__PAGE_SERVER:
	case CRIU_REQ_TYPE__PAGE_SERVER_CHLD:
		return reply_error(peer, req->type, EOPNOTSUPP,
				   "%s: criu-ooh has no page server yet", req_type_name(req->type));
	case CRIU_REQ_TYPE__CPUINFO_DUMP:
	case CRIU_REQ_TYPE__CPUINFO_CHECK:
		return reply_error(peer, req->type, EOPNOTSUPP,
				   "%s: criu-ooh does not dump or check CPU features (cpuinfo.img) yet",
				   req_type_name(req->type));
	default:
		return reply_error(peer, CRIU_REQ_TYPE__EMPTY, EINVAL,
				   "request type %d (%s) is not one criu serves here",
				   req->type, req_type_name(req->type));
	}
}

int rpc_serve(struct rpc_peer *peer)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	CriuReq *req;
	bool more;
	int ret;

	if (getsockopt(peer->sk, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		pr_perror("RPC: SO_PEERCRED on socket %d", peer->sk);
		return -errno;
	}
	peer->pid = cr.pid;
	do {
		ret = rpc_recv_req(peer->sk, &req);
		if (ret == -ECONNRESET)
			return 0;
		if (ret)
			return reply_error(peer, CRIU_REQ_TYPE__EMPTY, EBADMSG,
					   "the packet is not a criu_req (rpc.proto)") ? : ret;
		more = req->keep_open;
		if (more && !keep_open_allowed(req->type)) {
			ret = reply_error(peer, req->type, EINVAL,
					  "keep_open is not allowed with %s requests",
					  req_type_name(req->type));
			criu_req__free_unpacked(req, NULL);
			return ret ? ret : -EINVAL;
		}
		if (req->type == CRIU_REQ_TYPE__PRE_DUMP)
			return handle_pre_dump_loop(req, peer);
		ret = handle_req(req, peer);
		criu_req__free_unpacked(req, NULL);
	} while (more && ret >= 0);
	return ret;
}

static int rpc_init(void)
{
	if (rpc_opts_check_table())
		return -EINVAL;
	register_builtin_trackers();
	return load_plugins(NULL);
}

int cr_swrk(const char *fd_arg)
{
	struct rpc_peer peer = { .swrk = true };
	char *end;
	int ret;

	peer.sk = strtol(fd_arg, &end, 10);
	if (*end || peer.sk < 0) {
		fprintf(stderr, "Error: swrk needs a socket descriptor, not '%s'\n", fd_arg);
		return -EINVAL;
	}
	ret = rpc_init();
	if (!ret)
		ret = rpc_serve(&peer);
	close(peer.sk);
	return ret;
}
