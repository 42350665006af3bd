/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_AREA_POLICY_H
#define CRIU_AREA_POLICY_H

#include <stdbool.h>
#include <sys/types.h>

#include "vma.h"

struct dump_ctx;

/*
 * Whether the stopped @pid, with the areas @vmas, is asked for its areas'
 * NUMA policies by an injected call per area (true) or has its numa_maps
 * read (false), whichever costs less (area-policy.c).
 */
bool area_policy_by_probe(pid_t pid, const struct vma_list *vmas);
/*
 * No area has a NUMA policy of its own (mbind): 0, or -EOPNOTSUPP with
 * the area named. The first asks inside the infected process (it needs
 * the scratch area), the second reads /proc/PID/numa_maps.
 */
int check_area_policies_probed(struct dump_ctx *dc, const struct vma_list *vmas);
int check_area_policies(pid_t pid);

#endif /* CRIU_AREA_POLICY_H */
