// SPDX-License-Identifier: GPL-2.0
/*
 * Broken or foreign files: each must give a negative errno and an error
 * line that names the file, never a crash or a silent success.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image-desc.h"
#include "image-fixtures.h"
#include "image-util.h"
#include "unit.h"

/* Read one pstree entry from pstree.img: pb_read_one()'s result. */
static int read_pstree(void)
{
	struct cr_img *img;
	void *msg = NULL;
	int ret;

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_RSTR);
	if (!img)
		return -1000 - errno;
	ret = pb_read_one(img, &msg, &pstree_entry__descriptor);
	pb_free(msg);
	close_image(img);
	return ret;
}

static int write_pstree(unsigned int nr)
{
	uint32_t threads[64] = { 1 };
	struct cr_img *img;
	unsigned int i;
	int ret = 0;

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_DUMP);
	if (!img)
		return -1;
	for (i = 0; i < nr && !ret; i++) {
		PstreeEntry pe = PSTREE_ENTRY__INIT;

		pe.pid = 1 + i;
		pe.n_threads = 64;
		pe.threads = threads;
		ret = pb_write_one(img, &pe, &pstree_entry__descriptor);
	}
	if (close_image(img))
		ret = -1;
	return ret;
}

TEST(truncated_entry_body)
{
	off_t size;

	CHECK(write_pstree(1) == 0);
	size = file_size("pstree.img");
	CHECK(size > 20);
	CHECK(cut_file("pstree.img", size - 3) == 0);
	CHECK(read_pstree() == -EIO);
	CHECK(log_line_has("pstree.img", "truncated entry"));
	return 0;
}

TEST(truncated_entry_length)
{
	uint16_t half = 5;

	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			&half, sizeof(half)) == 0);
	CHECK(read_pstree() == -EIO);
	CHECK(log_line_has("pstree.img", "truncated entry length"));
	return 0;
}

TEST(second_entry_truncated_after_good_one)
{
	struct cr_img *img;
	void *msg;

	CHECK(write_pstree(2) == 0);
	CHECK(cut_file("pstree.img", file_size("pstree.img") - 1) == 0);
	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_RSTR);
	CHECK(img);
	CHECK(pb_read_one(img, &msg, &pstree_entry__descriptor) == 1);
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &pstree_entry__descriptor) == -EIO);
	CHECK(msg == NULL);
	CHECK(close_image(img) == 0);
	CHECK(log_line_has("pstree.img", "truncated"));
	return 0;
}

TEST(wrong_magic_names_both)
{
	struct cr_img *img;
	struct mm_fx fx;

	mm_fx_init(&fx);
	img = open_image(unit_tmpdir(), CR_FD_MM, O_DUMP, 1234);
	CHECK(img);
	CHECK(pb_write_one(img, &fx.mm, &mm_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	CHECK(renameat(unit_tmpdir(), "mm-1234.img",
		       unit_tmpdir(), "core-1234.img") == 0);

	errno = 0;
	CHECK(open_image(unit_tmpdir(), CR_FD_CORE, O_RSTR, 1234) == NULL);
	CHECK(errno == EBADMSG);
	CHECK(log_line_has("core-1234.img", "wrong magic 0x57492820"));
	CHECK(log_line_has("core-1234.img", "expected CORE 0x55053847"));
	CHECK(log_line_has("core-1234.img", "found MM"));
	return 0;
}

TEST(wrong_first_word)
{
	/* a stats image (IMG_SERVICE) where a common one belongs */
	CHECK(put_image("fs-3.img", IMG_SERVICE_MAGIC, FS_MAGIC, NULL, 0) == 0);
	errno = 0;
	CHECK(open_image(unit_tmpdir(), CR_FD_FS, O_RSTR, 3) == NULL);
	CHECK(errno == EBADMSG);
	CHECK(log_line_has("fs-3.img", "expected IMG_COMMON"));

	/* an inventory with a leading common word is not crit's layout */
	CHECK(put_image("inventory.img", IMG_COMMON_MAGIC, INVENTORY_MAGIC,
			NULL, 0) == 0);
	CHECK(open_image(unit_tmpdir(), CR_FD_INVENTORY, O_RSTR) == NULL);
	CHECK(log_line_has("inventory.img", "expected INVENTORY"));
	return 0;
}

/* A copy of a real binary offered as an image of each kind. */
TEST(foreign_file)
{
	static char buf[1 << 16];
	enum cr_img_type types[] = { CR_FD_INVENTORY, CR_FD_CORE,
				     CR_FD_STATS_DUMP };
	ssize_t len;
	unsigned int i;
	int fd;

	fd = open("/bin/ls", O_RDONLY);
	CHECK(fd >= 0);
	len = read(fd, buf, sizeof(buf));
	close(fd);
	CHECK(len > 8);
	CHECK(put_file("inventory.img", buf, len) == 0);
	CHECK(put_file("core-7.img", buf, len) == 0);
	CHECK(put_file("stats-dump", buf, len) == 0);

	for (i = 0; i < 3; i++) {
		errno = 0;
		CHECK(open_image(unit_tmpdir(), types[i], O_RSTR, 7) == NULL);
		CHECK(errno == EBADMSG);
	}
	CHECK(log_line_has("inventory.img", "wrong magic 0x464c457f"));
	CHECK(log_line_has("core-7.img", "wrong magic 0x464c457f"));
	CHECK(log_line_has("stats-dump", "expected IMG_SERVICE"));
	return 0;
}

TEST(garbage_protobuf)
{
	unsigned char body[12];

	/* length 8, then bytes that are no valid protobuf at all */
	memset(body, 0xff, sizeof(body));
	body[0] = 8;
	body[1] = body[2] = body[3] = 0;
	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			body, sizeof(body)) == 0);
	CHECK(read_pstree() == -EBADMSG);
	CHECK(log_line_has("pstree.img", "can't decode a pstree_entry"));
	return 0;
}

TEST(valid_protobuf_missing_required)
{
	/* field 1 (pid) only: pstree_entry's ppid, pgid, sid are required */
	unsigned char body[] = { 2, 0, 0, 0, 0x08, 0x05 };

	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			body, sizeof(body)) == 0);
	CHECK(read_pstree() == -EBADMSG);
	CHECK(log_line_has("pstree.img", "can't decode"));
	return 0;
}

TEST(empty_file)
{
	CHECK(put_file("pstree.img", "", 0) == 0);
	CHECK(read_pstree() == -1000 - ENODATA);
	CHECK(log_line_has("pstree.img", "empty file"));
	return 0;
}

TEST(short_header)
{
	uint32_t common = IMG_COMMON_MAGIC;

	/* too short to say what it is */
	CHECK(put_file("pstree.img", "abc", 3) == 0);
	CHECK(read_pstree() == -1000 - EIO);
	CHECK(log_line_has("pstree.img", "truncated header: 3 of 8"));

	log_reset();
	CHECK(put_file("pstree.img", &common, 4) == 0);
	CHECK(read_pstree() == -1000 - EIO);
	CHECK(log_line_has("pstree.img", "truncated header: 4 of 8"));
	return 0;
}

TEST(header_only_file)
{
	struct cr_img *img;
	void *msg;

	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			NULL, 0) == 0);
	CHECK(read_pstree() == 0);	/* an image with no entries */

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_RSTR);
	CHECK(img);
	CHECK(pb_read_one_must(img, &msg, &pstree_entry__descriptor) == -ENODATA);
	CHECK(close_image(img) == 0);
	CHECK(log_line_has("pstree.img", "pstree_entry"));
	return 0;
}

TEST(oversize_length)
{
	uint32_t len;

	len = 0xffffffff;
	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			&len, sizeof(len)) == 0);
	CHECK(read_pstree() == -EFBIG);
	CHECK(log_line_has("pstree.img", "exceeds"));

	log_reset();
	len = IMG_ENTRY_MAX + 1;
	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			&len, sizeof(len)) == 0);
	CHECK(read_pstree() == -EFBIG);
	CHECK(log_line_has("pstree.img", "exceeds"));
	return 0;
}

TEST(length_past_end_of_file)
{
	unsigned char body[4 + 10] = { 0 };
	uint32_t len = 1 << 20;

	memcpy(body, &len, 4);
	CHECK(put_image("pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC,
			body, sizeof(body)) == 0);
	CHECK(read_pstree() == -EIO);
	CHECK(log_line_has("pstree.img", "truncated entry: 10 of 1048576"));
	return 0;
}

TEST(pipe_data_shorter_than_announced)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	struct cr_img *img;
	char buf[64];
	void *msg;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_DUMP);
	CHECK(img);
	pde.pipe_id = 9;
	pde.bytes = 64;
	CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
	CHECK(write_img_buf(img, "only twenty bytes...", 20) == 0);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR);
	CHECK(img);
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 1);
	CHECK(read_img_buf(img, buf, ((PipeDataEntry *)msg)->bytes) == -EIO);
	pb_free(msg);
	CHECK(close_image(img) == 0);
	CHECK(log_line_has("pipes-data.img", "truncated data: 20 of 64"));
	return 0;
}

TEST(unreadable_file_is_reported)
{
	/* a directory where the image should be: read() fails with EISDIR */
	CHECK(mkdirat(unit_tmpdir(), "pstree.img", 0700) == 0);
	CHECK(read_pstree() == -1000 - EISDIR);
	CHECK(log_line_has("pstree.img", "Is a directory"));
	return 0;
}
