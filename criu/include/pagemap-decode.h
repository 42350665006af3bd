/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGEMAP_DECODE_H
#define CRIU_PAGEMAP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fields of one pagemap_entry (images/pagemap.proto). */
struct pm_fields {
	uint64_t vaddr;
	uint32_t nr_pages;
	bool has_in_parent, in_parent;
	bool has_flags;
	uint32_t flags;
};

/*
 * Decode the @len bytes of one entry: 0, or -EBADMSG when protobuf-c
 * refuses them too.
 */
int pm_fields_decode(const uint8_t *buf, size_t len, struct pm_fields *f);
/* The fast path alone: 0, or -EAGAIN for any form it leaves to protobuf-c. */
int pm_fields_fast(const uint8_t *buf, size_t len, struct pm_fields *f);

#endif /* CRIU_PAGEMAP_DECODE_H */
