// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor and mapping items of refused.c: kernel objects criu-ooh
 * can't rebuild (io_uring, BPF, perf, userfaultfd, pidfd, fanotify, an
 * anonymous inode it does not know, AIO rings, the rings of io_uring and
 * perf mapped), an inotify with events queued or with O_ASYNC, and an
 * epoll whose registered file only another process holds. Each is left open (or
 * mapped) in the target for the dump to find.
 */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SKIP	77
#define NOT_MINE 1000

static int skip_if_neg(long fd)
{
	return fd < 0 ? SKIP : 0;
}

static long uring(struct io_uring_params *p)
{
	memset(p, 0, sizeof(*p));
	return syscall(SYS_io_uring_setup, 4, p);
}

static int uring_map(void)
{
	struct io_uring_params p;
	long fd = uring(&p);
	void *m;

	if (fd < 0)
		return SKIP;
	m = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQ_RING);
	close(fd);		/* the mapping alone keeps the ring */
	return m == MAP_FAILED ? -1 : 0;
}

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static long bpf_map(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return bpf(BPF_MAP_CREATE, &a);
}

static long bpf_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (unsigned long)insns;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	return bpf(BPF_PROG_LOAD, &a);
}

static long perf_dummy(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static int perf_map(void)
{
	long fd = perf_dummy();
	void *m;

	if (fd < 0)
		return SKIP;
	m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return m == MAP_FAILED ? -1 : 0;
}

static int aio_ring(void)
{
	aio_context_t ctx = 0;

	return syscall(SYS_io_setup, 4, &ctx) ? SKIP : 0;
}

/* Events queued: a file created in a watched directory; nothing stays on disk. */
static int inotify_queued(void)
{
	char dir[] = "/tmp/refused-inotify.XXXXXX", path[64];
	int fd, f;

	if (!mkdtemp(dir))
		return -1;
	fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/f", dir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	if (f < 0)
		return -1;
	close(f);
	return unlink(path) || rmdir(dir) ? -1 : 0;
}

/*
 * An inotify set for signal-driven I/O (of these kinds only inotify takes
 * O_ASYNC): its owner and signal are not kept.
 */
static int inotify_async(void)
{
	int fd = inotify_init1(0);

	return fd < 0 || fcntl(fd, F_SETFL, O_ASYNC) ? -1 : 0;
}

/*
 * An epoll with a pipe registered that only a child still holds: the
 * target's own table has no descriptor of it. The child leaves when its
 * parent is gone.
 */
static int epoll_target_elsewhere(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	pid_t parent = getpid();
	int p[2], ep;

	ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		return -1;
	switch (fork()) {
	case -1:
		return -1;
	case 0:
		/* nothing else: the starter waits for EOF of its pipe */
		syscall(SYS_close_range, 3, p[0] - 1, 0);
		syscall(SYS_close_range, p[0] + 1, ~0U, 0);
		while (getppid() == parent)
			sleep(1);
		_exit(0);
	}
	close(p[0]);
	return 0;
}

/* 0 set up, SKIP can't be here, -1 failed, NOT_MINE not an item of this file */
int set_fd_item(const char *item)
{
	struct io_uring_params p;

	if (!strcmp(item, "io_uring"))
		return skip_if_neg(uring(&p));
	if (!strcmp(item, "io_uring_map"))
		return uring_map();
	if (!strcmp(item, "bpf_map"))
		return skip_if_neg(bpf_map());
	if (!strcmp(item, "bpf_prog"))
		return skip_if_neg(bpf_prog());
	if (!strcmp(item, "perf_event"))
		return skip_if_neg(perf_dummy());
	if (!strcmp(item, "perf_map"))
		return perf_map();
	if (!strcmp(item, "userfaultfd"))
		return skip_if_neg(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
	if (!strcmp(item, "pidfd"))
		return skip_if_neg(syscall(SYS_pidfd_open, getpid(), 0));
	if (!strcmp(item, "fanotify"))
		return skip_if_neg(syscall(SYS_fanotify_init, 0, O_RDONLY));
	if (!strcmp(item, "anon_unknown"))	/* anon_inode:[fscontext] */
		return skip_if_neg(syscall(SYS_fsopen, "tmpfs", 0));
	if (!strcmp(item, "aio_ring"))
		return aio_ring();
	if (!strcmp(item, "epoll_target_elsewhere"))
		return epoll_target_elsewhere();
	if (!strcmp(item, "inotify_async"))
		return inotify_async();
	if (!strcmp(item, "inotify_queued"))
		return inotify_queued();
	return NOT_MINE;
}
