/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMFLAGS_RAW_H
#define CRIU_VMFLAGS_RAW_H

#include "vma-iter.h"
#include "vmflags-calib.h"

/*
 * Give the areas of @maps (from /proc/PID/maps) the VmFlags decoded
 * from the @nr areas @raw of the BPF iterator, read later from the same
 * stopped process; the one at [@skip_start, @skip_end) (criu's scratch
 * area) is left out. As with smaps (vmflags_merge()), each raw area must
 * be tiled by maps areas of its protection and sharing; [vsyscall] is
 * not an area of the iterator's. 0; -EAGAIN with @at where the layouts
 * differ; -ENOENT with @at the area that has a bit @t cannot decode.
 * On error @maps is left as it was.
 */
int vmflags_merge_raw(struct vma_list *maps, const struct vmflag_table *t,
		      const struct vma_raw *raw, unsigned int nr,
		      unsigned long skip_start, unsigned long skip_end, unsigned long *at);

#endif /* CRIU_VMFLAGS_RAW_H */
