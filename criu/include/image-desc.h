/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_IMAGE_DESC_H
#define CRIU_IMAGE_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

/* Magic numbers of the images this tree writes, as CRIU assigns them. */
#define INVENTORY_MAGIC		0x58313116
#define STATS_MAGIC		0x57093306
#define PSTREE_MAGIC		0x50273030
#define CORE_MAGIC		0x55053847
#define IDS_MAGIC		0x54432030
#define MM_MAGIC		0x57492820
#define PAGEMAP_MAGIC		0x56084025
#define FS_MAGIC		0x51403912
#define FILES_MAGIC		0x56303138
#define FDINFO_MAGIC		0x56213732
#define PIPES_DATA_MAGIC	0x56453709
#define TTY_INFO_MAGIC		0x59453036
#define SECCOMP_MAGIC		0x64413049
#define REMAP_FPATH_MAGIC	0x59133954
#define GHOST_FILE_MAGIC	0x52583605
#define FILE_LOCKS_MAGIC	0x54323616
#define FIFO_DATA_MAGIC		0x59333054
#define MEMFD_INODE_MAGIC	0x48453499
#define SHMEM_PAGEMAP_MAGIC	PAGEMAP_MAGIC
#define TCP_STREAM_MAGIC	0x51465506
#define UNIXSK_MAGIC		0x54373943
#define NETLINK_SK_MAGIC	0x58005614
#define SK_QUEUES_MAGIC		0x56264026

/*
 * Largest entry accepted when reading: a length word above it is taken
 * for corruption rather than allocated. The biggest real entries (mm
 * with thousands of VMAs) are far below it.
 */
#define IMG_ENTRY_MAX		(64u << 20)

/*
 * How one image type is named and framed. @first_magic is the word
 * before @magic: IMG_COMMON_MAGIC for most images, IMG_SERVICE_MAGIC for
 * those about the dump rather than the tasks (stats), and 0 for
 * inventory.img, which starts directly with its own magic. A raw image
 * (pages) has no header at all.
 */
struct cr_img_desc {
	const char	*fmt;		/* file name; may hold one %d or %u */
	const char	*magic_name;	/* for error messages */
	uint32_t	magic;
	uint32_t	first_magic;
	bool		raw;
};

/* NULL for a type out of range. */
const struct cr_img_desc *img_desc(enum cr_img_type type);

#endif /* CRIU_IMAGE_DESC_H */
