// SPDX-License-Identifier: GPL-2.0
/* Registers, XSAVE state and blocked signal mask of a stopped task. */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "compel.h"
#include "log.h"

int compel_get_regs(pid_t pid, struct user_regs_struct *regs)
{
	int ret;

	if (ptrace(PTRACE_GETREGS, pid, 0, regs)) {
		ret = -errno;
		pr_perror("Can't get registers of %d", pid);
		return ret;
	}
	return 0;
}

int compel_set_regs(pid_t pid, const struct user_regs_struct *regs)
{
	int ret;

	if (ptrace(PTRACE_SETREGS, pid, 0, regs)) {
		ret = -errno;
		pr_perror("Can't set registers of %d", pid);
		return ret;
	}
	return 0;
}

int compel_get_xsave(pid_t pid, void *buf, size_t *len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = *len };
	int ret;

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov)) {
		ret = -errno;
		/* ENODEV: the kernel does not use XSAVE; the caller falls back. */
		if (ret != -ENODEV)
			pr_perror("Can't get XSAVE state of %d", pid);
		return ret;
	}
	*len = iov.iov_len;
	return 0;
}

int compel_get_fxsave(pid_t pid, void *buf)
{
	int ret;

	if (ptrace(PTRACE_GETFPREGS, pid, NULL, buf)) {
		ret = -errno;
		pr_perror("Can't get FPU state of %d", pid);
		return ret;
	}
	return 0;
}

int compel_set_fxsave(pid_t pid, const void *buf)
{
	int ret;

	if (ptrace(PTRACE_SETFPREGS, pid, NULL, buf)) {
		ret = -errno;
		pr_perror("Can't set FPU state of %d", pid);
		return ret;
	}
	return 0;
}

int compel_set_xsave(pid_t pid, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	int ret;

	if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov)) {
		ret = -errno;
		pr_perror("Can't set XSAVE state of %d (%zu bytes)", pid, len);
		return ret;
	}
	return 0;
}

/*
 * CPUID leaf 0xD, subleaf 0: EBX is the size of the standard-format
 * area for the features enabled in XCR0, which are the user features
 * the kernel saves, so it is what NT_X86_XSTATE fills (ECX would be the
 * size for everything the CPU could support, which may be larger than
 * any task's state). Returns 0 on a CPU without XSAVE, where the
 * NT_X86_XSTATE regset does not exist either.
 */
size_t compel_xsave_size(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_XSAVE))
		return 0;
	if (!__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx))
		return 0;
	return ebx;
}

int compel_get_sigmask(pid_t pid, uint64_t *mask)
{
	int ret;

	if (ptrace(PTRACE_GETSIGMASK, pid, (void *)sizeof(*mask), mask)) {
		ret = -errno;
		pr_perror("Can't get the signal mask of %d", pid);
		return ret;
	}
	return 0;
}

int compel_set_sigmask(pid_t pid, uint64_t mask)
{
	int ret;

	if (ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(mask), &mask)) {
		ret = -errno;
		pr_perror("Can't set the signal mask of %d to %#llx", pid,
			  (unsigned long long)mask);
		return ret;
	}
	return 0;
}
