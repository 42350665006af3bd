// SPDX-License-Identifier: GPL-2.0
/*
 * The way home: signal frames below the seized stack pointer that bring
 * an infected task back to its seized context when no tracer does.
 *
 * When criu dies, the kernel detaches its tracees and they run on from
 * wherever they stopped, with whatever registers they have. compel
 * keeps every infected task, at every instant, in one of two states:
 *
 *  - its seized registers and mask (before infect changes anything,
 *    and after cure has put them back), or
 *  - rip at a "ret" (or a "syscall; ret" about to run an injected
 *    call) found in its own code, rsp at @head.
 *
 * In the second state the ret pops the address of the task's own
 * rt_sigreturn sequence, and rt_sigreturn loads the frame at @head.
 * That frame is either @final, the seized context (registers with
 * interrupted calls restarted as the kernel would, FPU/XSAVE state and
 * the seized mask), or a release call: registers that make the task
 * run one more "syscall; ret" (munmap of a page criu mapped, say) with
 * rsp at the next frame. Every change of state is one PTRACE_SETREGS or
 * one write of a frame nobody points at yet, so criu may die anywhere.
 *
 * The frames live below the red zone, which the ABI leaves to signal
 * delivery: the task can't hold data there that a signal could wipe.
 * compel saves those bytes and puts them back at cure; only a task
 * released by criu's death keeps the frames there, as after a signal.
 *
 * Area layout, from the top (rsp - 128) down: the FPU area (64-byte
 * aligned, as XRSTOR wants), @final, then one frame per release call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

#define ALIGN_DOWN(x, a)	((x) & ~((unsigned long)(a) - 1))
#define XSAVE_ALIGN		64

/* Is [@lo, @hi) inside one writable mapping of @pid? */
static int area_mapped(pid_t pid, unsigned long lo, unsigned long hi)
{
	unsigned long from, to;
	char perms[8], line[512];
	int ret = -ENOSPC;
	FILE *f;

	f = compel_proc_open(pid, "maps", &ret);
	if (!f)
		return ret;
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) != 3)
			continue;
		if (from <= lo && hi <= to) {
			ret = perms[0] == 'r' && perms[1] == 'w' ? 0 : -ENOSPC;
			break;
		}
	}
	fclose(f);
	if (ret == -ENOSPC)
		pr_err("pid %d: no writable stack room at %#lx-%#lx below its stack pointer\n",
		       pid, lo, hi);
	return ret;
}

/* The seized FPU state, sealed as a signal-frame area; *@xstate: XSAVE. */
static int get_fpstate(pid_t pid, unsigned char **buf, size_t *len,
		       bool *xstate)
{
	size_t size = compel_xsave_size(), got = size;
	int ret;

	*xstate = size != 0;
	if (!size)
		size = COMPEL_FXSAVE_SIZE;
	*buf = calloc(1, size + sizeof(uint32_t));
	if (!*buf)
		return -ENOMEM;
	ret = *xstate ? compel_get_xsave(pid, *buf, &got) : -ENODEV;
	/* a CPU with XSAVE under a kernel that does not use it (noxsave) */
	if (ret == -ENODEV) {
		*xstate = false;
		size = COMPEL_FXSAVE_SIZE;
		ret = compel_get_fxsave(pid, *buf);
	}
	if (!ret && *xstate && got != size) {
		pr_err("pid %d: XSAVE state of %zu bytes, expected %zu\n", pid,
		       got, size);
		ret = -EIO;
	}
	if (ret) {
		free(*buf);
		return ret;
	}
	*len = *xstate ? compel_fpstate_seal(*buf, size) : size;
	return 0;
}

/* Build @final and the FPU area in @img, which maps [final, hi). */
static void build_final(struct compel_ctl *ctl, unsigned char *img,
			unsigned long fp_addr, const unsigned char *fp,
			size_t fp_len, bool xstate)
{
	struct user_regs_struct home = ctl->regs;

	compel_resume_regs(&home);
	compel_frame_build(img, &home, ctl->sigmask, ctl->gadgets.sigreturn,
			   fp_addr, xstate);
	memcpy(img + (fp_addr - ctl->final), fp, fp_len);
}

static int save_area(struct compel_ctl *ctl)
{
	size_t len = ctl->area_hi - ctl->area_lo;
	int ret;

	ctl->area_saved = malloc(len);
	if (!ctl->area_saved)
		return -ENOMEM;
	ret = compel_read_mem(ctl->pid, ctl->area_lo, ctl->area_saved, len);
	if (ret) {
		free(ctl->area_saved);
		ctl->area_saved = NULL;
	}
	return ret;
}

static int write_final(struct compel_ctl *ctl, unsigned long fp_addr,
		       const unsigned char *fp, size_t fp_len, bool xstate)
{
	size_t len = ctl->area_hi - ctl->final;
	unsigned char *img;
	int ret;

	/* Keep what lies between the frame and the FPU area as it was. */
	img = malloc(len);
	if (!img)
		return -ENOMEM;
	memcpy(img, ctl->area_saved + (ctl->final - ctl->area_lo), len);
	build_final(ctl, img, fp_addr, fp, fp_len, xstate);
	ret = compel_write_mem(ctl->pid, ctl->final, img, len);
	free(img);
	return ret;
}

int compel_home_build(struct compel_ctl *ctl)
{
	unsigned long top = ctl->regs.rsp - COMPEL_RED_ZONE, fp_addr;
	unsigned char *fp;
	size_t fp_len;
	bool xstate;
	int ret;

	ret = compel_find_gadgets(ctl->pid, &ctl->gadgets);
	if (ret)
		return ret;
	ret = get_fpstate(ctl->pid, &fp, &fp_len, &xstate);
	if (ret)
		return ret;
	fp_addr = ALIGN_DOWN(top - fp_len, XSAVE_ALIGN);
	ctl->final = ALIGN_DOWN(fp_addr - COMPEL_FRAME_SIZE, 16);
	ctl->area_hi = top;
	ctl->fp_addr = fp_addr;
	ctl->xstate = xstate;
	ctl->area_lo = ctl->final - COMPEL_MAX_RELEASE * COMPEL_FRAME_SIZE;
	ret = area_mapped(ctl->pid, ctl->area_lo, ctl->area_hi);
	if (!ret)
		ret = save_area(ctl);
	if (!ret) {
		ret = write_final(ctl, fp_addr, fp, fp_len, xstate);
		if (ret)
			compel_home_remove(ctl);
	}
	free(fp);
	ctl->head = ctl->final;
	ctl->site = ctl->gadgets.syscall_ret;
	return ret;
}

/*
 * rip at the "ret" of "syscall; ret", rsp at the head: a task released
 * now returns home through the chain. orig_rax = -1: nothing restarts
 * on the way (the frames carry any restart already).
 */
int compel_home_park(struct compel_ctl *ctl)
{
	struct user_regs_struct regs = ctl->regs;

	if (ctl->legacy)
		return 0;
	regs.rip = ctl->gadgets.syscall_ret + 2;
	regs.rsp = ctl->head;
	regs.orig_rax = -1;
	return compel_set_regs(ctl->pid, &regs);
}

int compel_home_remove(struct compel_ctl *ctl)
{
	int ret = 0;

	if (ctl->area_saved) {
		ret = compel_write_mem(ctl->pid, ctl->area_lo, ctl->area_saved,
				       ctl->area_hi - ctl->area_lo);
		free(ctl->area_saved);
		ctl->area_saved = NULL;
	}
	ctl->legacy = true;
	return ret;
}

/*
 * The new registers are loaded at the exit stop of the last call, so
 * nothing runs at the (maybe unmapped) site afterwards. The blocked
 * mask stays as infect set it: the caller sets the task's own one with
 * compel_set_sigmask(). There is no way home after this (the caller
 * chose where the task goes): the stack bytes are put back first.
 */
int compel_syscall_and_set_regs(struct compel_ctl *ctl, long nr, long *ret,
				unsigned long a1, unsigned long a2,
				const struct user_regs_struct *regs)
{
	int err;

	err = compel_syscall(ctl, nr, ret, a1, a2, 0, 0, 0, 0);
	if (!err)
		err = compel_set_regs(ctl->pid, regs);
	if (!err && !ctl->legacy)
		err = compel_home_remove(ctl);
	free(ctl->area_saved);
	free(ctl);
	return err;
}

static unsigned long release_frame(unsigned int i, unsigned long final)
{
	return final - (i + 1) * COMPEL_FRAME_SIZE;
}

/*
 * The new frame goes below all others, where nothing points yet, and
 * chains to the current head; the task's rsp moves to it in one
 * PTRACE_SETREGS. The FPU area of @final is shared, so the FPU state
 * stays as seized along the whole chain.
 */
int compel_release_call(struct compel_ctl *ctl, long nr, unsigned long a1,
			unsigned long a2, unsigned long a3, unsigned long a4,
			unsigned long a5, unsigned long a6)
{
	const unsigned long args[6] = { a1, a2, a3, a4, a5, a6 };
	struct compel_release *r = &ctl->release[ctl->nr_release];
	unsigned char frame[COMPEL_FRAME_SIZE];
	struct user_regs_struct regs = ctl->regs;
	unsigned long addr;
	int ret;

	if (ctl->nr_release == COMPEL_MAX_RELEASE) {
		pr_err("pid %d: more than %d release calls\n", ctl->pid,
		       COMPEL_MAX_RELEASE);
		return -ENOSPC;
	}
	r->nr = nr;
	memcpy(r->args, args, sizeof(args));
	r->next = ctl->head;
	r->live = true;
	if (ctl->legacy)
		return ctl->nr_release++;
	addr = release_frame(ctl->nr_release, ctl->final);
	compel_load_syscall(&regs, ctl->gadgets.syscall_ret, nr, args);
	regs.rsp = ctl->head;
	/* All blocked until @final: no handler runs halfway home. */
	compel_frame_build(frame, &regs, ~0ULL, ctl->gadgets.sigreturn,
			   ctl->fp_addr, ctl->xstate);
	ret = compel_write_mem(ctl->pid, addr, frame, sizeof(frame));
	if (ret)
		return ret;
	ctl->head = addr;
	ret = compel_home_park(ctl);
	if (ret)
		return ret;
	return ctl->nr_release++;
}

static int check_handle(const struct compel_ctl *ctl, int handle)
{
	if (handle < 0 || (unsigned int)handle >= ctl->nr_release ||
	    !ctl->release[handle].live) {
		pr_err("pid %d: no release call %d\n", ctl->pid, handle);
		return -ENOENT;
	}
	return 0;
}

/*
 * A dropped call becomes getppid(), which changes nothing: one aligned
 * 8-byte write, so the chain is whole whenever criu dies.
 */
int compel_release_drop(struct compel_ctl *ctl, int handle)
{
	uint64_t nop = __NR_getppid;
	unsigned long addr;
	int ret;

	ret = check_handle(ctl, handle);
	if (ret)
		return ret;
	ctl->release[handle].live = false;
	if (ctl->legacy)
		return 0;
	addr = release_frame(handle, ctl->final) + compel_frame_rax_offset();
	return compel_write_mem(ctl->pid, addr, &nop, sizeof(nop));
}

/*
 * Undoing something ourselves (munmap of an area mapped with its
 * release call) must not open a moment where neither we nor the chain
 * would undo it, nor one where both would (the chain's munmap could hit
 * a new mapping of another thread). When the call is the head of the
 * chain, the injected call itself starts with rsp past it: one
 * PTRACE_SETREGS switches both. Otherwise it is dropped after the call;
 * a death in between runs the undo a second time, on a range that is
 * free unless another thread mapped it in those microseconds.
 */
int compel_syscall_undoing(struct compel_ctl *ctl, int handle, long nr,
			   long *ret, const unsigned long args[6])
{
	struct compel_release *r = &ctl->release[handle];
	int err;

	err = check_handle(ctl, handle);
	if (err)
		return err;
	if (!ctl->legacy && release_frame(handle, ctl->final) == ctl->head) {
		ctl->head = r->next;
		r->live = false;
		return compel_syscall(ctl, nr, ret, args[0], args[1], args[2],
				      args[3], args[4], args[5]);
	}
	err = compel_syscall(ctl, nr, ret, args[0], args[1], args[2], args[3],
			     args[4], args[5]);
	if (!err)
		err = compel_release_drop(ctl, handle);
	return err;
}

/* The live release call @nr(@a1, @a2), or -ENOENT. */
int compel_release_find(const struct compel_ctl *ctl, long nr,
			unsigned long a1, unsigned long a2)
{
	unsigned int i;

	for (i = 0; i < ctl->nr_release; i++) {
		const struct compel_release *r = &ctl->release[i];

		if (r->live && r->nr == nr && r->args[0] == a1 &&
		    r->args[1] == a2)
			return i;
	}
	return -ENOENT;
}
