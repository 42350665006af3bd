// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp of a thread: strict mode (1), or the chain of filters of mode
 * 2 as their BPF programs.
 *
 * The dump reads each filter with PTRACE_SECCOMP_GET_FILTER (index 0 is
 * the newest) and its flags with PTRACE_SECCOMP_GET_METADATA, and writes
 * the chain oldest first into seccomp.img, each filter naming the one
 * before it; the thread's core names its newest.
 *
 * The child installs them oldest first. Installing a filter needs
 * CAP_SYS_ADMIN or no_new_privs, so it happens before the credentials
 * are dropped; from then on the filters would apply to every call criu
 * still injects, and could fail or kill them, so criu first sets
 * PTRACE_O_SUSPEND_SECCOMP on the child. The option lasts until criu
 * detaches, when the filters take effect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "dump.h"
#include "image.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"
#include "task-state.h"

#include "seccomp.pb-c.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER	0x420c
#endif
#ifndef PTRACE_SECCOMP_GET_METADATA
#define PTRACE_SECCOMP_GET_METADATA	0x420d
#endif
/* the longest program the kernel accepts */
#define BPF_MAXINSNS_	4096

struct seccomp_meta {
	uint64_t filter_off;
	uint64_t flags;
};

/* struct sock_fprog as seccomp() takes it (x86_64) */
struct kfprog {
	uint16_t len;
	uint16_t pad[3];
	uint64_t filter;
};

static int seccomp_status(pid_t pid, int *mode, int *nr_filters)
{
	char *buf, *p;
	ssize_t len;

	len = read_proc_file(pid, "status", &buf);
	if (len < 0)
		return len;
	*mode = 0;
	*nr_filters = 0;
	p = strstr(buf, "\nSeccomp:");
	if (p)
		*mode = atoi(p + 9);
	p = strstr(buf, "\nSeccomp_filters:");
	if (p)
		*nr_filters = atoi(p + 17);
	free(buf);
	return 0;
}

static int read_filter(pid_t pid, unsigned long idx, SeccompFilter *sf)
{
	struct seccomp_meta meta = { .filter_off = idx };
	struct sock_filter *insns;
	long n;

	insns = calloc(BPF_MAXINSNS_, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, idx, insns);
	if (n <= 0 || ptrace(PTRACE_SECCOMP_GET_METADATA, pid, sizeof(meta), &meta) < 0) {
		int ret = n ? -errno : -EINVAL;

		pr_perror("Can't read seccomp filter %lu of pid %d", idx, pid);
		free(insns);
		return ret;
	}
	seccomp_filter__init(sf);
	sf->filter.data = (uint8_t *)insns;
	sf->filter.len = n * sizeof(*insns);
	if (meta.flags) {
		sf->has_flags = true;
		sf->flags = meta.flags;
	}
	return 0;
}

/* Filters oldest first; each names the one before it. */
static int dump_filters(pid_t pid, int nr, SeccompEntry *se)
{
	SeccompFilter *sfs;
	int i, ret;

	sfs = calloc(nr, sizeof(*sfs));
	se->seccomp_filters = calloc(nr, sizeof(*se->seccomp_filters));
	if (!sfs || !se->seccomp_filters) {
		free(sfs);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		ret = read_filter(pid, nr - 1 - i, &sfs[i]);
		if (ret)
			return ret;
		if (i) {
			sfs[i].has_prev = true;
			sfs[i].prev = i - 1;
		}
		se->seccomp_filters[i] = &sfs[i];
	}
	se->n_seccomp_filters = nr;
	return 0;
}

int dump_seccomp_thread(pid_t tid, ThreadCoreEntry *thc, SeccompEntry *se)
{
	int mode = 0, nr = 0, ret;

	ret = seccomp_status(tid, &mode, &nr);
	if (ret)
		return ret;
	thc->has_seccomp_mode = true;
	thc->seccomp_mode = mode;
	if (mode != SECCOMP_MODE_FILTER)
		return 0;
	if (nr <= 0) {
		pr_err("Thread %d is in seccomp filter mode without filters\n", tid);
		return -EINVAL;
	}
	if (se->n_seccomp_filters) {
		pr_err("criu: pid %d: seccomp filters of more than one thread: not supported yet\n",
		       tid);
		return -EOPNOTSUPP;
	}
	ret = dump_filters(tid, nr, se);
	if (ret)
		return ret;
	thc->has_seccomp_filter = true;
	thc->seccomp_filter = nr - 1;
	return 0;
}

static void free_filters(SeccompEntry *se)
{
	size_t i;

	for (i = 0; i < se->n_seccomp_filters; i++)
		free(se->seccomp_filters[i]->filter.data);
	if (se->seccomp_filters)
		free(se->seccomp_filters[0]);
	free(se->seccomp_filters);
}

int dump_seccomp(struct dump_ctx *dc, CoreEntry *core)
{
	SeccompEntry se = SECCOMP_ENTRY__INIT;
	int ret;

	ret = dump_seccomp_thread(dc->pid, core->thread_core, &se);
	if (!ret && se.n_seccomp_filters && dc->sess->seccomp_written) {
		pr_err("criu: pid %d: seccomp filters in more than one process: not supported yet\n",
		       dc->pid);
		ret = -EOPNOTSUPP;
	}
	if (!ret && se.n_seccomp_filters) {
		ret = pb_write_image(dc->sess->dfd, CR_FD_SECCOMP, 0, &se,
				     &seccomp_entry__descriptor);
		dc->sess->seccomp_written = !ret;
	}
	free_filters(&se);
	return ret;
}

/* ---- restore ---- */

/* The options compel_wait_traceme_child() set, and seccomp suspended. */
static int suspend_child_seccomp(pid_t pid)
{
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_SUSPEND_SECCOMP;

	if (ptrace(PTRACE_SETOPTIONS, pid, 0, opts)) {
		pr_perror("Can't suspend seccomp in pid %d (PTRACE_O_SUSPEND_SECCOMP)", pid);
		return -errno;
	}
	return 0;
}

static int install_filter(struct rst_ctx *rc, const SeccompFilter *sf)
{
	struct kfprog prog = { .len = sf->filter.len / sizeof(struct sock_filter) };
	unsigned long a_prog;
	long ret;

	prog.filter = rst_scratch_put(rc, sf->filter.data, sf->filter.len);
	a_prog = rst_scratch_put(rc, &prog, sizeof(prog));
	if (!prog.filter || !a_prog)
		return -ENOSPC;
	ret = rst_syscall(rc, "seccomp(SECCOMP_SET_MODE_FILTER)", __NR_seccomp,
			  SECCOMP_SET_MODE_FILTER, sf->has_flags ? sf->flags : 0,
			  a_prog, 0, 0, 0);
	rst_scratch_reset(rc);
	return ret < 0 ? ret : 0;
}

/* The chain ending at @newest, checked: oldest first into @order. */
static int filter_chain(const SeccompEntry *se, uint32_t newest,
			const SeccompFilter **order, size_t *n)
{
	uint32_t idx = newest;
	size_t len = 0, i;

	for (;;) {
		const SeccompFilter *sf;

		if (idx >= se->n_seccomp_filters || len == se->n_seccomp_filters)
			return -EINVAL;
		sf = se->seccomp_filters[idx];
		if (!sf->filter.len || sf->filter.len % sizeof(struct sock_filter) ||
		    sf->filter.len > BPF_MAXINSNS_ * sizeof(struct sock_filter))
			return -EINVAL;
		order[len++] = sf;
		if (!sf->has_prev)
			break;
		idx = sf->prev;
	}
	for (i = 0; i < len / 2; i++) {
		const SeccompFilter *t = order[i];

		order[i] = order[len - 1 - i];
		order[len - 1 - i] = t;
	}
	*n = len;
	return 0;
}

static int restore_filters(struct rst_ctx *rc, const ThreadCoreEntry *thc,
			   const SeccompEntry *se)
{
	const SeccompFilter **order;
	size_t n = 0, i;
	int ret;

	order = calloc(se->n_seccomp_filters ?: 1, sizeof(*order));
	ret = order ? filter_chain(se, thc->seccomp_filter, order, &n) : -ENOMEM;
	if (ret == -EINVAL)
		pr_err("seccomp.img: bad filter chain from filter %u of pid %d\n",
		       thc->seccomp_filter, rc->pid);
	if (!ret)
		ret = suspend_child_seccomp(rc->pid);
	for (i = 0; i < n && !ret; i++)
		ret = install_filter(rc, order[i]);
	free(order);
	return ret;
}

int restore_seccomp_thread(struct rst_ctx *rc, const ThreadCoreEntry *thc,
			   const SeccompEntry *se)
{
	long ret;

	if (!thc->has_seccomp_mode || thc->seccomp_mode == SECCOMP_MODE_DISABLED)
		return 0;
	if (thc->seccomp_mode == SECCOMP_MODE_FILTER) {
		if (!thc->has_seccomp_filter) {
			pr_err("core-%d.img: seccomp filter mode without a filter\n", rc->pid);
			return -EINVAL;
		}
		if (!se) {
			pr_err("seccomp.img is missing for pid %d\n", rc->pid);
			return -ENOENT;
		}
		return restore_filters(rc, thc, se);
	}
	if (thc->seccomp_mode != SECCOMP_MODE_STRICT) {
		pr_err("core-%d.img: unknown seccomp mode %d\n", rc->pid, thc->seccomp_mode);
		return -EINVAL;
	}
	ret = suspend_child_seccomp(rc->pid);
	if (!ret)
		ret = rst_syscall(rc, "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)",
				  __NR_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0,
				  0, 0);
	return ret < 0 ? ret : 0;
}

int restore_seccomp(struct rst_ctx *rc, const CoreEntry *core)
{
	const ThreadCoreEntry *thc = core->thread_core;
	SeccompEntry *se = NULL;
	int ret;

	if (thc->has_seccomp_mode && thc->seccomp_mode == SECCOMP_MODE_FILTER) {
		ret = pb_read_image(rc->sess->dfd, CR_FD_SECCOMP, 0, (void **)&se,
				    &seccomp_entry__descriptor);
		if (ret)
			return ret;
	}
	ret = restore_seccomp_thread(rc, thc, se);
	if (se)
		pb_free(se);
	return ret;
}
