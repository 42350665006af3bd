/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGEMAP_BITS_H
#define CRIU_PAGEMAP_BITS_H

/* Bits of a /proc/PID/pagemap entry (see the kernel's pagemap.rst). */
#define PME_PRESENT	(1ULL << 63)
#define PME_SWAP	(1ULL << 62)
#define PME_FILE	(1ULL << 61)
#define PME_SOFT_DIRTY	(1ULL << 55)
/* Bits 0-54: the page frame, shown to CAP_SYS_ADMIN only. */
#define PME_PFN_MASK	((1ULL << 55) - 1)

#endif /* CRIU_PAGEMAP_BITS_H */
