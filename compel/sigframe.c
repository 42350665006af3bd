// SPDX-License-Identifier: GPL-2.0
/*
 * Signal frames that take a task back to its seized context by itself.
 *
 * rt_sigreturn loads every general register, the flags, the FPU/XSAVE
 * state and the blocked mask from a frame on the user stack. Built from
 * what compel saved at infect time, such a frame is a way home that
 * needs no tracer: if criu dies while an injected call runs, the task
 * finishes the call, returns into rt_sigreturn and carries on exactly
 * where it was seized (see return.c for where the frames live).
 *
 * The layout is the kernel's x86-64 ABI (struct rt_sigframe, ucontext,
 * sigcontext_64, the _fpx_sw_bytes of an XSAVE frame), stated here
 * because glibc's ucontext_t is a different, larger structure.
 */
#include <cpuid.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;	/* user address of the FPU area, or 0 */
	uint64_t reserved1[8];
};

struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

/* What rt_sigreturn reads at (stack pointer - 8). */
struct k_rt_sigframe {
	uint64_t pretcode;	/* popped by the "ret" before rt_sigreturn */
	struct k_ucontext uc;
	unsigned char info[128];	/* siginfo: not read by rt_sigreturn */
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext_64 layout");
_Static_assert(sizeof(struct k_ucontext) == 304, "ucontext layout");
_Static_assert(sizeof(struct k_rt_sigframe) <= COMPEL_FRAME_SIZE,
	       "COMPEL_FRAME_SIZE too small");

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

/*
 * uc_stack is handed to sigaltstack() by rt_sigreturn, which ignores
 * every failure but EFAULT. An invalid mode fails with EINVAL, so the
 * task keeps whatever alternate stack it has (we don't know it without
 * an injected call, and must not need one).
 */
#define ALTSTACK_UNTOUCHED	3

/* The kernel's restart codes (include/linux/errno.h), not in the UAPI. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

#define SYSCALL_INSN_LEN	2	/* 0f 05 */

/*
 * A task seized inside an interrupted system call sits at a stop with
 * rax = -ERESTART* and orig_rax = the call. Resumed without a handler
 * to run, the kernel backs rip up over the syscall instruction and
 * loads rax with the call to make again; a frame can't ask the kernel
 * for that (rt_sigreturn clears orig_rax), so it holds the result. An
 * -ERESTART_RESTARTBLOCK call goes through restart_syscall(), whose
 * restart block rt_sigreturn resets: it returns -EINTR, as after a
 * signal handler (documented in compel.h).
 */
void compel_resume_regs(struct user_regs_struct *r)
{
	if ((long)r->orig_rax < 0)
		return;
	switch ((long)r->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= SYSCALL_INSN_LEN;
		break;
	case -ERESTART_RESTARTBLOCK:
		r->rax = __NR_restart_syscall;
		r->rip -= SYSCALL_INSN_LEN;
		break;
	default:
		break;
	}
	r->orig_rax = -1;
}

static void fill_sigcontext(struct k_sigcontext *sc,
			    const struct user_regs_struct *r)
{
	sc->r8 = r->r8;
	sc->r9 = r->r9;
	sc->r10 = r->r10;
	sc->r11 = r->r11;
	sc->r12 = r->r12;
	sc->r13 = r->r13;
	sc->r14 = r->r14;
	sc->r15 = r->r15;
	sc->rdi = r->rdi;
	sc->rsi = r->rsi;
	sc->rbp = r->rbp;
	sc->rbx = r->rbx;
	sc->rdx = r->rdx;
	sc->rax = r->rax;
	sc->rcx = r->rcx;
	sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->eflags = r->eflags;
	sc->cs = r->cs;
	sc->ss = r->ss;
}

/*
 * @regs: the registers rt_sigreturn loads; @mask: the blocked mask it
 * sets; @fpstate: the task's address of the FPU area all frames share
 * (in XSAVE layout when @xstate), so no frame resets the FPU on the way.
 */
void compel_frame_build(void *buf, const struct user_regs_struct *regs,
			uint64_t mask, unsigned long restorer,
			unsigned long fpstate, bool xstate)
{
	struct k_rt_sigframe *f = buf;

	memset(f, 0, COMPEL_FRAME_SIZE);
	f->pretcode = restorer;
	f->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (xstate)
		f->uc.uc_flags |= UC_FP_XSTATE;
	f->uc.uc_stack.ss_flags = ALTSTACK_UNTOUCHED;
	fill_sigcontext(&f->uc.uc_mcontext, regs);
	f->uc.uc_mcontext.fpstate = fpstate;
	f->uc.uc_sigmask = mask;
}

size_t compel_frame_rax_offset(void)
{
	return offsetof(struct k_rt_sigframe, uc.uc_mcontext.rax);
}

/* The software-reserved bytes of an XSAVE signal frame (fxsave+464). */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

#define FPX_SW_OFFSET		464
#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define XSTATE_BV_OFFSET	512

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/*
 * End of the last component the task has in use (XSTATE_BV of the
 * dump's header), in the standard layout CPUID leaf 0xD describes.
 */
static size_t xstate_end(const void *buf, size_t len)
{
	unsigned int eax, ebx, ecx, edx, i;
	size_t end = XSTATE_BV_OFFSET + 64;	/* legacy area and header */
	uint64_t bv;

	memcpy(&bv, (const char *)buf + XSTATE_BV_OFFSET, sizeof(bv));
	for (i = 2; i < 64; i++) {
		if (!(bv & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, eax, ebx, ecx, edx);
		if (ebx + eax > end)
			end = ebx + eax;
	}
	return end < len ? end : len;
}

/*
 * Make an NT_X86_XSTATE dump of @len bytes (in a buffer of @len + 4) a
 * valid signal-frame FPU area: rt_sigreturn takes the XSAVE path only
 * with magic1 in the software bytes, an xstate_size no larger than the
 * task's own signal frames and magic2 right after that size; otherwise
 * it restores x87/SSE alone and resets AVX and the rest. The dump is
 * sized for every feature of the CPU (AMX tiles too), which a task
 * without permission for them can't take, so the area is cut after its
 * last component in use (those after it are in their init state, as
 * XRSTOR leaves what the header doesn't list). Returns the bytes that
 * matter, magic2 included.
 */
size_t compel_fpstate_seal(void *buf, size_t len)
{
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	struct fpx_sw_bytes sw = { .magic1 = FP_XSTATE_MAGIC1 };

	sw.xstate_size = xstate_end(buf, len);
	sw.extended_size = sw.xstate_size + sizeof(magic2);
	sw.xfeatures = xcr0();
	memcpy((char *)buf + FPX_SW_OFFSET, &sw, sizeof(sw));
	memcpy((char *)buf + sw.xstate_size, &magic2, sizeof(magic2));
	return sw.extended_size;
}
