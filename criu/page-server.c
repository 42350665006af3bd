// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving side of the page server (page-server.h): every command
 * is checked before it acts (page-server-proto.c checks the header, this
 * file the session: which pid is open, that entries come in address
 * order, that pages said to be in the parent are there), and every
 * file is created under a fixed name made of numbers in the session's
 * hidden folder, so a peer cannot make the server write anywhere else.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fault-inject.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "page-server.h"
#include "page-server-proto.h"

#include "pagemap.pb-c.h"

#define PS_BUF_SIZE	(1UL << 20)

static int refuse(const struct page_server_iov *pi, const char *why)
{
	pr_err("Page server: refusing %s (dst_id %#llx, vaddr %#llx, %u pages): %s\n",
	       ps_cmd_name(pi->cmd), (unsigned long long)pi->dst_id,
	       (unsigned long long)pi->vaddr, pi->nr_pages, why);
	return -EPROTO;
}

/* --- the parent chain ---------------------------------------------------- */

static void free_levels(struct ps_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_levels; i++) {
		if (s->levels[i].pages_fd >= 0)
			close(s->levels[i].pages_fd);
		free(s->levels[i].e);
	}
	memset(s->levels, 0, sizeof(s->levels));
	s->nr_levels = 0;
}

static int add_level_entry(struct ps_level *l, const PagemapEntry *pe, uint64_t *off,
			   const char *dir, unsigned long id)
{
	uint64_t start = pe->vaddr, len = (uint64_t)pe->nr_pages * PS_PAGE_SIZE;
	struct ps_parent_entry *e;

	if (!pe->nr_pages || (start & (PS_PAGE_SIZE - 1)) || start >= PS_ADDR_LIMIT ||
	    len > PS_ADDR_LIMIT - start || (l->nr && start < l->e[l->nr - 1].end)) {
		pr_err("Page server: %s/pagemap-%lu.img: bad entry at %#llx (%u pages)\n",
		       dir, id, (unsigned long long)start, pe->nr_pages);
		return -EINVAL;
	}
	if (!(l->nr & (l->nr + 1))) {	/* grow at 0, 1, 3, 7, ... */
		e = realloc(l->e, (l->nr + 1) * 2 * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->e = e;
	}
	e = &l->e[l->nr++];
	e->start = start;
	e->end = start + len;
	e->flags = pe->has_flags ? pe->flags : PE_PRESENT;
	e->off = *off;
	if (e->flags & PE_PRESENT)
		*off += len;
	return 0;
}

/* Read pagemap-@id.img of the folder @dfd into @l. 1, 0 if absent, -errno. */
static int load_level(struct ps_session *s, int dfd, const char *dir, struct ps_level *l)
{
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	uint64_t off = 0;
	char name[32];
	int ret;

	l->pages_fd = -1;
	img = open_image(dfd, CR_FD_PAGEMAP, O_RSTR | O_OPT, s->id);
	if (!img)
		return -EIO;
	if (img_empty(img)) {
		close_image(img);
		return 0;
	}
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	while (!ret) {
		ret = pb_read_one(img, (void **)&pe, &pagemap_entry__descriptor);
		if (ret <= 0)
			break;
		ret = add_level_entry(l, pe, &off, dir, s->id);
		pb_free(pe);
	}
	if (!ret && s->auto_dedup) {
		snprintf(name, sizeof(name), "pages-%u.img", ph->pages_id);
		l->pages_fd = openat(dfd, name, O_RDWR | O_CLOEXEC);
		if (l->pages_fd < 0) {
			ret = -errno;
			pr_perror("Page server: can't open %s/%s for --auto-dedup", dir, name);
		}
	}
	if (ph)
		pb_free(ph);
	close_image(img);
	return ret ? ret : 1;
}

/* The folders the parent links lead to, as long as they hold this pid. */
static int load_parent_chain(struct ps_session *s)
{
	int dfd = s->parent_dfd, next, ret = 0;
	unsigned int depth;

	for (depth = 0; dfd >= 0 && depth < PS_MAX_LEVELS; depth++) {
		ret = load_level(s, dfd, depth ? "parent" : s->parent_path,
				 &s->levels[s->nr_levels]);
		if (ret <= 0)
			break;
		s->nr_levels++;
		next = openat(dfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (depth)
			close(dfd);
		dfd = next;
		ret = 0;
	}
	if (dfd >= 0 && dfd != s->parent_dfd)
		close(dfd);
	if (ret < 0)
		free_levels(s);
	return ret < 0 ? ret : 0;
}

/* First entry of @l that ends after @addr. */
static unsigned int level_find(const struct ps_level *l, uint64_t addr)
{
	unsigned int lo = 0, hi = l->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (l->e[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does the parent's pagemap record every page of [start, end)? */
static bool parent_covers(const struct ps_session *s, uint64_t start, uint64_t end)
{
	const struct ps_level *l = &s->levels[0];
	unsigned int i;

	if (!s->nr_levels)
		return false;
	for (i = level_find(l, start); i < l->nr && start < end; i++) {
		if (l->e[i].start > start)
			return false;
		start = l->e[i].end;
	}
	return start >= end;
}

/*
 * --auto-dedup: the pages of [start, end) just received supersede the
 * parents' copies; punch those out of the parents' pages files (CRIU's
 * meaning), following in-parent entries up the chain.
 */
static int dedup_range(struct ps_session *s, unsigned int depth, uint64_t start, uint64_t end)
{
	const struct ps_level *l;
	unsigned int i;
	int ret = 0;

	if (depth >= s->nr_levels)
		return 0;
	l = &s->levels[depth];
	for (i = level_find(l, start); i < l->nr && l->e[i].start < end && !ret; i++) {
		const struct ps_parent_entry *e = &l->e[i];
		uint64_t a = e->start > start ? e->start : start;
		uint64_t b = e->end < end ? e->end : end;

		if (e->flags & PE_PARENT) {
			ret = dedup_range(s, depth + 1, a, b);
			continue;
		}
		if (!(e->flags & PE_PRESENT) || l->pages_fd < 0)
			continue;
		if (fallocate(l->pages_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      e->off + (a - e->start), b - a)) {
			ret = -errno;
			pr_perror("Page server: --auto-dedup of %#llx-%#llx in level %u",
				  (unsigned long long)a, (unsigned long long)b, depth);
			break;
		}
		s->pages_deduped += (b - a) / PS_PAGE_SIZE;
	}
	return ret;
}

/*
 * Parents are deduplicated only at FLUSH: until then the new pages may
 * still be discarded, and the parents' copies must stay.
 */
static int note_dedup(struct ps_session *s, uint64_t start, uint64_t end)
{
	struct ps_dedup *d;

	if (s->nr_dedup) {
		d = &s->dedup[s->nr_dedup - 1];
		if (d->id == s->id && d->end == start) {
			d->end = end;
			return 0;
		}
	}
	if (s->nr_dedup == s->cap_dedup) {
		unsigned int cap = s->cap_dedup ? s->cap_dedup * 2 : 64;

		d = realloc(s->dedup, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		s->dedup = d;
		s->cap_dedup = cap;
	}
	d = &s->dedup[s->nr_dedup++];
	d->id = s->id;
	d->start = start;
	d->end = end;
	return 0;
}

static int free_levels_and(struct ps_session *s, int ret)
{
	free_levels(s);
	return ret;
}

/* Ranges are noted per pid in the order the pids came. */
static int dedup_parents(struct ps_session *s)
{
	unsigned int i = 0, j;
	int ret = 0;

	while (i < s->nr_dedup && !ret) {
		s->id = s->dedup[i].id;
		ret = load_parent_chain(s);
		for (j = i; !ret && j < s->nr_dedup && s->dedup[j].id == s->id; j++)
			ret = dedup_range(s, 0, s->dedup[j].start, s->dedup[j].end);
		ret = free_levels_and(s, ret);
		while (i < s->nr_dedup && s->dedup[i].id == s->id)
			i++;
	}
	s->nr_dedup = 0;
	if (!ret && s->pages_deduped)
		pr_info("Page server: --auto-dedup freed %llu pages of the parent images\n",
			(unsigned long long)s->pages_deduped);
	return ret;
}

/* --- files of the session ------------------------------------------------ */

static int note_file(struct ps_session *s, const char *name)
{
	if (s->nr_files == s->cap_files) {
		unsigned int cap = s->cap_files ? s->cap_files * 2 : 16;
		void *f = realloc(s->files, cap * sizeof(*s->files));

		if (!f)
			return -ENOMEM;
		s->files = f;
		s->cap_files = cap;
	}
	snprintf(s->files[s->nr_files++], sizeof(s->files[0]), "%s", name);
	return 0;
}

static int close_current(struct ps_session *s)
{
	int ret = 0;

	if (!s->open)
		return 0;
	if (s->pages && close_image(s->pages))
		ret = -EIO;
	if (s->pagemap && close_image(s->pagemap))
		ret = -EIO;
	s->pages = s->pagemap = NULL;
	s->open = false;
	free_levels(s);
	return ret;
}

/* FLUSH: everything received so far moves into the image folder. */
static int commit_files(struct ps_session *s)
{
	unsigned int i;
	int ret = close_current(s);

	for (i = 0; i < s->nr_files && !ret; i++) {
		if (renameat(s->tmp_dfd, s->files[i], s->dfd, s->files[i])) {
			ret = -errno;
			pr_perror("Page server: can't move %s into the image folder", s->files[i]);
		}
	}
	if (!ret) {
		s->nr_files = 0;
		if (s->parent_path && !s->committed_any) {
			unlinkat(s->dfd, "parent", 0);
			if (symlinkat(s->parent_path, s->dfd, "parent")) {
				ret = -errno;
				pr_perror("Page server: can't link parent images %s", s->parent_path);
			}
		}
		s->committed_any = true;
	}
	if (!ret && s->auto_dedup)
		ret = dedup_parents(s);
	return ret;
}

static void discard_files(struct ps_session *s)
{
	unsigned int i;

	close_current(s);
	for (i = 0; i < s->nr_files; i++)
		if (unlinkat(s->tmp_dfd, s->files[i], 0) && errno != ENOENT)
			pr_perror("Page server: can't remove the unflushed %s", s->files[i]);
	if (s->nr_files)
		pr_warn("Page server: %u unflushed image files removed\n", s->nr_files);
	s->nr_files = 0;
}

/* --- commands ------------------------------------------------------------ */

static bool id_seen(const struct ps_session *s, unsigned long id)
{
	unsigned int i;

	for (i = 0; i < s->nr_ids; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static int note_id(struct ps_session *s, unsigned long id)
{
	if (s->nr_ids == s->cap_ids) {
		unsigned int cap = s->cap_ids ? s->cap_ids * 2 : 16;
		unsigned long *ids = realloc(s->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		s->ids = ids;
		s->cap_ids = cap;
	}
	s->ids[s->nr_ids++] = id;
	return 0;
}

static int decode_pid(const struct page_server_iov *pi, unsigned long *id)
{
	unsigned int type;

	if (ps_dst_id_decode(pi->dst_id, &type, id))
		return refuse(pi, "not a pagemap id");
	if (type != PS_TYPE_PID)
		return refuse(pi, "shared memory pagemaps are not received by criu-ooh");
	return 0;
}

static int open_images(struct ps_session *s)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	uint32_t pages_id = s->next_pages_id;
	int ret;

	s->pagemap = open_image(s->tmp_dfd, CR_FD_PAGEMAP, O_DUMP, s->id);
	if (!s->pagemap)
		return -EIO;
	if (img_buffer_writes(s->pagemap))
		return -ENOMEM;
	ret = note_file(s, img_name(s->pagemap));
	if (ret)
		return ret;
	s->pages = open_image(s->tmp_dfd, CR_FD_PAGES, O_DUMP, pages_id);
	if (!s->pages)
		return -EIO;
	ret = note_file(s, img_name(s->pages));
	if (ret)
		return ret;
	s->next_pages_id++;
	ph.pages_id = pages_id;
	return pb_write_one(s->pagemap, &ph, &pagemap_head__descriptor);
}

static int serve_open(struct ps_session *s, int sk, const struct page_server_iov *pi,
		      bool reply)
{
	unsigned long id;
	char has_parent;
	int ret;

	ret = decode_pid(pi, &id);
	if (ret)
		return ret;
	if (id_seen(s, id))
		return refuse(pi, "this pid was already received in this session");
	ret = close_current(s);
	if (ret)
		return ret;
	ret = note_id(s, id);
	if (ret)
		return ret;
	s->open = true;
	s->id = id;
	s->dst_id = pi->dst_id;
	s->next_vaddr = 0;
	ret = open_images(s);
	if (!ret)
		ret = load_parent_chain(s);
	if (ret)
		return ret;
	pr_info("Page server: receiving the pages of pid %lu%s\n", id,
		s->nr_levels ? " (it has parent images)" : "");
	has_parent = s->nr_levels > 0;
	if (reply) {
		ret = ps_send_all(sk, &has_parent, 1);
		if (ret)
			pr_err("Page server: can't answer OPEN2 of pid %lu: %s\n", id, strerror(-ret));
	}
	return ret;
}

static int serve_parent(struct ps_session *s, int sk, const struct page_server_iov *pi)
{
	struct stat st;
	unsigned long id;
	char name[32];
	int32_t has = 0;
	int ret;

	ret = decode_pid(pi, &id);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "pagemap-%lu.img", id);
	if (s->parent_dfd >= 0)
		has = !fstatat(s->parent_dfd, name, &st, 0);
	ret = ps_send_all(sk, &has, sizeof(has));
	if (ret)
		pr_err("Page server: can't answer PARENT of pid %lu: %s\n", id, strerror(-ret));
	return ret;
}

static int recv_data(struct ps_session *s, int sk, uint64_t len)
{
	int ret;

	while (len) {
		size_t chunk = len < PS_BUF_SIZE ? len : PS_BUF_SIZE;

		ret = ps_recv_all(sk, s->buf, chunk);
		if (ret <= 0) {
			pr_err("Page server: the pages of pid %lu stop short (%llu bytes missing): %s\n",
			       s->id, (unsigned long long)len,
			       ret ? strerror(-ret) : "connection closed");
			return ret ? ret : -ECONNABORTED;
		}
		ret = write_img_buf(s->pages, s->buf, chunk);
		if (ret)
			return ret;
		if (!s->bytes && fault_injected(FI_PS_KILLED))
			raise(SIGKILL);
		if (!s->bytes && fault_injected(FI_PS_STALL))
			sleep(60);	/* the tests drop the link meanwhile */
		s->bytes += chunk;
		len -= chunk;
	}
	return 0;
}

static int serve_add(struct ps_session *s, int sk, const struct page_server_iov *pi)
{
	uint32_t cmd = ps_cmd(pi->cmd), flags = ps_cmd_flags(pi->cmd);
	uint64_t end = pi->vaddr + (uint64_t)pi->nr_pages * PS_PAGE_SIZE;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int ret;

	if (cmd == PS_IOV_ADD)
		flags |= PE_PRESENT;
	else if (cmd == PS_IOV_HOLE)
		flags = PE_PARENT;
	if (!s->open || pi->dst_id != s->dst_id)
		return refuse(pi, "no OPEN for this dst_id before it");
	if (pi->vaddr < s->next_vaddr)
		return refuse(pi, "the range overlaps or precedes the previous entry");
	if ((flags & PE_PARENT) && !parent_covers(s, pi->vaddr, end))
		return refuse(pi, s->nr_levels ? "pages said to be in the parent are not there" :
			      "pages said to be in the parent, but there are no parent images");
	pe.vaddr = pi->vaddr;
	pe.nr_pages = pi->nr_pages;
	pe.has_flags = true;
	pe.flags = flags;
	ret = pb_write_one(s->pagemap, &pe, &pagemap_entry__descriptor);
	if (!ret && (flags & PE_PRESENT))
		ret = recv_data(s, sk, end - pi->vaddr);
	if (!ret && (flags & PE_PRESENT) && s->auto_dedup && s->nr_levels)
		ret = note_dedup(s, pi->vaddr, end);
	if (!ret)
		s->next_vaddr = end;
	return ret;
}

static int serve_flush(struct ps_session *s, int sk)
{
	int32_t status;
	int ret;

	ret = commit_files(s);
	status = ret;
	/* the answer tells the sender whether its pages are safe */
	if (ps_send_all(sk, &status, sizeof(status)) && !ret) {
		pr_err("Page server: can't answer FLUSH\n");
		ret = -EPIPE;
	}
	return ret;
}

int ps_session_serve(struct ps_session *s, int sk)
{
	struct page_server_iov pi;
	char why[160];
	int ret;

	for (;;) {
		ret = ps_recv_iov(sk, &pi);
		if (ret == 0) {
			pr_err("Page server: the connection closed before FLUSH_N_CLOSE: "
			       "what came is discarded\n");
			return -ECONNABORTED;
		}
		if (ret < 0) {
			pr_err("Page server: receiving a command failed: %s\n",
			       ret == -ECONNABORTED ? "a truncated command" : strerror(-ret));
			return ret;
		}
		if (!s->commands && ps_iov_is_tls_hello(&pi)) {
			pr_err("Page server: the dump speaks TLS: start this page server with --tls\n");
			return -EPROTO;
		}
		if (ps_iov_check(&pi, why, sizeof(why)))
			return refuse(&pi, why);
		s->commands++;
		switch (ps_cmd(pi.cmd)) {
		case PS_IOV_OPEN:
		case PS_IOV_OPEN2:
			ret = serve_open(s, sk, &pi, ps_cmd(pi.cmd) == PS_IOV_OPEN2);
			break;
		case PS_IOV_PARENT:
			ret = serve_parent(s, sk, &pi);
			break;
		case PS_IOV_ADD:
		case PS_IOV_HOLE:
		case PS_IOV_ADD_F:
			ret = serve_add(s, sk, &pi);
			break;
		case PS_IOV_FLUSH:
		case PS_IOV_FLUSH_N_CLOSE:
			ret = serve_flush(s, sk);
			if (!ret && ps_cmd(pi.cmd) == PS_IOV_FLUSH_N_CLOSE)
				return 0;
			break;
		default:	/* PS_IOV_GET */
			return refuse(&pi, "this page server receives pages; it has none to send");
		}
		if (ret)
			return ret;
	}
}

/*
 * A fresh hidden folder, never one found there (a killed server's, or
 * anybody's): what is created inside must not follow links.
 */
static int make_tmp_dir(struct ps_session *s)
{
	struct timespec ts;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(s->tmp_name, sizeof(s->tmp_name), ".page-server.%d.%lx",
			 getpid(), (unsigned long)ts.tv_nsec ^ i);
		if (!mkdirat(s->dfd, s->tmp_name, 0700))
			return 0;
		if (errno != EEXIST)
			break;
	}
	pr_perror("Page server: can't create a folder %s in the image folder", s->tmp_name);
	s->tmp_name[0] = 0;
	return -EIO;
}

int ps_session_init(struct ps_session *s, int dfd, const char *parent, bool auto_dedup)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->dfd = dfd;
	s->tmp_dfd = s->parent_dfd = -1;
	s->parent_path = parent;
	s->auto_dedup = auto_dedup;
	s->next_pages_id = 1;
	s->buf = malloc(PS_BUF_SIZE);
	if (!s->buf)
		return -ENOMEM;
	if (parent) {
		s->parent_dfd = openat(dfd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->parent_dfd < 0) {
			ret = -errno;
			pr_perror("Page server: can't open parent images %s", parent);
			return ret;
		}
	}
	ret = make_tmp_dir(s);
	if (ret)
		return ret;
	s->tmp_dfd = openat(dfd, s->tmp_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->tmp_dfd < 0) {
		ret = -errno;
		pr_perror("Page server: can't open %s", s->tmp_name);
		unlinkat(dfd, s->tmp_name, AT_REMOVEDIR);
		return ret;
	}
	return 0;
}

void ps_session_fini(struct ps_session *s)
{
	discard_files(s);
	if (s->tmp_dfd >= 0) {
		close(s->tmp_dfd);
		if (unlinkat(s->dfd, s->tmp_name, AT_REMOVEDIR) && errno != ENOENT)
			pr_perror("Page server: can't remove %s", s->tmp_name);
	}
	if (s->parent_dfd >= 0)
		close(s->parent_dfd);
	images_forget();
	free(s->ids);
	free(s->dedup);
	free(s->files);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->tmp_dfd = s->parent_dfd = -1;
}
