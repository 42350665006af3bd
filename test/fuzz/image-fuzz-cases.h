/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FUZZ_IMAGE_CASES_H
#define FUZZ_IMAGE_CASES_H

#include <protobuf-c/protobuf-c.h>

#include "image.h"

/*
 * What the fuzz target does with an input: the first byte picks a case,
 * the rest becomes the file of that case's image type, which is read
 * back as the dump and restore code would read it.
 */
enum fuzz_read {
	FUZZ_ENTRIES,		/* entries of one message type until EOF */
	FUZZ_HEAD_ENTRIES,	/* one entry of head_desc, then desc entries */
	FUZZ_ENTRY_DATA,	/* pipe_data_entry then its raw bytes, repeated */
	FUZZ_RAW,		/* no framing: raw data only */
	FUZZ_PACKET_DATA,	/* sk_packet_entry then its raw bytes, repeated */
};

struct fuzz_case {
	enum cr_img_type			type;
	unsigned int				arg;	/* pid or id */
	enum fuzz_read				how;
	const ProtobufCMessageDescriptor	*desc;
	const ProtobufCMessageDescriptor	*head_desc;
};

extern const struct fuzz_case fuzz_cases[];
extern const unsigned int nr_fuzz_cases;

#endif
