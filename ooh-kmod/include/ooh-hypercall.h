/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_HYPERCALL_H
#define OOH_HYPERCALL_H

/*
 * Shadow PML: the ABI between the OoH guest module and the patched KVM
 * host. Hypercall numbers are passed in rax to vmcall (Intel) or vmmcall
 * (AMD), arguments in rbx, rcx, rdx, rsi, the result comes back in rax
 * (0 or a negative KVM errno). Numbers are chosen far above KVM's own
 * KVM_HC_* so that the two never meet.
 */

#include <linux/types.h>

#define OOH_SPML_VERSION		1

#define KVM_HC_OOH_QUERY		0x4f4f0000	/* -> OOH_SPML_VERSION */
/* rbx: guest-physical address of the ring, rcx: its size in bytes */
#define KVM_HC_OOH_REGISTER_RING	0x4f4f0001
/* start logging this VM's writes into the ring, write-protecting everything */
#define KVM_HC_OOH_ENABLE		0x4f4f0002
#define KVM_HC_OOH_DISABLE		0x4f4f0003
/*
 * rbx: the guest consumed the ring up to this index (ring->tail); the
 * host re-protects the frames it handed out so their next write is
 * logged again.
 */
#define KVM_HC_OOH_ACK			0x4f4f0004
#define KVM_HC_OOH_UNREGISTER_RING	0x4f4f0005

#define OOH_RING_MAGIC			0x52484f4f	/* "OOHR" */

/*
 * The ring: one header page, then nr_entries 64-bit guest frame numbers.
 * The host writes entries and head; the guest writes tail. Indices only
 * grow; slot = index % nr_entries. When head - tail would exceed
 * nr_entries the host stops logging into it, sets OOH_RING_OVERFLOW and
 * counts the loss; the guest clears the flag after it has handled the
 * loss (a full rescan for that interval).
 */
#define OOH_RING_OVERFLOW		(1U << 0)

struct ooh_ring_header {
	__u32 magic;			/* OOH_RING_MAGIC, set by the guest */
	__u32 version;			/* OOH_SPML_VERSION */
	__u32 nr_entries;		/* set by the guest, a power of two */
	__u32 flags;			/* OOH_RING_* */
	__u64 head;			/* host: entries produced */
	__u64 tail;			/* guest: entries consumed */
	__u64 overflows;		/* host: entries dropped */
	__u64 reserved[3];
};

#define OOH_RING_HEADER_SIZE		4096

#endif /* OOH_HYPERCALL_H */
