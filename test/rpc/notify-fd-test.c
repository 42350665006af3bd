// SPDX-License-Identifier: GPL-2.0
/*
 * A notification that carries a descriptor (orphan-pts-master: runc and
 * crun get the pty master this way), end to end: criu's notifier
 * (criu/rpc-notify.c, registered as a session does) sends it by
 * SCM_RIGHTS inside a CHECK session, and libcriu's callback gets it from
 * criu_get_orphan_pts_master_fd(). The file is a temporary one; the test
 * compares inodes. One line, then the counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-scripts.h"
#include "criu.h"
#include "rpc.h"
#include "rpc-notify.h"

static script_notify_fn notifier;
static struct stat sent;
static int cb_result = -1;

/* Stands in for the command line's action-scripts.c. */
void set_script_notifier(script_notify_fn fn)
{
	notifier = fn;
}

const char *script_action_name(enum script_action act)
{
	return act == ACT_ORPHAN_PTS_MASTER ? "orphan-pts-master" : "other";
}

/* The criu side: one CHECK request, one notification with @fd, a reply. */
static int fake_criu(int sk, int fd)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuReq *req;

	if (rpc_recv_req(sk, &req) || req->type != CRIU_REQ_TYPE__CHECK)
		return 1;
	rpc_notify_start(sk);
	if (!notifier || notifier(ACT_ORPHAN_PTS_MASTER, fd))
		return 2;
	resp.type = CRIU_REQ_TYPE__CHECK;
	resp.success = true;
	return rpc_send_resp(sk, &resp, -1) ? 3 : 0;
}

static int on_notify(char *action, criu_notify_arg_t na)
{
	struct stat got;
	int fd = criu_get_orphan_pts_master_fd();

	if (strcmp(action, "orphan-pts-master") || fd < 0 || fstat(fd, &got))
		cb_result = -EBADF;
	else
		cb_result = got.st_ino == sent.st_ino && got.st_dev == sent.st_dev ? 0 : -ENOENT;
	return cb_result;
}

int main(void)
{
	char path[] = "/tmp/rpc-notify-fd.XXXXXX";
	int sks[2], fd, ret, status;
	pid_t pid;

	fd = mkstemp(path);
	if (fd < 0 || fstat(fd, &sent) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sks))
		return 2;
	unlink(path);
	pid = fork();
	if (pid == 0) {
		close(sks[0]);
		_exit(fake_criu(sks[1], fd));
	}
	close(sks[1]);
	close(fd);
	if (criu_init_opts())
		return 2;
	criu_set_service_fd(sks[0]);
	criu_set_notify_cb(on_notify);
	ret = criu_check();
	waitpid(pid, &status, 0);
	if (ret || cb_result || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("FAIL notify/orphan_pts_master_fd: check %d, callback %d, criu side %#x\n",
		       ret, cb_result, status);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	printf("PASS notify/orphan_pts_master_fd\n");
	printf("1 passed, 0 failed\n");
	return 0;
}
