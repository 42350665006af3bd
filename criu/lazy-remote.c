// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-pages daemon's client of the source's page server (`criu dump
 * --lazy-pages` on the other host, lazy-dump.c): one PS_IOV_GET per run
 * of pages, answered by a GET header with the pages it holds and their
 * data. Any failure is the daemon's end: the source is gone or lies, and
 * the tree must not run on.
 */
#include <errno.h>
#include <stdint.h>

#include "cr_options.h"
#include "lazy-daemon.h"
#include "log.h"
#include "page-server-proto.h"
#include "tls.h"

int lazy_remote_connect(void)
{
	if (!opts.port) {
		pr_err("lazy-pages --page-server needs --port (and --address) of the source\n");
		return -EINVAL;
	}
	return tls_connect(opts.addr, opts.port, opts.timeout);
}

int lazy_remote_get(int sk, pid_t img_pid, unsigned long img_addr, unsigned long npages,
		    char *buf)
{
	uint64_t dst = ps_dst_id(PS_TYPE_PID, img_pid);
	struct page_server_iov pi;
	int ret;

	if (sk < 0) {
		pr_err("Pages %lx+%lu of pid %d are on the source's page server:"
		       " run lazy-pages with --page-server --address --port\n",
		       img_addr, npages, img_pid);
		return -ENOTCONN;
	}
	ret = ps_send_iov(sk, PS_IOV_GET, 0, npages, img_addr, dst);
	if (!ret) {
		ret = ps_recv_iov(sk, &pi);
		if (ret == 0)
			ret = -ECONNABORTED;
		else if (ret > 0)
			ret = 0;
	}
	if (ret) {
		pr_err("The source's page server went away while pid %d's pages at %lx came (%d)\n",
		       img_pid, img_addr, ret);
		return ret;
	}
	if (ps_cmd(pi.cmd) != PS_IOV_GET || pi.vaddr != img_addr || pi.dst_id != dst ||
	    pi.nr_pages != npages) {
		pr_err("The source's page server answered %s of %u pages at %llx to a GET of %lu"
		       " pages at %lx of pid %d\n", ps_cmd_name(pi.cmd), pi.nr_pages,
		       (unsigned long long)pi.vaddr, npages, img_addr, img_pid);
		return -EPROTO;
	}
	ret = ps_recv_all(sk, buf, npages * PS_PAGE_SIZE);
	if (ret <= 0) {
		pr_err("The source's page server broke off in pid %d's pages at %lx\n", img_pid,
		       img_addr);
		return ret ? ret : -ECONNABORTED;
	}
	return 0;
}

int lazy_remote_close(int sk)
{
	int32_t status;
	int ret;

	ret = ps_send_iov(sk, PS_IOV_FLUSH_N_CLOSE, 0, 0, 0, 0);
	if (!ret)
		ret = ps_recv_all(sk, &status, sizeof(status));
	if (ret <= 0 || status) {
		pr_err("The source's page server did not close cleanly (%d, %d)\n", ret,
		       ret > 0 ? status : 0);
		return ret < 0 ? ret : -EPROTO;
	}
	return 0;
}
