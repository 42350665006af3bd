// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-pages daemon's client of the source's page server (`criu dump
 * --lazy-pages` on the other host, lazy-dump.c): one PS_IOV_GET per run
 * of pages, answered by a GET header with the pages it holds and their
 * data. Any failure is the daemon's end: the source is gone or lies, and
 * the tree must not run on.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "cr_options.h"
#include "lazy-daemon.h"
#include "log.h"
#include "page-server-proto.h"
#include "tls.h"

int lazy_remote_connect(void)
{
	int sk, one = 1;

	if (!opts.port) {
		pr_err("lazy-pages --page-server needs --port (and --address) of the source\n");
		return -EINVAL;
	}
	sk = tls_connect(opts.addr, opts.port, opts.timeout);
	/*
	 * A fault waits for its answer: no request may sit in the socket
	 * until an ACK of the one before comes back (Nagle's algorithm).
	 */
	if (sk >= 0 && setsockopt(sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		pr_perror("Can't set TCP_NODELAY on the page server's connection");
	return sk;
}

/* The answer to the GET of @g: its header, then its pages. */
static int recv_one(int sk, pid_t img_pid, uint64_t dst, const struct lazy_get *g)
{
	struct page_server_iov pi;
	int ret;

	ret = ps_recv_iov(sk, &pi);
	if (ret <= 0) {
		pr_err("The source's page server went away while pid %d's pages at %lx came (%d)\n",
		       img_pid, g->img_addr, ret);
		return ret ? ret : -ECONNABORTED;
	}
	if (ps_cmd(pi.cmd) != PS_IOV_GET || pi.vaddr != g->img_addr || pi.dst_id != dst ||
	    pi.nr_pages != g->npages) {
		unsigned long id = 0;
		unsigned int type;

		/* -1: an id that names no process */
		if (ps_dst_id_decode(pi.dst_id, &type, &id) || type != PS_TYPE_PID)
			id = -1UL;
		pr_err("The source's page server answered %s of %u pages at %llx of pid %ld"
		       " (id %llx) to a GET of %lu pages at %lx of pid %d\n",
		       ps_cmd_name(pi.cmd), pi.nr_pages, (unsigned long long)pi.vaddr, (long)id,
		       (unsigned long long)pi.dst_id, g->npages, g->img_addr, img_pid);
		return -EPROTO;
	}
	ret = ps_recv_all(sk, g->buf, g->npages * PS_PAGE_SIZE);
	if (ret <= 0) {
		pr_err("The source's page server broke off in pid %d's pages at %lx\n", img_pid,
		       g->img_addr);
		return ret ? ret : -ECONNABORTED;
	}
	return 0;
}

int lazy_remote_get_many(int sk, pid_t img_pid, const struct lazy_get *g, unsigned int n)
{
	uint64_t dst = ps_dst_id(PS_TYPE_PID, img_pid);
	struct page_server_iov *pi;
	unsigned int i;
	int ret;

	if (sk < 0) {
		pr_err("Pages %lx+%lu of pid %d are on the source's page server:"
		       " run lazy-pages with --page-server --address --port\n",
		       g->img_addr, g->npages, img_pid);
		return -ENOTCONN;
	}
	pi = calloc(n, sizeof(*pi));
	if (!pi)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pi[i].cmd = ps_cmd_encode(PS_IOV_GET, 0);
		pi[i].nr_pages = g[i].npages;
		pi[i].vaddr = g[i].img_addr;
		pi[i].dst_id = dst;
	}
	/*
	 * All the requests in one send: the server answers them in order,
	 * and a few KiB of them fit in the socket's buffer, so that it does
	 * not wait for this end to read the answers first.
	 */
	ret = ps_send_all(sk, pi, n * sizeof(*pi));
	free(pi);
	if (ret) {
		pr_err("The source's page server went away before pid %d's pages at %lx were asked (%d)\n",
		       img_pid, g->img_addr, ret);
		return ret;
	}
	for (i = 0; i < n && !ret; i++)
		ret = recv_one(sk, img_pid, dst, &g[i]);
	return ret;
}

int lazy_remote_get(int sk, pid_t img_pid, unsigned long img_addr, unsigned long npages,
		    char *buf)
{
	struct lazy_get g = { img_addr, npages, buf };

	return lazy_remote_get_many(sk, img_pid, &g, 1);
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
