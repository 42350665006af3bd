// SPDX-License-Identifier: GPL-2.0
/*
 * The table of image types: one line per file kind, so that opening,
 * naming and header checks are written once in image.c.
 */
#include <stddef.h>

#include "image-desc.h"

/* An image about tasks or files: IMG_COMMON, then its own magic. */
#define IMG_COMMON_DESC(_type, _fmt, _magic)			\
	[_type] = {						\
		.fmt = _fmt,					\
		.magic_name = #_magic,				\
		.magic = _magic##_MAGIC,			\
		.first_magic = IMG_COMMON_MAGIC,		\
	}

static const struct cr_img_desc img_descs[CR_FD_MAX] = {
	[CR_FD_INVENTORY] = {
		.fmt = "inventory.img",
		.magic_name = "INVENTORY",
		.magic = INVENTORY_MAGIC,
		.first_magic = 0,
	},
	[CR_FD_STATS_DUMP] = {
		.fmt = "stats-dump",
		.magic_name = "STATS",
		.magic = STATS_MAGIC,
		.first_magic = IMG_SERVICE_MAGIC,
	},
	[CR_FD_STATS_RESTORE] = {
		.fmt = "stats-restore",
		.magic_name = "STATS",
		.magic = STATS_MAGIC,
		.first_magic = IMG_SERVICE_MAGIC,
	},
	IMG_COMMON_DESC(CR_FD_PSTREE,		"pstree.img",		PSTREE),
	IMG_COMMON_DESC(CR_FD_CORE,		"core-%d.img",		CORE),
	IMG_COMMON_DESC(CR_FD_IDS,		"ids-%d.img",		IDS),
	IMG_COMMON_DESC(CR_FD_MM,		"mm-%d.img",		MM),
	IMG_COMMON_DESC(CR_FD_PAGEMAP,		"pagemap-%d.img",	PAGEMAP),
	[CR_FD_PAGES] = {
		.fmt = "pages-%u.img",
		.magic_name = "PAGES",
		.raw = true,
	},
	IMG_COMMON_DESC(CR_FD_FS,		"fs-%d.img",		FS),
	IMG_COMMON_DESC(CR_FD_FILES,		"files.img",		FILES),
	IMG_COMMON_DESC(CR_FD_FDINFO,		"fdinfo-%u.img",	FDINFO),
	IMG_COMMON_DESC(CR_FD_PIPES_DATA,	"pipes-data.img",	PIPES_DATA),
	IMG_COMMON_DESC(CR_FD_TTY_INFO,	"tty-info.img",		TTY_INFO),
	IMG_COMMON_DESC(CR_FD_SECCOMP,		"seccomp.img",		SECCOMP),
	/* criu-ooh's own: the entries a dump sent to a page server, as a pagemap */
	IMG_COMMON_DESC(CR_FD_PAGEMAP_SENT,	"pagemap-sent-%d.img",	PAGEMAP),
};

const struct cr_img_desc *img_desc(enum cr_img_type type)
{
	if ((unsigned int)type >= CR_FD_MAX)
		return NULL;
	return &img_descs[type];
}
