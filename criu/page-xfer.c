// SPDX-License-Identifier: GPL-2.0
/*
 * Where a dump's pages go (page-xfer.h): the local images, or a page
 * server reached over TCP with CRIU's protocol (page-server-proto.h).
 *
 * The page server backend keeps a copy of every entry it sends in
 * pagemap-sent-PID.img in -D: the next incremental dump reads it to
 * know what the server's parent images hold (its pages never come back
 * to this host), and the name keeps it apart from the pagemap-PID.img
 * the server writes, so both folders can be merged on the target.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cr_options.h"
#include "dump.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "page-server-proto.h"
#include "page-xfer.h"
#include "pstree.h"
#include "tls.h"
#include "vma.h"

#include "pagemap.pb-c.h"

static int write_pagemap_entry(struct cr_img *img, unsigned long vaddr,
			       unsigned long nr_pages, uint32_t flags)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;

	pe.vaddr = vaddr;
	pe.nr_pages = nr_pages;
	pe.has_flags = true;
	pe.flags = flags;
	return pb_write_one(img, &pe, &pagemap_entry__descriptor);
}

static int write_pagemap_head(struct cr_img *img, uint32_t pages_id)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;

	ph.pages_id = pages_id;
	return pb_write_one(img, &ph, &pagemap_head__descriptor);
}

static int count_entry(struct page_xfer *x, unsigned long nr_pages, uint32_t flags)
{
	if (nr_pages == 0 || nr_pages > UINT32_MAX) {
		pr_err("Pagemap entry of %lu pages in pid %d\n", nr_pages, x->pid);
		return -EINVAL;
	}
	/* a lazy entry's pages stay with the dumping criu (lazy-dump.c) */
	if ((flags & PE_PRESENT) && !(flags & PE_LAZY))
		x->data_expected += (uint64_t)nr_pages << PAGE_SHIFT;
	return 0;
}

static int check_all_data(struct page_xfer *x)
{
	if (x->data_written == x->data_expected)
		return 0;
	pr_err("Pages of pid %d: %llu bytes announced, %llu written\n", x->pid,
	       (unsigned long long)x->data_expected,
	       (unsigned long long)x->data_written);
	return -EIO;
}

/* --- local images ------------------------------------------------------ */

static int local_open(struct page_xfer *x, struct dump_ctx *dc)
{
	x->pagemap = open_image(dc->sess->dfd, CR_FD_PAGEMAP, O_DUMP, dc->item->pid);
	if (!x->pagemap)
		return -EIO;
	/* one entry per run: a final dump's scattered pages made 10000 writes */
	if (img_buffer_writes(x->pagemap))
		return -ENOMEM;
	x->pages = open_image(dc->sess->dfd, CR_FD_PAGES, O_DUMP, dc->pages_id);
	if (!x->pages)
		return -EIO;
	return write_pagemap_head(x->pagemap, dc->pages_id);
}

static int local_write_entry(struct page_xfer *x, unsigned long vaddr,
			     unsigned long nr_pages, uint32_t flags)
{
	int ret = count_entry(x, nr_pages, flags);

	return ret ? ret : write_pagemap_entry(x->pagemap, vaddr, nr_pages, flags);
}

static int local_write_data(struct page_xfer *x, const void *buf, size_t len)
{
	int ret = write_img_buf(x->pages, buf, len);

	if (!ret)
		x->data_written += len;
	return ret;
}

static int local_splice_data(struct page_xfer *x, int pipe_fd, size_t len)
{
	int out = img_raw_fd(x->pages);

	while (len) {
		ssize_t n = splice(pipe_fd, NULL, out, NULL, len, SPLICE_F_MOVE);

		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;

			pr_perror("splice of %zu bytes into %s", len, img_name(x->pages));
			return err;
		}
		len -= n;
		x->data_written += n;
	}
	return 0;
}

static int local_close_images(struct page_xfer *x)
{
	int ret = 0;

	if (x->pages && close_image(x->pages))
		ret = -EIO;
	if (x->pagemap && close_image(x->pagemap))
		ret = -EIO;
	x->pages = x->pagemap = NULL;
	return ret;
}

static int local_close(struct page_xfer *x)
{
	int ret = check_all_data(x);
	int cl = local_close_images(x);

	return ret ? ret : cl;
}

/* The files are unlinked by the dump's images_discard(). */
static void local_abort(struct page_xfer *x)
{
	local_close_images(x);
}

static const struct page_xfer_ops local_xfer_ops = {
	.name = "local images",
	.open = local_open,
	.write_entry = local_write_entry,
	.write_data = local_write_data,
	.splice_data = local_splice_data,
	.close = local_close,
	.abort = local_abort,
};

/* --- page server ------------------------------------------------------- */

static const char *conn_addr(const struct page_server_conn *c)
{
	return c->addr ? c->addr : "127.0.0.1";
}

static int ps_failed(struct page_xfer *x, const char *what, int err)
{
	pr_err("Page server at %s port %d: %s for pid %d failed: %s\n",
	       conn_addr(x->conn), x->conn->port, what,
	       x->pid, strerror(-err));
	return err;
}

static int server_open(struct page_xfer *x, struct dump_ctx *dc)
{
	char has_parent;
	int ret;

	x->conn = dc->sess->ps;
	x->dst_id = ps_dst_id(PS_TYPE_PID, dc->item->pid);
	ret = ps_send_iov(x->conn->sk, PS_IOV_OPEN2, 0, 0, 0, x->dst_id);
	if (ret)
		return ps_failed(x, "OPEN2", ret);
	ret = ps_recv_all(x->conn->sk, &has_parent, 1);
	if (ret <= 0)
		return ps_failed(x, "the answer to OPEN2", ret ? ret : -ECONNRESET);
	x->has_parent = has_parent;
	x->record = open_image(dc->sess->dfd, CR_FD_PAGEMAP_SENT, O_DUMP, dc->item->pid);
	if (!x->record)
		return -EIO;
	return write_pagemap_head(x->record, 0);
}

static int queue_push(struct page_xfer *x, unsigned long vaddr,
		      unsigned long nr_pages, uint32_t flags)
{
	struct xfer_pending *q;

	if (x->q_head == x->q_nr)
		x->q_head = x->q_nr = 0;
	if (x->q_nr == x->q_cap) {
		unsigned int cap = x->q_cap ? x->q_cap * 2 : 64;

		q = realloc(x->queue, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		x->queue = q;
		x->q_cap = cap;
	}
	q = &x->queue[x->q_nr++];
	q->vaddr = vaddr;
	q->nr_pages = nr_pages;
	q->flags = flags;
	return 0;
}

/*
 * Send what can go now: entries without data right away, the header of
 * the first entry with data, whose bytes then follow from write_data.
 */
static int queue_pump(struct page_xfer *x)
{
	while (x->q_head < x->q_nr) {
		struct xfer_pending *q = &x->queue[x->q_head];
		int ret;

		if (!x->q_head_sent) {
			ret = ps_send_iov(x->conn->sk, PS_IOV_ADD_F, q->flags, q->nr_pages,
					  q->vaddr, x->dst_id);
			if (ret)
				return ps_failed(x, "sending a pagemap entry", ret);
			x->q_head_sent = true;
			x->q_left = (q->flags & PE_PRESENT) ?
				    (uint64_t)q->nr_pages << PAGE_SHIFT : 0;
		}
		if (x->q_left)
			return 0;
		x->q_head++;
		x->q_head_sent = false;
	}
	return 0;
}

static int server_write_entry(struct page_xfer *x, unsigned long vaddr,
			      unsigned long nr_pages, uint32_t flags)
{
	int ret;

	if ((flags & PE_PARENT) && !x->has_parent) {
		pr_err("Page server at %s port %d has no parent images for pid %d, "
		       "but this dump records pages in the parent (start it with "
		       "--prev-images-dir)\n", conn_addr(x->conn),
		       x->conn->port, x->pid);
		return -EINVAL;
	}
	ret = count_entry(x, nr_pages, flags);
	if (!ret)
		ret = write_pagemap_entry(x->record, vaddr, nr_pages, flags);
	if (!ret)
		ret = queue_push(x, vaddr, nr_pages, flags);
	return ret ? ret : queue_pump(x);
}

/* The next piece of the data stream: at most what the head entry lacks. */
static int data_room(struct page_xfer *x, size_t len, size_t *chunk)
{
	if (x->q_head >= x->q_nr || !x->q_left) {
		pr_err("Pages of pid %d: %zu bytes of data beyond the pagemap entries\n",
		       x->pid, len);
		return -EIO;
	}
	*chunk = len < x->q_left ? len : x->q_left;
	return 0;
}

static int data_sent(struct page_xfer *x, size_t n)
{
	x->q_left -= n;
	x->data_written += n;
	x->conn->bytes_sent += n;
	return x->q_left ? 0 : queue_pump(x);
}

/* One piece of the data stream to the socket: from a buffer or a pipe. */
typedef int (*send_piece_fn)(int sk, const void *src, size_t off, size_t n);

static int piece_from_buf(int sk, const void *src, size_t off, size_t n)
{
	return ps_send_all(sk, (const char *)src + off, n);
}

static int piece_from_pipe(int sk, const void *src, size_t off, size_t n)
{
	return ps_splice_to(sk, *(const int *)src, n);
}

static int server_stream(struct page_xfer *x, size_t len, send_piece_fn send_piece,
			 const void *src)
{
	size_t off = 0, chunk;
	int ret;

	while (off < len) {
		ret = data_room(x, len - off, &chunk);
		if (!ret) {
			ret = send_piece(x->conn->sk, src, off, chunk);
			if (ret)
				return ps_failed(x, "sending pages", ret);
		}
		if (!ret)
			ret = data_sent(x, chunk);
		if (ret)
			return ret;
		off += chunk;
	}
	return 0;
}

static int server_write_data(struct page_xfer *x, const void *buf, size_t len)
{
	return server_stream(x, len, piece_from_buf, buf);
}

static int server_splice_data(struct page_xfer *x, int pipe_fd, size_t len)
{
	return server_stream(x, len, piece_from_pipe, &pipe_fd);
}

static void server_free(struct page_xfer *x)
{
	free(x->queue);
	x->queue = NULL;
	x->q_head = x->q_nr = x->q_cap = 0;
}

static int server_close(struct page_xfer *x)
{
	int ret = 0;

	if (x->q_head < x->q_nr) {
		pr_err("Pages of pid %d: %u pagemap entries still wait for their data\n",
		       x->pid, x->q_nr - x->q_head);
		ret = -EIO;
	}
	if (!ret)
		ret = check_all_data(x);
	if (x->record && close_image(x->record) && !ret)
		ret = -EIO;
	x->record = NULL;
	server_free(x);
	return ret;
}

static void server_abort(struct page_xfer *x)
{
	if (x->record)
		close_image(x->record);
	x->record = NULL;
	server_free(x);
}

static const struct page_xfer_ops server_xfer_ops = {
	.name = "page server",
	.open = server_open,
	.write_entry = server_write_entry,
	.write_data = server_write_data,
	.splice_data = server_splice_data,
	.close = server_close,
	.abort = server_abort,
};

int page_xfer_open(struct page_xfer *x, struct dump_ctx *dc)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->pid = dc->item->pid;
	x->ops = dc->sess->ps ? &server_xfer_ops : &local_xfer_ops;
	ret = x->ops->open(x, dc);
	if (ret)
		x->ops->abort(x);
	return ret;
}

/* --- the connection ---------------------------------------------------- */

/*
 * One question before anything is frozen: a server that refuses this
 * end (a TLS server checks the client's certificate only after the
 * client's handshake is done) or that speaks TLS to a dump without it
 * ends the session here, and the dump fails with the process untouched.
 * PARENT of the root pid asks nothing that changes the server's state.
 */
static int server_probe(struct page_server_conn *c)
{
	int32_t has;
	int ret;

	ret = ps_send_iov(c->sk, PS_IOV_PARENT, 0, 0, 0, ps_dst_id(PS_TYPE_PID, opts.pid));
	if (!ret)
		ret = ps_recv_all(c->sk, &has, sizeof(has));
	if (ret > 0)
		return 0;
	pr_err("Page server at %s port %d did not answer the dump's first question: %s%s\n",
	       conn_addr(c), c->port, ret ? strerror(-ret) : "it closed the connection",
	       opts.tls ? "" : " (a page server started with --tls does that to a dump without it)");
	return ret ? ret : -ECONNRESET;
}

static int server_conn_open(int sk, struct page_server_conn **pc)
{
	struct page_server_conn *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		ps_close(sk);
		return -ENOMEM;
	}
	c->sk = sk;
	c->old_sigpipe = signal(SIGPIPE, SIG_IGN);	/* an EPIPE is reported instead */
	c->addr = opts.addr;
	c->port = opts.port;
	ret = server_probe(c);
	if (ret) {
		page_server_drop(c);
		return ret;
	}
	*pc = c;
	return 0;
}

int page_server_connect(struct page_server_conn **pc)
{
	int sk, ret;

	*pc = NULL;
	if (!opts.use_page_server)
		return 0;
	if (!opts.port) {
		pr_err("--page-server needs the server's --port\n");
		return -EINVAL;
	}
	sk = tls_connect(opts.addr, opts.port, opts.timeout);
	if (sk < 0)
		return sk;
	ret = server_conn_open(sk, pc);
	if (ret)
		return ret;
	pr_info("Sending pages to the page server at %s port %d%s\n",
		conn_addr(*pc), opts.port, opts.tls ? " over TLS" : "");
	return 0;
}

/*
 * FLUSH_N_CLOSE: the server replies once it made its images complete.
 * Then its end closes; ours closes after the reply.
 */
int page_server_finish(struct page_server_conn *pc)
{
	const char *addr;
	int32_t status;
	int ret;

	if (!pc)
		return 0;
	addr = conn_addr(pc);
	ret = ps_send_iov(pc->sk, PS_IOV_FLUSH_N_CLOSE, 0, 0, 0, 0);
	if (!ret) {
		ret = ps_recv_all(pc->sk, &status, sizeof(status));
		if (ret == 0)
			ret = -ECONNRESET;
		else if (ret == 1)
			ret = status ? -EIO : 0;
	}
	if (ret)
		pr_err("Page server at %s port %d did not confirm the pages (%s): "
		       "its images are not complete\n", addr, pc->port,
		       ret == -EIO ? "it reported an error" : strerror(-ret));
	else
		pr_info("Page server at %s port %d has all %llu bytes of pages\n",
			addr, pc->port, (unsigned long long)pc->bytes_sent);
	page_server_drop(pc);
	return ret;
}

/* Closing without FLUSH tells the server to discard what it received. */
void page_server_drop(struct page_server_conn *pc)
{
	if (!pc)
		return;
	ps_close(pc->sk);	/* a TLS close_notify may still be sent: SIGPIPE ignored */
	signal(SIGPIPE, pc->old_sigpipe);
	free(pc);
}
