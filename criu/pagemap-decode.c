// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding pagemap_entry without protobuf-c's generic unpacker. A restore
 * of a pre-dump chain decodes hundreds of thousands of these four-field
 * entries, and the unpacker's allocation and descriptor walk per entry
 * cost it more than everything else it does with them. The fast path
 * takes only the plain form a writer produces (each known field at most
 * once, canonical varints, no other field); anything else goes to
 * protobuf-c, so that every image decodes as protobuf-c decodes it.
 */
#include <errno.h>

#include "pagemap-decode.h"

#include "pagemap.pb-c.h"

/* One varint of at most @max bytes at *@p: 0, or -EAGAIN. */
static int get_varint(const uint8_t **p, const uint8_t *end, unsigned int max, uint64_t *v)
{
	unsigned int shift = 0, i;

	*v = 0;
	for (i = 0; i < max && *p < end; i++, shift += 7) {
		uint8_t b = *(*p)++;

		if (i == 9 && b > 1)
			return -EAGAIN;	/* past 64 bits */
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			/* a last byte of 0 after others is not how writers end one */
			return (b || !i) ? 0 : -EAGAIN;
	}
	return -EAGAIN;
}

int pm_fields_fast(const uint8_t *buf, size_t len, struct pm_fields *f)
{
	const uint8_t *p = buf, *end = buf + len;
	unsigned int seen = 0;
	uint64_t v;

	*f = (struct pm_fields){};
	while (p < end) {
		uint8_t tag = *p++;
		unsigned int field = tag >> 3;

		/* fields 1-4, varints (wire type 0), each once */
		if ((tag & 7) || field < 1 || field > 4 || (seen & (1U << field)))
			return -EAGAIN;
		seen |= 1U << field;
		if (get_varint(&p, end, field == 1 ? 10 : 5, &v))
			return -EAGAIN;
		switch (field) {
		case 1:
			f->vaddr = v;
			break;
		case 2:
			if (v > UINT32_MAX)
				return -EAGAIN;
			f->nr_pages = v;
			break;
		case 3:
			if (v > 1)
				return -EAGAIN;
			f->has_in_parent = true;
			f->in_parent = v;
			break;
		case 4:
			if (v > UINT32_MAX)
				return -EAGAIN;
			f->has_flags = true;
			f->flags = v;
			break;
		}
	}
	/* vaddr and nr_pages are required: without them, protobuf-c refuses */
	return (seen & 6) == 6 ? 0 : -EAGAIN;
}

int pm_fields_decode(const uint8_t *buf, size_t len, struct pm_fields *f)
{
	PagemapEntry *pe;

	if (!pm_fields_fast(buf, len, f))
		return 0;
	pe = pagemap_entry__unpack(NULL, len, buf);
	if (!pe)
		return -EBADMSG;
	*f = (struct pm_fields){
		.vaddr = pe->vaddr,
		.nr_pages = pe->nr_pages,
		.has_in_parent = pe->has_in_parent,
		.in_parent = pe->in_parent,
		.has_flags = pe->has_flags,
		.flags = pe->flags,
	};
	pagemap_entry__free_unpacked(pe, NULL);
	return 0;
}
