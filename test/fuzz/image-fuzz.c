// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the image reader: any file must either decode or
 * fail with a negative errno; it must never crash, leak, read out of
 * bounds, or return a message together with an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipe-data.pb-c.h"
#include "sk-packet.pb-c.h"

#include "image.h"
#include "image-fuzz-cases.h"

#define DATA_CHUNK	65536

static int dir_fd = -1;
static char dir_path[64];
static char data_buf[DATA_CHUNK];

/* The names written so far, to clean up at exit. */
static char written[32][64];
static unsigned int nr_written;

static void remember_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_written; i++)
		if (!strcmp(written[i], name))
			return;
	if (nr_written < 32)
		snprintf(written[nr_written++], sizeof(written[0]), "%s", name);
}

static void scratch_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < nr_written; i++)
		unlinkat(dir_fd, written[i], 0);
	rmdir(dir_path);
}

/* A scratch directory, in memory when /dev/shm is there. */
static void scratch_dir(void)
{
	snprintf(dir_path, sizeof(dir_path), "/dev/shm/criu-fuzz.XXXXXX");
	if (!mkdtemp(dir_path)) {
		snprintf(dir_path, sizeof(dir_path), "/tmp/criu-fuzz.XXXXXX");
		if (!mkdtemp(dir_path)) {
			perror("mkdtemp");
			abort();
		}
	}
	dir_fd = open(dir_path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dir_fd < 0) {
		perror(dir_path);
		abort();
	}
	atexit(scratch_cleanup);
}

static void put_input(const char *name, const uint8_t *data, size_t size)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror(name);
		abort();
	}
	close(fd);
}

/* pb_read_one() must return 1 with a message, or <= 0 without one. */
static int read_one(struct cr_img *img, void **msg,
		    const ProtobufCMessageDescriptor *desc)
{
	int ret = pb_read_one(img, msg, desc);

	if ((ret == 1) != (*msg != NULL) || ret > 1 || ret < -4095)
		abort();
	return ret;
}

/* Read @len bytes of raw data in chunks, as pipe restore would. */
static int read_data(struct cr_img *img, uint64_t len)
{
	while (len) {
		size_t n = len < DATA_CHUNK ? len : DATA_CHUNK;
		int ret = read_img_buf(img, data_buf, n);

		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

static void read_entries(struct cr_img *img, const struct fuzz_case *fc)
{
	void *msg;
	int ret;

	if (fc->how == FUZZ_HEAD_ENTRIES) {
		if (pb_read_one_must(img, &msg, fc->head_desc))
			return;
		pb_free(msg);
	}
	for (;;) {
		ret = read_one(img, &msg, fc->desc);
		if (ret <= 0)
			return;
		if (fc->how == FUZZ_ENTRY_DATA)
			ret = read_data(img, ((PipeDataEntry *)msg)->bytes);
		else if (fc->how == FUZZ_PACKET_DATA)
			ret = read_data(img, ((SkPacketEntry *)msg)->length);
		pb_free(msg);
		if (ret)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_case *fc;
	struct cr_img *img;

	if (size < 1)
		return 0;
	if (dir_fd < 0)
		scratch_dir();
	fc = &fuzz_cases[data[0] % nr_fuzz_cases];

	/* Creating the image gives its name; the input then replaces it. */
	img = open_image(dir_fd, fc->type, O_DUMP, fc->arg);
	if (!img)
		abort();
	remember_name(img_name(img));
	put_input(img_name(img), data + 1, size - 1);
	if (close_image(img))
		abort();
	images_forget();

	img = open_image(dir_fd, fc->type, O_RSTR, fc->arg);
	if (!img)
		return 0;
	if (fc->how == FUZZ_RAW)
		read_data(img, size - 1);
	else
		read_entries(img, fc);
	if (close_image(img))
		abort();
	return 0;
}
