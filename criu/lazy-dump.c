// SPDX-License-Identifier: GPL-2.0
/*
 * `criu dump --lazy-pages --port P [--address A]`: the pages of the lazy
 * areas stay in the dumped processes, which this criu holds stopped, and
 * it serves them to the restoring host's lazy-pages daemon (PS_IOV_GET of
 * CRIU's page-server protocol, page-server-proto.h) until it has them all.
 *
 * The dump writes those areas' pagemap entries PE_LAZY and copies none of
 * their data (mem.c, write_pages()): pages-N.img holds only the other
 * pages, and the folder exactly what goes to the other host. A GET is
 * answered by reading the process's memory through /proc/PID/mem, opened
 * while the tree is held. The tree stays seized (a ptrace stop, which a
 * SIGCONT from anyone does not end) until the daemon is done, so what it
 * reads is what the process held at the dump; cr-dump.c then kills it,
 * stops it or lets it run, as the options say.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "action-scripts.h"
#include "compel.h"
#include "cr_options.h"
#include "dump.h"
#include "dump-task.h"
#include "lazy-pages.h"
#include "log.h"
#include "mem.h"
#include "page-server-proto.h"
#include "pstree.h"
#include "tls.h"

/* A run of pages the dump left in the process for the daemon. */
struct kept_run {
	unsigned long start, end;
};

/* A process with an address space of its own, and its lazy runs. */
struct kept_task {
	pid_t pid;			/* as the images (and the daemon) name it */
	int mem_fd;			/* /proc/PID/mem of that address space */
	/*
	 * Every thread that uses the address space (the process's and those
	 * of its children that share it): a read counts only if each is
	 * still in its ptrace stop after it, so none ran meanwhile.
	 */
	pid_t *tids;
	unsigned int nr_tids;
	struct kept_run *runs;		/* sorted by address */
	unsigned int nr;
};

struct lazy_src {
	struct kept_task *tasks;
	unsigned int nr;
	bool read_failed;		/* a GET could not be read: the dump fails */
};

static int keep_runs(struct kept_task *kt, const struct mem_plan *plan)
{
	unsigned int i, n = 0;

	for (i = 0; i < plan->nr; i++)
		n += plan->runs[i].lazy;
	kt->runs = calloc(n ? n : 1, sizeof(*kt->runs));
	if (!kt->runs)
		return -ENOMEM;
	for (i = 0; i < plan->nr; i++) {
		const struct pm_run *r = &plan->runs[i];

		if (!r->lazy)
			continue;
		/* runs of one area may abut: one kept run serves a GET across them */
		if (kt->nr && kt->runs[kt->nr - 1].end == r->start) {
			kt->runs[kt->nr - 1].end = r->end;
			continue;
		}
		kt->runs[kt->nr].start = r->start;
		kt->runs[kt->nr++].end = r->end;
	}
	return 0;
}

/* The live threads of every process of @t that uses the address space @vm_id. */
static int keep_tids(struct kept_task *kt, const struct pstree *t, uint32_t vm_id)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < t->nr; i++)
		if (!t->items[i]->zombie && t->items[i]->ids.vm_id == vm_id)
			n += t->items[i]->nr_threads;
	kt->tids = calloc(n ? n : 1, sizeof(*kt->tids));
	if (!kt->tids)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++) {
		const struct pstree_item *item = t->items[i];

		if (item->zombie || item->ids.vm_id != vm_id)
			continue;
		for (j = 0; j < item->nr_threads; j++)
			if (j || !item->leader_dead)
				kt->tids[kt->nr_tids++] = item->threads[j];
	}
	return 0;
}

static int keep_task(struct kept_task *kt, const struct pstree *t,
		     const struct pstree_item *item)
{
	const struct dmp_task *dt = item->dmp;
	char path[64];
	int ret;

	kt->pid = item->pid;
	snprintf(path, sizeof(path), "/proc/%d/mem", dt->dc.pid);
	kt->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (kt->mem_fd < 0) {
		ret = -errno;
		pr_perror("lazy dump: can't open %s", path);
		return ret;
	}
	ret = keep_runs(kt, &dt->plan);
	if (!ret)
		ret = keep_tids(kt, t, item->ids.vm_id);
	if (!ret)
		pr_info("lazy dump: pid %d keeps %u runs for the lazy-pages daemon\n",
			kt->pid, kt->nr);
	return ret;
}

static int keep_tasks(const struct pstree *t, struct lazy_src *src)
{
	unsigned int i;
	int ret = 0;

	src->tasks = calloc(t->nr ? t->nr : 1, sizeof(*src->tasks));
	if (!src->tasks)
		return -ENOMEM;
	for (i = 0; i < t->nr && !ret; i++) {
		const struct pstree_item *item = t->items[i];

		/* memory shared with the parent is in the parent's pagemap */
		if (item->zombie || !item->dmp || dmp_task_vm_shared(item->dmp))
			continue;
		src->tasks[src->nr].mem_fd = -1;
		ret = keep_task(&src->tasks[src->nr++], t, item);
	}
	return ret;
}

static void free_src(struct lazy_src *src)
{
	unsigned int i;

	for (i = 0; i < src->nr; i++) {
		if (src->tasks[i].mem_fd >= 0)
			close(src->tasks[i].mem_fd);
		free(src->tasks[i].runs);
		free(src->tasks[i].tids);
	}
	free(src->tasks);
}

/* The task of @pid if one kept run holds all of [@addr, @addr + @len). */
static int find_kept(const struct lazy_src *src, pid_t pid, unsigned long addr,
		     unsigned long len, const struct kept_task **out)
{
	unsigned int i, j, lo, hi;

	for (i = 0; i < src->nr && src->tasks[i].pid != pid; i++)
		;
	if (i == src->nr)
		return -ESRCH;
	/*
	 * The last run that starts at or below @addr: a pre-dump chain leaves
	 * tens of thousands of them, and a GET comes for each.
	 */
	lo = 0;
	hi = src->tasks[i].nr;
	while (lo < hi) {
		j = lo + (hi - lo) / 2;
		if (src->tasks[i].runs[j].start <= addr)
			lo = j + 1;
		else
			hi = j;
	}
	if (lo && addr + len <= src->tasks[i].runs[lo - 1].end) {
		*out = &src->tasks[i];
		return 0;
	}
	return -ENOENT;
}

/*
 * A thread in a ptrace stop answers PTRACE_PEEKUSER; one that left it
 * (SIGKILLed: it exits, and may write its clear_child_tid word on the
 * way) gets ESRCH. None can come back into the stop without us.
 */
static pid_t first_not_held(const struct kept_task *kt)
{
	unsigned int i;

	for (i = 0; i < kt->nr_tids; i++) {
		errno = 0;
		ptrace(PTRACE_PEEKUSER, kt->tids[i], 0, NULL);
		if (errno)
			return kt->tids[i];
	}
	return 0;
}

/* @len bytes at @addr of the held process, as it was at the dump. */
static int read_held(const struct kept_task *kt, char *buf, size_t len, unsigned long addr)
{
	ssize_t n;
	pid_t tid;

	n = pread(kt->mem_fd, buf, len, addr);
	if (n != (ssize_t)len) {
		if (n < 0)
			pr_perror("lazy dump: can't read %zu bytes at %lx of pid %d", len, addr,
				  kt->pid);
		else
			pr_err("lazy dump: can't read %zu bytes at %lx of pid %d: %zd read (it exited?)\n",
			       len, addr, kt->pid, n);
		return -EIO;
	}
	tid = first_not_held(kt);
	if (tid) {
		pr_err("lazy dump: thread %d of pid %d left its stop (killed?): the %zu bytes at %lx may be newer than the dump\n",
		       tid, kt->pid, len, addr);
		return -ESRCH;
	}
	return 0;
}

static int serve_get(int sk, struct lazy_src *src, struct page_server_iov *pi,
		     char *buf, size_t buf_len)
{
	unsigned long len = (unsigned long)pi->nr_pages * PAGE_SIZE, done;
	const struct kept_task *kt = NULL;
	unsigned int type;
	unsigned long id;
	size_t chunk;
	int ret;

	ret = ps_dst_id_decode(pi->dst_id, &type, &id);
	if (!ret && type == PS_TYPE_PID)
		ret = find_kept(src, id, pi->vaddr, len, &kt);
	else if (!ret)
		ret = -EINVAL;
	if (ret) {
		pr_err("lazy dump: GET of %u pages at %llx of %s %lu refused: %s\n",
		       pi->nr_pages, (unsigned long long)pi->vaddr,
		       type == PS_TYPE_PID ? "pid" : "image", id,
		       ret == -ESRCH ? "no such process in this dump" :
		       "not pages this dump kept for the daemon");
		return ps_send_iov(sk, PS_IOV_GET, 0, 0, pi->vaddr, pi->dst_id);
	}
	/*
	 * The first piece is read before the answer's header, so that a
	 * process that is gone is answered "no pages" (the daemon fails on
	 * it); a later piece that fails ends the connection mid-answer.
	 */
	chunk = len < buf_len ? len : buf_len;
	if (read_held(kt, buf, chunk, pi->vaddr)) {
		pr_err("lazy dump: GET of %u pages at %llx of pid %d answered with none\n",
		       pi->nr_pages, (unsigned long long)pi->vaddr, kt->pid);
		src->read_failed = true;
		return ps_send_iov(sk, PS_IOV_GET, 0, 0, pi->vaddr, pi->dst_id);
	}
	ret = ps_send_iov(sk, PS_IOV_GET, 0, pi->nr_pages, pi->vaddr, pi->dst_id);
	for (done = 0; !ret && done < len; done += chunk) {
		chunk = len - done < buf_len ? len - done : buf_len;
		if (done && read_held(kt, buf, chunk, pi->vaddr + done)) {
			src->read_failed = true;
			return -EIO;
		}
		ret = ps_send_all(sk, buf, chunk);
	}
	return ret;
}

/*
 * The daemon's commands until FLUSH_N_CLOSE. *@served says whether one
 * was taken at all: a peer that failed before (the wrong end, without
 * or with TLS where this end is not) is no daemon of this dump.
 */
static int serve_daemon(int sk, struct lazy_src *src, bool *served)
{
	struct page_server_iov pi;
	char why[160], *buf;
	size_t buf_len = PAGE_SIZE * 512;	/* a daemon's copy at most */
	int ret;

	buf = malloc(buf_len);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		int32_t zero = 0;

		ret = ps_recv_iov(sk, &pi);
		if (ret <= 0) {
			pr_err("lazy dump: the lazy-pages daemon went away before it had every page (%d)\n",
			       ret);
			ret = ret ? ret : -EPIPE;
			break;
		}
		if (!*served && ps_iov_is_tls_hello(&pi)) {
			pr_err("lazy dump: the daemon speaks TLS: dump with --tls\n");
			ret = -EPROTO;
			break;
		}
		ret = ps_iov_check(&pi, why, sizeof(why));
		if (ret) {
			pr_err("lazy dump: bad command from the daemon: %s\n", why);
			break;
		}
		if (ps_cmd(pi.cmd) == PS_IOV_FLUSH_N_CLOSE) {
			ret = ps_send_all(sk, &zero, sizeof(zero));
			break;
		}
		if (ps_cmd(pi.cmd) != PS_IOV_GET) {
			pr_err("lazy dump: the daemon sent %s, only GET is served here\n",
			       ps_cmd_name(pi.cmd));
			ret = -EPROTO;
			break;
		}
		*served = true;
		ret = serve_get(sk, src, &pi, buf, buf_len);
		if (ret)
			break;
	}
	free(buf);
	return ret;
}

int lazy_dump_listen(void)
{
	int bound = 0, sk, ret;

	if (!opts.port) {
		pr_err("dump --lazy-pages needs --port (and --address) to serve the pages on\n");
		return -EINVAL;
	}
	if (opts.use_page_server) {
		pr_err("dump --lazy-pages keeps the pages here: --page-server does not go with it\n");
		return -EINVAL;
	}
	ret = tls_load();	/* before the dump: a missing key leaves the process alone */
	if (ret)
		return ret;
	sk = ps_listen(opts.addr, opts.port, &bound);
	if (sk >= 0)
		pr_info("lazy dump: the pages will be served on port %d%s\n", bound,
			opts.tls ? " over TLS" : "");
	return sk;
}

/*
 * One daemon's session. 1 when the peer was refused before it asked for
 * anything (the lazy pages exist only here: wait for the right daemon).
 */
static int serve_one(int lsk, struct lazy_src *src)
{
	bool served = false;
	int sk, ret, one = 1;

	sk = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
	if (sk < 0) {
		ret = -errno;
		pr_perror("lazy dump: accept");
		return ret;
	}
	/* the daemon's faults wait for each answer: no Nagle delay on its tail */
	if (setsockopt(sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		pr_perror("lazy dump: can't set TCP_NODELAY");
	ret = tls_secure_server(sk, "lazy dump");
	if (!ret)
		ret = serve_daemon(sk, src, &served);
	ps_close(sk);
	if (ret && !served) {
		pr_err("lazy dump: that peer is refused; still waiting for the lazy-pages daemon\n");
		return 1;
	}
	return ret;
}

/*
 * While it serves, the tree is held by this criu alone: if criu is
 * killed, the tree must end as the dump would have left it, never run
 * on beside its copy on the other host. A SIGSTOP queued now is taken
 * when ptrace lets go (--leave-stopped); PTRACE_O_EXITKILL kills it
 * (the default). --leave-running: it runs on either way.
 */
static int end_without_criu(const struct pstree *t)
{
	unsigned int i, j;
	int ret = 0;

	if (opts.leave_running)
		return 0;
	for (i = 0; i < t->nr && !ret; i++) {
		const struct pstree_item *item = t->items[i];

		if (item->zombie)
			continue;
		if (opts.leave_stopped) {
			if (kill(item->pid, SIGSTOP)) {
				ret = -errno;
				pr_perror("lazy dump: can't queue a SIGSTOP for pid %d", item->pid);
			}
			continue;
		}
		for (j = 0; j < item->nr_threads && !ret; j++)
			if (j || !item->leader_dead)
				ret = compel_exit_kills(item->threads[j]);
	}
	return ret;
}

int lazy_dump_serve(int lsk, const struct pstree *tree)
{
	struct lazy_src src = {};
	int ret;

	ret = end_without_criu(tree);
	if (!ret)
		ret = keep_tasks(tree, &src);
	if (!ret)
		ret = status_ready();
	if (ret) {
		free_src(&src);
		return ret;
	}
	pr_info("lazy dump: the images are ready; waiting for the lazy-pages daemon\n");
	do
		ret = serve_one(lsk, &src);
	while (ret == 1);
	if (!ret && src.read_failed) {
		pr_err("lazy dump: the daemon ended without some pages this dump could not read\n");
		ret = -EIO;
	}
	if (!ret)
		pr_info("lazy dump: the daemon has every page\n");
	free_src(&src);
	return ret;
}
