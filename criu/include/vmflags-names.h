/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMFLAGS_NAMES_H
#define CRIU_VMFLAGS_NAMES_H

#include "vma.h"

/* What the dump does with a VmFlags mnemonic of smaps. */
enum vmflag_kind {
	VMFLAG_UNSUPP,	/* not restored: the dump refuses an area with it */
	VMFLAG_PLAIN,	/* follows from the rest of the area's entry */
	VMFLAG_ACTED,	/* turned into a flag or an advice of the entry */
};

/* @name: the two letters of a mnemonic (more are not looked at) */
enum vmflag_kind vmflag_kind(const char *name);
/* What mnemonic @name says about @vma, as a VmFlags line would. */
void vmflag_apply(struct vma_area *vma, const char *name);
/* Forget what VmFlags said about @vma (before applying them again). */
void vmflag_clear(struct vma_area *vma);

#endif /* CRIU_VMFLAGS_NAMES_H */
