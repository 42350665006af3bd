/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMPEL_PRIV_H
#define COMPEL_PRIV_H

/* Helpers shared by the files of compel/; not part of the public API. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/user.h>

#include "compel.h"

#define COMPEL_FRAME_SIZE	448	/* one rt_sigframe, 16-byte aligned */
#define COMPEL_RED_ZONE		128	/* below rsp, owned by the task */
#define COMPEL_MAX_RELEASE	16	/* calls run on the way home */

/* Code found in the task (gadget.c). */
struct compel_gadgets {
	unsigned long syscall_ret;	/* "syscall; ret" */
	unsigned long sigreturn;	/* "mov $15, %rax; syscall" */
};

/* A call the task makes by itself on its way home (return.c). */
struct compel_release {
	long nr;
	unsigned long args[6];
	unsigned long next;	/* the frame it returns through */
	bool live;
};

/*
 * State of one infected task, between compel_infect() and compel_cure().
 *
 * Self-return mode (the default): calls run at the task's own
 * "syscall; ret" with rsp at @head, the first of a chain of signal
 * frames below the red zone of the seized stack pointer: release calls
 * (newest first), then @final, which holds the seized context. Whether
 * criu takes the task back or dies, it never runs into anything but its
 * own code and these frames.
 *
 * Legacy mode (a site given by the caller, or moved there): code is
 * written at @site and there is no way home; for tasks that die with
 * us (PTRACE_O_EXITKILL, the restore side).
 */
struct compel_ctl {
	pid_t pid;
	bool legacy;
	unsigned long site;
	unsigned char site_saved[COMPEL_SYSCALL_CODE_LEN];
	struct user_regs_struct regs;	/* as seized, put back by cure */
	uint64_t sigmask;		/* as seized, put back by cure */

	struct compel_gadgets gadgets;
	unsigned long head;		/* rsp of the next injected call */
	unsigned long final;		/* the frame of the seized context */
	unsigned long area_lo, area_hi;	/* stack bytes we use, saved below */
	unsigned char *area_saved;
	unsigned long fp_addr;		/* the FPU area all frames share */
	bool xstate;			/* ... in XSAVE layout */
	struct compel_release release[COMPEL_MAX_RELEASE];
	unsigned int nr_release;
};

/*
 * waitpid(@pid, __WALL), retried on EINTR. Returns 0 with *@status
 * filled, -ESRCH when the task exited (a traced task that exits is
 * gone for our purposes), or another -errno.
 */
int compel_wait_stop(pid_t pid, int *status);

/*
 * PTRACE_INTERRUPT a seized task and wait for the stop; a signal-
 * delivery stop seen first is passed on to the task.
 */
int compel_interrupt(pid_t pid);

/* Fill @regs for syscall @nr with @args at @site (orig_rax = -1). */
void compel_load_syscall(struct user_regs_struct *regs, unsigned long site,
			 long nr, const unsigned long args[6]);

/* Save the bytes at @site and write compel_syscall_code there. */
int compel_place_code(struct compel_ctl *ctl, unsigned long site);
/* Put the saved bytes back at ctl->site. */
int compel_remove_code(struct compel_ctl *ctl);

/* gadget.c: both sequences in @pid's executable mappings, or -ENOEXEC. */
int compel_find_gadgets(pid_t pid, struct compel_gadgets *g);

/* sigframe.c */
void compel_resume_regs(struct user_regs_struct *r);
void compel_frame_build(void *buf, const struct user_regs_struct *regs,
			uint64_t mask, unsigned long restorer,
			unsigned long fpstate, bool xstate);
size_t compel_frame_rax_offset(void);
size_t compel_fpstate_seal(void *buf, size_t len);

/* return.c: the way home. */
int compel_home_build(struct compel_ctl *ctl);
/* Registers that send the task home from where it stops now. */
int compel_home_park(struct compel_ctl *ctl);
/* Put back the stack bytes the frames took; the ctl turns legacy. */
int compel_home_remove(struct compel_ctl *ctl);
int compel_release_find(const struct compel_ctl *ctl, long nr,
			unsigned long a1, unsigned long a2);
/* Run @nr(@args) as the thing release call @handle undoes, and drop it. */
int compel_syscall_undoing(struct compel_ctl *ctl, int handle, long nr,
			   long *ret, const unsigned long args[6]);

/* fopen("/proc/@pid/@name"); NULL with *@err (-ESRCH: no such task). */
FILE *compel_proc_open(pid_t pid, const char *name, int *err);
/* Thread group id of thread @pid, from /proc/PID/status; or -errno. */
pid_t compel_tgid(pid_t pid);
/* Seccomp mode of @pid (0: none) from /proc/PID/status. */
int compel_seccomp_mode(pid_t pid, int *mode);
/*
 * A stop that is not the one waited for while injecting syscall @nr:
 * 0 to resume through it with signal *@sig (a SIGSTOP is let through,
 * so the task group-stops as it would have), -EFAULT for a fault, or
 * another -errno.
 */
int compel_other_stop(struct compel_ctl *ctl, int status, long nr, int *sig);

#endif /* COMPEL_PRIV_H */
