// SPDX-License-Identifier: GPL-2.0
/*
 * ghost01: files deleted while mapped, with no descriptor left: one
 * MAP_SHARED (written through the mapping before the dump), one
 * MAP_PRIVATE (a private copy-on-write change on top of the file). After
 * restore: both areas are at their addresses with their contents, the
 * maps show the deleted paths, the shared one is still shared with its
 * deleted file (a write reaches the file, read through map_files) and
 * the private one still private (the file under it is unchanged).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SHARED_NAME	"ghost01.shared"
#define PRIVATE_NAME	"ghost01.private"
#define SEED		0x67686f3031ULL
#define LEN		(8 * 4096)

static char want[LEN];

static char *map_deleted(const char *name, int flags)
{
	char *p;
	int fd;

	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, want, LEN) != LEN) {
		fail("create %s: %m", name);
		return NULL;
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap %s: %m", name);
		return NULL;
	}
	close(fd);
	if (unlink(name)) {
		fail("unlink %s: %m", name);
		return NULL;
	}
	return p;
}

/* The file under the area at @p, read through /proc/self/map_files. */
static int read_file_under(char *p, char *buf)
{
	char path[96];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + LEN);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fail("open %s: %m", path);
		return -1;
	}
	n = pread(fd, buf, LEN, 0);
	close(fd);
	if (n != LEN) {
		fail("read %s: %m", path);
		return -1;
	}
	return 0;
}

static int check_area(char *p, const char *name, const char *prot)
{
	struct test_vma v;

	if (test_vma_find((unsigned long)p, &v) || v.start != (unsigned long)p ||
	    v.end != (unsigned long)p + LEN || strcmp(v.prot, prot) ||
	    !strstr(v.path, name) || !strstr(v.path, "(deleted)")) {
		fail("area %p: %lx-%lx %s %s, want %s of deleted %s", p, v.start, v.end,
		     v.prot, v.path, prot, name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char file[LEN];
	char *shared, *priv;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	datagen(want, LEN, SEED);
	shared = map_deleted(SHARED_NAME, MAP_SHARED);
	priv = map_deleted(PRIVATE_NAME, MAP_PRIVATE);
	if (!shared || !priv)
		return 1;
	memcpy(shared + 4096, "shared write", 12);
	memcpy(priv + 8192, "private write", 13);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		shared[4096] = 'S';
	if (check_area(shared, SHARED_NAME, "rw-s") || check_area(priv, PRIVATE_NAME, "rw-p"))
		return 1;
	memcpy(want + 4096, "shared write", 12);
	if (memcmp(shared, want, LEN)) {
		fail("the shared area of the deleted file differs");
		return 1;
	}
	if (read_file_under(shared, file) || memcmp(file, want, LEN)) {
		fail("the deleted file under the shared area lacks its writes");
		return 1;
	}
	memcpy(shared + 100, "after", 5);
	if (read_file_under(shared, file) || memcmp(file + 100, "after", 5)) {
		fail("a write to the shared area does not reach its file after restore");
		return 1;
	}
	datagen(want, LEN, SEED);
	memcpy(want + 8192, "private write", 13);
	if (memcmp(priv, want, LEN)) {
		fail("the private area of the deleted file differs");
		return 1;
	}
	datagen(want, LEN, SEED);
	if (read_file_under(priv, file) || memcmp(file, want, LEN)) {
		fail("the private change reached the file under it");
		return 1;
	}
	pass();
	return 0;
}
