// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing where the dump takes the areas' VmFlags from: the task_vma
 * BPF iterator when it loads and its bits are all accounted for, smaps
 * otherwise or when CRIU_VMFLAGS=smaps asks for it (tests, A/B runs).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stats.h"
#include "vmflags-bpf.h"

struct vmflags_bpf *vmflags_bpf_prepare(void)
{
	const char *env = getenv("CRIU_VMFLAGS");
	struct vmflags_bpf *vb;
	uint64_t t0 = stats_now_us();

	if (env && !strcmp(env, "smaps")) {
		pr_info("VmFlags from /proc/PID/smaps: CRIU_VMFLAGS=smaps\n");
		return NULL;
	}
	if (env && strcmp(env, "bpf") && strcmp(env, "auto"))
		pr_warn("CRIU_VMFLAGS=%s: not smaps, bpf or auto; taken as auto\n", env);
	vb = calloc(1, sizeof(*vb));
	if (!vb)
		return NULL;
	if (vma_iter_load(&vb->vi) || vmflags_probe(vb->vi, &vb->table)) {
		pr_info("VmFlags from /proc/PID/smaps: the task_vma BPF iterator is not usable here\n");
		vmflags_bpf_free(vb);
		return NULL;
	}
	pr_info("VmFlags from the task_vma BPF iterator: loaded and calibrated in %.3f ms\n",
		(stats_now_us() - t0) / 1000.0);
	return vb;
}

void vmflags_bpf_free(struct vmflags_bpf *vb)
{
	if (!vb)
		return;
	vma_iter_free(vb->vi);
	free(vb);
}
