// SPDX-License-Identifier: GPL-2.0
/* Messages written with pb_write_one() come back equal from pb_read_one(). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image-desc.h"
#include "image-fixtures.h"
#include "image-util.h"
#include "unit.h"

TEST(roundtrip_core)
{
	struct core_fx fx;
	struct cr_img *img;
	CoreEntry *ce;
	void *msg;

	core_fx_init(&fx);
	img = open_image(unit_tmpdir(), CR_FD_CORE, O_DUMP, FX_PID);
	CHECK(img);
	CHECK(!strcmp(img_name(img), "core-4242.img"));
	CHECK(pb_write_one(img, &fx.core, &core_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	CHECK(file_size("core-4242.img") > 8);

	img = open_image(unit_tmpdir(), CR_FD_CORE, O_RSTR, FX_PID);
	CHECK(img);
	CHECK(!img_empty(img));
	CHECK(pb_read_one(img, &msg, &core_entry__descriptor) == 1);
	ce = msg;
	CHECK(ce->mtype == CORE_ENTRY__MARCH__X86_64);
	CHECK(ce->thread_info && ce->thread_info->gpregs);
	CHECK(ce->thread_info->gpregs->ip == FX_RIP);
	CHECK(ce->thread_info->gpregs->sp == FX_RSP);
	CHECK(ce->thread_info->gpregs->orig_ax == (uint64_t)-1);
	CHECK(ce->thread_info->fpregs->n_xmm_space == 64);
	CHECK(ce->thread_info->fpregs->xmm_space[63] == 0x1000 + 63);
	CHECK(ce->tc && !strcmp(ce->tc->comm, FX_COMM));
	CHECK(ce->tc->rlimits->n_rlimits == 2);
	CHECK(ce->tc->rlimits->rlimits[1]->cur == 2048);
	CHECK(ce->tc->n_sigactions == 2);
	CHECK(ce->tc->oom_score_adj == -17);
	CHECK(ce->ids->sighand_id == 4);
	CHECK(ce->thread_core->sched_nice == -5);
	CHECK(ce->thread_core->creds->n_groups == 3);
	CHECK(ce->thread_core->creds->groups[2] == 1003);
	pb_free(msg);

	CHECK(pb_read_one(img, &msg, &core_entry__descriptor) == 0);
	CHECK(msg == NULL);
	CHECK(close_image(img) == 0);
	return 0;
}

TEST(roundtrip_pstree_several)
{
	uint32_t threads[3] = { 100, 101, 102 };
	struct cr_img *img;
	unsigned int i;
	void *msg;

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_DUMP);
	CHECK(img);
	for (i = 0; i < 3; i++) {
		PstreeEntry pe = PSTREE_ENTRY__INIT;

		pe.pid = 100 + i;
		pe.ppid = i ? 100 : 1;
		pe.pgid = pe.sid = 100;
		pe.n_threads = i + 1;
		pe.threads = threads;
		CHECK(pb_write_one(img, &pe, &pstree_entry__descriptor) == 0);
	}
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_RSTR);
	CHECK(img);
	for (i = 0; i < 3; i++) {
		PstreeEntry *pe;

		CHECK(pb_read_one(img, &msg, &pstree_entry__descriptor) == 1);
		pe = msg;
		CHECK(pe->pid == 100 + i);
		CHECK(pe->n_threads == i + 1);
		CHECK(pe->threads[i] == 100 + i);
		pb_free(msg);
	}
	CHECK(pb_read_one(img, &msg, &pstree_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

TEST(roundtrip_pagemap_head_then_entries)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	struct cr_img *img;
	unsigned int i;
	void *msg;

	img = open_image(unit_tmpdir(), CR_FD_PAGEMAP, O_DUMP, 77);
	CHECK(img);
	ph.pages_id = 5;
	CHECK(pb_write_one(img, &ph, &pagemap_head__descriptor) == 0);
	for (i = 0; i < 1000; i++) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT;

		pe.vaddr = 0x10000000ULL + i * 0x3000;
		pe.nr_pages = 2;
		pe.has_in_parent = i & 1;
		pe.in_parent = i & 1;
		CHECK(pb_write_one(img, &pe, &pagemap_entry__descriptor) == 0);
	}
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PAGEMAP, O_RSTR, 77);
	CHECK(img);
	CHECK(pb_read_one_must(img, &msg, &pagemap_head__descriptor) == 0);
	CHECK(((PagemapHead *)msg)->pages_id == 5);
	pb_free(msg);
	for (i = 0; i < 1000; i++) {
		PagemapEntry *pe;

		CHECK(pb_read_one(img, &msg, &pagemap_entry__descriptor) == 1);
		pe = msg;
		CHECK(pe->vaddr == 0x10000000ULL + i * 0x3000);
		CHECK(pe->nr_pages == 2);
		CHECK(pe->in_parent == (protobuf_c_boolean)(i & 1));
		pb_free(msg);
	}
	CHECK(pb_read_one(img, &msg, &pagemap_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

TEST(roundtrip_mm_files_tty)
{
	struct files_fx ffx;
	struct tty_fx tfx;
	struct mm_fx mfx;
	struct cr_img *img;
	FileEntry *fe;
	MmEntry *mm;
	void *msg;

	mm_fx_init(&mfx);
	files_fx_init(&ffx);
	tty_fx_init(&tfx);

	img = open_image(unit_tmpdir(), CR_FD_MM, O_DUMP, 9);
	CHECK(img);
	CHECK(pb_write_one(img, &mfx.mm, &mm_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_FILES, O_DUMP);
	CHECK(img);
	CHECK(pb_write_one(img, &ffx.reg, &file_entry__descriptor) == 0);
	CHECK(pb_write_one(img, &ffx.pipe, &file_entry__descriptor) == 0);
	CHECK(pb_write_one(img, &ffx.tty, &file_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_MM, O_RSTR, 9);
	CHECK(img);
	CHECK(pb_read_one_must(img, &msg, &mm_entry__descriptor) == 0);
	mm = msg;
	CHECK(mm->n_vmas == 2);
	CHECK(mm->vmas[1]->fd == -1);
	CHECK(mm->vmas[0]->fd == 7);
	CHECK(mm->vmas[1]->start == FX_VMA_START + 0x10000);
	CHECK(mm->n_mm_saved_auxv == 4 && mm->mm_saved_auxv[3] == 103);
	pb_free(msg);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_FILES, O_RSTR);
	CHECK(img);
	CHECK(pb_read_one(img, &msg, &file_entry__descriptor) == 1);
	fe = msg;
	CHECK(fe->type == FD_TYPES__REG && fe->reg);
	CHECK(!strcmp(fe->reg->name, FX_FILE_NAME));
	CHECK(fe->reg->pos == 12345);
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &file_entry__descriptor) == 1);
	fe = msg;
	CHECK(fe->type == FD_TYPES__PIPE && fe->pipe && !fe->reg);
	CHECK(fe->pipe->pipe_id == 777777);
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &file_entry__descriptor) == 1);
	fe = msg;
	CHECK(fe->type == FD_TYPES__TTY && fe->tty);
	CHECK(fe->tty->tty_info_id == 3);
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &file_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

TEST(roundtrip_pipes_data_with_raw_bytes)
{
	char data0[100], data1[70000], back[70000];
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	PipeDataEntry *in;
	struct cr_img *img;
	void *msg;

	memset(data0, 'a', sizeof(data0));
	for (size_t i = 0; i < sizeof(data1); i++)
		data1[i] = i * 7;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_DUMP);
	CHECK(img);
	pde.pipe_id = 1;
	pde.bytes = sizeof(data0);
	CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
	CHECK(write_img_buf(img, data0, sizeof(data0)) == 0);
	pde.pipe_id = 2;
	pde.bytes = sizeof(data1);
	pde.has_size = 1;
	pde.size = 1 << 17;
	CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
	CHECK(write_img_buf(img, data1, sizeof(data1)) == 0);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR);
	CHECK(img);
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 1);
	in = msg;
	CHECK(in->pipe_id == 1 && in->bytes == sizeof(data0));
	CHECK(read_img_buf(img, back, in->bytes) == 0);
	CHECK(!memcmp(back, data0, sizeof(data0)));
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 1);
	in = msg;
	CHECK(in->pipe_id == 2 && in->bytes == sizeof(data1));
	CHECK(in->size == 1 << 17);
	CHECK(read_img_buf(img, back, in->bytes) == 0);
	CHECK(!memcmp(back, data1, sizeof(data1)));
	pb_free(msg);
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

TEST(raw_pages_have_no_header)
{
	char page[4096], back[4096];
	struct cr_img *img;

	memset(page, 0x5a, sizeof(page));
	img = open_image(unit_tmpdir(), CR_FD_PAGES, O_DUMP, 3u);
	CHECK(img);
	CHECK(!strcmp(img_name(img), "pages-3.img"));
	CHECK(write_img_buf(img, page, sizeof(page)) == 0);
	CHECK(close_image(img) == 0);
	CHECK(file_size("pages-3.img") == sizeof(page));

	img = open_image(unit_tmpdir(), CR_FD_PAGES, O_RSTR, 3u);
	CHECK(img);
	CHECK(read_img_buf(img, back, sizeof(back)) == 0);
	CHECK(!memcmp(page, back, sizeof(page)));
	CHECK(close_image(img) == 0);
	return 0;
}

/* Names and leading words of each type, as crit expects them. */
TEST(headers_and_names)
{
	static const struct {
		enum cr_img_type type;
		const char *name;
		uint32_t w0, w1;	/* w1 == 0: inventory, one word */
	} cases[] = {
		{ CR_FD_INVENTORY, "inventory.img", INVENTORY_MAGIC, 0 },
		{ CR_FD_STATS_DUMP, "stats-dump", IMG_SERVICE_MAGIC, STATS_MAGIC },
		{ CR_FD_STATS_RESTORE, "stats-restore", IMG_SERVICE_MAGIC, STATS_MAGIC },
		{ CR_FD_PSTREE, "pstree.img", IMG_COMMON_MAGIC, PSTREE_MAGIC },
		{ CR_FD_CORE, "core-12.img", IMG_COMMON_MAGIC, CORE_MAGIC },
		{ CR_FD_IDS, "ids-12.img", IMG_COMMON_MAGIC, IDS_MAGIC },
		{ CR_FD_MM, "mm-12.img", IMG_COMMON_MAGIC, MM_MAGIC },
		{ CR_FD_PAGEMAP, "pagemap-12.img", IMG_COMMON_MAGIC, PAGEMAP_MAGIC },
		{ CR_FD_FS, "fs-12.img", IMG_COMMON_MAGIC, FS_MAGIC },
		{ CR_FD_FILES, "files.img", IMG_COMMON_MAGIC, FILES_MAGIC },
		{ CR_FD_FDINFO, "fdinfo-12.img", IMG_COMMON_MAGIC, FDINFO_MAGIC },
		{ CR_FD_PIPES_DATA, "pipes-data.img", IMG_COMMON_MAGIC, PIPES_DATA_MAGIC },
		{ CR_FD_TTY_INFO, "tty-info.img", IMG_COMMON_MAGIC, TTY_INFO_MAGIC },
	};
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cr_img *img;
		uint32_t w[2] = { 0, 0 };

		img = open_image(unit_tmpdir(), cases[i].type, O_DUMP, 12);
		CHECK(img);
		CHECK(!strcmp(img_name(img), cases[i].name));
		CHECK(close_image(img) == 0);
		CHECK(file_size(cases[i].name) == (cases[i].w1 ? 8 : 4));
		CHECK(fstatat(unit_tmpdir(), cases[i].name, &st, 0) == 0);
		CHECK((st.st_mode & 0777) == 0600);
		get_file(cases[i].name, w, 8);
		CHECK(w[0] == cases[i].w0);
		CHECK(w[1] == cases[i].w1);

		/* and a header-only image reads back as empty */
		img = open_image(unit_tmpdir(), cases[i].type, O_RSTR, 12);
		CHECK(img);
		CHECK(close_image(img) == 0);
	}
	return 0;
}

TEST(dump_truncates_existing_file)
{
	char junk[10000];
	struct cr_img *img;

	memset(junk, 0xee, sizeof(junk));
	CHECK(put_file("fs-5.img", junk, sizeof(junk)) == 0);
	img = open_image(unit_tmpdir(), CR_FD_FS, O_DUMP, 5);
	CHECK(img);
	CHECK(close_image(img) == 0);
	CHECK(file_size("fs-5.img") == 8);
	return 0;
}

TEST(optional_missing_image_is_empty)
{
	struct cr_img *img;
	char buf[4];
	void *msg = (void *)1;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR | O_OPT);
	CHECK(img);
	CHECK(img_empty(img));
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 0);
	CHECK(msg == NULL);
	CHECK(pb_read_one_must(img, &msg, &pipe_data_entry__descriptor) < 0);
	CHECK(read_img_buf(img, buf, sizeof(buf)) < 0);
	CHECK(close_image(img) == 0);

	/* without O_OPT a missing image is an error naming it */
	log_reset();
	errno = 0;
	img = open_image(unit_tmpdir(), CR_FD_CORE, O_RSTR, 31337);
	CHECK(img == NULL);
	CHECK(errno == ENOENT);
	CHECK(log_line_has("core-31337.img", "Error"));

	/* O_OPT does not hide a file that exists but is broken */
	CHECK(put_file("pipes-data.img", "xx", 2) == 0);
	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR | O_OPT);
	CHECK(img == NULL);
	return 0;
}

TEST(bad_open_calls)
{
	errno = 0;
	CHECK(open_image(unit_tmpdir(), CR_FD_MAX, O_RSTR) == NULL);
	CHECK(errno == EINVAL);
	CHECK(open_image(unit_tmpdir(), CR_FD_CORE, O_RSTR | O_DUMP, 1) == NULL);
	CHECK(open_image(unit_tmpdir(), CR_FD_CORE, 0, 1) == NULL);
	CHECK(open_image(unit_tmpdir(), CR_FD_CORE, O_DUMP | O_OPT, 1) == NULL);
	CHECK(open_image(-1, CR_FD_CORE, O_RSTR, 1) == NULL);
	CHECK(errno == EBADF);
	return 0;
}

TEST(write_checks_descriptor_and_mode)
{
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	struct cr_img *img;
	void *msg;

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_DUMP);
	CHECK(img);
	CHECK(pb_write_one(img, &pe, &core_entry__descriptor) == -EINVAL);
	CHECK(log_line_has("pstree.img", "core_entry"));
	CHECK(pb_read_one(img, &msg, &pstree_entry__descriptor) == -EBADF);
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_RSTR);
	CHECK(img);
	CHECK(pb_write_one(img, &pe, &pstree_entry__descriptor) == -EBADF);
	CHECK(write_img_buf(img, "x", 1) == -EBADF);
	CHECK(close_image(img) == 0);
	CHECK(file_size("pstree.img") == 8);
	return 0;
}

TEST(images_discard_removes_created)
{
	struct cr_img *img;
	int dfd;

	images_forget();
	CHECK(put_file("keep-me", "x", 1) == 0);
	img = open_image(unit_tmpdir(), CR_FD_INVENTORY, O_DUMP);
	CHECK(img && close_image(img) == 0);
	img = open_image(unit_tmpdir(), CR_FD_CORE, O_DUMP, 1);
	CHECK(img && close_image(img) == 0);
	img = open_image(unit_tmpdir(), CR_FD_PAGES, O_DUMP, 1u);
	CHECK(img && close_image(img) == 0);

	/* a second directory, whose descriptor the caller closes first */
	CHECK(mkdirat(unit_tmpdir(), "sub", 0700) == 0);
	dfd = openat(unit_tmpdir(), "sub", O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0);
	img = open_image(dfd, CR_FD_MM, O_DUMP, 1);
	CHECK(img && close_image(img) == 0);
	CHECK(close(dfd) == 0);
	/* a file removed behind our back is no error */
	CHECK(unlinkat(unit_tmpdir(), "core-1.img", 0) == 0);

	CHECK(file_size("inventory.img") == 4);
	CHECK(file_size("sub/mm-1.img") == 8);
	log_reset();
	images_discard();
	CHECK(!log_contains("Error"));
	CHECK(file_size("inventory.img") == -1);
	CHECK(file_size("pages-1.img") == -1);
	CHECK(file_size("sub/mm-1.img") == -1);
	CHECK(file_size("keep-me") == 1);

	/* after images_forget() a discard leaves the files alone */
	img = open_image(unit_tmpdir(), CR_FD_FS, O_DUMP, 1);
	CHECK(img && close_image(img) == 0);
	images_forget();
	images_discard();
	CHECK(file_size("fs-1.img") == 8);
	return 0;
}

/*
 * Entries are read ahead in blocks: a raw user of the descriptor (fifo.c
 * seeks over pipe data with it) must find it where the last entry read
 * ended, not where the read-ahead stopped.
 */
TEST(raw_fd_after_read_ahead)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	char data[5000], back[sizeof(data)];
	struct cr_img *img;
	unsigned int i;
	void *msg;
	int fd;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_DUMP);
	CHECK(img);
	for (i = 0; i < 3000; i++) {
		pde.pipe_id = i;
		pde.bytes = i % 100 ? 0 : sizeof(data);
		CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
		memset(data, i / 100, sizeof(data));
		if (pde.bytes)
			CHECK(write_img_buf(img, data, sizeof(data)) == 0);
	}
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR);
	CHECK(img);
	for (i = 0; i < 3000; i++) {
		PipeDataEntry *in;

		CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 1);
		in = msg;
		CHECK(in->pipe_id == i);
		if (in->bytes && i % 200) {
			/* every other block of data skipped on the raw descriptor */
			fd = img_raw_fd(img);
			CHECK(fd >= 0);
			CHECK(lseek(fd, in->bytes, SEEK_CUR) > 0);
		} else if (in->bytes) {
			CHECK(read_img_buf(img, back, in->bytes) == 0);
			memset(data, i / 100, sizeof(data));
			CHECK(!memcmp(back, data, sizeof(data)));
		}
		pb_free(msg);
	}
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

/* Buffered entries and raw data written in between come back in order. */
TEST(buffered_writes_keep_order)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	char data[300], back[sizeof(data)];
	struct cr_img *img;
	unsigned int i;
	void *msg;

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_DUMP);
	CHECK(img);
	CHECK(img_buffer_writes(img) == 0);
	for (i = 0; i < 5000; i++) {
		pde.pipe_id = i;
		pde.bytes = i % 7 ? 0 : sizeof(data);
		CHECK(pb_write_one(img, &pde, &pipe_data_entry__descriptor) == 0);
		memset(data, i, sizeof(data));
		if (pde.bytes)
			CHECK(write_img_buf(img, data, sizeof(data)) == 0);
	}
	CHECK(close_image(img) == 0);

	img = open_image(unit_tmpdir(), CR_FD_PIPES_DATA, O_RSTR);
	CHECK(img);
	for (i = 0; i < 5000; i++) {
		PipeDataEntry *in;

		CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 1);
		in = msg;
		CHECK(in->pipe_id == i);
		if (in->bytes) {
			CHECK(read_img_buf(img, back, in->bytes) == 0);
			memset(data, i, sizeof(data));
			CHECK(!memcmp(back, data, sizeof(data)));
		}
		pb_free(msg);
	}
	CHECK(pb_read_one(img, &msg, &pipe_data_entry__descriptor) == 0);
	CHECK(close_image(img) == 0);
	return 0;
}

/* A buffered write that fails shows at close_image(), never silently. */
TEST(buffered_write_error_at_close)
{
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	struct rlimit old, small = { 4096, 4096 };
	struct cr_img *img;
	void (*old_handler)(int);
	unsigned int i;
	int ret = 0;

	img = open_image(unit_tmpdir(), CR_FD_PSTREE, O_DUMP);
	CHECK(img);
	CHECK(img_buffer_writes(img) == 0);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	small.rlim_max = old.rlim_max;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	/* 2000 entries of about 10 bytes: past 4 KiB, all still in the buffer */
	for (i = 0; i < 2000 && !ret; i++) {
		pe.pid = 100000 + i;
		ret = pb_write_one(img, &pe, &pstree_entry__descriptor);
	}
	if (!ret)
		ret = close_image(img);
	else
		close_image(img);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	CHECK(ret < 0);
	CHECK(log_line_has("pstree.img", "Can't write"));
	return 0;
}
