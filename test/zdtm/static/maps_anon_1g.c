// SPDX-License-Identifier: GPL-2.0
/*
 * maps_anon_1g: 1 GiB of private anonymous memory, every byte a known
 * pattern; after restore the mapping must be where it was, writable and
 * private, and every byte must match.
 *
 * Options: --size-mb N (or ZDTM_ANON_MB=N) for quick runs; default 1024.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED	0x616e6f6e31676962ULL

static int check_vma(char *mem, size_t size)
{
	struct test_vma vma;

	if (test_vma_find((unsigned long)mem, &vma)) {
		fail("no mapping at %p", mem);
		return -1;
	}
	/* Neighbours with equal flags may merge into it: containment is enough. */
	if (vma.start > (unsigned long)mem || vma.end < (unsigned long)mem + size) {
		fail("mapping %lx-%lx does not cover %p+%zx", vma.start, vma.end, mem, size);
		return -1;
	}
	if (vma.prot[0] != 'r' || vma.prot[1] != 'w' || vma.prot[3] != 'p') {
		fail("mapping at %p has prot %s, want rw-p", mem, vma.prot);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t size;
	ssize_t bad;
	char *mem;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	size = (size_t)test_opt_long("size-mb", "ZDTM_ANON_MB", 1024) << 20;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		pr_perror("mmap %zu bytes", size);
		fail("mmap %zu bytes", size);
		return 1;
	}
	datagen(mem, size, SEED);
	test_msg("%zu MiB at %p filled", size >> 20, mem);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mem[size / 3] ^= 0x20;
	if (check_vma(mem, size))
		return 1;
	bad = datacheck(mem, size, SEED);
	if (bad >= 0) {
		fail("byte at offset %#zx (%p) differs", bad, mem + bad);
		return 1;
	}
	pass();
	return 0;
}
