// SPDX-License-Identifier: GPL-2.0
/*
 * Filling the child's memory. The pagemap of the image folder lists
 * every page that holds data, either copied into its pages-1.img or
 * kept "in parent": then the folder its "parent" link leads to has it,
 * or that folder's parent, and so on. Each page is resolved here, before
 * anything is created, to the folder that holds its data; then the child
 * reads the pages itself with one injected pread64() per range, from the
 * pages images it inherited, so the data goes from the page cache
 * straight into its memory. Where one folder's data runs on under the
 * newer pages of a chain, one read covers it all and the newer pages
 * are written over it (fill-cover.c); many small ranges are written by
 * criu in batches (fill-batch.c).
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fill-batch.h"
#include "fill-cover.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "pagemap-decode.h"
#include "restore.h"
#include "vma.h"

#include "pagemap.pb-c.h"

/* Bytes per injected pread64(): the kernel caps one read near 2 GiB. */
#define PREAD_CHUNK	(1UL << 30)
/* Bytes of one pagemap entry: some 20 as criu and CRIU write them. */
#define IMG_PM_ENTRY_MAX	256
/* How many "parent" links a chain may follow. */
#define MAX_CHAIN	64

struct pm_ent {
	unsigned long start, end;
	unsigned long off;		/* in the folder's pages-1.img */
	bool in_parent;
	bool lazy;			/* left on the source's page server */
};

/* One image folder of the chain: its pagemap, sorted by address. */
struct chain_level {
	struct pm_ent *ents;
	unsigned int nr;
	unsigned long pages_size;
};

struct chain {
	struct chain_level lv[MAX_CHAIN];
	unsigned int depth;
	int dfds[MAX_CHAIN];
};

/* The restorable private area that holds [@start, @end), or NULL. */
static const VmaEntry *find_vma(const MmEntry *mm, unsigned long start,
				unsigned long end)
{
	unsigned int lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const VmaEntry *v = mm->vmas[mid];

		if (end <= v->start) {
			hi = mid;
		} else if (start >= v->end) {
			lo = mid + 1;
		} else {
			if (start < v->start || end > v->end ||
			    (v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR |
					  VMA_AREA_VSYSCALL | VMA_FILE_SHARED)))
				return NULL;
			return v;
		}
	}
	return NULL;
}

static bool entry_in_parent(const struct pm_fields *pe)
{
	return (pe->has_in_parent && pe->in_parent) ||
	       (pe->has_flags && (pe->flags & PE_PARENT));
}

/* dump --lazy-pages: the data stayed with the source's page server. */
static bool entry_lazy(const struct pm_fields *pe)
{
	return !entry_in_parent(pe) && pe->has_flags && (pe->flags & PE_LAZY);
}

static int check_entry(const struct cr_img *img, const struct pm_fields *pe,
		       const MmEntry *mm, unsigned long off, unsigned long size,
		       unsigned long prev_end)
{
	unsigned long len = (unsigned long)pe->nr_pages * PAGE_SIZE;

	if ((pe->vaddr & (PAGE_SIZE - 1)) || !pe->nr_pages ||
	    pe->vaddr + len < pe->vaddr || pe->vaddr < prev_end) {
		pr_err("%s: bad or unsorted entry %llx+%u\n", img_name(img),
		       (unsigned long long)pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if (mm && !find_vma(mm, pe->vaddr, pe->vaddr + len)) {
		pr_err("%s: entry %llx+%u is not inside one dumped private area\n",
		       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if (!entry_in_parent(pe) && !entry_lazy(pe) && (off + len > size || off + len < off)) {
		pr_err("%s: entry %llx+%u points past the end of its pages image (%lu bytes)\n",
		       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages, size);
		return -EINVAL;
	}
	return 0;
}

static int add_ent(struct chain_level *lv, unsigned int *cap, const struct pm_fields *pe,
		   unsigned long off)
{
	struct pm_ent *e;

	if (lv->nr == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		e = realloc(lv->ents, *cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		lv->ents = e;
	}
	e = &lv->ents[lv->nr++];
	e->start = pe->vaddr;
	e->end = pe->vaddr + (unsigned long)pe->nr_pages * PAGE_SIZE;
	e->off = off;
	e->in_parent = entry_in_parent(pe);
	e->lazy = entry_lazy(pe);
	return 0;
}

/* pages-ID.img of folder @level, as its pagemap head names it. */
static int open_pages(int dfd, unsigned int level, uint32_t pages_id,
		      struct pagemap_set *ps)
{
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "pages-%u.img", pages_id);
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s of image folder %u of the chain", name, level);
		return -errno;
	}
	ps->pages_fds[level] = fd;
	return 0;
}

/* Read one folder's pagemap; @mm is given for the top folder only. */
static int read_level(int dfd, unsigned int level, int pid, const MmEntry *mm,
		      struct chain_level *lv, struct pagemap_set *ps)
{
	uint8_t raw[IMG_PM_ENTRY_MAX];
	PagemapHead *ph = NULL;
	struct pm_fields f, *pe = &f;
	struct cr_img *img;
	uint32_t len;
	unsigned long off = 0, prev_end = 0;
	unsigned int cap = 0;
	struct stat st;
	int ret;

	img = open_image(dfd, CR_FD_PAGEMAP, O_RSTR, pid);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	if (!ret && (ph->pages_id == 0 || ph->pages_id > INT32_MAX)) {
		pr_err("%s: pages id %u is not valid\n", img_name(img), ph->pages_id);
		ret = -EINVAL;
	}
	if (!ret)
		ret = open_pages(dfd, level, ph->pages_id, ps);
	if (!ret && fstat(ps->pages_fds[level], &st)) {
		ret = -errno;
		pr_perror("Can't stat pages-%u.img", ph->pages_id);
	}
	if (!ret)
		lv->pages_size = st.st_size;
	while (!ret) {
		ret = pb_read_raw(img, raw, sizeof(raw), &len);
		if (ret <= 0)
			break;
		ret = pm_fields_decode(raw, len, pe);
		if (ret) {
			pr_err("%s: can't decode a pagemap entry of %u bytes\n", img_name(img), len);
			break;
		}
		ret = check_entry(img, pe, mm, off, st.st_size, prev_end);
		if (!ret)
			ret = add_ent(lv, &cap, pe, off);
		if (!entry_in_parent(pe) && !entry_lazy(pe))
			off += (unsigned long)pe->nr_pages * PAGE_SIZE;
		prev_end = pe->vaddr + (unsigned long)pe->nr_pages * PAGE_SIZE;
	}
	if (ph)
		pb_free(ph);
	close_image(img);
	return ret;
}

static int add_range(struct pagemap_set *ps, unsigned long vaddr, unsigned long len,
		     unsigned long off, unsigned int src)
{
	struct page_range *r;

	if (ps->nr && (r = &ps->ranges[ps->nr - 1])->src == src &&
	    r->vaddr + r->len == vaddr && r->off + r->len == off) {
		r->len += len;
		return 0;
	}
	if (ps->nr == ps->cap) {
		unsigned int cap = ps->cap ? ps->cap * 2 : 256;

		r = realloc(ps->ranges, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		ps->ranges = r;
		ps->cap = cap;
	}
	r = &ps->ranges[ps->nr++];
	r->vaddr = vaddr;
	r->len = len;
	r->off = off;
	r->src = src;
	return 0;
}

/* First entry of @lv that ends after @addr. */
static unsigned int first_after(const struct chain_level *lv, unsigned long addr)
{
	unsigned int lo = 0, hi = lv->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (lv->ents[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Find where folder @level (and its parents) keep [@start, @end). */
static int resolve(struct chain *ch, unsigned int level, unsigned long start,
		   unsigned long end, struct pagemap_set *ps)
{
	const struct chain_level *lv;
	unsigned int i;
	int ret;

	if (level >= ch->depth) {
		pr_err("Pages %lx-%lx are in a parent image, but the chain ends at folder %u\n",
		       start, end, level - 1);
		return -ENOENT;
	}
	lv = &ch->lv[level];
	for (i = first_after(lv, start); start < end; i++) {
		const struct pm_ent *e = &lv->ents[i];
		unsigned long s, t;

		if (i >= lv->nr || e->start > start) {
			pr_err("Pages %lx-%lx are missing from the parent image chain (folder %u)\n",
			       start, i < lv->nr && e->start < end ? e->start : end, level);
			return -ENOENT;
		}
		s = start;
		t = e->end < end ? e->end : end;
		if (e->in_parent)
			ret = resolve(ch, level + 1, s, t, ps);
		else if (e->lazy)	/* fetched by its address */
			ret = add_range(ps, s, t - s, s, PAGES_SRC_REMOTE);
		else
			ret = add_range(ps, s, t - s, e->off + (s - e->start), level);
		if (ret)
			return ret;
		start = t;
	}
	return 0;
}

static int open_chain(int dfd, struct chain *ch)
{
	unsigned int i;

	ch->dfds[0] = dfd;
	ch->depth = 1;
	for (i = 1; i < MAX_CHAIN; i++) {
		int pfd = openat(ch->dfds[i - 1], "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (pfd < 0) {
			if (errno == ENOENT && faccessat(ch->dfds[i - 1], "parent",
							 F_OK, AT_SYMLINK_NOFOLLOW))
				return 0;	/* no parent: the chain ends */
			pr_perror("Broken parent link in image folder %u of the chain", i - 1);
			return -ENOENT;
		}
		ch->dfds[i] = pfd;
		ch->depth++;
	}
	pr_err("The image chain is longer than %d folders\n", MAX_CHAIN);
	return -ELOOP;
}

static void close_chain(struct chain *ch)
{
	unsigned int i;

	for (i = 1; i < ch->depth; i++)
		close(ch->dfds[i]);
	for (i = 0; i < ch->depth; i++)
		free(ch->lv[i].ents);
}

int read_pagemap_chain(int dfd, int pid, const MmEntry *mm,
		       int (*keep_fd)(void *arg, int fd), void *arg,
		       struct pagemap_set *ps)
{
	struct chain *ch;
	unsigned int i;
	int ret;

	memset(ps, 0, sizeof(*ps));
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ret = open_chain(dfd, ch);
	if (ret)
		goto out;
	ps->pages_fds = malloc(ch->depth * sizeof(int));
	if (!ps->pages_fds) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ch->depth; i++)
		ps->pages_fds[i] = -1;
	ps->nr_srcs = ch->depth;
	for (i = 0; i < ch->depth && !ret; i++) {
		ret = read_level(ch->dfds[i], i, pid, i ? NULL : mm, &ch->lv[i], ps);
	}
	for (i = 0; !ret && i < ch->lv[0].nr; i++) {
		const struct pm_ent *e = &ch->lv[0].ents[i];

		if (e->in_parent)
			ret = resolve(ch, 1, e->start, e->end, ps);
		else if (e->lazy)
			ret = add_range(ps, e->start, e->end - e->start, e->start,
					PAGES_SRC_REMOTE);
		else
			ret = add_range(ps, e->start, e->end - e->start, e->off, 0);
	}
	/*
	 * The child inherits the pages images through the pre-opened set,
	 * which owns them from here on (keep_fd closes the original).
	 */
	for (i = 0; i < ps->nr_srcs; i++) {
		int fd = ps->pages_fds[i];

		ps->pages_fds[i] = -1;
		if (fd < 0)
			continue;
		if (ret) {
			close(fd);
			continue;
		}
		fd = keep_fd(arg, fd);
		if (fd < 0)
			ret = fd;
		else
			ps->pages_fds[i] = fd;
	}
	if (!ret)
		pr_info("Pages come from %u image folder(s), %u ranges\n",
			ch->depth, ps->nr);
out:
	close_chain(ch);
	free(ch);
	if (ret)
		free_pagemap(ps);
	return ret;
}

void free_pagemap(struct pagemap_set *ps)
{
	/* The descriptors belong to the pre-opened set, closed with it. */
	free(ps->pages_fds);
	free(ps->ranges);
	memset(ps, 0, sizeof(*ps));
}

bool pagemap_has_pages(const struct pagemap_set *ps, unsigned long start,
		       unsigned long end)
{
	unsigned int i;

	for (i = 0; i < ps->nr; i++) {
		const struct page_range *r = &ps->ranges[i];

		if (r->vaddr < end && start < r->vaddr + r->len)
			return true;
	}
	return false;
}

int rst_fill_range(struct rst_ctx *rc, int pages_fd, unsigned long addr,
		   unsigned long len, unsigned long off)
{
	long ret;

	while (len) {
		unsigned long chunk = len < PREAD_CHUNK ? len : PREAD_CHUNK;

		ret = rst_syscall(rc, "pread64 of pages", __NR_pread64, pages_fd,
				  addr, chunk, off, 0, 0);
		if (ret < 0)
			return ret;
		if ((unsigned long)ret != chunk) {
			pr_err("pages image: short read at offset %lu (%ld of %lu bytes)\n",
			       off, ret, chunk);
			return -EIO;
		}
		addr += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Ranges below FILL_SMALL go through criu's batches (fill-batch.c) once
 * there are many of them; the others are read by the task itself,
 * straight from the page cache into its memory.
 */
#define FILL_SMALL		(64UL << 10)
#define FILL_MANY_RANGES	64

long restore_pages(struct rst_ctx *rc, const struct pagemap_set *ps)
{
	struct fill_batch *b = NULL;
	struct fill_order fo;
	unsigned long nr = 0;
	unsigned int i;
	bool batch;
	int ret;

	ret = fill_order_build(ps, &fo);
	if (ret)
		return ret;
	for (i = 0; i < fo.nr_covers && !ret; i++) {
		const struct page_range *r = &fo.covers[i];

		ret = rst_fill_range(rc, ps->pages_fds[r->src], r->vaddr, r->len, r->off);
	}
	if (fo.nr_covers)
		pr_info("Pid %d: %u ranges read as %u covers, %u ranges over them or apart\n",
			rc->pid, ps->nr, fo.nr_covers, fo.nr_rest);
	batch = fo.nr_rest >= FILL_MANY_RANGES;
	if (batch && !ret) {
		b = malloc(sizeof(*b));
		if (!b)
			ret = -ENOMEM;
		else
			fill_batch_init(b, rc->pid);
	}
	for (i = 0; i < fo.nr_rest && !ret; i++) {
		const struct page_range *r = &fo.rest[i];
		int fd = ps->pages_fds[r->src];

		if (b && r->len < FILL_SMALL) {
			ret = fill_batch_add(b, fd, r->vaddr, r->len, r->off);
		} else {
			if (b)
				ret = fill_batch_flush(b);
			if (!ret)
				ret = rst_fill_range(rc, fd, r->vaddr, r->len, r->off);
		}
	}
	if (b) {
		if (!ret)
			ret = fill_batch_flush(b);
		fill_batch_fini(b);
		free(b);
	}
	fill_order_free(&fo);
	for (i = 0; i < ps->nr; i++)
		nr += ps->ranges[i].len >> PAGE_SHIFT;
	return ret ? ret : (long)nr;
}
