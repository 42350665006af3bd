// SPDX-License-Identifier: GPL-2.0
/*
 * memfd01: a memfd that is only mapped (its descriptor closed): MAP_SHARED
 * twice, at two addresses, plus a MAP_PRIVATE mapping with a private
 * change; a child process (fork) shares the MAP_SHARED pages. After
 * restore: contents of every mapping, the VMAs still /memfd:NAME, and a
 * write through one shared mapping is seen through the other and by the
 * child (and the child's write by us), never through the private one.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define LEN	(16 * 4096)
#define SEED	0x6d656d3031ULL

static char want[LEN];

int main(int argc, char **argv)
{
	struct test_vma v;
	char *a, *b, *p;
	int fd, ret, sync[2], back[2], status;
	pid_t child;
	char c;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	datagen(want, LEN, SEED);
	fd = memfd_create("zdtm-memfd01", 0);
	if (fd < 0 || ftruncate(fd, LEN)) {
		fail("memfd: %m");
		return 1;
	}
	a = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED || p == MAP_FAILED || pipe(sync) || pipe(back)) {
		fail("mmap: %m");
		return 1;
	}
	close(fd);
	memcpy(a, want, LEN);
	memcpy(p + 4096, "private", 7);
	child = fork();
	if (child < 0) {
		fail("fork: %m");
		return 1;
	}
	if (child == 0) {
		/* after restore: see the parent's write, then answer with one */
		if (read(sync[0], &c, 1) != 1 || a[10] != 'P')
			_exit(1);
		b[20] = 'C';
		_exit(write(back[1], "c", 1) == 1 ? 0 : 2);
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		b[8192] ^= 1;
	if (test_vma_find((unsigned long)a, &v) || strcmp(v.path, "/memfd:zdtm-memfd01 (deleted)") ||
	    strcmp(v.prot, "rw-s")) {
		fail("area %p is %s %s, want a shared /memfd:zdtm-memfd01", a, v.prot, v.path);
		return 1;
	}
	if (memcmp(a, want, LEN) || memcmp(b, want, LEN)) {
		fail("the shared mappings differ from what was written");
		return 1;
	}
	if (memcmp(p, want, 4096) || memcmp(p + 4096, "private", 7)) {
		fail("the private mapping differs");
		return 1;
	}
	/* page 1 of the private mapping is its own copy; page 0 still the file's */
	a[10] = 'P';
	a[4096 + 10] = 'P';
	if (b[10] != 'P' || p[10] != 'P' || p[4096 + 10] == 'P') {
		fail("a write through one shared mapping: other %c, private %c %c", b[10],
		     p[10], p[4096 + 10]);
		return 1;
	}
	if (write(sync[1], "p", 1) != 1 || read(back[0], &c, 1) != 1 ||
	    waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("the child did not see our write (status %#x)", status);
		return 1;
	}
	if (a[20] != 'C') {
		fail("the child's write is not seen here");
		return 1;
	}
	pass();
	return 0;
}
