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
#include "eventfd.pb-c.h"
#include "eventpoll.pb-c.h"
#include "fsnotify.pb-c.h"
#include "seccomp.pb-c.h"
#include "signalfd.pb-c.h"
#include "timerfd.pb-c.h"

/*
 * files.img entries of the anonymous-inode kinds: an eventfd, a signalfd,
 * a timerfd, an inotify with a watch and an epoll with two registrations.
 */
static int write_anon_files(struct cr_img *img, const ProtobufCMessageDescriptor *desc)
{
	FownEntry fown = FOWN_ENTRY__INIT;
	EventfdFileEntry efd = EVENTFD_FILE_ENTRY__INIT;
	SignalfdEntry sfd = SIGNALFD_ENTRY__INIT;
	TimerfdEntry tfd = TIMERFD_ENTRY__INIT;
	FhEntry fh = FH_ENTRY__INIT;
	InotifyWdEntry wd = INOTIFY_WD_ENTRY__INIT, *wdp = &wd;
	InotifyFileEntry ify = INOTIFY_FILE_ENTRY__INIT;
	EventpollTfdEntry t[2] = { EVENTPOLL_TFD_ENTRY__INIT, EVENTPOLL_TFD_ENTRY__INIT };
	EventpollTfdEntry *tp[2] = { &t[0], &t[1] };
	EventpollFileEntry ep = EVENTPOLL_FILE_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	uint64_t handle[2] = { 0x1122334455667788ULL, 0x99aa };
	int ret;

	efd.id = fe.id = 10;
	efd.fown = &fown;
	efd.counter = 1ULL << 40;
	efd.has_semaphore = efd.semaphore = 1;
	fe.type = FD_TYPES__EVENTFD;
	fe.efd = &efd;
	ret = pb_write_one(img, &fe, desc);
	fe.efd = NULL;

	sfd.id = fe.id = 11;
	sfd.fown = &fown;
	sfd.sigmask = 0x200;
	fe.type = FD_TYPES__SIGNALFD;
	fe.sgfd = &sfd;
	ret |= pb_write_one(img, &fe, desc);
	fe.sgfd = NULL;

	tfd.id = fe.id = 12;
	tfd.fown = &fown;
	tfd.clockid = 1;
	tfd.ticks = 3;
	tfd.vnsec = 5000;
	tfd.isec = 1;
	tfd.has_dump_clock_ns = 1;
	tfd.dump_clock_ns = 123456789;
	fe.type = FD_TYPES__TIMERFD;
	fe.tfd = &tfd;
	ret |= pb_write_one(img, &fe, desc);
	fe.tfd = NULL;

	fh.bytes = 12;
	fh.type = 1;
	fh.n_handle = 2;
	fh.handle = handle;
	fh.path = "/tmp";
	wd.id = ify.id = fe.id = 13;
	wd.i_ino = 2;
	wd.mask = 0x300;
	wd.s_dev = 27;
	wd.wd = 3;
	wd.f_handle = &fh;
	ify.fown = &fown;
	ify.n_wd = 1;
	ify.wd = &wdp;
	fe.type = FD_TYPES__INOTIFY;
	fe.ify = &ify;
	ret |= pb_write_one(img, &fe, desc);
	fe.ify = NULL;

	ep.id = fe.id = 14;
	ep.flags = 2;
	ep.fown = &fown;
	t[0].id = t[1].id = 14;
	t[0].tfd = 5;
	t[0].events = 0x19;
	t[0].data = 0xdeadbeef;
	t[0].has_target_id = 1;
	t[0].target_id = 10;
	t[1].tfd = 6;
	t[1].events = 0x40000000;
	t[1].has_target_id = 1;
	t[1].target_id = 12;
	ep.n_tfd = 2;
	ep.tfd = tp;
	fe.type = FD_TYPES__EVENTPOLL;
	fe.epfd = &ep;
	ret |= pb_write_one(img, &fe, desc);
	return ret;
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
		ret |= write_anon_files(img, fc->desc);
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
