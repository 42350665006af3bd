/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMFLAGS_CALIB_H
#define CRIU_VMFLAGS_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vma.h"

#define VMFLAG_SAMPLE_NAMES	64

/* One area of criu's own address space, seen by both sources. */
struct vmflag_sample {
	uint64_t raw;					/* vm_flags, from BPF */
	char names[VMFLAG_SAMPLE_NAMES][3];		/* VmFlags, from smaps */
	unsigned int nr_names;
};

/*
 * What each bit of vm_flags means, as far as the samples tell. A bit
 * the kernel set on no sample is in none of the masks: an area with it
 * can only be read from smaps.
 */
struct vmflag_table {
	char name[64][3];	/* the one mnemonic of a bit of @mapped */
	uint64_t mapped;	/* bits that always came with one mnemonic */
	/*
	 * Bits that always came together with as many mnemonics, so that
	 * which is which is not known: of plain mnemonics only (@inert),
	 * nothing to restore; with one the dump refuses (@special), they
	 * matter only outside vdso and vvar, where only smaps can tell.
	 */
	uint64_t inert, special;
};

/*
 * Derive @t from @n samples. Each mnemonic of @required (two letters
 * each, @nr_req of them: those set up in the samples) that a sample
 * shows must come out with a bit of its own. 0, or
 * -EINVAL with the reason in @why: a mnemonic with no bit, a bit with
 * no mnemonic, mnemonics and bits that came together in unequal numbers
 * or with one the dump acts on.
 */
int vmflag_calibrate(const struct vmflag_sample *s, unsigned int n,
		     const char (*required)[3], unsigned int nr_req,
		     struct vmflag_table *t, char *why, size_t whylen);

/*
 * The VmFlags fields of @vma from the raw @flags; @vma's area is vdso,
 * vvar or vsyscall if @special. 0, or -ENOENT with the first bit that @t
 * cannot decode in @bit.
 */
int vmflag_decode(const struct vmflag_table *t, uint64_t flags, bool special,
		  struct vma_area *vma, unsigned int *bit);

/* The protection rd/wr/ex of @flags say, -1 if @t lacks one of them. */
int vmflag_prot(const struct vmflag_table *t, uint64_t flags);
/* Whether "ms" (maps' 's') is in @flags: 1, 0, or -1 if @t lacks it. */
int vmflag_mayshare(const struct vmflag_table *t, uint64_t flags);

#endif /* CRIU_VMFLAGS_CALIB_H */
