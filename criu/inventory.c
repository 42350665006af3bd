// SPDX-License-Identifier: GPL-2.0
/*
 * inventory.img: written last by dump and pre-dump (without it a folder
 * is no image set), read first by restore, which takes only the image
 * version it writes.
 */
#include <errno.h>
#include <time.h>

#include "image.h"
#include "inventory.h"
#include "log.h"
#include "pstree.h"

#include "inventory.pb-c.h"

/* inventory_entry.img_version: CRTOOLS_IMAGES_V1_1 */
#define CRTOOLS_IMAGES_V1_1	2

int write_inventory(int dfd, const struct pstree_item *root)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry ids = root->ids;
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	inv.img_version = CRTOOLS_IMAGES_V1_1;
	inv.has_fdinfo_per_id = true;
	inv.fdinfo_per_id = true;
	inv.root_ids = &ids;
	inv.has_ns_per_id = true;
	inv.ns_per_id = true;
	inv.has_lsmtype = true;
	inv.lsmtype = LSMTYPE__NO_LSM;
	inv.has_dump_uptime = true;
	inv.dump_uptime = ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
	return pb_write_image(dfd, CR_FD_INVENTORY, 0, &inv,
			      &inventory_entry__descriptor);
}

int read_inventory(int dfd)
{
	InventoryEntry *inv;
	int ret;

	ret = pb_read_image(dfd, CR_FD_INVENTORY, 0, (void **)&inv,
			    &inventory_entry__descriptor);
	if (ret)
		return ret;
	if (inv->img_version != CRTOOLS_IMAGES_V1_1) {
		pr_err("inventory.img: image version %u, expected %u\n",
		       inv->img_version, CRTOOLS_IMAGES_V1_1);
		ret = -EINVAL;
	}
	pb_free(inv);
	return ret;
}
