// SPDX-License-Identifier: GPL-2.0
/*
 * A thread's x86_64 registers: general purpose ones from PTRACE_GETREGS,
 * FPU/vector ones from the XSAVE area, into core->thread_info and back.
 */

#include <errno.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>

#include "compel.h"
#include "core-parts.h"
#include "log.h"

/*
 * Return values a system call leaves in rax when a signal (or a ptrace
 * stop) interrupted it and the kernel means to restart it once the task
 * goes back to user space. They never reach user space themselves.
 */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/* "syscall" is two bytes (0f 05) */
#define SYSCALL_INSN_LEN	2

/*
 * A task stopped inside an interrupted system call has rax = -ERESTART*
 * and the call number in orig_rax; the kernel would, on resuming it,
 * point rip back at the syscall instruction and reload rax. A restored
 * task resumes with no such bookkeeping (orig_rax = -1), so do that
 * rewind now, in the image: the call runs again with its original
 * arguments, which the registers still hold.
 *
 * For -ERESTART_RESTARTBLOCK the kernel would call restart_syscall(),
 * which continues from state kept in the kernel (e.g. the remaining
 * time of nanosleep). That state does not survive a dump, so the
 * original call is run again instead: a relative sleep or timeout
 * starts over from its full length, an absolute one is unaffected.
 * CRIU makes the call return -EINTR instead; re-running is kinder to
 * programs that do not retry on EINTR, and a sleep that lasts longer
 * than asked is allowed by every such call's contract.
 */
static void rewind_interrupted_syscall(pid_t pid, UserX86RegsEntry *gp)
{
	long ret = (long)gp->ax;

	if ((long)gp->orig_ax < 0)
		return;
	switch (-ret) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
	case ERESTART_RESTARTBLOCK:
		break;
	default:
		return;
	}
	/*
	 * Caught inside restart_syscall(), which resumes a call the kernel
	 * interrupted before: that call's number is gone and the restart
	 * state is the kernel's, not the image's. The call returns EINTR,
	 * as a signal would have made it.
	 */
	if (gp->orig_ax == __NR_restart_syscall) {
		pr_info("%d: restart_syscall interrupted: it returns EINTR after restore\n",
			pid);
		gp->ax = -EINTR;
		return;
	}
	pr_info("%d: system call %llu interrupted (%ld), rewound to run again\n",
		pid, (unsigned long long)gp->orig_ax, ret);
	gp->ax = gp->orig_ax;
	gp->ip -= SYSCALL_INSN_LEN;
}

static UserX86RegsEntry *gpregs_to_image(const struct user_regs_struct *r)
{
	UserX86RegsEntry *gp = malloc(sizeof(*gp));

	if (!gp)
		return NULL;
	user_x86_regs_entry__init(gp);
	gp->r15 = r->r15;
	gp->r14 = r->r14;
	gp->r13 = r->r13;
	gp->r12 = r->r12;
	gp->bp = r->rbp;
	gp->bx = r->rbx;
	gp->r11 = r->r11;
	gp->r10 = r->r10;
	gp->r9 = r->r9;
	gp->r8 = r->r8;
	gp->ax = r->rax;
	gp->cx = r->rcx;
	gp->dx = r->rdx;
	gp->si = r->rsi;
	gp->di = r->rdi;
	gp->orig_ax = r->orig_rax;
	gp->ip = r->rip;
	gp->cs = r->cs;
	gp->flags = r->eflags;
	gp->sp = r->rsp;
	gp->ss = r->ss;
	gp->fs_base = r->fs_base;
	gp->gs_base = r->gs_base;
	gp->ds = r->ds;
	gp->es = r->es;
	gp->fs = r->fs;
	gp->gs = r->gs;
	gp->has_mode = 1;
	gp->mode = USER_X86_REGS_MODE__NATIVE;
	return gp;
}

static void gpregs_from_image(const UserX86RegsEntry *gp,
			      struct user_regs_struct *r)
{
	memset(r, 0, sizeof(*r));
	r->r15 = gp->r15;
	r->r14 = gp->r14;
	r->r13 = gp->r13;
	r->r12 = gp->r12;
	r->rbp = gp->bp;
	r->rbx = gp->bx;
	r->r11 = gp->r11;
	r->r10 = gp->r10;
	r->r9 = gp->r9;
	r->r8 = gp->r8;
	r->rax = gp->ax;
	r->rcx = gp->cx;
	r->rdx = gp->dx;
	r->rsi = gp->si;
	r->rdi = gp->di;
	/* interrupted calls were rewound at dump: nothing to restart */
	r->orig_rax = -1;
	r->rip = gp->ip;
	r->cs = gp->cs;
	r->eflags = gp->flags;
	r->rsp = gp->sp;
	r->ss = gp->ss;
	r->fs_base = gp->fs_base;
	r->gs_base = gp->gs_base;
	r->ds = gp->ds;
	r->es = gp->es;
	r->fs = gp->fs;
	r->gs = gp->gs;
}

/*
 * A kernel that does not use XSAVE (a CPU without it, or a guest whose
 * CPU model hides it) has no NT_X86_XSTATE regset: its FPU state is the
 * 512-byte FXSAVE area, which the image's legacy fields hold.
 */
static int dump_fxsave(pid_t pid, ThreadInfoX86 *ti)
{
	uint8_t buf[COMPEL_FXSAVE_SIZE] __attribute__((aligned(16)));
	int ret;

	ret = compel_get_fxsave(pid, buf);
	if (!ret)
		ret = xsave_to_fpregs(buf, sizeof(buf), &ti->fpregs);
	return ret;
}

static int dump_fpu(pid_t pid, ThreadInfoX86 *ti)
{
	size_t size = compel_xsave_size(), len;
	void *buf;
	int ret;

	if (!size)
		return dump_fxsave(pid, ti);
	len = size;
	buf = calloc(1, size);
	if (!buf) {
		pr_err("%d: out of memory for %zu bytes of XSAVE state\n",
		       pid, size);
		return -ENOMEM;
	}
	ret = compel_get_xsave(pid, buf, &len);
	if (ret == -ENODEV)
		ret = dump_fxsave(pid, ti);
	else if (!ret)
		ret = xsave_to_fpregs(buf, len, &ti->fpregs);
	if (ret)
		pr_err("%d: cannot dump the FPU state: %d\n", pid, ret);
	free(buf);
	return ret;
}

int dump_thread_regs(pid_t pid, CoreEntry *core)
{
	struct user_regs_struct regs;
	ThreadInfoX86 *ti;
	int ret;

	ret = compel_get_regs(pid, &regs);
	if (ret)
		return ret;
	if (regs.cs != 0x33) {
		/* 0x23 would be a 32-bit task: its images differ */
		pr_err("%d: only 64-bit tasks are supported (cs %#llx)\n",
		       pid, regs.cs);
		return -EOPNOTSUPP;
	}

	ti = malloc(sizeof(*ti));
	if (!ti) {
		pr_err("%d: out of memory for thread_info\n", pid);
		return -ENOMEM;
	}
	thread_info_x86__init(ti);
	core->mtype = CORE_ENTRY__MARCH__X86_64;
	core->thread_info = ti;
	ti->clear_tid_addr = 0;

	ti->gpregs = gpregs_to_image(&regs);
	if (!ti->gpregs) {
		pr_err("%d: out of memory for registers\n", pid);
		return -ENOMEM;
	}
	rewind_interrupted_syscall(pid, ti->gpregs);
	return dump_fpu(pid, ti);
}

static int restore_fxsave(pid_t pid, const UserX86FpregsEntry *fp)
{
	uint8_t buf[COMPEL_FXSAVE_SIZE] __attribute__((aligned(16)));
	int ret;

	ret = fpregs_to_xsave(fp, buf, sizeof(buf));
	if (!ret)
		ret = compel_set_fxsave(pid, buf);
	return ret;
}

static int restore_fpu(pid_t pid, const UserX86FpregsEntry *fp)
{
	size_t size = compel_xsave_size();
	void *buf;
	int ret;

	/* Without XSAVE in the image the legacy area is all there is. */
	if (!size || !fp->xsave)
		return restore_fxsave(pid, fp);
	buf = malloc(size);
	if (!buf) {
		pr_err("%d: out of memory for %zu bytes of XSAVE state\n",
		       pid, size);
		return -ENOMEM;
	}
	ret = fpregs_to_xsave(fp, buf, size);
	if (!ret)
		ret = compel_set_xsave(pid, buf, size);
	if (ret)
		pr_err("%d: cannot restore the FPU state: %d\n", pid, ret);
	free(buf);
	return ret;
}

int restore_thread_regs(pid_t pid, const CoreEntry *core,
			struct user_regs_struct *regs_out)
{
	const ThreadInfoX86 *ti = core->thread_info;
	int ret;

	if (core->mtype != CORE_ENTRY__MARCH__X86_64 || !ti ||
	    !ti->gpregs || !ti->fpregs) {
		pr_err("%d: core image has no x86_64 registers\n", pid);
		return -EINVAL;
	}
	if (ti->gpregs->has_mode &&
	    ti->gpregs->mode != USER_X86_REGS_MODE__NATIVE) {
		pr_err("%d: 32-bit (compat) tasks are not supported\n", pid);
		return -EOPNOTSUPP;
	}
	ret = restore_fpu(pid, ti->fpregs);
	if (ret)
		return ret;
	gpregs_from_image(ti->gpregs, regs_out);
	return 0;
}
