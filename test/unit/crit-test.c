// SPDX-License-Identifier: GPL-2.0
/*
 * Images we write must be what CRIU's own decoder reads: Debian's crit
 * decodes each kind, its JSON holds the values we wrote, and crit's
 * re-encoding of that JSON is byte for byte our file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "image-fixtures.h"
#include "image-util.h"
#include "unit.h"

#define CRIT		"/usr/bin/crit"
#define JSON_MAX	(256 * 1024)

static char json[JSON_MAX];

/*
 * In the test directory, decode image @name with crit into json[] and
 * check that crit re-encodes that JSON to exactly the bytes we wrote:
 * same fields, same framing, same header words.
 */
static int crit_check(const char *name)
{
	char cmd[1024];
	size_t len = 0;
	int status;
	FILE *p;

	if (access(CRIT, X_OK)) {
		printf("    %s not found (Debian package criu)\n", CRIT);
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && n='%s' && "
		 CRIT " decode -i \"$n\" -o \"$n.json\" && "
		 CRIT " encode -i \"$n.json\" -o \"$n.again\" && "
		 "cmp \"$n\" \"$n.again\" >&2 && cat \"$n.json\"",
		 unit_tmp_path(), name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len < sizeof(json) - 1) {
		size_t n = fread(json + len, 1, sizeof(json) - 1 - len, p);

		if (!n)
			break;
		len += n;
	}
	json[len] = '\0';
	status = pclose(p);
	if (status != 0) {
		printf("    crit round trip of %s failed (status %d)\n",
		       name, status);
		return -1;
	}
	return 0;
}

static bool has(const char *needle)
{
	if (strstr(json, needle))
		return true;
	printf("    crit output lacks: %s\n", needle);
	return false;
}

/* has() for "key": number. */
static bool has_num(const char *key, unsigned long long val)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "\"%s\": %llu", key, val);
	return has(buf);
}

static bool has_snum(const char *key, long long val)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "\"%s\": %lld", key, val);
	return has(buf);
}

static int write_img(enum cr_img_type type, unsigned int arg,
		     const void *msg, const ProtobufCMessageDescriptor *desc)
{
	struct cr_img *img = open_image(unit_tmpdir(), type, O_DUMP, arg);
	int ret;

	if (!img)
		return -1;
	ret = pb_write_one(img, msg, desc);
	if (close_image(img))
		ret = -1;
	return ret;
}

TEST(crit_decodes_core)
{
	struct core_fx fx;

	core_fx_init(&fx);
	CHECK(write_img(CR_FD_CORE, FX_PID, &fx.core, &core_entry__descriptor) == 0);
	CHECK(crit_check("core-4242.img") == 0);
	CHECK(has("\"magic\": \"CORE\""));
	CHECK(has("\"mtype\": \"X86_64\""));
	CHECK(has_num("ip", FX_RIP));
	CHECK(has_num("sp", FX_RSP));
	CHECK(has_num("orig_ax", (uint64_t)-1));
	CHECK(has("\"mode\": \"NATIVE\""));
	CHECK(has("\"comm\": \"" FX_COMM "\""));
	CHECK(has_snum("oom_score_adj", -17));
	CHECK(has_snum("sched_nice", -5));
	CHECK(has("\"groups\": [24, 27, 1003]"));
	CHECK(has_num("sighand_id", 4));
	CHECK(has_num("cur", 2048));
	return 0;
}

TEST(crit_decodes_mm)
{
	struct mm_fx fx;

	mm_fx_init(&fx);
	CHECK(write_img(CR_FD_MM, 77, &fx.mm, &mm_entry__descriptor) == 0);
	CHECK(crit_check("mm-77.img") == 0);
	CHECK(has("\"magic\": \"MM\""));
	CHECK(has_num("mm_start_code", FX_VMA_START));
	CHECK(has_num("mm_brk", 0x621000));
	CHECK(has_num("start", FX_VMA_START + 0x10000));
	CHECK(has_num("end", FX_VMA_END + 0x10000));
	CHECK(has_snum("fd", -1));
	CHECK(has_snum("fd", 7));
	CHECK(has("\"mm_saved_auxv\": [100, 101, 102, 103]"));
	return 0;
}

TEST(crit_decodes_pagemap)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	struct cr_img *img;

	img = open_image(unit_tmpdir(), CR_FD_PAGEMAP, O_DUMP, FX_PID);
	CHECK(img);
	ph.pages_id = 31;
	CHECK(pb_write_one(img, &ph, &pagemap_head__descriptor) == 0);
	pe.vaddr = 0x7f1234560000ULL;
	pe.nr_pages = 17;
	CHECK(pb_write_one(img, &pe, &pagemap_entry__descriptor) == 0);
	pe.vaddr = 0x7f1234600000ULL;
	pe.nr_pages = 3;
	pe.has_in_parent = 1;
	pe.in_parent = 1;
	CHECK(pb_write_one(img, &pe, &pagemap_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);

	CHECK(crit_check("pagemap-4242.img") == 0);
	CHECK(has("\"magic\": \"PAGEMAP\""));
	CHECK(has("{\"pages_id\": 31}"));
	CHECK(has("{\"vaddr\": 139716164190208, \"nr_pages\": 17}"));
	CHECK(has("{\"vaddr\": 139716164845568, \"nr_pages\": 3, \"in_parent\": true}"));
	return 0;
}

TEST(crit_decodes_inventory)
{
	struct inventory_fx fx;

	inventory_fx_init(&fx);
	CHECK(write_img(CR_FD_INVENTORY, 0, &fx.inv, &inventory_entry__descriptor) == 0);
	CHECK(crit_check("inventory.img") == 0);
	CHECK(has("\"magic\": \"INVENTORY\""));
	CHECK(has_num("img_version", 2));
	CHECK(has("\"fdinfo_per_id\": true"));
	CHECK(has("\"lsmtype\": \"NO_LSM\""));
	CHECK(has_num("dump_uptime", 123456789));
	CHECK(has_num("sighand_id", 4));
	return 0;
}

TEST(crit_decodes_pstree)
{
	uint32_t threads[] = { FX_PID, FX_PID + 1 };
	PstreeEntry pe = PSTREE_ENTRY__INIT;

	pe.pid = FX_PID;
	pe.ppid = 1;
	pe.pgid = FX_PID - 1;
	pe.sid = FX_PID - 2;
	pe.n_threads = 2;
	pe.threads = threads;
	CHECK(write_img(CR_FD_PSTREE, 0, &pe, &pstree_entry__descriptor) == 0);
	CHECK(crit_check("pstree.img") == 0);
	CHECK(has("\"magic\": \"PSTREE\""));
	CHECK(has("{\"pid\": 4242, \"ppid\": 1, \"pgid\": 4241, \"sid\": 4240, "
		  "\"threads\": [4242, 4243]}"));
	return 0;
}

TEST(crit_decodes_files_and_fdinfo)
{
	FdinfoEntry fd = FDINFO_ENTRY__INIT;
	struct files_fx fx;
	struct cr_img *img;

	files_fx_init(&fx);
	img = open_image(unit_tmpdir(), CR_FD_FILES, O_DUMP);
	CHECK(img);
	CHECK(pb_write_one(img, &fx.reg, &file_entry__descriptor) == 0);
	CHECK(pb_write_one(img, &fx.pipe, &file_entry__descriptor) == 0);
	CHECK(pb_write_one(img, &fx.tty, &file_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	CHECK(crit_check("files.img") == 0);
	CHECK(has("\"magic\": \"FILES\""));
	CHECK(has("\"type\": \"REG\""));
	CHECK(has("\"name\": \"" FX_FILE_NAME "\""));
	CHECK(has_num("pos", 12345));
	CHECK(has("\"type\": \"PIPE\""));
	CHECK(has_num("pipe_id", 777777));
	CHECK(has("\"type\": \"TTY\""));
	CHECK(has_num("tty_info_id", 3));

	fd.id = 10;
	fd.flags = 1;
	fd.type = FD_TYPES__REG;
	fd.fd = 255;
	CHECK(write_img(CR_FD_FDINFO, 2, &fd, &fdinfo_entry__descriptor) == 0);
	CHECK(crit_check("fdinfo-2.img") == 0);
	CHECK(has("\"magic\": \"FDINFO\""));
	CHECK(has("{\"id\": 10, \"flags\": 1, \"type\": \"REG\", \"fd\": 255}"));
	return 0;
}

TEST(crit_decodes_fs)
{
	FsEntry fs = FS_ENTRY__INIT;

	fs.cwd_id = 21;
	fs.root_id = 22;
	fs.has_umask = 1;
	fs.umask = 022;
	CHECK(write_img(CR_FD_FS, FX_PID, &fs, &fs_entry__descriptor) == 0);
	CHECK(crit_check("fs-4242.img") == 0);
	CHECK(has("\"magic\": \"FS\""));
	CHECK(has("{\"cwd_id\": 21, \"root_id\": 22, \"umask\": 18}"));
	return 0;
}

TEST(crit_decodes_stats_dump)
{
	struct stats_fx fx;

	stats_fx_init(&fx);
	CHECK(write_img(CR_FD_STATS_DUMP, 0, &fx.st, &stats_entry__descriptor) == 0);
	CHECK(crit_check("stats-dump") == 0);
	CHECK(has("\"magic\": \"STATS\""));
	CHECK(has_num("freezing_time", 1500));
	CHECK(has_num("frozen_time", 25000));
	CHECK(has_num("pages_scanned", 262144));
	CHECK(has_num("pages_skipped_parent", 259522));
	CHECK(has_num("pages_written", 2622));
	return 0;
}

TEST(crit_decodes_tty_info)
{
	struct tty_fx fx;

	tty_fx_init(&fx);
	CHECK(write_img(CR_FD_TTY_INFO, 0, &fx.info, &tty_info_entry__descriptor) == 0);
	CHECK(crit_check("tty-info.img") == 0);
	CHECK(has("\"magic\": \"TTY_INFO\""));
	CHECK(has("\"type\": \"PTY\""));
	CHECK(has_num("rdev", 0x8809));
	CHECK(has_num("c_lflag", 0x8a3b));
	CHECK(has("\"ws_row\": 51, \"ws_col\": 203"));
	CHECK(has("\"pty\": {\"index\": 9}"));
	return 0;
}

TEST(crit_decodes_pipes_data)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	struct cr_img *img;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_DUMP);
	CHECK(img);
	pde.pipe_id = 5150;
	pde.bytes = 11;
	CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
	CHECK(write_img_buf(img, "hello world", 11) == 0);
	pde.pipe_id = 5151;
	pde.bytes = 3;
	CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
	CHECK(write_img_buf(img, "abc", 3) == 0);
	CHECK(close_image(img) == 0);

	CHECK(crit_check("pipes-data.img") == 0);
	CHECK(has("\"magic\": \"PIPES_DATA\""));
	/* the raw bytes come back base64-encoded as "extra" */
	CHECK(has("\"pipe_id\": 5150, \"bytes\": 11, \"extra\": \"aGVsbG8gd29ybGQ=\\n\""));
	CHECK(has("\"pipe_id\": 5151, \"bytes\": 3, \"extra\": \"YWJj\\n\""));
	return 0;
}
