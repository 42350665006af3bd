// SPDX-License-Identifier: GPL-2.0
/*
 * Joining the layout of /proc/PID/maps with the raw vm_flags of the BPF
 * iterator (vma-iter.c), decoded by the table vmflags-calib.c derived.
 * Pure code, unit-tested.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmflags-raw.h"

/* the areas a tracker's registration merged since maps was read, as in vmflags-merge.c */
static bool agrees(const struct vmflag_table *t, const struct vma_raw *r, const struct vma_area *m)
{
	return vmflag_prot(t, r->flags) == (int)m->prot &&
	       vmflag_mayshare(t, r->flags) == !!(m->flags & MAP_SHARED);
}

static bool is_skip(const struct vma_raw *r, unsigned long skip_start, unsigned long skip_end)
{
	return skip_end && r->start == skip_start && r->end == skip_end;
}

/* decode every area first: nothing of @maps changes unless all agree */
static int decode_all(struct vma_list *maps, const struct vmflag_table *t,
		      const struct vma_raw *raw, unsigned int nr, unsigned long skip_start,
		      unsigned long skip_end, struct vma_area *out, unsigned long *at)
{
	unsigned int i, j = 0, bit;
	unsigned long next = 0;	/* where maps must go on inside raw[j] */
	bool inside = false;	/* raw[j] has been entered */

	for (i = 0; i < maps->nr; i++) {
		const struct vma_area *m = &maps->vmas[i];

		if (m->status & VMA_AREA_VSYSCALL)
			continue;
		while (j < nr && raw[j].end <= m->start) {
			/* tiled to its end, or the scratch area, which maps never saw */
			if (!(inside && next == raw[j].end) && !is_skip(&raw[j], skip_start, skip_end))
				goto differ;
			j++;
			inside = false;
		}
		if (j == nr || m->start != (inside ? next : raw[j].start) ||
		    m->end > raw[j].end || !agrees(t, &raw[j], m))
			goto differ;
		out[i] = *m;
		if (vmflag_decode(t, raw[j].flags, vma_is_special(m), &out[i], &bit)) {
			*at = m->start;
			return -ENOENT;
		}
		next = m->end;
		inside = true;
	}
	if (j < nr && inside) {
		if (next != raw[j].end)
			goto differ;
		j++;
	}
	while (j < nr && is_skip(&raw[j], skip_start, skip_end))
		j++;
	if (j == nr)
		return 0;
	*at = raw[j].start;
	return -EAGAIN;
differ:
	*at = i < maps->nr ? maps->vmas[i].start : next;
	return -EAGAIN;
}

int vmflags_merge_raw(struct vma_list *maps, const struct vmflag_table *t,
		      const struct vma_raw *raw, unsigned int nr,
		      unsigned long skip_start, unsigned long skip_end, unsigned long *at)
{
	struct vma_area *out;
	unsigned int i;
	int ret;

	if (!maps->nr)
		return nr ? -EAGAIN : 0;
	out = calloc(maps->nr, sizeof(*out));
	if (!out)
		return -ENOMEM;
	ret = decode_all(maps, t, raw, nr, skip_start, skip_end, out, at);
	for (i = 0; !ret && i < maps->nr; i++)
		if (!(maps->vmas[i].status & VMA_AREA_VSYSCALL))
			maps->vmas[i] = out[i];
	free(out);
	return ret;
}
