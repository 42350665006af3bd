// SPDX-License-Identifier: GPL-2.0
/*
 * The process tree: items, pstree.img and ids-PID.img.
 *
 * pstree.img holds one entry per process, parents before children, each
 * with its threads (the leader first). Restore relies on that order: a
 * parent is built far enough to fork its children before they are
 * visited, so pstree_read() refuses an image that breaks it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "log.h"
#include "pstree.h"

#include "pstree.pb-c.h"

struct pstree_item *pstree_add(struct pstree *t, struct pstree_item *parent,
			       pid_t pid)
{
	struct pstree_item *item, **items, **children;

	item = calloc(1, sizeof(*item));
	if (!item)
		return NULL;
	items = realloc(t->items, (t->nr + 1) * sizeof(*items));
	if (!items)
		goto err;
	t->items = items;
	if (parent) {
		children = realloc(parent->children,
				   (parent->nr_children + 1) * sizeof(*children));
		if (!children)
			goto err;
		parent->children = children;
		children[parent->nr_children++] = item;
		item->ppid = parent->pid;
	}
	task_kobj_ids_entry__init(&item->ids);
	item->pid = pid;
	item->parent = parent;
	t->items[t->nr++] = item;
	return item;
err:
	free(item);
	return NULL;
}

/* Move the last entry of @v (of @nr) to index @at, shifting the rest up. */
static void move_last_to(struct pstree_item **v, unsigned int nr, unsigned int at)
{
	struct pstree_item *last = v[nr - 1];

	memmove(&v[at + 1], &v[at], (nr - 1 - at) * sizeof(*v));
	v[at] = last;
}

static unsigned int index_of(struct pstree_item **v, unsigned int nr,
			     const struct pstree_item *item)
{
	unsigned int i;

	for (i = 0; i < nr && v[i] != item; i++)
		;
	return i;
}

struct pstree_item *pstree_add_helper(struct pstree *t, struct pstree_item *member,
				      pid_t pid)
{
	struct pstree_item *parent = member->parent, *h;

	h = pstree_add(t, parent, pid);
	if (!h)
		return NULL;
	h->helper = true;
	h->zombie = true;
	h->pgid = pid;
	h->sid = member->sid;
	move_last_to(t->items, t->nr, index_of(t->items, t->nr, member));
	move_last_to(parent->children, parent->nr_children,
		     index_of(parent->children, parent->nr_children, member));
	return h;
}

struct pstree_item *pstree_find(const struct pstree *t, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->items[i]->pid == pid)
			return t->items[i];
	return NULL;
}

bool pstree_has_tid(const struct pstree *t, pid_t tid)
{
	unsigned int i, j;

	for (i = 0; i < t->nr; i++)
		for (j = 0; j < t->items[i]->nr_threads; j++)
			if (t->items[i]->threads[j] == tid)
				return true;
	return false;
}

int pstree_add_thread(struct pstree_item *item, pid_t tid)
{
	pid_t *threads;

	threads = realloc(item->threads, (item->nr_threads + 1) * sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	item->threads = threads;
	threads[item->nr_threads++] = tid;
	return 0;
}

void pstree_free(struct pstree *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		free(t->items[i]->threads);
		free(t->items[i]->children);
		free(t->items[i]);
	}
	free(t->items);
	t->items = NULL;
	t->nr = 0;
}

/* --- images --------------------------------------------------------------- */

static int write_one_entry(struct cr_img *img, const struct pstree_item *item)
{
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	uint32_t *tids;
	unsigned int i;
	int ret;

	tids = calloc(item->nr_threads ? item->nr_threads : 1, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	for (i = 0; i < item->nr_threads; i++)
		tids[i] = item->threads[i];
	pe.pid = item->pid;
	pe.ppid = item->ppid;
	pe.pgid = item->pgid;
	pe.sid = item->sid;
	pe.n_threads = item->nr_threads;
	pe.threads = tids;
	ret = pb_write_one(img, &pe, &pstree_entry__descriptor);
	free(tids);
	return ret;
}

int pstree_write(int dfd, const struct pstree *t)
{
	struct cr_img *img;
	unsigned int i;
	int ret = 0, err;

	img = open_image(dfd, CR_FD_PSTREE, O_DUMP);
	if (!img)
		return -EIO;
	for (i = 0; i < t->nr && !ret; i++)
		ret = write_one_entry(img, t->items[i]);
	err = close_image(img);
	ret = ret ? ret : err;
	for (i = 0; i < t->nr && !ret; i++)
		ret = pb_write_image(dfd, CR_FD_IDS, t->items[i]->pid, &t->items[i]->ids,
				     &task_kobj_ids_entry__descriptor);
	return ret;
}

static int check_entry(const struct pstree *t, const PstreeEntry *pe)
{
	unsigned int i;

	if ((int)pe->pid <= 0 || (int)pe->pgid <= 0 || (int)pe->sid <= 0) {
		pr_err("pstree.img: entry with pid %u, pgid %u, sid %u is not valid\n",
		       pe->pid, pe->pgid, pe->sid);
		return -EINVAL;
	}
	if (pstree_find(t, pe->pid)) {
		pr_err("pstree.img: pid %u appears twice\n", pe->pid);
		return -EINVAL;
	}
	if (t->nr == 0 && pe->ppid != 0) {
		pr_err("pstree.img: the first entry (pid %u) has parent %u, not 0\n",
		       pe->pid, pe->ppid);
		return -EINVAL;
	}
	if (t->nr && !pstree_find(t, pe->ppid)) {
		pr_err("pstree.img: pid %u comes before its parent %u\n",
		       pe->pid, pe->ppid);
		return -EINVAL;
	}
	if (pe->n_threads && pe->threads[0] != pe->pid) {
		pr_err("pstree.img: the first thread of pid %u is %u\n",
		       pe->pid, pe->threads[0]);
		return -EINVAL;
	}
	for (i = 0; i < pe->n_threads; i++)
		if ((int)pe->threads[i] <= 0 || pstree_has_tid(t, pe->threads[i]) ||
		    (i && pe->threads[i] == pe->pid)) {
			pr_err("pstree.img: thread %u of pid %u is not valid or not unique\n",
			       pe->threads[i], pe->pid);
			return -EINVAL;
		}
	return 0;
}

static int add_entry(struct pstree *t, const PstreeEntry *pe)
{
	struct pstree_item *item;
	unsigned int i;
	int ret;

	ret = check_entry(t, pe);
	if (ret)
		return ret;
	item = pstree_add(t, t->nr ? pstree_find(t, pe->ppid) : NULL, pe->pid);
	if (!item)
		return -ENOMEM;
	item->pgid = pe->pgid;
	item->sid = pe->sid;
	/* A zombie has no threads left; its core image says how it ended. */
	item->zombie = pe->n_threads == 0;
	for (i = 0; i < pe->n_threads; i++) {
		ret = pstree_add_thread(item, pe->threads[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_ids(int dfd, struct pstree_item *item)
{
	TaskKobjIdsEntry *ids;
	int ret;

	ret = pb_read_image(dfd, CR_FD_IDS, item->pid, (void **)&ids,
			    &task_kobj_ids_entry__descriptor);
	if (ret)
		return ret;
	item->ids.vm_id = ids->vm_id;
	item->ids.files_id = ids->files_id;
	item->ids.fs_id = ids->fs_id;
	item->ids.sighand_id = ids->sighand_id;
	pb_free(ids);
	return 0;
}

int pstree_read(int dfd, struct pstree *t)
{
	struct cr_img *img;
	PstreeEntry *pe;
	unsigned int i;
	int ret;

	img = open_image(dfd, CR_FD_PSTREE, O_RSTR);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&pe, &pstree_entry__descriptor)) > 0) {
		ret = add_entry(t, pe);
		pb_free(pe);
		if (ret)
			break;
	}
	close_image(img);
	if (ret < 0)
		return ret;
	if (!t->nr) {
		pr_err("pstree.img: no process in it\n");
		return -EINVAL;
	}
	if (pstree_root(t)->zombie) {
		pr_err("pstree.img: the root pid %d is a zombie\n", pstree_root(t)->pid);
		return -EINVAL;
	}
	for (i = 0; i < t->nr; i++) {
		ret = read_ids(dfd, t->items[i]);
		if (ret)
			return ret;
	}
	return 0;
}
