/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_INVENTORY_H
#define CRIU_INVENTORY_H

struct pstree_item;

/* inventory.img goes last: without it the folder is not an image set. */
int write_inventory(int dfd, const struct pstree_item *root);
/* inventory.img of @dfd, refused unless of the image version written here. */
int read_inventory(int dfd);

#endif /* CRIU_INVENTORY_H */
