// SPDX-License-Identifier: GPL-2.0
/*
 * The areas of a task and their raw vm_flags from a task_vma BPF
 * iterator (criu/bpf/vma-iter.bpf.c), instead of /proc/PID/smaps, whose
 * read walks every page table to count pages.
 *
 * libbpf rather than a loader of our own: the program reads struct
 * vm_area_struct, whose layout differs between kernels (vm_flags went
 * into a union in 6.3), and libbpf's CO-RE relocation against the
 * running kernel's BTF is what makes one object work on all of them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "vma-iter.h"

extern const char vma_iter_obj[], vma_iter_obj_end[];

struct vma_iter {
	struct bpf_object *obj;
	struct bpf_program *prog;
};

/* libbpf's own messages: at debug level, one write each */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > 0)
		pr_debug("libbpf: %s", buf);
	return n;
}

int vma_iter_load(struct vma_iter **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "criu_vma_iter");
	struct vma_iter *vi;
	int ret;

	libbpf_set_print(libbpf_log);
	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	vi->obj = bpf_object__open_mem(vma_iter_obj, vma_iter_obj_end - vma_iter_obj, &oo);
	if (!vi->obj) {
		ret = -errno;
		pr_info("Can't open the task_vma BPF object: %s\n", strerror(-ret));
		goto err;
	}
	vi->prog = bpf_object__find_program_by_name(vi->obj, "vma_raw_flags");
	if (!vi->prog) {
		ret = -ENOENT;
		pr_info("No program vma_raw_flags in the task_vma BPF object\n");
		goto err;
	}
	ret = bpf_object__load(vi->obj);
	if (ret) {
		pr_info("Can't load the task_vma BPF program: %s\n", strerror(-ret));
		goto err;
	}
	*out = vi;
	return 0;
err:
	vma_iter_free(vi);
	return ret < 0 ? ret : -EINVAL;
}

/*
 * Room for more areas than vm.max_map_count allows by default, reserved
 * at once: a buffer that grew while criu reads its own areas (the
 * calibration) would add areas ahead of the iterator, without end.
 */
#define ITER_ROOM	(1UL << 26)

static int read_all(int fd, struct vma_raw **out, unsigned int *nr)
{
	size_t len = 0;
	char *buf;
	ssize_t n;
	int ret = 0;

	buf = mmap(NULL, ITER_ROOM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		return -errno;
	for (;;) {
		if (len == ITER_ROOM) {
			ret = -E2BIG;
			goto out;
		}
		n = read(fd, buf + len, ITER_ROOM - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	if (len % sizeof(struct vma_raw)) {
		ret = -EPROTO;
		goto out;
	}
	*out = malloc(len ? len : 1);
	if (!*out) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(*out, buf, len);
	*nr = len / sizeof(struct vma_raw);
out:
	munmap(buf, ITER_ROOM);
	return ret;
}

int vma_iter_read(struct vma_iter *vi, pid_t tid, struct vma_raw **out, unsigned int *nr)
{
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	union bpf_iter_link_info linfo;
	struct bpf_link *link;
	int fd, ret;

	memset(&linfo, 0, sizeof(linfo));
	linfo.task.tid = tid;	/* 6.1 and later; older kernels refuse it */
	ao.link_info = &linfo;
	ao.link_info_len = sizeof(linfo);
	link = bpf_program__attach_iter(vi->prog, &ao);
	if (!link) {
		ret = -errno;
		pr_info("Can't attach the task_vma iterator to thread %d: %s\n", tid,
			strerror(-ret));
		return ret;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		pr_info("Can't start the task_vma iterator of thread %d: %s\n", tid,
			strerror(-ret));
		goto out;
	}
	ret = read_all(fd, out, nr);
	if (ret)
		pr_info("Can't read the task_vma iterator of thread %d: %s\n", tid,
			strerror(-ret));
	close(fd);
out:
	bpf_link__destroy(link);
	return ret;
}

void vma_iter_free(struct vma_iter *vi)
{
	if (!vi)
		return;
	bpf_object__close(vi->obj);
	free(vi);
}
