/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMFLAGS_MERGE_H
#define CRIU_VMFLAGS_MERGE_H

#include <stdbool.h>

#include "vma.h"

/*
 * Give the areas of @maps (read from /proc/PID/maps) the VmFlags of the
 * areas of @smaps that hold them. Each smaps area must be tiled exactly
 * by one or more maps areas of the same kind, in order. 0, or -EAGAIN
 * with @at the first address where the two layouts differ.
 */
int vmflags_merge(struct vma_list *maps, const struct vma_list *smaps, unsigned long *at);

/*
 * Take the area [@start, @end) out of @l (read while criu's scratch area
 * was mapped in the process): true if @l had exactly that area. The
 * scratch area is shared anonymous memory, which never merges with a
 * neighbour, so it is always an area of its own.
 */
bool vma_list_drop(struct vma_list *l, unsigned long start, unsigned long end);

#endif /* CRIU_VMFLAGS_MERGE_H */
