// SPDX-License-Identifier: GPL-2.0
/*
 * Action scripts of an RPC client: each action is sent as a NOTIFY reply
 * naming it (with the restored pid where CRIU gives one, and a descriptor
 * for orphan-pts-master), and criu waits for the client's NOTIFY request
 * saying whether its handler succeeded.
 */
#include <errno.h>

#include "action-scripts.h"
#include "log.h"
#include "rpc.h"
#include "rpc-notify.h"

static int notify_sk = -1;
static pid_t root_pid;

void notify_set_root_pid(pid_t pid)
{
	root_pid = pid;
}

pid_t notify_root_pid(void)
{
	return root_pid;
}

static bool action_has_pid(enum script_action act)
{
	return act == ACT_SETUP_NS || act == ACT_POST_RESTORE;
}

static int rpc_notify(enum script_action act, int fd)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuNotify cn = CRIU_NOTIFY__INIT;
	CriuReq *req;
	int ret;

	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &cn;
	cn.script = (char *)script_action_name(act);
	if (action_has_pid(act) && root_pid > 0) {
		cn.has_pid = true;
		cn.pid = root_pid;
	}
	ret = rpc_send_resp(notify_sk, &resp, fd);
	if (ret)
		return ret;
	ret = rpc_recv_req(notify_sk, &req);
	if (ret) {
		pr_err("No answer from the RPC client to notification %s: %d\n",
		       cn.script, ret);
		return ret;
	}
	if (req->type != CRIU_REQ_TYPE__NOTIFY) {
		pr_err("RPC client answered notification %s with request type %d\n",
		       cn.script, req->type);
		ret = -EBADMSG;
	} else if (!req->notify_success) {
		pr_err("RPC client reported that its %s script failed\n", cn.script);
		ret = -ECANCELED;
	}
	criu_req__free_unpacked(req, NULL);
	return ret;
}

int rpc_notify_start(int sk)
{
	notify_sk = sk;
	set_script_notifier(rpc_notify);
	return 0;
}
