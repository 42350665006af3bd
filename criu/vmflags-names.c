// SPDX-License-Identifier: GPL-2.0
/*
 * The VmFlags mnemonics of /proc/PID/smaps and what the dump makes of
 * each, whichever source gave them (smaps itself, or the raw vm_flags of
 * the BPF iterator once vmflags-calib.c knows their bits). Pure code.
 */
#include <string.h>
#include <sys/mman.h>

#include "vmflags-names.h"

/* VmFlags mnemonics that map to an madvise() advice to re-apply. */
static const struct {
	char name[3];
	int advice;
} vmflag_madv[] = {
	{ "hg", MADV_HUGEPAGE },
	{ "nh", MADV_NOHUGEPAGE },
	{ "dd", MADV_DONTDUMP },
	{ "dc", MADV_DONTFORK },
	{ "wf", MADV_WIPEONFORK },
	{ "mg", MADV_MERGEABLE },
	{ "sr", MADV_SEQUENTIAL },
	{ "rr", MADV_RANDOM },
};

/* Those that set a flag of the entry, or a field the dump checks. */
static const char vmflag_entry[][3] = { "gd", "ac", "mw", "lo", "lf" };

/*
 * VmFlags that need nothing beyond the rest of the area's entry: its
 * protection and sharing, the "may" bits (which follow from how the
 * file is opened), accounting, soft-dirty, and the userfaultfd bits a
 * dirty tracker sets. Anything else is refused by the dump.
 */
static const char vmflag_plain[][3] = {
	"rd", "wr", "ex", "sh", "mr", "me", "ms", "nr", "sd", "um", "uw", "ui",
};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

enum vmflag_kind vmflag_kind(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR(vmflag_madv); i++)
		if (!strncmp(name, vmflag_madv[i].name, 2))
			return VMFLAG_ACTED;
	for (i = 0; i < NR(vmflag_entry); i++)
		if (!strncmp(name, vmflag_entry[i], 2))
			return VMFLAG_ACTED;
	for (i = 0; i < NR(vmflag_plain); i++)
		if (!strncmp(name, vmflag_plain[i], 2))
			return VMFLAG_PLAIN;
	return VMFLAG_UNSUPP;
}

void vmflag_apply(struct vma_area *vma, const char *p)
{
	unsigned int i;

	if (!strncmp(p, "gd", 2))
		vma->flags |= MAP_GROWSDOWN;
	else if (!strncmp(p, "ac", 2))
		vma->accounted = true;
	else if (!strncmp(p, "mw", 2))
		vma->may_write = true;
	else if (!strncmp(p, "lo", 2))
		vma->flags |= MAP_LOCKED;
	else if (!strncmp(p, "lf", 2))
		vma->lock_onfault = true;
	else if (vmflag_kind(p) == VMFLAG_UNSUPP && !vma->unsupp_vmflag[0])
		memcpy(vma->unsupp_vmflag, p, 2);
	for (i = 0; i < NR(vmflag_madv); i++)
		if (!strncmp(p, vmflag_madv[i].name, 2))
			vma->madv |= 1ULL << vmflag_madv[i].advice;
}

void vmflag_clear(struct vma_area *vma)
{
	vma->flags &= ~(MAP_GROWSDOWN | MAP_LOCKED);
	vma->accounted = false;
	vma->may_write = false;
	vma->lock_onfault = false;
	vma->madv = 0;
	memset(vma->unsupp_vmflag, 0, sizeof(vma->unsupp_vmflag));
}
