/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_LAZY_PAGES_H
#define CRIU_LAZY_PAGES_H

/*
 * Lazy (post-copy) restore. `criu restore --lazy-pages` maps the tree as
 * usual but leaves the pages of private anonymous areas out: each process
 * registers those areas with a userfaultfd of its own (created by an
 * injected call, so that it belongs to the process's address space), and
 * criu hands the descriptor with the process's pid to the lazy-pages
 * daemon over the unix socket lazy-pages.socket in the image folder. The
 * daemon (`criu lazy-pages`, lazy-daemon.c) serves every fault from the
 * images and pushes the other pages in the background.
 *
 * The socket carries one message per datagram (SOCK_SEQPACKET). The
 * daemon listens (and says so on --status-fd) before it reads the
 * images, so that the restore reads them at the same time; it accepts
 * the restore's connection once it has read them and reached the source,
 * and greets it with LAZY_MSG_READY. The restore waits for that before it
 * creates any process: a daemon that fails before, closes the socket and
 * the restore fails with nothing made. Then the restore sends, each
 * answered by a struct lazy_reply:
 *   LAZY_MSG_TASK  pid of a process, its userfaultfd in SCM_RIGHTS
 *   LAZY_MSG_DONE  every process was sent: the tree is about to run
 * A connection closed before LAZY_MSG_DONE means the restore failed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <sys/mman.h>

#include "vma.h"

#include "mm.pb-c.h"

#define LAZY_SOCKET_NAME	"lazy-pages.socket"
#define LAZY_MSG_MAGIC		0x4c5a5047U	/* "LZPG" */

enum lazy_msg_type {
	LAZY_MSG_TASK = 1,
	LAZY_MSG_DONE = 2,
	LAZY_MSG_READY = 3,		/* daemon -> restore, once, first */
};

struct lazy_msg {
	uint32_t magic;
	uint32_t type;			/* enum lazy_msg_type */
	int32_t pid;
	uint32_t pad;
};

struct lazy_reply {
	int32_t status;			/* 0 or -errno */
};

struct rst_task;
struct pagemap_set;

/* lazy-msg.c: send one message, @fd attached when >= 0. 0 or -EPIPE. */
int lazy_msg_send(int sk, uint32_t type, int pid, int fd);
/*
 * A message the daemon received from the restore: @n bytes, recvmsg()'s
 * @msg_flags. 0 for a TASK or DONE of the right size and magic, or
 * -EINVAL with what is wrong printed (size, magic, type). The pid is the
 * daemon's to check against its images.
 */
int lazy_msg_check(const struct lazy_msg *m, long n, int msg_flags);

/*
 * An area whose pages a lazy restore leaves to the daemon, as CRIU
 * chooses them: private anonymous memory, not locked (mlock would fault
 * every page in before the daemon has it), not huge pages, not the
 * kernel's special areas. Nor the main stack: the kernel reads the
 * arguments and environment there for /proc/PID/cmdline and environ
 * (ps, pgrep) without waiting for a userfaultfd, and fails instead.
 */
static inline bool vma_can_be_lazy(const VmaEntry *v)
{
	return (v->status & VMA_ANON_PRIVATE) && !(v->flags & MAP_LOCKED) &&
	       !(v->status & VMA_AREA_STACK) && !(v->flags & MAP_GROWSDOWN) &&
	       !(v->flags & MAP_HUGETLB) &&
	       !(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_AREA_VSYSCALL));
}

/*
 * The same rule on an area of the dump, once its VmFlags are known
 * (after smaps): the fields mm-PID.img will record for it are its own.
 */
static inline bool vma_area_can_be_lazy(const struct vma_area *vma)
{
	VmaEntry ve = VMA_ENTRY__INIT;

	ve.status = vma->status;
	ve.flags = vma->flags;
	return vma_can_be_lazy(&ve);
}

struct rst_session;

/*
 * lazy-areas.c: move the pieces of @ps that lie in lazy areas of @mm to
 * @lazy (cut at area boundaries), leaving the others in @ps. 0 or -errno.
 */
int lazy_split_pagemap(const MmEntry *mm, struct pagemap_set *ps,
		       struct pagemap_set *lazy);

/*
 * Pages that a dump --lazy-pages left on the source (PAGES_SRC_REMOTE)
 * can't be filled by the restore: -EINVAL naming the first in @ps.
 */
int pagemap_check_local(const struct pagemap_set *ps, int pid);

/* uffd.c, the restore side. 0 or -errno. */
/* Connect to the daemon of image folder @rs->dfd before anything is created. */
int lazy_connect(struct rst_session *rs);
/* Wait until the daemon greets the connection (LAZY_MSG_READY). */
int lazy_wait_ready(struct rst_session *rs);
/* Register the task's lazy areas with a userfaultfd and send it to the daemon. */
int lazy_register_task(struct rst_task *rt);
/* Tell the daemon that the tree is complete. */
int lazy_finish(struct rst_session *rs);
void lazy_disconnect(struct rst_session *rs);

/*
 * lazy-dump.c: dump --lazy-pages. Listen on --address/--port before the
 * dump (a socket or -errno); once its images are complete (the lazy
 * pages left out of them), serve those pages from @tree, still seized,
 * to the daemon until it has them all. 0 or -errno.
 */
struct pstree;
int lazy_dump_listen(void);
int lazy_dump_serve(int lsk, const struct pstree *tree);

/* lazy-daemon.c: `criu lazy-pages -D DIR`. */
int cr_lazy_pages(int dfd);

#endif /* CRIU_LAZY_PAGES_H */
