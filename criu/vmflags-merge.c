// SPDX-License-Identifier: GPL-2.0
/*
 * Joining the layout of /proc/PID/maps with the VmFlags of
 * /proc/PID/smaps read later from the same stopped process
 * (layout-reader.c). Pure code, unit-tested.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmflags-merge.h"

/* The flags VmFlags adds to what maps says. */
#define VMFLAGS_MAP	(MAP_GROWSDOWN | MAP_LOCKED)

/*
 * @s (smaps) is @m (maps), or an area @m has merged into since: a
 * tracker registering its userfaultfd over an area mapped since the
 * last dump can merge it with a neighbour that differed only in that.
 * Areas merge only when their VmFlags agree, so @s's are @m's.
 */
static bool covers(const struct vma_area *s, const struct vma_area *m)
{
	/* maps prints an offset for areas of a file only, 0 for the others */
	unsigned long pgoff = s->ino ? s->pgoff + (m->start - s->start) : s->pgoff;

	if (s->start > m->start || s->end < m->end || pgoff != m->pgoff ||
	    s->prot != m->prot || s->status != m->status || s->dev != m->dev ||
	    s->ino != m->ino || (s->flags & ~VMFLAGS_MAP) != (m->flags & ~VMFLAGS_MAP))
		return false;
	if (!s->path || !m->path)
		return s->path == m->path;
	return !strcmp(s->path, m->path);
}

static void take_vmflags(struct vma_area *to, const struct vma_area *from)
{
	to->flags = (to->flags & ~VMFLAGS_MAP) | (from->flags & VMFLAGS_MAP);
	to->madv = from->madv;
	to->accounted = from->accounted;
	to->may_write = from->may_write;
	to->lock_onfault = from->lock_onfault;
	memcpy(to->unsupp_vmflag, from->unsupp_vmflag, sizeof(to->unsupp_vmflag));
}

int vmflags_merge(struct vma_list *maps, const struct vma_list *smaps, unsigned long *at)
{
	const struct vma_area *s = smaps->vmas;
	unsigned int i, j = 0;
	unsigned long next;	/* where the maps areas must go on */

	if (!smaps->nr) {
		*at = maps->nr ? maps->vmas[0].start : 0;
		return maps->nr ? -EAGAIN : 0;
	}
	next = s[0].start;
	for (i = 0; i < maps->nr; i++) {
		const struct vma_area *m = &maps->vmas[i];

		if (s[j].end <= m->start) {
			/* smaps area j must be tiled to its end */
			if (next != s[j].end || ++j == smaps->nr)
				break;
			next = s[j].start;
		}
		if (m->start != next || !covers(&s[j], m))
			break;
		take_vmflags(&maps->vmas[i], &s[j]);
		next = m->end;
	}
	if (i < maps->nr) {
		*at = next;
		return -EAGAIN;
	}
	if (j + 1 != smaps->nr || next != s[j].end) {
		*at = next;
		return -EAGAIN;
	}
	return 0;
}

bool vma_list_drop(struct vma_list *l, unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++) {
		if (l->vmas[i].start != start || l->vmas[i].end != end)
			continue;
		free(l->vmas[i].path);
		memmove(&l->vmas[i], &l->vmas[i + 1], (l->nr - i - 1) * sizeof(l->vmas[0]));
		l->nr--;
		return true;
	}
	return false;
}
