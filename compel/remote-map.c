// SPDX-License-Identifier: GPL-2.0
/*
 * Memory mapped in an infected task for the caller's use, which the
 * task unmaps by itself on its way home if criu dies.
 *
 * The munmap is registered before the mmap runs, so there is no moment
 * when the area exists and nothing would unmap it. That needs the
 * address in advance: compel picks a free range and maps it with
 * MAP_FIXED_NOREPLACE. Nothing else can take the range meanwhile, since
 * every thread of the task is stopped while compel works in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

#define PAGE			4096UL
/* Keep clear of the stack's room to grow and of the lowest addresses. */
#define STACK_CLEARANCE		(64UL << 20)
#define LOW_LIMIT		(1UL << 32)
#define USER_TOP		(1UL << 47)

/*
 * Right below the highest mapping that starts under the stack's growth
 * room (or at the top of a gap that reaches into that room), with a
 * page of space on each side, as the kernel's own top-down choice would
 * land (mappings are page-aligned, so is this).
 */
/*
 * One gap [@lo, @hi): the highest place in it that keeps clear of the
 * stack's room below @limit goes to *@below; failing that, one above
 * @sp to *@above.
 */
static void consider_gap(unsigned long lo, unsigned long hi, unsigned long sp,
			 unsigned long limit, size_t len, unsigned long *below,
			 unsigned long *above)
{
	unsigned long top;

	if (hi <= lo || hi - lo < len + 2 * PAGE)
		return;
	top = hi - PAGE;
	if (top > limit)
		top = limit & ~(PAGE - 1);	/* a gap that reaches into it */
	if (top >= lo + PAGE + len)
		*below = top - len;
	else if (hi - PAGE - len > sp + PAGE)
		*above = hi - PAGE - len;
}

static int find_free(pid_t pid, unsigned long sp, size_t len,
		     unsigned long *addr)
{
	unsigned long from, to, prev_end = LOW_LIMIT, above = 0;
	unsigned long limit = sp > STACK_CLEARANCE ? sp - STACK_CLEARANCE : 0;
	char *line = NULL;
	size_t size = 0;
	int ret;
	FILE *f;

	f = compel_proc_open(pid, "maps", &ret);
	if (!f)
		return ret;
	*addr = 0;
	while (getline(&line, &size, f) > 0) {
		/* [vsyscall] lies above user space: no gap before it counts */
		if (sscanf(line, "%lx-%lx", &from, &to) != 2 || from >= USER_TOP)
			continue;
		/*
		 * A stack that is no [stack] (a static buffer passed to
		 * clone(), say) may sit low, with nothing free below it:
		 * hence the place above @sp.
		 */
		consider_gap(prev_end, from, sp, limit, len, addr, &above);
		if (to > prev_end)
			prev_end = to;
	}
	/*
	 * And the gap above the last mapping: a static program may have
	 * nothing but its stack, vvar and vdso up there, with the vdso a
	 * few pages above the stack.
	 */
	consider_gap(prev_end, USER_TOP, sp, limit, len, addr, &above);
	if (!*addr)
		*addr = above;
	free(line);
	fclose(f);
	if (!*addr) {
		pr_err("pid %d: no free range of %zu bytes\n", pid, len);
		return -ENOMEM;
	}
	return 0;
}

int compel_map(struct compel_ctl *ctl, size_t len, int prot, int flags,
	       unsigned long *addr)
{
	long ret;
	int err, handle;

	len = (len + PAGE - 1) & ~(PAGE - 1);
	err = find_free(ctl->pid, ctl->regs.rsp, len, addr);
	if (err)
		return err;
	handle = compel_release_call(ctl, __NR_munmap, *addr, len, 0, 0, 0, 0);
	if (handle < 0)
		return handle;
	err = compel_syscall(ctl, __NR_mmap, &ret, *addr, len, prot,
			     flags | MAP_FIXED_NOREPLACE, -1, 0);
	if (!err && (unsigned long)ret != *addr) {
		pr_err("pid %d: mmap of %zu bytes at %#lx gave %ld\n", ctl->pid,
		       len, *addr, ret);
		/* An old kernel takes the flag for a hint: undo that one. */
		if (ret > 0 && (unsigned long)ret < -4095UL)
			compel_syscall(ctl, __NR_munmap, &ret, ret, len, 0, 0,
				       0, 0);
		err = ret < 0 && ret >= -4095 ? (int)ret : -EEXIST;
	}
	if (err)
		compel_release_drop(ctl, handle);
	return err;
}

int compel_unmap(struct compel_ctl *ctl, unsigned long addr, size_t len)
{
	unsigned long args[6] = { addr, 0 };
	long ret;
	int err, handle;

	len = (len + PAGE - 1) & ~(PAGE - 1);
	args[1] = len;
	handle = compel_release_find(ctl, __NR_munmap, addr, len);
	if (handle >= 0)
		err = compel_syscall_undoing(ctl, handle, __NR_munmap, &ret, args);
	else
		err = compel_syscall(ctl, __NR_munmap, &ret, addr, len, 0, 0, 0, 0);
	if (!err && ret) {
		pr_err("pid %d: munmap of %#lx-%#lx failed: %ld\n", ctl->pid,
		       addr, addr + len, ret);
		err = (int)ret;
	}
	return err;
}
