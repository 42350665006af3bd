/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGE_XFER_H
#define CRIU_PAGE_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cr_img;
struct dump_ctx;
struct page_server_conn;

/*
 * Where a dump's pages go: one set of operations for the local images
 * (pagemap-PID.img and pages-N.img in -D) and for a page server (the
 * same entries and data sent over TCP with CRIU's protocol). The
 * memory dumper (mem.c) does not know which it talks to.
 *
 * For one process: open, then entries in address order. The data of
 * PE_PRESENT entries is handed over as one byte stream in entry order
 * (write_data/splice_data, in pieces of any size, also across entries),
 * so the dumper can batch its copies; a backend that needs each entry's
 * data right behind it (the page server) pairs them up itself. close
 * checks that every announced byte came.
 */
struct page_xfer;

struct page_xfer_ops {
	const char *name;
	int (*open)(struct page_xfer *x, struct dump_ctx *dc);
	/* [vaddr, vaddr + nr_pages pages) with PE_PRESENT, PE_PARENT, PE_LAZY */
	int (*write_entry)(struct page_xfer *x, unsigned long vaddr,
			   unsigned long nr_pages, uint32_t flags);
	int (*write_data)(struct page_xfer *x, const void *buf, size_t len);
	/* @len bytes out of the pipe @pipe_fd */
	int (*splice_data)(struct page_xfer *x, int pipe_fd, size_t len);
	/* 0 or -errno; the images are complete only after a 0 */
	int (*close)(struct page_xfer *x);
	/* give up: nothing written may pass for complete */
	void (*abort)(struct page_xfer *x);
};

/* A queued entry of the page server backend waiting for its data. */
struct xfer_pending {
	uint64_t vaddr;
	uint32_t nr_pages;
	uint32_t flags;
};

struct page_xfer {
	const struct page_xfer_ops *ops;
	pid_t pid;
	bool has_parent;		/* the receiver holds a parent image */
	uint64_t data_expected;		/* bytes announced by entries */
	uint64_t data_written;		/* bytes handed over */

	/* local images */
	struct cr_img *pagemap;
	struct cr_img *pages;

	/* page server */
	struct page_server_conn *conn;
	uint64_t dst_id;
	struct cr_img *record;		/* pagemap-sent-PID.img in -D */
	struct xfer_pending *queue;	/* entries not yet sent, in order */
	unsigned int q_head, q_nr, q_cap;
	uint64_t q_left;		/* bytes of the head entry not yet sent */
	bool q_head_sent;		/* its header went out */
};

/*
 * Begin the pages of the process of @dc: to the page server when the
 * dump session has one (dc->sess->ps), else to the local images.
 */
int page_xfer_open(struct page_xfer *x, struct dump_ctx *dc);

/*
 * The connection of one dump or pre-dump to a page server
 * (--page-server --address --port): made before the tree is frozen,
 * finished with FLUSH_N_CLOSE once every process's pages are sent (the
 * server's images become complete only then), or dropped on failure
 * (the server then discards what it received).
 */
struct page_server_conn {
	int sk;
	void (*old_sigpipe)(int);	/* splice() to a closed socket raises SIGPIPE */
	const char *addr;
	int port;
	uint64_t bytes_sent;
};

int page_server_connect(struct page_server_conn **pc);
int page_server_finish(struct page_server_conn *pc);
void page_server_drop(struct page_server_conn *pc);

/* `criu page-server`: serve one dump into -D. 0 or -errno. */
int cr_page_server(void);

#endif /* CRIU_PAGE_XFER_H */
