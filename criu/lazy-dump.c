// SPDX-License-Identifier: GPL-2.0
/*
 * `criu dump --lazy-pages --port P [--address A]`: the pages of the lazy
 * areas stay with the dumping criu, which serves them to the restoring
 * host's lazy-pages daemon (PS_IOV_GET of CRIU's page-server protocol,
 * page-server-proto.h) until it has them all.
 *
 * The dump runs as usual into -D; then, for each process, the data of
 * its lazy areas (lazy-pages.h: the same rule the restore uses) is taken
 * out of pages-N.img: the pagemap marks those entries PE_LAZY, the new
 * pages-N.img keeps only the other pages, and the old file, renamed
 * over, stays open here and is what the server reads. So the folder
 * holds exactly what goes to the other host, and the lazy pages exist
 * nowhere else once this criu ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "action-scripts.h"
#include "cr_options.h"
#include "image.h"
#include "lazy-pages.h"
#include "log.h"
#include "mem.h"
#include "page-server-proto.h"
#include "pstree.h"
#include "rst-task.h"
#include "tls.h"

#include "pagemap.pb-c.h"

/* A run of pages kept for the daemon: where it is in the old pages file. */
struct kept_run {
	unsigned long start, end, off;
};

struct kept_task {
	pid_t pid;
	int fd;				/* the pages file as the dump wrote it */
	struct kept_run *runs;		/* sorted by address */
	unsigned int nr;
};

struct lazy_src {
	struct kept_task *tasks;
	unsigned int nr;
};

/* One entry of a pagemap, as read. */
struct pm_item {
	PagemapEntry *pe;
	unsigned long off;		/* of its data in the old pages file */
	bool lazy;
};

static bool pe_has_data(const PagemapEntry *pe)
{
	if ((pe->has_in_parent && pe->in_parent) || (pe->has_flags && (pe->flags & PE_PARENT)))
		return false;
	return !(pe->has_flags && (pe->flags & PE_LAZY));
}

static const VmaEntry *vma_of(const MmEntry *mm, unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i]->start <= addr && addr < mm->vmas[i]->end)
			return mm->vmas[i];
	return NULL;
}

static int read_entries(struct cr_img *img, struct pm_item **out, unsigned int *nr)
{
	struct pm_item *items = NULL;
	unsigned int n = 0, cap = 0;
	unsigned long off = 0;
	PagemapEntry *pe;
	int ret;

	while ((ret = pb_read_one(img, (void **)&pe, &pagemap_entry__descriptor)) > 0) {
		if (n == cap) {
			struct pm_item *x;

			cap = cap ? cap * 2 : 64;
			x = realloc(items, cap * sizeof(*x));
			if (!x) {
				pb_free(pe);
				ret = -ENOMEM;
				break;
			}
			items = x;
		}
		items[n].pe = pe;
		items[n].off = off;
		items[n].lazy = false;
		if (pe_has_data(pe))
			off += (unsigned long)pe->nr_pages * PAGE_SIZE;
		n++;
	}
	*out = items;
	*nr = n;
	return ret;
}

/* The new pages file: the data of every entry that stays in the images. */
static int write_eager_pages(int dfd, const char *name, int old_fd, struct pm_item *items,
			     unsigned int nr)
{
	char tmp[64], *buf;
	unsigned int i;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.lazy-tmp", name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create %s", tmp);
		return -errno;
	}
	buf = malloc(PAGE_SIZE * 64);
	for (i = 0; i < nr && buf && !ret; i++) {
		unsigned long left = (unsigned long)items[i].pe->nr_pages * PAGE_SIZE;
		unsigned long off = items[i].off;

		if (!pe_has_data(items[i].pe) || items[i].lazy)
			continue;
		while (left && !ret) {
			size_t chunk = left < PAGE_SIZE * 64 ? left : PAGE_SIZE * 64;

			if (pread(old_fd, buf, chunk, off) != (ssize_t)chunk ||
			    write(fd, buf, chunk) != (ssize_t)chunk) {
				pr_perror("Can't copy the pages of %s", name);
				ret = -EIO;
			}
			off += chunk;
			left -= chunk;
		}
	}
	if (!buf)
		ret = -ENOMEM;
	free(buf);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(dfd, tmp, dfd, name)) {
		pr_perror("Can't replace %s", name);
		ret = -errno;
	}
	if (ret)
		unlinkat(dfd, tmp, 0);
	return ret;
}

static int write_pagemap(int dfd, pid_t pid, uint32_t pages_id, struct pm_item *items,
			 unsigned int nr)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	struct cr_img *img;
	unsigned int i;
	int ret;

	img = open_image(dfd, CR_FD_PAGEMAP, O_DUMP, pid);
	if (!img)
		return -EIO;
	ph.pages_id = pages_id;
	ret = img_buffer_writes(img);
	if (!ret)
		ret = pb_write_one(img, &ph, &pagemap_head__descriptor);
	for (i = 0; i < nr && !ret; i++) {
		PagemapEntry *pe = items[i].pe;

		if (items[i].lazy) {
			pe->has_flags = true;
			pe->flags = PE_LAZY | PE_PRESENT;
		}
		ret = pb_write_one(img, pe, &pagemap_entry__descriptor);
	}
	if (close_image(img) && !ret)
		ret = -EIO;
	return ret;
}

static int keep_runs(struct kept_task *kt, const struct pm_item *items, unsigned int nr)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr; i++)
		n += items[i].lazy;
	kt->runs = calloc(n ? n : 1, sizeof(*kt->runs));
	if (!kt->runs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (!items[i].lazy)
			continue;
		kt->runs[kt->nr].start = items[i].pe->vaddr;
		kt->runs[kt->nr].end = items[i].pe->vaddr +
				       (unsigned long)items[i].pe->nr_pages * PAGE_SIZE;
		kt->runs[kt->nr++].off = items[i].off;
	}
	return 0;
}

static int split_task(int dfd, const struct pstree_item *item, struct kept_task *kt)
{
	const MmEntry *mm = item->rst->mm;
	struct pm_item *items = NULL;
	PagemapHead *ph = NULL;
	struct cr_img *img;
	unsigned int i, nr = 0, nr_lazy = 0;
	char name[32];
	int ret;

	kt->pid = item->pid;
	kt->fd = -1;
	img = open_image(dfd, CR_FD_PAGEMAP, O_RSTR, item->pid);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	if (!ret)
		ret = read_entries(img, &items, &nr);
	close_image(img);
	if (ret)
		goto out;
	for (i = 0; i < nr; i++) {
		const VmaEntry *v = vma_of(mm, items[i].pe->vaddr);

		items[i].lazy = pe_has_data(items[i].pe) && v && vma_can_be_lazy(v);
		nr_lazy += items[i].lazy;
	}
	snprintf(name, sizeof(name), "pages-%u.img", ph->pages_id);
	kt->fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (kt->fd < 0) {
		pr_perror("Can't open %s", name);
		ret = -errno;
		goto out;
	}
	ret = keep_runs(kt, items, nr);
	if (!ret && nr_lazy)
		ret = write_eager_pages(dfd, name, kt->fd, items, nr);
	if (!ret && nr_lazy)
		ret = write_pagemap(dfd, item->pid, ph->pages_id, items, nr);
	if (!ret)
		pr_info("Pid %d: %u of %u pagemap entries stay here for the lazy-pages daemon\n",
			item->pid, nr_lazy, nr);
out:
	for (i = 0; i < nr; i++)
		pb_free(items[i].pe);
	free(items);
	if (ph)
		pb_free(ph);
	return ret;
}

static int split_images(int dfd, struct lazy_src *src)
{
	struct pstree t = {};
	unsigned int i;
	int ret;

	ret = pstree_read(dfd, &t);
	if (!ret)
		ret = rst_tasks_read(dfd, &t);
	if (!ret) {
		src->tasks = calloc(t.nr ? t.nr : 1, sizeof(*src->tasks));
		if (!src->tasks)
			ret = -ENOMEM;
	}
	for (i = 0; i < t.nr && !ret; i++) {
		const struct pstree_item *item = t.items[i];

		if (item->zombie || item->rst->vm_shared)
			continue;
		ret = split_task(dfd, item, &src->tasks[src->nr]);
		src->nr++;
	}
	rst_tasks_free(&t);
	pstree_free(&t);
	return ret;
}

static void free_src(struct lazy_src *src)
{
	unsigned int i;

	for (i = 0; i < src->nr; i++) {
		if (src->tasks[i].fd >= 0)
			close(src->tasks[i].fd);
		free(src->tasks[i].runs);
	}
	free(src->tasks);
}

/* The old-file offset of [@addr, @addr + @len), if one kept run holds it all. */
static int find_kept(const struct lazy_src *src, pid_t pid, unsigned long addr,
		     unsigned long len, int *fd, unsigned long *off)
{
	unsigned int i, j, lo, hi;

	for (i = 0; i < src->nr && src->tasks[i].pid != pid; i++)
		;
	if (i == src->nr)
		return -ESRCH;
	/*
	 * The last run that starts at or below @addr: a pre-dump chain keeps
	 * hundreds of thousands of them, and a GET comes for each.
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
	if (lo) {
		const struct kept_run *r = &src->tasks[i].runs[lo - 1];

		if (addr + len <= r->end) {
			*fd = src->tasks[i].fd;
			*off = r->off + (addr - r->start);
			return 0;
		}
	}
	return -ENOENT;
}

static int serve_get(int sk, const struct lazy_src *src, struct page_server_iov *pi,
		     char *buf, size_t buf_len)
{
	unsigned long len = (unsigned long)pi->nr_pages * PAGE_SIZE, off, done;
	unsigned int type;
	unsigned long id;
	int ret, fd;

	ret = ps_dst_id_decode(pi->dst_id, &type, &id);
	if (!ret && type == PS_TYPE_PID)
		ret = find_kept(src, id, pi->vaddr, len, &fd, &off);
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
	ret = ps_send_iov(sk, PS_IOV_GET, 0, pi->nr_pages, pi->vaddr, pi->dst_id);
	for (done = 0; !ret && done < len; done += buf_len) {
		size_t chunk = len - done < buf_len ? len - done : buf_len;

		if (pread(fd, buf, chunk, off + done) != (ssize_t)chunk) {
			pr_perror("lazy dump: short read of the kept pages");
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
static int serve_daemon(int sk, const struct lazy_src *src, bool *served)
{
	struct page_server_iov pi;
	char why[160], *buf;
	size_t buf_len = PAGE_SIZE * 64;
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
static int serve_one(int lsk, const struct lazy_src *src)
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

int lazy_dump_serve(int dfd, int lsk)
{
	struct lazy_src src = {};
	int ret;

	ret = split_images(dfd, &src);
	if (ret) {
		pr_err("lazy dump: can't keep the lazy pages apart; the images in the folder are whole\n");
		free_src(&src);
		return ret;
	}
	ret = status_ready();
	if (ret) {
		free_src(&src);
		return ret;
	}
	pr_info("lazy dump: the images are ready; waiting for the lazy-pages daemon\n");
	do
		ret = serve_one(lsk, &src);
	while (ret == 1);
	if (!ret)
		pr_info("lazy dump: the daemon has every page\n");
	free_src(&src);
	return ret;
}
