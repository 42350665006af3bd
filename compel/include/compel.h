/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMPEL_H
#define COMPEL_H

/*
 * compel: control of a stopped process from outside, with ptrace.
 *
 * A task is "seized" (PTRACE_SEIZE + PTRACE_INTERRUPT) and stays stopped
 * until released. While stopped, compel can read and write its
 * registers and extended FPU state, read and write its memory, and run
 * system calls inside it: the registers are saved, the task is pointed
 * at a "syscall; ret" sequence of its own code with the arguments
 * loaded, resumed with PTRACE_SYSCALL to the syscall's exit stop, and
 * the saved registers are put back afterwards.
 *
 * Surviving our own death: a task seized by compel_seize() is never
 * set PTRACE_O_EXITKILL, so when criu is killed the kernel detaches it
 * and it runs on from where it stopped. Infection keeps it, at every
 * instant, either in its seized state or on a "way home": signal frames
 * below the red zone of its stack pointer that rt_sigreturn (found in
 * its own code) loads to put back its registers, FPU/XSAVE state and
 * signal mask, after running any release calls (compel_release_call)
 * that undo what we left in it: memory from compel_map(), and any
 * descriptor opened at a number that was free at infect time, in the
 * five lowest free ranges or above the highest open one (new
 * descriptors land in the lowest free number, or above a base for a
 * tracker's parked one). Nothing executable is ever written. A
 * task released that way keeps: the frames below its red zone (as a
 * signal delivery would leave them), and, when it had been seized in a
 * call the kernel restarts through restart_syscall() (nanosleep, poll
 * with a timeout...) and criu died while a call was injected, -EINTR
 * from that call, as after a signal handler. A SIGSTOP sent meanwhile
 * is passed on, so the task ends up group-stopped as it would have;
 * only one that criu dies holding in its signal-delivery stop (a few
 * microseconds) is lost, as ptrace(2) warns for any tracer's death.
 *
 * All functions return 0 or a negative errno, and log what failed and
 * on which pid.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* What the kernel says about a pid before we touch it. */
enum compel_task_state {
	COMPEL_TASK_ALIVE,
	COMPEL_TASK_ZOMBIE,
	COMPEL_TASK_STOPPED,	/* job-control stop (T state) */
	COMPEL_TASK_KTHREAD,
	COMPEL_TASK_DEAD,	/* no such process */
};

/* Classify @pid from /proc/PID/stat (and flags for kernel threads). */
int compel_task_state(pid_t pid, enum compel_task_state *state);

/*
 * Attach with PTRACE_SEIZE (PTRACE_O_TRACESYSGOOD) and stop the task with
 * PTRACE_INTERRUPT; waits for the stop. Fails with -ESRCH for a dead
 * pid, -EPERM when ptrace is refused. On failure the task is left as it
 * was (detached, running).
 */
int compel_seize(pid_t pid);
/*
 * Attach to a child that stopped itself after PTRACE_TRACEME + SIGSTOP
 * (the restore path): waits for that stop and sets PTRACE_O_EXITKILL so
 * the child dies with us if we die half-way.
 */
int compel_wait_traceme_child(pid_t pid);
/*
 * Restore side: trace the threads and processes @pid creates from now on
 * (they start stopped by SIGSTOP, traced, with these same options, and
 * die with us like @pid). Keeps PTRACE_O_EXITKILL and TRACESYSGOOD.
 */
int compel_trace_clones(pid_t pid);
/*
 * A seized task dies with us from now on (PTRACE_O_EXITKILL, keeping the
 * seize's options): a dump that holds a tree it will kill must not let it
 * run on if criu is killed first.
 */
int compel_exit_kills(pid_t pid);
/* PTRACE_DETACH: the task resumes (or carries on its interrupted call). */
int compel_detach(pid_t pid);

int compel_get_regs(pid_t pid, struct user_regs_struct *regs);
int compel_set_regs(pid_t pid, const struct user_regs_struct *regs);
/*
 * The XSAVE area in standard (non-compacted) layout, as NT_X86_XSTATE
 * gives it. @len in: buffer size; out: bytes the kernel filled.
 */
int compel_get_xsave(pid_t pid, void *buf, size_t *len);
int compel_set_xsave(pid_t pid, const void *buf, size_t len);
/*
 * The 512-byte FXSAVE area (x87 and SSE), for kernels that do not use
 * XSAVE: there compel_get_xsave() fails with -ENODEV.
 */
#define COMPEL_FXSAVE_SIZE	512
int compel_get_fxsave(pid_t pid, void *buf);
int compel_set_fxsave(pid_t pid, const void *buf);
/* Size of the XSAVE area of this CPU (CPUID 0xD), for buffer sizing. */
size_t compel_xsave_size(void);

/* Blocked signal mask via PTRACE_GETSIGMASK / PTRACE_SETSIGMASK. */
int compel_get_sigmask(pid_t pid, uint64_t *mask);
int compel_set_sigmask(pid_t pid, uint64_t mask);

/*
 * Memory of a stopped task through /proc/PID/mem, which also reaches
 * pages that are not writable (or not readable) to the task itself.
 */
int compel_read_mem(pid_t pid, unsigned long addr, void *buf, size_t len);
int compel_write_mem(pid_t pid, unsigned long addr, const void *buf, size_t len);

/*
 * Remote system calls. compel_infect() prepares a seized task: it saves
 * its registers and signal mask, builds its way home, and blocks all
 * signals (so no delivery stop can interrupt an injected call). With
 * @site == 0, calls run at a "syscall; ret" found in the task's code
 * and it can go home by itself (see above); -ENOEXEC when its code has
 * no such sequence or no rt_sigreturn one. With a @site, "syscall;
 * int3" is written there over saved bytes (legacy mode: for tasks set
 * to die with us). compel_cure() puts back mask, registers and bytes;
 * after it the task is exactly as seized.
 */
struct compel_ctl;

/* Returns NULL with errno set on failure (the task is left as it was). */
struct compel_ctl *compel_infect(pid_t pid, unsigned long site);
/*
 * Run syscall @nr with up to six arguments inside the task. Returns 0
 * when the call was executed, and stores its raw result (a negative
 * errno on failure) in *@ret; a negative return means injection itself
 * failed (the task died, ptrace failed).
 */
int compel_syscall(struct compel_ctl *ctl, long nr, long *ret,
		   unsigned long a1, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5, unsigned long a6);
/*
 * A call the task makes by itself on its way home if released without
 * compel_cure() (criu died); calls run newest first, then the task
 * returns to its seized context. Effective at once. Returns a handle
 * (>= 0) or -errno; at most 16 per infection, up to 6 of them taken by
 * infect itself for the descriptors (see above). compel_cure() forgets
 * them all: the caller undoes (or keeps) things itself then.
 */
int compel_release_call(struct compel_ctl *ctl, long nr, unsigned long a1,
			unsigned long a2, unsigned long a3, unsigned long a4,
			unsigned long a5, unsigned long a6);
/* Forget release call @handle; do it before undoing the thing yourself. */
int compel_release_drop(struct compel_ctl *ctl, int handle);
/*
 * Map @len bytes of anonymous memory (mmap @prot, @flags) in the task
 * at a free address, with its munmap registered as a release call
 * before the mapping exists. compel_unmap() drops that and unmaps.
 */
int compel_map(struct compel_ctl *ctl, size_t len, int prot, int flags,
	       unsigned long *addr);
int compel_unmap(struct compel_ctl *ctl, unsigned long addr, size_t len);
/*
 * Move the syscall site to @site (for example a page the caller mapped
 * with compel_syscall and filled with compel_write_mem): the old
 * site's bytes are restored first. The ctl is in legacy mode after it.
 */
int compel_move_site(struct compel_ctl *ctl, unsigned long site);
/* The code placed at a syscall site, and its length. */
extern const unsigned char compel_syscall_code[];
#define COMPEL_SYSCALL_CODE_LEN 3	/* 0f 05 cc */
/*
 * Run a last syscall (typically munmap of the page holding the syscall
 * site) and stop at its exit with PTRACE_SYSCALL, then load @regs so the
 * task continues from there when detached; the site is not needed after
 * the call. Frees @ctl; the task stays stopped and seized, with all
 * signals still blocked: the caller sets the task's own mask with
 * compel_set_sigmask(). @regs must have orig_rax = -1, or detach would
 * treat an -ERESTART* value in rax as an interrupted call to restart.
 */
int compel_syscall_and_set_regs(struct compel_ctl *ctl, long nr, long *ret,
				unsigned long a1, unsigned long a2,
				const struct user_regs_struct *regs);
int compel_cure(struct compel_ctl *ctl);
pid_t compel_ctl_pid(const struct compel_ctl *ctl);
/* Where the syscall code currently is. */
unsigned long compel_ctl_site(const struct compel_ctl *ctl);
/* 1 while the task has its way home (not legacy mode), else 0. */
int compel_ctl_self_return(const struct compel_ctl *ctl);

#endif /* COMPEL_H */
