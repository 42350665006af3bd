// SPDX-License-Identifier: GPL-2.0
/*
 * pm_fields_decode(): the fast path agrees with protobuf-c on every entry
 * a writer makes, and leaves every other form to protobuf-c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap-decode.h"
#include "unit.h"

#include "pagemap.pb-c.h"

static int pack(const PagemapEntry *pe, uint8_t *buf)
{
	return pagemap_entry__pack(pe, buf);
}

/* Thousands of entries as protobuf-c packs them: the fast path decodes each the same. */
TEST(pagemap_decode_agrees_with_protobuf_c)
{
	uint8_t buf[64];
	unsigned int i;

	srand(7);
	for (i = 0; i < 20000; i++) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT, *back;
		struct pm_fields f;
		size_t len;

		pe.vaddr = ((uint64_t)rand() << 33 ^ (uint64_t)rand() << 12) >> (i % 40);
		pe.nr_pages = i % 3 ? (uint32_t)rand() >> (i % 31) : UINT32_MAX;
		pe.has_in_parent = i & 1;
		pe.in_parent = i & 2;
		pe.has_flags = i & 4;
		pe.flags = (uint32_t)rand() >> (i % 32);
		len = pack(&pe, buf);
		CHECK(pm_fields_fast(buf, len, &f) == 0);
		back = pagemap_entry__unpack(NULL, len, buf);
		CHECK(back);
		CHECK(f.vaddr == back->vaddr && f.nr_pages == back->nr_pages);
		CHECK(f.has_in_parent == back->has_in_parent && f.in_parent == back->in_parent);
		CHECK(f.has_flags == back->has_flags && f.flags == back->flags);
		pagemap_entry__free_unpacked(back, NULL);
	}
	return 0;
}

/* Forms the fast path leaves to protobuf-c, and what the whole decode then says. */
TEST(pagemap_decode_other_forms)
{
	static const struct {
		uint8_t b[16];
		unsigned int len;
		int decode;	/* pm_fields_decode() */
		uint64_t vaddr;
	} c[] = {
		/* vaddr twice: the last wins */
		{ { 0x08, 0x01, 0x10, 0x02, 0x08, 0x05 }, 6, 0, 5 },
		/* an unknown field 5 */
		{ { 0x08, 0x01, 0x10, 0x02, 0x28, 0x07 }, 6, 0, 1 },
		/* in_parent = 2 (true for protobuf-c) */
		{ { 0x08, 0x01, 0x10, 0x02, 0x18, 0x02 }, 6, 0, 1 },
		/* a varint padded with a zero byte */
		{ { 0x08, 0x81, 0x00, 0x10, 0x02 }, 5, 0, 1 },
		/* nr_pages missing: required */
		{ { 0x08, 0x01 }, 2, -EBADMSG, 0 },
		/* a varint cut off */
		{ { 0x08, 0x81 }, 2, -EBADMSG, 0 },
		/* a length-delimited field where a varint belongs */
		{ { 0x0a, 0x01, 0x00, 0x10, 0x01 }, 5, -EBADMSG, 0 },
		/* nr_pages as a fixed 32-bit field, cut short */
		{ { 0x08, 0x01, 0x15, 0x02 }, 4, -EBADMSG, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pm_fields f;

		CHECK(pm_fields_fast(c[i].b, c[i].len, &f) == -EAGAIN);
		CHECK(pm_fields_decode(c[i].b, c[i].len, &f) == c[i].decode);
		if (!c[i].decode)
			CHECK(f.vaddr == c[i].vaddr);
	}
	return 0;
}
