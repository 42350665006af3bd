// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus: for every fuzz case, a valid image made with
 * the unit tests' fixtures, prefixed with the case's index byte.
 * Usage: make-seeds DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-fixtures.h"
#include "image-fuzz-cases.h"
#include "seccomp.pb-c.h"
#include "sk-netlink.pb-c.h"
#include "sk-packet.pb-c.h"
#include "sk-unix.pb-c.h"

/* The socket images: a unix and a netlink socket, a queued message. */
static int write_socket_seed(struct cr_img *img, const struct fuzz_case *fc)
{
	FownEntry fown = FOWN_ENTRY__INIT;
	SkOptsEntry so = SK_OPTS_ENTRY__INIT;
	UnixSkEntry us = UNIX_SK_ENTRY__INIT;
	NetlinkSkEntry ns = NETLINK_SK_ENTRY__INIT;
	SkPacketEntry pk = SK_PACKET_ENTRY__INIT;
	uint32_t groups[1] = { 1 };
	int ret;

	so.so_sndbuf = so.so_rcvbuf = 212992;
	switch (fc->type) {
	case CR_FD_UNIXSK:
		us.id = 6;
		us.ino = 100;
		us.type = 1;
		us.state = 10;
		us.backlog = 5;
		us.fown = &fown;
		us.opts = &so;
		us.name.data = (uint8_t *)"\0zdtm";
		us.name.len = 5;
		ret = pb_write_one(img, &us, fc->desc);
		us.id = 7;
		us.ino = 101;
		us.state = 1;
		us.name.len = 0;
		us.has_icon_of = 1;
		us.icon_of = 100;
		return ret | pb_write_one(img, &us, fc->desc);
	case CR_FD_NETLINK_SK:
		ns.id = 8;
		ns.ino = 102;
		ns.protocol = 0;
		ns.portid = 4242;
		ns.n_groups = 1;
		ns.groups = groups;
		ns.fown = &fown;
		ns.opts = &so;
		return pb_write_one(img, &ns, fc->desc);
	case CR_FD_SK_QUEUES:
		pk.id_for = 6;
		pk.length = 5;
		ret = pb_write_one(img, &pk, fc->desc);
		return ret | write_img_buf(img, "hello", 5);
	default:
		return 0;
	}
}

/* Write the messages of case @idx as its image in @dfd: 0 or -1. */
static int write_case(int dfd, unsigned int idx)
{
	const struct fuzz_case *fc = &fuzz_cases[idx];
	union {
		struct core_fx core;
		struct mm_fx mm;
		struct files_fx files;
		struct tty_fx tty;
		struct inventory_fx inv;
		struct stats_fx stats;
	} fx;
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pme = PAGEMAP_ENTRY__INIT;
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	FdinfoEntry fde = FDINFO_ENTRY__INIT;
	FsEntry fs = FS_ENTRY__INIT;
	SeccompFilter sf = SECCOMP_FILTER__INIT, *sfp = &sf;
	SeccompEntry se = SECCOMP_ENTRY__INIT;
	uint32_t threads[2] = { 1, 2 };
	struct cr_img *img;
	int ret = 0;

	img = open_image(dfd, fc->type, O_DUMP, fc->arg);
	if (!img)
		return -1;

	switch (fc->type) {
	case CR_FD_INVENTORY:
		inventory_fx_init(&fx.inv);
		ret = pb_write_one(img, &fx.inv.inv, fc->desc);
		break;
	case CR_FD_STATS_DUMP:
	case CR_FD_STATS_RESTORE:
		stats_fx_init(&fx.stats);
		ret = pb_write_one(img, &fx.stats.st, fc->desc);
		break;
	case CR_FD_PSTREE:
		pe.pid = 1;
		pe.n_threads = 2;
		pe.threads = threads;
		ret = pb_write_one(img, &pe, fc->desc);
		ret |= pb_write_one(img, &pe, fc->desc);
		break;
	case CR_FD_CORE:
		core_fx_init(&fx.core);
		ret = pb_write_one(img, &fx.core.core, fc->desc);
		break;
	case CR_FD_IDS:
		core_fx_init(&fx.core);
		ret = pb_write_one(img, &fx.core.ids, fc->desc);
		break;
	case CR_FD_MM:
		mm_fx_init(&fx.mm);
		ret = pb_write_one(img, &fx.mm.mm, fc->desc);
		break;
	case CR_FD_PAGEMAP:
		ph.pages_id = 1;
		ret = pb_write_one(img, &ph, fc->head_desc);
		pme.vaddr = 0x400000;
		pme.nr_pages = 4;
		ret |= pb_write_one(img, &pme, fc->desc);
		pme.has_in_parent = pme.in_parent = 1;
		ret |= pb_write_one(img, &pme, fc->desc);
		break;
	case CR_FD_FS:
		fs.has_umask = 1;
		fs.umask = 022;
		ret = pb_write_one(img, &fs, fc->desc);
		break;
	case CR_FD_FILES:
		files_fx_init(&fx.files);
		ret = pb_write_one(img, &fx.files.reg, fc->desc);
		ret |= pb_write_one(img, &fx.files.pipe, fc->desc);
		ret |= pb_write_one(img, &fx.files.tty, fc->desc);
		break;
	case CR_FD_FDINFO:
		fde.type = FD_TYPES__PIPE;
		fde.fd = 3;
		ret = pb_write_one(img, &fde, fc->desc);
		break;
	case CR_FD_PIPES_DATA:
		pde.pipe_id = 1;
		pde.bytes = 5;
		ret = pb_write_one(img, &pde, fc->desc);
		ret |= write_img_buf(img, "hello", 5);
		break;
	case CR_FD_TTY_INFO:
		tty_fx_init(&fx.tty);
		ret = pb_write_one(img, &fx.tty.info, fc->desc);
		break;
	case CR_FD_PAGES:
		ret = write_img_buf(img, "0123456789abcdef", 16);
		break;
	case CR_FD_SECCOMP:
		/* one filter: "return ALLOW" (BPF_RET | BPF_K, SECCOMP_RET_ALLOW) */
		sf.filter.data = (uint8_t *)"\x06\x00\x00\x00\x00\x00\xff\x7f";
		sf.filter.len = 8;
		se.n_seccomp_filters = 1;
		se.seccomp_filters = &sfp;
		ret = pb_write_one(img, &se, fc->desc);
		break;
	default:
		ret = write_socket_seed(img, fc);
		break;
	}
	if (close_image(img))
		ret = -1;
	return ret ? -1 : 0;
}

/* Copy image @name from @dfd to DIR/seed-IDX with the index byte first. */
static int copy_seed(int dfd, const char *name, unsigned int idx,
		     const char *dir)
{
	static unsigned char buf[1 << 16];
	char out[4096];
	ssize_t len;
	FILE *f;
	int fd;

	fd = openat(dfd, name, O_RDONLY);
	if (fd < 0)
		return -1;
	buf[0] = idx;
	len = read(fd, buf + 1, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;

	snprintf(out, sizeof(out), "%s/seed-%02u", dir, idx);
	f = fopen(out, "w");
	if (!f)
		return -1;
	if (fwrite(buf, 1, len + 1, f) != (size_t)len + 1) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int dfd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dfd = open(argv[1], O_DIRECTORY | O_RDONLY);
	if (dfd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < nr_fuzz_cases; i++) {
		struct cr_img *img;

		if (write_case(dfd, i)) {
			fprintf(stderr, "can't write seed %u\n", i);
			return 1;
		}
		/* the name, from the table, without a second copy of it */
		img = open_image(dfd, fuzz_cases[i].type, O_RSTR, fuzz_cases[i].arg);
		if (!img || copy_seed(dfd, img_name(img), i, argv[1])) {
			fprintf(stderr, "can't copy seed %u\n", i);
			return 1;
		}
		if (unlinkat(dfd, img_name(img), 0) || close_image(img))
			return 1;
	}
	images_forget();
	return 0;
}
