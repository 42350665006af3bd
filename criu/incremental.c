// SPDX-License-Identifier: GPL-2.0
/*
 * Incremental dumps: the parent image folder (--prev-images-dir) and
 * the dirty tracker (--track-mem, --dirty-tracker) together decide
 * which pages a (pre-)dump may record as "in parent" instead of copying.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cr_options.h"
#include "dump.h"
#include "image.h"
#include "incremental.h"
#include "log.h"
#include "mem.h"
#include "tracking.h"
#include "vma.h"

#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

/*
 * The root must be the parent's root; another process of the tree may be
 * new since the parent (then it has nothing there: *@found is false).
 */
static int check_parent_pid(int parent_dfd, pid_t pid, bool root, bool *found)
{
	PstreeEntry *pe = NULL;
	struct cr_img *img;
	bool first = true;
	int ret;

	*found = false;
	img = open_image(parent_dfd, CR_FD_PSTREE, O_RSTR);
	if (!img) {
		pr_err("Parent images (%s) have no readable pstree.img\n",
		       opts.prev_images_dir);
		return -EINVAL;
	}
	while ((ret = pb_read_one(img, (void **)&pe, &pstree_entry__descriptor)) > 0) {
		if (first && root && (pid_t)pe->pid != pid) {
			pr_err("Parent images (%s) are of pid %u, not of pid %d\n",
			       opts.prev_images_dir, pe->pid, pid);
			ret = -EINVAL;
		}
		if ((pid_t)pe->pid == pid)
			*found = true;
		first = false;
		pb_free(pe);
		if (ret < 0 || *found)
			break;
	}
	close_image(img);
	if (!ret && first) {
		pr_err("Parent images (%s): pstree.img is empty\n", opts.prev_images_dir);
		ret = -EINVAL;
	}
	return ret < 0 ? ret : 0;
}

/*
 * dump --lazy-pages writes its images here to ship them, with the
 * pages it keeps, to the host that will restore: a parent whose pages
 * went to that host's page server is one it can chain to (criu-migrate
 * --lazy does so).
 */
static struct cr_img *open_sent_instead(int parent_dfd, pid_t pid, struct cr_img *img)
{
	if (opts.use_page_server || !opts.lazy_pages || !img_empty(img))
		return img;
	close_image(img);
	pr_info("The parent's pages of pid %d went to a page server: chaining to what it got\n",
		pid);
	return open_image(parent_dfd, CR_FD_PAGEMAP_SENT, O_RSTR | O_OPT, pid);
}

/*
 * Every page the parent's pagemap records, copied there or further up.
 * A dump through a page server asks what the server's parent holds:
 * the copy its parent kept of what it sent (page-xfer.c).
 */
static int read_parent_pages(int parent_dfd, pid_t pid, struct range_set *out)
{
	enum cr_img_type type = opts.use_page_server ? CR_FD_PAGEMAP_SENT : CR_FD_PAGEMAP;
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	int ret;

	img = open_image(parent_dfd, type, O_RSTR | O_OPT, pid);
	if (img)
		img = open_sent_instead(parent_dfd, pid, img);
	if (!img)
		return -EIO;
	if (img_empty(img)) {
		pr_err("The parent images %s hold no %s for pid %d: %s\n",
		       opts.prev_images_dir, img_name(img), pid, opts.use_page_server ?
		       "they were not sent to a page server" :
		       "their pages went to a page server (dump with --page-server too)");
		close_image(img);
		return -ENOENT;
	}
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	while (!ret) {
		ret = pb_read_one(img, (void **)&pe, &pagemap_entry__descriptor);
		if (ret <= 0)
			break;
		ret = range_set_add(out, pe->vaddr,
				    pe->vaddr + (unsigned long)pe->nr_pages * PAGE_SIZE);
		pb_free(pe);
	}
	if (ph)
		pb_free(ph);
	close_image(img);
	range_set_normalize(out);
	return ret;
}

/*
 * The root's parent pages, read before the tree is seized: decoding a
 * parent pagemap takes milliseconds for a few GiB, which would otherwise
 * pass with the process stopped. The other processes of a tree are only
 * known once it is seized.
 */
static struct {
	pid_t pid;		/* 0: none */
	struct range_set pages;
} early_root;

void incr_read_root_early(int dfd, pid_t pid)
{
	int parent_dfd;

	/* nothing is left from an earlier request of the RPC service */
	range_set_free(&early_root.pages);
	early_root.pid = 0;
	if (!opts.prev_images_dir)
		return;
	parent_dfd = openat(dfd, opts.prev_images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent_dfd < 0)
		return;		/* open_parent() says why */
	if (!read_parent_pages(parent_dfd, pid, &early_root.pages))
		early_root.pid = pid;
	else
		range_set_free(&early_root.pages);	/* read again, and refused, later */
	close(parent_dfd);
}

static int take_parent_pages(struct incr_ctx *ic)
{
	if (!ic->root || early_root.pid != ic->pid)
		return read_parent_pages(ic->parent_dfd, ic->pid, &ic->parent_pages);
	ic->parent_pages = early_root.pages;
	early_root.pages = (struct range_set)RANGE_SET_INIT;
	early_root.pid = 0;
	return 0;
}

static int open_parent(struct incr_ctx *ic, int dfd)
{
	bool found;
	int ret;

	ic->parent_dfd = openat(dfd, opts.prev_images_dir,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ic->parent_dfd < 0) {
		ret = -errno;
		pr_perror("Can't open parent images %s (relative to %s)",
			  opts.prev_images_dir, opts.imgs_dir);
		return ret;
	}
	ret = check_parent_pid(ic->parent_dfd, ic->pid, ic->root, &found);
	if (!ret && !found) {
		pr_info("Pid %d is new since the parent images: all its pages are copied\n",
			ic->pid);
		close(ic->parent_dfd);
		ic->parent_dfd = -1;
		return 0;
	}
	if (!ret)
		ret = take_parent_pages(ic);
	return ret;
}

static int choose_tracker(struct incr_ctx *ic)
{
	struct track_mm *tm = &ic->mm;
	const char *name = opts.dirty_tracker;
	int ret;

	if (ic->parent_dfd >= 0) {
		ret = track_state_load(ic->parent_dfd, ic->state_file, &tm->state);
		if (ret && ret != -ENOENT)
			return ret;
		if (!ret && tm->state.pid != ic->pid) {
			pr_err("Parent images were tracked for pid %d, not %d\n",
			       tm->state.pid, ic->pid);
			return -EINVAL;
		}
		tm->parent_tracked = !ret;
	}
	if (tm->parent_tracked) {
		if (name && strcmp(name, "auto") && strcmp(name, tm->state.tracker)) {
			pr_err("Parent images are tracked with %s, not %s: "
			       "a chain keeps one tracker\n", tm->state.tracker, name);
			return -EINVAL;
		}
		name = tm->state.tracker;
	}
	ret = select_dirty_tracker(name, &tm->tracker);
	if (ret)
		return ret;
	pr_info("Tracking memory of pid %d with %s\n", ic->pid, tm->tracker->name);
	return 0;
}

/*
 * The tracker state that a (pre-)dump left for @pid in the folder @dfd:
 * taken over, to be asked what changed or to be stopped. 1 when the
 * folder holds none for @pid.
 */
static int adopt_tracker(struct incr_ctx *ic, int dfd)
{
	struct track_mm *tm = &ic->mm;
	int ret;

	ret = track_state_load(dfd, ic->state_file, &tm->state);
	if (ret == -ENOENT)
		return 1;
	if (ret)
		return ret;
	if (tm->state.pid != ic->pid) {
		track_mm_init(tm, ic->pid);
		return 1;
	}
	tm->tracker = find_dirty_tracker(tm->state.tracker);
	if (!tm->tracker) {
		pr_err("The images are tracked with %s, which is not loaded\n",
		       tm->state.tracker);
		return -ENOENT;
	}
	tm->parent_tracked = true;
	return 0;
}

/*
 * Without --track-mem a tracked parent's tracker is still asked what
 * changed (its answer is as good as ever), its descriptor is skipped by
 * the dump, and it is stopped: the chain ends here.
 */
static int adopt_parent_tracker(struct incr_ctx *ic)
{
	int ret;

	if (ic->parent_dfd < 0)
		return 0;
	ret = adopt_tracker(ic, ic->parent_dfd);
	if (ret)
		return ret > 0 ? 0 : ret;
	pr_info("Pid %d is tracked with %s; without --track-mem tracking ends\n",
		ic->pid, ic->mm.tracker->name);
	return 0;
}

static void incr_init(struct incr_ctx *ic, pid_t pid, bool root)
{
	memset(ic, 0, sizeof(*ic));
	ic->pid = pid;
	ic->root = root;
	ic->parent_dfd = -1;
	track_mm_init(&ic->mm, pid);
	if (root)
		snprintf(ic->state_file, sizeof(ic->state_file), "%s", TRACK_STATE_FILE);
	else
		snprintf(ic->state_file, sizeof(ic->state_file), "%s-%d",
			 TRACK_STATE_FILE, ic->pid);
}

int incr_adopt(struct incr_ctx *ic, int dfd, pid_t pid, bool root)
{
	incr_init(ic, pid, root);
	return adopt_tracker(ic, dfd);
}

int incr_forget(const struct incr_ctx *ic, int dfd)
{
	if (unlinkat(dfd, ic->state_file, 0) && errno != ENOENT) {
		pr_perror("Can't remove %s", ic->state_file);
		return -errno;
	}
	return 0;
}

int incr_prepare(struct incr_ctx *ic, int dfd, pid_t pid, bool root)
{
	int ret;

	incr_init(ic, pid, root);
	if (opts.prev_images_dir) {
		ret = open_parent(ic, dfd);
		if (ret)
			return ret;
	}
	if (opts.track_mem)
		return choose_tracker(ic);
	return adopt_parent_tracker(ic);
}

int incr_tracker_fd(const struct incr_ctx *ic)
{
	return track_mm_target_fd(&ic->mm);
}

const char *incr_tracker_name(const struct incr_ctx *ic)
{
	return ic->mm.tracker ? ic->mm.tracker->name : NULL;
}

bool incr_started(const struct incr_ctx *ic)
{
	return ic->mm.started;
}

/*
 * A (pre-)dump that fails after the tracker answered has re-armed it:
 * what it reported would be lost for the retry against the same parent.
 * It is kept in the parent folder ("dirty-carry", "dirty-carry-PID"),
 * added to the next answer, and dropped once a dump on that parent
 * succeeds.
 */
static void carry_name(const struct incr_ctx *ic, char *buf, size_t len)
{
	if (ic->root)
		snprintf(buf, len, "dirty-carry");
	else
		snprintf(buf, len, "dirty-carry-%d", ic->pid);
}

static int carry_load(struct incr_ctx *ic)
{
	unsigned long start, end;
	char name[48];
	FILE *f;
	int fd, ret = 0;

	carry_name(ic, name, sizeof(name));
	fd = openat(ic->parent_dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!ret && fscanf(f, "%lx %lx", &start, &end) == 2)
		ret = start < end ? range_set_add(&ic->mm.dirty, start, end) : -EINVAL;
	if (!ret && !feof(f))
		ret = -EINVAL;
	fclose(f);
	if (ret)
		pr_err("Bad %s in the parent images: %d\n", name, ret);
	else
		pr_info("Pid %d: adding the pages an earlier dump on these parent images left to copy (%s)\n",
			ic->pid, name);
	range_set_normalize(&ic->mm.dirty);
	return ret;
}

/* Write @d as the carry of @ic into the folder @dfd. 0 or -errno. */
static int carry_save(const struct incr_ctx *ic, int dfd, const struct range_set *d)
{
	char name[48];
	unsigned int i;
	FILE *f;
	int fd, ret;

	carry_name(ic, name, sizeof(name));
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	for (i = 0; f && i < d->nr; i++)
		fprintf(f, "%lx %lx\n", d->r[i].start, d->r[i].end);
	if (f && !fclose(f))
		return 0;
	ret = -errno;
	pr_perror("Can't write %s for pid %d", name, ic->pid);
	if (fd >= 0 && !f)
		close(fd);
	return ret;
}

void incr_keep_lost(struct incr_ctx *ic)
{
	char name[48];

	if (!ic->mm.dirty_valid || ic->parent_dfd < 0)
		return;
	carry_name(ic, name, sizeof(name));
	if (carry_save(ic, ic->parent_dfd, &ic->mm.dirty)) {
		/* the next dump on this parent could miss pages: make it fail */
		pr_err("Can't keep the written pages of pid %d in %s/%s: "
		       "don't dump on these parent images again\n", ic->pid,
		       opts.prev_images_dir, name);
		unlinkat(ic->parent_dfd, ic->state_file, 0);
		return;
	}
	ic->mm.dirty_valid = false;	/* kept once */
	pr_info("Pid %d: the written pages this dump was told of are kept in %s\n",
		ic->pid, name);
}

/*
 * Pages a pre-dump planned but could not read once the target ran
 * again (unmapped, made unreadable, the process gone) are left out of
 * its pagemap; the next dump on this folder must copy them whatever
 * its tracker says, as if it had reported them: the carry, in this
 * folder.
 */
int incr_carry_unread(const struct incr_ctx *ic, int dfd, const struct range_set *unread)
{
	char name[48];
	unsigned int i;
	int ret;

	if (!unread->nr)
		return 0;
	carry_name(ic, name, sizeof(name));
	for (i = 0; i < unread->nr; i++)
		pr_info("Pid %d: %lx-%lx could not be read after it ran again: "
			"the next dump copies it (%s)\n", ic->pid, unread->r[i].start,
			unread->r[i].end, name);
	ret = carry_save(ic, dfd, unread);
	if (ret)
		pr_err("Pid %d: without %s the next dump would miss pages\n", ic->pid, name);
	return ret;
}

void incr_carry_drop(const struct incr_ctx *ic, int dfd)
{
	char name[48];

	carry_name(ic, name, sizeof(name));
	if (unlinkat(dfd, name, 0) && errno != ENOENT)
		pr_perror("Can't remove %s of pid %d", name, ic->pid);
}

int incr_collect(struct incr_ctx *ic, struct dump_ctx *dc,
		 const struct vma_list *vmas, bool arm_late)
{
	struct track_target t;
	int ret;

	if (!ic->mm.tracker)
		return 0;
	ic->mm.arm_late = arm_late;
	ret = track_target_init(&t, dc, vmas);
	if (ret)
		return ret;
	/* Without --track-mem the chain ends: nothing to start. */
	ret = track_mm_collect(&ic->mm, &t, opts.track_mem);
	track_target_fini(&t);
	if (!ret && ic->mm.dirty_valid && ic->parent_dfd >= 0)
		ret = carry_load(ic);
	return ret;
}

int incr_arm(struct incr_ctx *ic, struct dump_ctx *dc, const struct vma_list *vmas)
{
	struct track_target t;
	int ret;

	if (!ic->mm.unarmed)
		return 0;
	ret = track_target_init(&t, dc, vmas);
	if (ret)
		return ret;
	ret = track_mm_arm(&ic->mm, &t);
	track_target_fini(&t);
	return ret;
}

void incr_mem_opts(const struct incr_ctx *ic, struct mem_dump_opts *mo)
{
	mo->parent = ic->parent_dfd >= 0 ? &ic->parent_pages : NULL;
	mo->dirty = ic->mm.dirty_valid ? &ic->mm.dirty : NULL;
}

int incr_stop(struct incr_ctx *ic, struct dump_ctx *dc, const struct vma_list *vmas)
{
	struct track_target t;
	int ret;

	if (!ic->mm.tracker || (!ic->mm.started && !ic->mm.parent_tracked))
		return 0;
	ret = track_target_init(&t, dc, vmas);
	if (ret)
		return ret;
	ret = track_mm_stop(&ic->mm, &t);
	track_target_fini(&t);
	return ret;
}

int incr_commit(struct incr_ctx *ic, int dfd, bool keep_tracking)
{
	int ret;

	if (opts.prev_images_dir && ic->root) {
		unlinkat(dfd, "parent", 0);
		if (symlinkat(opts.prev_images_dir, dfd, "parent")) {
			ret = -errno;
			pr_perror("Can't link parent images %s", opts.prev_images_dir);
			return ret;
		}
	}
	if (ic->parent_dfd >= 0) {
		char name[48];

		carry_name(ic, name, sizeof(name));
		if (unlinkat(ic->parent_dfd, name, 0) && errno != ENOENT)
			pr_perror("Can't remove %s from the parent images", name);
	}
	if (!ic->mm.tracker || !keep_tracking)
		return 0;
	return track_state_save(dfd, ic->state_file, &ic->mm.state);
}

void incr_fini(struct incr_ctx *ic)
{
	if (ic->parent_dfd >= 0)
		close(ic->parent_dfd);
	ic->parent_dfd = -1;
	range_set_free(&ic->parent_pages);
	track_mm_fini(&ic->mm);
}
