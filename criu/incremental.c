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

/* Every page the parent's pagemap records, copied there or further up. */
static int read_parent_pages(int parent_dfd, pid_t pid, struct range_set *out)
{
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	int ret;

	img = open_image(parent_dfd, CR_FD_PAGEMAP, O_RSTR, pid);
	if (!img)
		return -EIO;
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
		ret = read_parent_pages(ic->parent_dfd, ic->pid, &ic->parent_pages);
	return ret;
}

static int choose_tracker(struct incr_ctx *ic)
{
	const char *name = opts.dirty_tracker;
	int ret;

	if (ic->parent_dfd >= 0) {
		ret = track_state_load(ic->parent_dfd, ic->state_file, &ic->state);
		if (ret && ret != -ENOENT)
			return ret;
		if (!ret && ic->state.pid != ic->pid) {
			pr_err("Parent images were tracked for pid %d, not %d\n",
			       ic->state.pid, ic->pid);
			return -EINVAL;
		}
		ic->parent_tracked = !ret;
	}
	if (ic->parent_tracked) {
		if (name && strcmp(name, "auto") && strcmp(name, ic->state.tracker)) {
			pr_err("Parent images are tracked with %s, not %s: "
			       "a chain keeps one tracker\n", ic->state.tracker, name);
			return -EINVAL;
		}
		name = ic->state.tracker;
	}
	ret = select_dirty_tracker(name, &ic->tracker);
	if (ret)
		return ret;
	pr_info("Tracking memory of pid %d with %s\n", ic->pid, ic->tracker->name);
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
	ret = track_state_load(ic->parent_dfd, ic->state_file, &ic->state);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (ic->state.pid != ic->pid)
		return 0;
	ic->tracker = find_dirty_tracker(ic->state.tracker);
	if (!ic->tracker) {
		pr_err("Parent images are tracked with %s, which is not loaded\n",
		       ic->state.tracker);
		return -ENOENT;
	}
	ic->parent_tracked = true;
	pr_info("Pid %d is tracked with %s; without --track-mem tracking ends\n",
		ic->pid, ic->tracker->name);
	return 0;
}

int incr_prepare(struct incr_ctx *ic, int dfd, pid_t pid, bool root)
{
	int ret;

	memset(ic, 0, sizeof(*ic));
	ic->pid = pid;
	ic->root = root;
	if (root)
		snprintf(ic->state_file, sizeof(ic->state_file), "%s", TRACK_STATE_FILE);
	else
		snprintf(ic->state_file, sizeof(ic->state_file), "%s-%d",
			 TRACK_STATE_FILE, pid);
	ic->parent_dfd = -1;
	ic->state.target_fd = -1;
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
	return ic->parent_tracked ? ic->state.target_fd : -1;
}

static int start_tracking(struct incr_ctx *ic, struct track_target *t)
{
	int ret;

	memset(&ic->state, 0, sizeof(ic->state));
	snprintf(ic->state.tracker, sizeof(ic->state.tracker), "%s", ic->tracker->name);
	ic->state.pid = ic->pid;
	ic->state.target_fd = -1;
	ret = ic->tracker->start(t, &ic->state);
	if (ret) {
		pr_err("Dirty tracker %s can't start on pid %d: %d\n",
		       ic->tracker->name, ic->pid, ret);
		return ret;
	}
	ic->started = true;
	return 0;
}

int incr_collect(struct incr_ctx *ic, struct dump_ctx *dc,
		 const struct vma_list *vmas)
{
	struct track_target t;
	int ret;

	if (!ic->tracker)
		return 0;
	ret = track_target_init(&t, dc, vmas);
	if (ret)
		return ret;
	if (ic->parent_tracked) {
		ret = ic->tracker->collect(&t, &ic->state, &ic->dirty);
		if (!ret) {
			ic->dirty_valid = true;
			ic->state.generation++;
			range_set_normalize(&ic->dirty);
			pr_info("%s: %lu bytes written since the parent\n",
				ic->tracker->name, range_set_bytes(&ic->dirty));
			goto out;
		}
		if (ret != -ESTALE)
			goto out;
		pr_warn("%s lost track of pid %d: copying every page this time\n",
			ic->tracker->name, ic->pid);
		range_set_clear(&ic->dirty);
	}
	/* Without --track-mem the chain ends: nothing to start. */
	ret = opts.track_mem ? start_tracking(ic, &t) : 0;
out:
	track_target_fini(&t);
	return ret;
}

void incr_mem_opts(const struct incr_ctx *ic, struct mem_dump_opts *mo)
{
	mo->parent = ic->parent_dfd >= 0 ? &ic->parent_pages : NULL;
	mo->dirty = ic->dirty_valid ? &ic->dirty : NULL;
}

int incr_stop(struct incr_ctx *ic, struct dump_ctx *dc, const struct vma_list *vmas)
{
	struct track_target t;
	int ret;

	if (!ic->tracker || (!ic->started && !ic->parent_tracked))
		return 0;
	ret = track_target_init(&t, dc, vmas);
	if (ret)
		return ret;
	ret = ic->tracker->stop(&t, &ic->state);
	track_target_fini(&t);
	if (ret)
		pr_err("Dirty tracker %s can't stop on pid %d: %d\n",
		       ic->tracker->name, ic->pid, ret);
	ic->started = false;
	ic->parent_tracked = false;
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
	if (!ic->tracker || !keep_tracking)
		return 0;
	return track_state_save(dfd, ic->state_file, &ic->state);
}

void incr_fini(struct incr_ctx *ic)
{
	if (ic->parent_dfd >= 0)
		close(ic->parent_dfd);
	ic->parent_dfd = -1;
	range_set_free(&ic->parent_pages);
	range_set_free(&ic->dirty);
}
