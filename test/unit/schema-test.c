// SPDX-License-Identifier: GPL-2.0
/*
 * Our the .proto files in images/ must agree with CRIU's schema as crit knows it:
 * every field we define has CRIU's name, number, label and type, and
 * every CRIU field we leave out is an optional one whose message type we
 * do not define. The walk over our descriptors is done here, the
 * comparison by schema-check.py against pycriu's descriptors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "seccomp.pb-c.h"
#include "stats.pb-c.h"
#include "tty.pb-c.h"
#include "unit.h"

#ifndef UNIT_SRC_DIR
#define UNIT_SRC_DIR "."
#endif
#define PYTHON	"/usr/bin/python3"

/* Every message written to an image; the rest is reached from them. */
static const ProtobufCMessageDescriptor *roots[] = {
	&inventory_entry__descriptor,
	&pstree_entry__descriptor,
	&core_entry__descriptor,
	&mm_entry__descriptor,
	&pagemap_head__descriptor,
	&pagemap_entry__descriptor,
	&fdinfo_entry__descriptor,
	&file_entry__descriptor,
	&fs_entry__descriptor,
	&pipe_data_entry__descriptor,
	&tty_info_entry__descriptor,
	&stats_entry__descriptor,
	&seccomp_entry__descriptor,
};

static const char *const type_names[] = {
	[PROTOBUF_C_TYPE_INT32] = "int32",
	[PROTOBUF_C_TYPE_SINT32] = "sint32",
	[PROTOBUF_C_TYPE_SFIXED32] = "sfixed32",
	[PROTOBUF_C_TYPE_INT64] = "int64",
	[PROTOBUF_C_TYPE_SINT64] = "sint64",
	[PROTOBUF_C_TYPE_SFIXED64] = "sfixed64",
	[PROTOBUF_C_TYPE_UINT32] = "uint32",
	[PROTOBUF_C_TYPE_FIXED32] = "fixed32",
	[PROTOBUF_C_TYPE_UINT64] = "uint64",
	[PROTOBUF_C_TYPE_FIXED64] = "fixed64",
	[PROTOBUF_C_TYPE_FLOAT] = "float",
	[PROTOBUF_C_TYPE_DOUBLE] = "double",
	[PROTOBUF_C_TYPE_BOOL] = "bool",
	[PROTOBUF_C_TYPE_ENUM] = "enum",
	[PROTOBUF_C_TYPE_STRING] = "string",
	[PROTOBUF_C_TYPE_BYTES] = "bytes",
	[PROTOBUF_C_TYPE_MESSAGE] = "message",
};

static const char *const label_names[] = {
	[PROTOBUF_C_LABEL_REQUIRED] = "required",
	[PROTOBUF_C_LABEL_OPTIONAL] = "optional",
	[PROTOBUF_C_LABEL_REPEATED] = "repeated",
	[PROTOBUF_C_LABEL_NONE] = "none",
};

#define MAX_SEEN	128
static const void *seen[MAX_SEEN];
static int nr_seen;

static bool first_visit(const void *desc)
{
	int i;

	for (i = 0; i < nr_seen; i++)
		if (seen[i] == desc)
			return false;
	if (nr_seen < MAX_SEEN)
		seen[nr_seen++] = desc;
	return true;
}

static void dump_enum(FILE *f, const ProtobufCEnumDescriptor *e)
{
	unsigned int i;

	if (!first_visit(e))
		return;
	for (i = 0; i < e->n_values; i++)
		fprintf(f, "E %s %s %d\n", e->name, e->values[i].name,
			e->values[i].value);
}

static void dump_message(FILE *f, const ProtobufCMessageDescriptor *m)
{
	unsigned int i;

	if (!first_visit(m))
		return;
	fprintf(f, "M %s\n", m->name);
	for (i = 0; i < m->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &m->fields[i];
		const char *tname = "-";

		if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
			tname = ((const ProtobufCMessageDescriptor *)fd->descriptor)->name;
		else if (fd->type == PROTOBUF_C_TYPE_ENUM)
			tname = ((const ProtobufCEnumDescriptor *)fd->descriptor)->name;
		fprintf(f, "F %s %s %u %s %s %s\n", m->name, fd->name, fd->id,
			label_names[fd->label], type_names[fd->type], tname);

		if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
			dump_message(f, fd->descriptor);
		else if (fd->type == PROTOBUF_C_TYPE_ENUM)
			dump_enum(f, fd->descriptor);
	}
}

TEST(schema_matches_crit)
{
	char path[256], cmd[512];
	unsigned int i;
	FILE *f;

	CHECK(unit_tmpdir() >= 0);
	snprintf(path, sizeof(path), "%s/schema.txt", unit_tmp_path());
	f = fopen(path, "w");
	CHECK(f);
	nr_seen = 0;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		dump_message(f, roots[i]);
	CHECK(fclose(f) == 0);
	CHECK(nr_seen < MAX_SEEN);

	snprintf(cmd, sizeof(cmd), PYTHON " %s/schema-check.py %s",
		 UNIT_SRC_DIR, path);
	fflush(stdout);
	CHECK(system(cmd) == 0);
	return 0;
}
