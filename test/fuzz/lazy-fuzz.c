// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what the lazy-pages daemon takes from outside
 * (layout in lazy-fuzz.h):
 *   - a message of the restore on lazy-pages.socket: lazy_msg_check();
 *   - the source's page server's replies to its PS_IOV_GETs
 *     (lazy-remote.c, over a real socket);
 *   - userfaultfd events with their addresses: faults, mremap, munmap,
 *     madvise, fork, and the background push (lazy-procs.c), handed to
 *     lazy_proc_handle() or written to a pipe that lazy_proc_events()
 *     reads as the userfaultfd.
 * UFFDIO_COPY and UFFDIO_ZEROPAGE on the fake userfaultfd answer what
 * the input's script says (ioctl() is this file's own for it).
 *
 * Whatever the input: no crash, leak or hang; a copy comes from inside
 * the daemon's buffer, is page-aligned and not empty; after each step
 * the pending ranges are page-aligned, sorted and disjoint, the count of
 * pending pages and of holes is theirs, and a refused message is one
 * that lazy_msg_check() must refuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr_options.h"
#include "lazy-daemon.h"
#include "lazy-fuzz.h"
#include "tls.h"
#include "vma.h"

#define LF_MAX_INPUT	65536
#define LF_MAX_FD	4096

struct cr_options opts;

int tls_connect(const char *addr, int port, int timeout_s)
{
	return -ENOTSUP;	/* lazy_remote_connect() is not fuzzed */
}

static bool fake_fd[LF_MAX_FD];
static const uint8_t *script;
static size_t script_len;
static char *copy_buf;
static size_t copy_buf_len;

static volatile unsigned long sink;

static void die(const char *what)
{
	perror(what);
	abort();
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static enum lazy_fuzz_answer next_answer(void)
{
	if (!script_len)
		return LFA_OK;
	script_len--;
	return *script++ % LFA_NR;
}

static int fake_copy(struct uffdio_copy *uc)
{
	unsigned long i;
	const char *src = (const char *)(unsigned long)uc->src;

	if (!uc->len || uc->len % PAGE_SIZE || uc->dst % PAGE_SIZE)
		fail("UFFDIO_COPY of %llu bytes at %llx", uc->len, uc->dst);
	if (src < copy_buf || uc->len > copy_buf_len || src + uc->len > copy_buf + copy_buf_len)
		fail("UFFDIO_COPY from outside the daemon's buffer (%p, %llu bytes)", src, uc->len);
	for (i = 0; i < uc->len; i += 512)
		sink += src[i];	/* read: the sanitizers see a stray buffer */
	switch (next_answer()) {
	case LFA_OK:
		uc->copy = uc->len;
		return 0;
	case LFA_PARTIAL:
		uc->copy = (uc->len / 2) & ~(PAGE_SIZE - 1);
		errno = EAGAIN;
		if (!uc->copy)
			break;
		return -1;
	case LFA_EEXIST:
		errno = EEXIST;
		break;
	case LFA_ENOENT:
		errno = ENOENT;
		break;
	case LFA_EAGAIN:
		errno = EAGAIN;
		break;
	case LFA_ESRCH:
		errno = ESRCH;
		break;
	default:
		errno = EFAULT;
		break;
	}
	uc->copy = -errno;
	return -1;
}

static int fake_zero(struct uffdio_zeropage *z)
{
	if (z->range.len != PAGE_SIZE || z->range.start % PAGE_SIZE)
		fail("UFFDIO_ZEROPAGE of %llu bytes at %llx", z->range.len, z->range.start);
	switch (next_answer()) {
	case LFA_OK:
		z->zeropage = PAGE_SIZE;
		return 0;
	case LFA_EEXIST:
		errno = EEXIST;
		break;
	case LFA_EAGAIN:
		errno = EAGAIN;
		break;
	case LFA_ESRCH:
		errno = ESRCH;
		break;
	default:
		errno = EFAULT;
		break;
	}
	return -1;
}

/* The daemon's ioctls: the fake userfaultfds' here, the others to the kernel. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd >= LF_MAX_FD || !fake_fd[fd])
		return syscall(SYS_ioctl, fd, req, arg);
	if (req == UFFDIO_COPY)
		return fake_copy(arg);
	if (req == UFFDIO_ZEROPAGE)
		return fake_zero(arg);
	fail("ioctl 0x%lx on the userfaultfd", req);
	return -1;
}

static int fake_uffd(int fd)
{
	if (fd < 0 || fd >= LF_MAX_FD)
		die("fake userfaultfd");
	fake_fd[fd] = true;
	return fd;
}

static void check_msg(const struct lazy_fuzz_head *h)
{
	long n = h->msg_len % 24;
	int flags = (h->msg_flags & 1 ? MSG_TRUNC : 0) | (h->msg_flags & 2 ? MSG_CTRUNC : 0);
	bool good = n == sizeof(h->msg) && !flags && h->msg.magic == LAZY_MSG_MAGIC &&
		    (h->msg.type == LAZY_MSG_TASK || h->msg.type == LAZY_MSG_DONE);
	int ret = lazy_msg_check(&h->msg, n, flags);

	if (ret != (good ? 0 : -EINVAL))
		fail("lazy_msg_check() of %ld bytes, magic %x, type %u, flags %x: %d", n,
		     h->msg.magic, h->msg.type, flags, ret);
}

static void check_ranges(const struct lazy_proc *p, const char *after)
{
	unsigned long pending = 0, end = 0;
	unsigned int i, holes = 0;

	if (p->dead)
		return;
	if (p->first > p->nr)
		fail("after %s: first %u of %u ranges", after, p->first, p->nr);
	for (i = 0; i < p->nr; i++) {
		const struct page_range *r = &p->r[i];

		if (r->vaddr % PAGE_SIZE || r->len % PAGE_SIZE || r->vaddr + r->len < r->vaddr)
			fail("after %s: range %u %lx+%lx", after, i, r->vaddr, r->len);
		if (i < p->first && r->len)
			fail("after %s: range %u before the first (%u) is no hole", after, i,
			     p->first);
		if (r->vaddr + r->len < end || (r->len && r->vaddr < end))
			fail("after %s: range %u %lx+%lx overlaps or is out of order (end %lx)",
			     after, i, r->vaddr, r->len, end);
		end = r->vaddr + r->len;
		holes += !r->len;
		pending += r->len / PAGE_SIZE;
	}
	if (pending != p->pending || holes != p->holes)
		fail("after %s: %lu pending pages counted %lu, %u holes counted %u", after, pending,
		     p->pending, holes, p->holes);
}

/* The process's pending pages before any event. */
static const struct page_range start_ranges[] = {
	{ 0x10000, 4 * PAGE_SIZE, 0, 0 },
	{ 0x14000, 2 * PAGE_SIZE, 0x14000, PAGES_SRC_REMOTE },
	{ 0x20000, 8 * PAGE_SIZE, 4 * PAGE_SIZE, 0 },
	{ 0x30000, 1 * PAGE_SIZE, 0x30000, PAGES_SRC_REMOTE },
	{ 0x31000, 3 * PAGE_SIZE, 12 * PAGE_SIZE, 0 },
};

static int pages_fd = -1;

static void setup(void)
{
	static char page[PAGE_SIZE];
	int i;

	pages_fd = memfd_create("lazy-fuzz-pages", MFD_CLOEXEC);
	if (pages_fd < 0)
		die("memfd");
	for (i = 0; i < LF_LOCAL_PAGES; i++) {
		memset(page, i + 1, sizeof(page));
		if (write(pages_fd, page, sizeof(page)) != sizeof(page))
			die("pages file");
	}
	copy_buf_len = LAZY_BUF_PAGES * PAGE_SIZE;
	copy_buf = malloc(copy_buf_len);
	if (!copy_buf)
		die("malloc");
}

/* What the daemon sent to the page server: read and dropped, so it never blocks. */
static void drain(int sk)
{
	char buf[4096];

	while (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static struct uffd_msg event_of(const struct lazy_fuzz_op *o, int op)
{
	struct uffd_msg m = {};

	switch (op) {
	case LF_FAULT:
		m.event = UFFD_EVENT_PAGEFAULT;
		m.arg.pagefault.address = o->a;
		break;
	case LF_REMAP:
		m.event = UFFD_EVENT_REMAP;
		m.arg.remap.from = o->a;
		m.arg.remap.to = o->b;
		m.arg.remap.len = o->c;
		break;
	case LF_UNMAP:
	case LF_REMOVE:
		m.event = op == LF_UNMAP ? UFFD_EVENT_UNMAP : UFFD_EVENT_REMOVE;
		m.arg.remove.start = o->a;
		m.arg.remove.end = o->b;
		break;
	case LF_FORK:
		m.event = UFFD_EVENT_FORK;
		break;
	default:
		m.event = o->a;
		m.arg.reserved.reserved1 = o->b;
		m.arg.reserved.reserved2 = o->c;
		break;
	}
	/* the kernel hands a new descriptor: never one the input names */
	if (m.event == UFFD_EVENT_FORK)
		m.arg.fork.ufd = fake_uffd(open("/dev/null", O_RDONLY | O_CLOEXEC));
	return m;
}

/* One operation; 0 to go on, -errno: the daemon ends. */
static int step(struct lazy_proc *p, const struct lazy_fuzz_op *o, int qfd)
{
	struct lazy_proc *child = NULL;
	struct uffd_msg m;
	int op = o->op % LF_NR;
	long ret;

	if (op == LF_PUSH) {
		ret = lazy_proc_push(p, copy_buf, o->a % 1024);
		if (ret > LAZY_BUF_PAGES)
			fail("push of %ld pages, more than %d", ret, LAZY_BUF_PAGES);
		return ret < 0 ? ret : 0;
	}
	m = event_of(o, op == LF_READ ? LF_EVENT : op);
	if (op == LF_READ) {
		if (write(qfd, &m, sizeof(m)) != sizeof(m))
			die("queue an event");
		ret = lazy_proc_events(p, copy_buf, &child);
	} else {
		ret = lazy_proc_handle(p, &m, copy_buf, &child);
	}
	if (m.event == UFFD_EVENT_FORK && !child && !ret)
		fail("fork handled, but no child");
	/* a fork that failed closed the child's descriptor itself */
	if (child) {
		check_ranges(child, "fork");
		lazy_proc_free(child);
	}
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pagemap_set lazy = { (struct page_range *)start_ranges,
				    sizeof(start_ranges) / sizeof(start_ranges[0]) };
	struct pagemap_set src = { .pages_fds = &pages_fd, .nr_srcs = 1 };
	struct lazy_fuzz_head h;
	struct lazy_fuzz_op o;
	struct lazy_proc *p;
	int sv[2], q[2], i;
	size_t reply_len;

	if (size < sizeof(h) || size > LF_MAX_INPUT)
		return 0;
	if (pages_fd < 0)
		setup();
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	check_msg(&h);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	reply_len = h.reply_len < size ? h.reply_len : size;
	if (reply_len && write(sv[1], data, reply_len) != (ssize_t)reply_len)
		die("write replies");
	shutdown(sv[1], SHUT_WR);
	data += reply_len;
	size -= reply_len;
	script_len = h.script_len < size ? h.script_len : size;
	script = data;
	data += script_len;
	size -= script_len;

	if (pipe2(q, O_CLOEXEC | O_NONBLOCK))
		die("pipe");
	p = lazy_proc_new(1234, fake_uffd(q[0]), &lazy, &src);
	if (!p)
		die("lazy_proc_new");
	p->ps_sk = sv[0];
	check_ranges(p, "start");
	/* a process gone (ESRCH) is forgotten: the daemon polls it no more */
	for (i = 0; size >= sizeof(o) && !p->dead; i++) {
		int ret;

		memcpy(&o, data, sizeof(o));
		data += sizeof(o);
		size -= sizeof(o);
		ret = step(p, &o, q[1]);
		drain(sv[1]);
		if (ret > 0)
			fail("step %d answered %d", i, ret);
		if (ret)
			break;
		check_ranges(p, "a step");
	}
	fake_fd[q[0]] = false;
	lazy_proc_free(p);
	close(q[1]);
	close(sv[0]);
	close(sv[1]);
	memset(fake_fd, 0, sizeof(fake_fd));
	return 0;
}
