/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMFLAGS_BPF_H
#define CRIU_VMFLAGS_BPF_H

#include "vma-iter.h"
#include "vmflags-calib.h"

/* The BPF source of VmFlags of one criu run: loaded and calibrated. */
struct vmflags_bpf {
	struct vma_iter *vi;
	struct vmflag_table table;
};

/*
 * Before anything is stopped: load the iterator and learn the bits of
 * vm_flags in criu's own address space. NULL (why logged) when the dump
 * is to read smaps: CRIU_VMFLAGS=smaps, no BPF here, or a calibration
 * that does not account for every mnemonic.
 */
struct vmflags_bpf *vmflags_bpf_prepare(void);
void vmflags_bpf_free(struct vmflags_bpf *vb);

/* Set up areas of criu's own and derive @t from them (vmflags-probe.c). */
int vmflags_probe(struct vma_iter *vi, struct vmflag_table *t);

#endif /* CRIU_VMFLAGS_BPF_H */
