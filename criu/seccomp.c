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
#include "pstree.h"
#include "rst-task.h"
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

/* The dump's list of filters, seccomp.img's one entry. */
struct seccomp_dump {
	SeccompEntry se;
	size_t cap;			/* slots in se.seccomp_filters */
};

/* struct sock_fprog as seccomp() takes it (x86_64) */
struct kfprog {
	uint16_t len;
	uint16_t pad[3];
	uint64_t filter;
};

static int seccomp_status(pid_t pid, int *mode, int *nr_filters)
{
	const char *v;
	ssize_t len;
	char *buf;

	len = read_proc_file(pid, "status", &buf);
	if (len < 0)
		return len;
	*mode = 0;
	*nr_filters = 0;
	v = proc_status_field(buf, "Seccomp:");
	if (v)
		*mode = atoi(v);
	v = proc_status_field(buf, "Seccomp_filters:");
	if (v)
		*nr_filters = atoi(v);
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
	/* the buffer was sized for the longest program */
	sf->filter.data = realloc(insns, n * sizeof(*insns)) ?: (uint8_t *)insns;
	sf->filter.len = n * sizeof(*insns);
	if (meta.flags) {
		sf->has_flags = true;
		sf->flags = meta.flags;
	}
	return 0;
}

/*
 * The filters of every thread of the tree go into one list, each filter
 * naming the one it was stacked on. A filter is entered once for all the
 * threads that have it (inherited through fork or clone, or synced with
 * TSYNC): same program, same flags, same filter below it.
 */
static int find_or_add(SeccompEntry *se, size_t *cap, SeccompFilter *sf,
		       uint32_t *idx)
{
	SeccompFilter **v;
	size_t i;

	for (i = 0; i < se->n_seccomp_filters; i++) {
		const SeccompFilter *o = se->seccomp_filters[i];

		if (o->has_prev == sf->has_prev && o->prev == sf->prev &&
		    o->has_flags == sf->has_flags && o->flags == sf->flags &&
		    o->filter.len == sf->filter.len &&
		    !memcmp(o->filter.data, sf->filter.data, sf->filter.len)) {
			free(sf->filter.data);
			free(sf);
			*idx = i;
			return 0;
		}
	}
	if (se->n_seccomp_filters == *cap) {
		size_t n = *cap ? *cap * 2 : 8;

		v = realloc(se->seccomp_filters, n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		se->seccomp_filters = v;
		*cap = n;
	}
	*idx = se->n_seccomp_filters;
	se->seccomp_filters[se->n_seccomp_filters++] = sf;
	return 0;
}

/* Thread @tid's chain, oldest first (index @nr - 1) to newest (0). */
static int dump_filters(pid_t tid, int nr, struct seccomp_dump *sd, uint32_t *newest)
{
	SeccompFilter *sf;
	uint32_t prev = 0;
	int i, ret;

	for (i = nr - 1; i >= 0; i--) {
		sf = malloc(sizeof(*sf));
		if (!sf)
			return -ENOMEM;
		ret = read_filter(tid, i, sf);
		if (ret) {
			free(sf);
			return ret;
		}
		if (i != nr - 1) {
			sf->has_prev = true;
			sf->prev = prev;
		}
		ret = find_or_add(&sd->se, &sd->cap, sf, &prev);
		if (ret) {
			free(sf->filter.data);
			free(sf);
			return ret;
		}
	}
	*newest = prev;
	return 0;
}

static int dump_seccomp_thread(pid_t tid, ThreadCoreEntry *thc, struct seccomp_dump *sd)
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
	ret = dump_filters(tid, nr, sd, &thc->seccomp_filter);
	thc->has_seccomp_filter = !ret;
	return ret;
}

int dump_seccomp(struct dump_ctx *dc, CoreEntry **cores)
{
	const struct pstree_item *item = dc->item;
	struct seccomp_dump *sd = dc->sess->seccomp;
	unsigned int i;
	int ret = 0;

	if (!sd) {
		sd = calloc(1, sizeof(*sd));
		if (!sd)
			return -ENOMEM;
		seccomp_entry__init(&sd->se);
		dc->sess->seccomp = sd;
	}
	/* an exited leader has no filters left to read */
	for (i = item->leader_dead ? 1 : 0; i < item->nr_threads && !ret; i++)
		ret = dump_seccomp_thread(item->threads[i], cores[i]->thread_core, sd);
	return ret;
}

int dump_seccomp_fini(struct dump_session *sess, bool write)
{
	struct seccomp_dump *sd = sess->seccomp;
	size_t i;
	int ret = 0;

	if (!sd)
		return 0;
	if (write && sd->se.n_seccomp_filters)
		ret = pb_write_image(sess->dfd, CR_FD_SECCOMP, 0, &sd->se,
				     &seccomp_entry__descriptor);
	for (i = 0; i < sd->se.n_seccomp_filters; i++) {
		free(sd->se.seccomp_filters[i]->filter.data);
		free(sd->se.seccomp_filters[i]);
	}
	free(sd->se.seccomp_filters);
	free(sd);
	sess->seccomp = NULL;
	return ret;
}

/* ---- restore ---- */

/*
 * The options the child or thread was traced with, and its seccomp
 * suspended: from the first filter on, a filter would apply to the calls
 * criu still injects.
 */
static int suspend_seccomp(pid_t tid, bool thread)
{
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_SUSPEND_SECCOMP;

	if (!thread)
		opts |= PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK;
	if (ptrace(PTRACE_SETOPTIONS, tid, 0, opts)) {
		pr_perror("Can't suspend seccomp in %d (PTRACE_O_SUSPEND_SECCOMP)", tid);
		return -errno;
	}
	return 0;
}

static int install_filter(struct rst_ctx *rc, const SeccompFilter *sf, bool tsync)
{
	struct kfprog prog = { .len = sf->filter.len / sizeof(struct sock_filter) };
	unsigned long a_prog, flags = sf->has_flags ? sf->flags : 0;
	long ret;

	if (tsync)
		flags |= SECCOMP_FILTER_FLAG_TSYNC;
	prog.filter = rst_scratch_put(rc, sf->filter.data, sf->filter.len);
	a_prog = rst_scratch_put(rc, &prog, sizeof(prog));
	if (!prog.filter || !a_prog)
		return -ENOSPC;
	ret = rst_syscall(rc, "seccomp(SECCOMP_SET_MODE_FILTER)", __NR_seccomp,
			  SECCOMP_SET_MODE_FILTER, flags, a_prog, 0, 0, 0);
	rst_scratch_reset(rc);
	if (ret > 0) {
		/* TSYNC names the thread it could not bring along */
		pr_err("seccomp TSYNC from %d: thread %ld has other filters\n",
		       rc->pid, ret);
		return -EBUSY;
	}
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

/* One thread of the process being restored, and its filters. */
struct seccomp_thread {
	struct rst_ctx *rc;
	const ThreadCoreEntry *thc;
	const SeccompFilter **chain;	/* oldest first */
	size_t len;
};

static int thread_chain(const SeccompEntry *se, struct seccomp_thread *st)
{
	const ThreadCoreEntry *thc = st->thc;
	int ret;

	st->len = 0;
	if (!thc->has_seccomp_mode || thc->seccomp_mode != SECCOMP_MODE_FILTER)
		return 0;
	if (!thc->has_seccomp_filter) {
		pr_err("core-%d.img: seccomp filter mode without a filter\n", st->rc->pid);
		return -EINVAL;
	}
	if (!se) {
		pr_err("seccomp.img is missing for pid %d\n", st->rc->pid);
		return -ENOENT;
	}
	st->chain = calloc(se->n_seccomp_filters, sizeof(*st->chain));
	if (!st->chain)
		return -ENOMEM;
	ret = filter_chain(se, thc->seccomp_filter, st->chain, &st->len);
	if (ret == -EINVAL)
		pr_err("seccomp.img: bad filter chain from filter %u of pid %d\n",
		       thc->seccomp_filter, st->rc->pid);
	return ret;
}

/* How many filters, oldest first, every live thread has in common. */
static size_t common_filters(const struct seccomp_thread *st, unsigned int n)
{
	size_t len = st[0].len, j;
	unsigned int i;

	for (i = 1; i < n; i++) {
		for (j = 0; j < len && j < st[i].len && st[i].chain[j] == st[0].chain[j]; j++)
			;
		len = j;
	}
	return len;
}

static int restore_strict(struct rst_ctx *rc)
{
	long ret = rst_syscall(rc, "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)",
			       __NR_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0, 0);

	return ret < 0 ? ret : 0;
}

/*
 * The filters all threads share go in once, from the first thread, with
 * TSYNC: the threads then share the same filter objects, as they did,
 * and a later TSYNC of the program's own succeeds as before. Each thread
 * then stacks the filters of its own.
 */
static int install_threads(struct seccomp_thread *st, unsigned int n, bool any_filter)
{
	size_t common, j;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		if (any_filter || st[i].thc->seccomp_mode == SECCOMP_MODE_STRICT)
			ret = suspend_seccomp(st[i].rc->pid, i > 0);
	common = n ? common_filters(st, n) : 0;
	for (j = 0; j < common && !ret; j++)
		ret = install_filter(st[0].rc, st[0].chain[j], n > 1);
	for (i = 0; i < n && !ret; i++) {
		for (j = common; j < st[i].len && !ret; j++)
			ret = install_filter(st[i].rc, st[i].chain[j], false);
		if (!ret && st[i].thc->has_seccomp_mode &&
		    st[i].thc->seccomp_mode == SECCOMP_MODE_STRICT)
			ret = restore_strict(st[i].rc);
		else if (!ret && st[i].thc->has_seccomp_mode &&
			 st[i].thc->seccomp_mode > SECCOMP_MODE_FILTER) {
			pr_err("core-%d.img: unknown seccomp mode %d\n", st[i].rc->pid,
			       st[i].thc->seccomp_mode);
			ret = -EINVAL;
		}
	}
	return ret;
}

static bool wants_filters(const struct rst_task *rt)
{
	unsigned int i;

	for (i = 0; i < rt->rc.item->nr_threads; i++) {
		const ThreadCoreEntry *thc = rt->cores[i]->thread_core;

		if (thc->has_seccomp_mode && thc->seccomp_mode == SECCOMP_MODE_FILTER)
			return true;
	}
	return false;
}

int restore_seccomp(struct rst_task *rt)
{
	const struct pstree_item *item = rt->rc.item;
	unsigned int i, n = 0, first = item->leader_dead ? 1 : 0;
	struct seccomp_thread *st;
	SeccompEntry *se = NULL;
	bool any_filter = wants_filters(rt);
	int ret = 0;

	if (any_filter)
		ret = pb_read_image(rt->rc.sess->dfd, CR_FD_SECCOMP, 0, (void **)&se,
				    &seccomp_entry__descriptor);
	st = calloc(item->nr_threads, sizeof(*st));
	if (!st)
		ret = ret ? ret : -ENOMEM;
	/* an exited leader exits again soon: only the live threads count */
	for (i = first; i < item->nr_threads && !ret; i++, n++) {
		st[n].rc = i ? &rt->threads[i - 1] : &rt->rc;
		st[n].thc = rt->cores[i]->thread_core;
		ret = thread_chain(se, &st[n]);
	}
	if (!ret)
		ret = install_threads(st, n, any_filter);
	for (i = 0; st && i < item->nr_threads; i++)
		free(st[i].chain);
	free(st);
	if (se)
		pb_free(se);
	return ret;
}
