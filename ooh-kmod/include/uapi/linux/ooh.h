/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_OOH_H
#define _UAPI_LINUX_OOH_H

/*
 * /dev/ooh: a process's page-modification log, from the hypervisor.
 *
 * Each open file is one tracking session. The caller attaches it to a
 * process it may ptrace, starts logging, and from then on drains the
 * guest-virtual addresses of the pages that process wrote since the
 * last drain. Closing the file, or the tracked process exiting, ends
 * the session.
 *
 * Every structure starts with its own size, so that it can grow; the
 * module refuses sizes it does not know (-EINVAL) and fields it does not
 * know must be zero.
 */

#include <linux/ioctl.h>
#include <linux/types.h>

#define OOH_ABI_VERSION		1

/* Providers: where the log comes from. */
enum ooh_provider {
	OOH_PROVIDER_NONE = 0,
	/* Shadow PML: the host copies logged guest frames into a ring. */
	OOH_PROVIDER_SPML = 1,
	/* Extended PML: guest-virtual addresses logged by the CPU (none has it). */
	OOH_PROVIDER_EPML = 2,
};

/* OOH_IOC_VERSION: what the module and the host offer. */
struct ooh_version {
	__u32 size;			/* in: sizeof(struct ooh_version) */
	__u32 abi_version;		/* out: OOH_ABI_VERSION */
	__u32 providers;		/* out: 1 << OOH_PROVIDER_* that work now */
	__u32 host_version;		/* out: the host's SPML version, 0 if none */
};

/* OOH_IOC_ATTACH: bind the session to a process. */
struct ooh_attach {
	__u32 size;			/* in: sizeof(struct ooh_attach) */
	__u32 provider;			/* in: OOH_PROVIDER_*; 0: best available */
	__s32 pid;			/* in: the process to track */
	__u32 flags;			/* in: 0 */
	__u32 ring_entries;		/* in: log capacity hint, 0: default */
	__u32 provider_used;		/* out */
};

/* OOH_IOC_START: begin (or restart) logging; earlier entries are dropped. */

/*
 * OOH_IOC_DRAIN: copy out the page addresses written since the last
 * drain (or start) and re-arm them. A page appears at most once per
 * drain. If the log overflowed since the last drain, OOH_DRAIN_OVERFLOW
 * is set: some writes are lost and the caller must treat every page as
 * written for this interval. OOH_DRAIN_MORE: the buffer was too small;
 * call again for the rest (same interval).
 */
#define OOH_DRAIN_OVERFLOW	(1U << 0)
#define OOH_DRAIN_MORE		(1U << 1)
#define OOH_DRAIN_EXITED	(1U << 2)	/* the process is gone */
#define OOH_DRAIN_EXECED	(1U << 3)	/* it exec'd: a new address space */

struct ooh_drain {
	__u32 size;			/* in: sizeof(struct ooh_drain) */
	__u32 flags;			/* out: OOH_DRAIN_* */
	__u64 addrs;			/* in: user pointer to __u64[max_addrs] */
	__u64 max_addrs;		/* in */
	__u64 nr_addrs;			/* out: page addresses stored */
};

/* OOH_IOC_STATS */
struct ooh_stats {
	__u32 size;			/* in: sizeof(struct ooh_stats) */
	__u32 provider;			/* out: OOH_PROVIDER_* in use */
	__u64 entries_logged;		/* out: frames the host logged for us */
	__u64 pages_reported;		/* out: addresses handed out by DRAIN */
	__u64 overflows;		/* out: intervals lost to overflow */
	__u64 drains;			/* out */
	__u64 rmap_ns;			/* out: time spent mapping frames to addresses */
	__u64 rmap_lookups;		/* out */
};

#define OOH_IOC_MAGIC		0xB7
#define OOH_IOC_VERSION		_IOWR(OOH_IOC_MAGIC, 0x00, struct ooh_version)
#define OOH_IOC_ATTACH		_IOWR(OOH_IOC_MAGIC, 0x01, struct ooh_attach)
#define OOH_IOC_START		_IO(OOH_IOC_MAGIC, 0x02)
#define OOH_IOC_DRAIN		_IOWR(OOH_IOC_MAGIC, 0x03, struct ooh_drain)
#define OOH_IOC_STATS		_IOWR(OOH_IOC_MAGIC, 0x04, struct ooh_stats)
#define OOH_IOC_DETACH		_IO(OOH_IOC_MAGIC, 0x05)

#endif /* _UAPI_LINUX_OOH_H */
