// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the receiving page server's command parser
 * (criu/page-server.c over criu/page-server-proto.c): the input is what
 * a peer sends on the connection. Whatever it is, a session must end
 * with 0 or a negative errno, never crash, leak or write a file outside
 * its folder, and after a failed session no image may be in place.
 *
 * The session's folder has a parent with a pagemap of pid 1234 (pages
 * at 0x10000-0x14000 and 0x20000-0x21000, with data), so in-parent
 * entries and --auto-dedup are reached too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "mem.h"
#include "page-server.h"
#include "page-server-proto.h"

#include "pagemap.pb-c.h"

#define PS_FUZZ_MAX_INPUT	65536

static char root[64];
static int root_fd = -1, dir_fd = -1;

static void die(const char *what)
{
	perror(what);
	abort();
}

static void write_parent(void)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	static char page[4096];
	struct cr_img *pm, *pg;
	int pfd, i;

	if (mkdirat(root_fd, "parent", 0700))
		die("mkdir parent");
	pfd = openat(root_fd, "parent", O_RDONLY | O_DIRECTORY);
	pm = open_image(pfd, CR_FD_PAGEMAP, O_DUMP, 1234);
	pg = open_image(pfd, CR_FD_PAGES, O_DUMP, 1);
	if (pfd < 0 || !pm || !pg)
		die("parent images");
	ph.pages_id = 1;
	pb_write_one(pm, &ph, &pagemap_head__descriptor);
	pe.has_flags = true;
	pe.flags = PE_PRESENT;
	pe.vaddr = 0x10000;
	pe.nr_pages = 4;
	pb_write_one(pm, &pe, &pagemap_entry__descriptor);
	pe.vaddr = 0x20000;
	pe.nr_pages = 1;
	pb_write_one(pm, &pe, &pagemap_entry__descriptor);
	for (i = 0; i < 5; i++)
		write_img_buf(pg, page, sizeof(page));
	close_image(pm);
	close_image(pg);
	images_forget();
	close(pfd);
}

static void check_and_clean(bool flushed);

static void remove_root(void)
{
	int pfd = openat(root_fd, "parent", O_RDONLY | O_DIRECTORY);

	check_and_clean(true);
	if (pfd >= 0) {
		unlinkat(pfd, "pagemap-1234.img", 0);
		unlinkat(pfd, "pages-1.img", 0);
		close(pfd);
	}
	unlinkat(root_fd, "parent", AT_REMOVEDIR);
	unlinkat(root_fd, "dir", AT_REMOVEDIR);
	rmdir(root);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/dev/shm/criu-ps-fuzz.XXXXXX");
	if (!mkdtemp(root)) {
		snprintf(root, sizeof(root), "/tmp/criu-ps-fuzz.XXXXXX");
		if (!mkdtemp(root))
			die("mkdtemp");
	}
	root_fd = open(root, O_RDONLY | O_DIRECTORY);
	if (root_fd < 0 || mkdirat(root_fd, "dir", 0700))
		die("session folder");
	dir_fd = openat(root_fd, "dir", O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		die("open session folder");
	write_parent();
	atexit(remove_root);
}

static DIR *open_dir(int fd)
{
	DIR *d = fdopendir(dup(fd));

	if (!d)
		die("opendir");
	rewinddir(d);	/* the duplicate shares the offset of the last walk */
	return d;
}

static bool dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/*
 * After a session: only pagemap-N.img, pages-N.img and the parent link
 * may be in its folder, and only if a FLUSH came (@flushed); the root
 * holds nothing new. The folder is emptied for the next run.
 */
static void check_and_clean(bool flushed)
{
	static char names[64][64];
	unsigned int nr = 0, i;
	struct dirent *de;
	DIR *d;

	d = open_dir(dir_fd);
	while ((de = readdir(d))) {
		if (dot(de->d_name))
			continue;
		if (strncmp(de->d_name, "pagemap-", 8) && strncmp(de->d_name, "pages-", 6) &&
		    strcmp(de->d_name, "parent")) {
			fprintf(stderr, "unexpected file %s in the session folder\n", de->d_name);
			abort();
		}
		if (!flushed) {
			fprintf(stderr, "%s is in place, but nothing was flushed\n", de->d_name);
			abort();
		}
		if (nr < 64)
			snprintf(names[nr++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	/* unlinked after the walk: tmpfs readdir skips entries removed during it */
	for (i = 0; i < nr; i++)
		unlinkat(dir_fd, names[i], 0);
	d = open_dir(root_fd);
	while ((de = readdir(d)))
		if (!dot(de->d_name) && strcmp(de->d_name, "dir") && strcmp(de->d_name, "parent")) {
			fprintf(stderr, "the session wrote %s outside its folder\n", de->d_name);
			abort();
		}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_session s;
	bool flushed;
	int sv[2], ret;

	if (size > PS_FUZZ_MAX_INPUT)
		return 0;
	if (root_fd < 0)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	/* the whole input is queued, then the peer's end is half closed */
	if (size && write(sv[1], data, size) != (ssize_t)size)
		die("write input");
	shutdown(sv[1], SHUT_WR);
	ret = ps_session_init(&s, dir_fd, "../parent", size & 1);
	if (!ret)
		ret = ps_session_serve(&s, sv[0]);
	if (ret > 0)
		abort();	/* only 0 or -errno */
	flushed = s.committed_any;
	ps_session_fini(&s);
	close(sv[0]);
	close(sv[1]);
	check_and_clean(flushed);
	return 0;
}
