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

/*
 * Extended PML, emulated by a host that shadows the guest's page tables
 * (nested paging off): for a vCPU whose page-table root belongs to a
 * registered address space, KVM appends the guest-virtual address of the
 * page every time it lets a write through the guest's page tables (a
 * write walk: the first write after the guest's entry or KVM's shadow
 * of it became read-only or clean). Only user-half addresses are logged.
 *
 * The ring has the header above with magic OOH_EPML_RING_MAGIC and
 * version OOH_EPML_VERSION, then nr_entries 64-bit page addresses. Unlike
 * SPML there is no ACK: the guest's tail is the consumer index (read by
 * the host before each append, and only trusted when it lies within
 * [previous tail, head]). When head - tail reaches nr_entries the entry
 * is dropped, OOH_RING_OVERFLOW is set and overflows counted; the guest
 * then treats the interval as lost and re-arms the whole address space.
 * Re-arming is the guest's job: it cleans the dirty bits of the pages it
 * took and flushes its TLB, and the next write faults into KVM again.
 */
#define OOH_EPML_VERSION		1
#define OOH_EPML_RING_MAGIC		0x45484f4f	/* "OOHE" */
/* Address spaces one VM may register at once. */
#define OOH_EPML_MAX_SPACES		16

/* -> OOH_EPML_VERSION; -KVM_EOPNOTSUPP when the host uses nested paging */
#define KVM_HC_OOH_EPML_QUERY		0x4f4f0010
/*
 * rbx: guest-physical address of the ring, rcx: its size in bytes,
 * rdx, rsi: the address space's page-table roots (CR3 without PCID bits:
 * kernel and user roots under page-table isolation; rsi 0 if only one).
 * -> a space id >= 0
 */
#define KVM_HC_OOH_EPML_REGISTER	0x4f4f0011
/* rbx: the id REGISTER returned */
#define KVM_HC_OOH_EPML_UNREGISTER	0x4f4f0012

#endif /* OOH_HYPERCALL_H */
