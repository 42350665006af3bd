// SPDX-License-Identifier: GPL-2.0
/*
 * An area with a NUMA policy of its own (mbind()) is refused: the
 * images have no place for it. Two ways to find one, and the dump takes
 * whichever keeps the process stopped for less:
 *
 * - /proc/PID/numa_maps names each area's policy, but its read walks
 *   every page table to count pages per node: some 25 ns per resident
 *   page here (22-34 ms for 4 GiB of small pages), on a thread beside
 *   the dump (layout-reader.c), where it competes for the two cores
 *   with the smaps walk and the copy;
 * - get_mempolicy(MPOL_F_ADDR) injected once per area answers from the
 *   area alone (the policy of its first address, which is what
 *   numa_maps shows too), but each injected call is a ptrace round
 *   trip of about 100 us.
 *
 * So a process with few areas and much memory is asked directly, and
 * any other one has its numa_maps read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "area-policy.h"
#include "compel.h"
#include "dump.h"
#include "log.h"
#include "proc_parse.h"
#include "task-state.h"

#define MPOL_DEFAULT_		0
#define MPOL_F_ADDR_		(1 << 1)

/* The costs above, in ns: one injected call, one page walked. */
#define PROBE_COST_NS		100000
#define WALK_COST_NS		25

static int refuse_area(pid_t pid, unsigned long start, const char *how)
{
	pr_err("criu: pid %d: an area with a NUMA memory policy (mbind) at %lx, "
	       "seen by %s: not supported\n", pid, start, how);
	return -EOPNOTSUPP;
}

/* Resident pages of @pid (/proc/PID/statm, a counter: no walk), or -errno. */
static long resident_pages(pid_t pid)
{
	unsigned long size, resident;
	char *buf;
	ssize_t len;
	int n;

	len = read_proc_file(pid, "statm", &buf);
	if (len < 0)
		return len;
	n = sscanf(buf, "%lu %lu", &size, &resident);
	free(buf);
	if (n != 2) {
		pr_err("/proc/%d/statm: no resident size\n", pid);
		return -EINVAL;
	}
	return resident;
}

bool area_policy_by_probe(pid_t pid, const struct vma_list *vmas)
{
	long resident = resident_pages(pid);
	bool probe;

	/* an unreadable statm leaves the choice to numa_maps, which reports */
	probe = resident > 0 &&
		(unsigned long)vmas->nr * PROBE_COST_NS <
		(unsigned long)resident * WALK_COST_NS;
	pr_info("Pid %d: %u areas, %ld pages resident: NUMA policies %s\n", pid,
		vmas->nr, resident, probe ? "by get_mempolicy per area" : "from numa_maps");
	return probe;
}

int check_area_policies_probed(struct dump_ctx *dc, const struct vma_list *vmas)
{
	unsigned int i;
	long ret;
	int mode, err;

	for (i = 0; i < vmas->nr; i++) {
		const struct vma_area *v = &vmas->vmas[i];

		/* the kernel's, outside the process's areas: get_mempolicy says EFAULT */
		if (v->status & VMA_AREA_VSYSCALL)
			continue;
		err = dump_probe(dc, __NR_get_mempolicy, &ret, dc->scratch, 0, 0,
				 v->start, MPOL_F_ADDR_);
		if (err)
			return err;
		if (ret == -ENOSYS)
			return 0;	/* no NUMA */
		if (ret < 0) {
			pr_err("get_mempolicy of %lx in pid %d failed: %s\n", v->start,
			       dc->pid, strerror(-ret));
			return ret;
		}
		err = compel_read_mem(dc->pid, dc->scratch, &mode, sizeof(mode));
		if (err)
			return err;
		if (mode != MPOL_DEFAULT_)
			return refuse_area(dc->pid, v->start, "get_mempolicy");
	}
	return 0;
}

int check_area_policies(pid_t pid)
{
	char *buf, *line;
	unsigned long start;
	ssize_t len;
	int ret = 0;

	len = read_proc_file(pid, "numa_maps", &buf);
	if (len == -ENOENT)
		return 0;	/* no NUMA */
	if (len < 0)
		return len;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *policy = strchr(line, ' ');

		/* "7f12a000 default anon=1 ...": the area's start, then its policy */
		if (policy && strncmp(policy + 1, "default ", 8) &&
		    strncmp(policy + 1, "default\n", 8)) {
			start = strtoul(line, NULL, 16);
			ret = refuse_area(pid, start, "numa_maps");
			break;
		}
	}
	free(buf);
	return ret;
}
