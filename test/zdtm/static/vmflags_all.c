// SPDX-License-Identifier: GPL-2.0
/*
 * vmflags_all: an area for each VmFlags mnemonic the dump reads (every
 * advice kept as a flag, locked, growsdown, not accounted: read-only and
 * MAP_NORESERVE, shared, a file shared through a read-only descriptor).
 * Each area's VmFlags among those are noted before the dump and must be
 * the same after restore. vmflags-ab.sh dumps it once with each source
 * of VmFlags and compares the images. With ZDTM_VMFLAGS_ONFAULT=1 it
 * also has an area locked on fault, with ZDTM_VMFLAGS_DROPPABLE=1 one
 * mapped MAP_DROPPABLE (6.11+; it exits 2 where the kernel has none):
 * the dump refuses both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE	0x08
#endif

enum how { ANON, NORESERVE, READONLY, SHARED, GROWSDOWN, FILE_RO, MADV, LOCK, ONFAULT, DROPPABLE };

static const struct {
	const char *name;
	enum how how;
	int advice;
} areas[] = {
	{ "hg", MADV, MADV_HUGEPAGE }, { "nh", MADV, MADV_NOHUGEPAGE },
	{ "dd", MADV, MADV_DONTDUMP }, { "dc", MADV, MADV_DONTFORK },
	{ "wf", MADV, MADV_WIPEONFORK }, { "mg", MADV, MADV_MERGEABLE },
	{ "sr", MADV, MADV_SEQUENTIAL }, { "rr", MADV, MADV_RANDOM },
	{ "lo", LOCK }, { "gd", GROWSDOWN }, { "nr", NORESERVE },
	{ "ro", READONLY }, { "sh", SHARED }, { "mw", FILE_RO }, { "ac", ANON },
	{ "lf", ONFAULT }, { "dp", DROPPABLE },
};

#define NR	ARRAY_SIZE(areas)

/* the mnemonics compared: what the dump reads, and how restore maps the area */
static const char *const watched[] = {
	"rd", "wr", "sh", "ms", "mw", "ac", "nr", "gd", "lo", "lf",
	"hg", "nh", "dd", "dc", "wf", "mg", "sr", "rr",
};

static char *region;
static bool made[NR];
static char before[NR][128];

/* Area i is page 2 * i + 1; PROT_NONE pages keep them apart. */
static char *area(size_t i)
{
	return region + (2 * i + 1) * TEST_PAGE_SIZE;
}

static int watched_flags(size_t i, char *out, size_t len)
{
	char flags[256];
	size_t j, n = 0;

	if (test_vmflags((unsigned long)area(i), flags, sizeof(flags)))
		return -1;
	out[0] = '\0';
	for (j = 0; j < ARRAY_SIZE(watched); j++)
		if (test_vmflag(flags, watched[j]))
			n += snprintf(out + n, len - n, " %s", watched[j]);
	return 0;
}

static int map_file_ro(char *at)
{
	char buf[TEST_PAGE_SIZE];
	int fd, ro;

	fd = open("vmflags_all.data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return -1;
	close(fd);
	ro = open("vmflags_all.data", O_RDONLY);
	if (ro < 0)
		return -1;
	if (mmap(at, TEST_PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, ro, 0) == MAP_FAILED)
		return -1;
	close(ro);
	return 0;
}

/* 1: not possible here (THP or KSM compiled out), -1: failed */
static int make(size_t i)
{
	int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	char *at = area(i);

	switch (areas[i].how) {
	case FILE_RO:
		return map_file_ro(at);
	case NORESERVE:
		flags |= MAP_NORESERVE;
		break;
	case READONLY:
		prot = PROT_READ;
		break;
	case SHARED:
		flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
		break;
	case GROWSDOWN:
		flags |= MAP_GROWSDOWN;
		break;
	case DROPPABLE:
		if (!getenv("ZDTM_VMFLAGS_DROPPABLE"))
			return 1;
		flags = MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED;
		if (mmap(at, TEST_PAGE_SIZE, prot, flags, -1, 0) == MAP_FAILED) {
			if (errno == EINVAL)
				exit(2);
			return -1;
		}
		return 0;
	default:
		break;
	}
	if (mmap(at, TEST_PAGE_SIZE, prot, flags, -1, 0) == MAP_FAILED)
		return -1;
	if (prot & PROT_WRITE)
		at[0] = (char)i;
	switch (areas[i].how) {
	case MADV:
		if (madvise(at, TEST_PAGE_SIZE, areas[i].advice))
			return errno == EINVAL ? 1 : -1;
		return 0;
	case LOCK:
		return mlock(at, TEST_PAGE_SIZE) ? -1 : 0;
	case ONFAULT:
		if (!getenv("ZDTM_VMFLAGS_ONFAULT"))
			return 1;
		return syscall(SYS_mlock2, at, TEST_PAGE_SIZE, MLOCK_ONFAULT) ? -1 : 0;
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	char now[128];
	size_t i;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, (2 * NR + 1) * TEST_PAGE_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (i = 0; i < NR; i++) {
		ret = make(i);
		if (ret < 0) {
			fail("area \"%s\": %m", areas[i].name);
			return 1;
		}
		made[i] = !ret;
		if (made[i] && watched_flags(i, before[i], sizeof(before[i]))) {
			fail("no VmFlags for area \"%s\"", areas[i].name);
			return 1;
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		madvise(area(6), TEST_PAGE_SIZE, MADV_NORMAL);
	for (i = 0; i < NR; i++) {
		if (!made[i])
			continue;
		if (watched_flags(i, now, sizeof(now))) {
			fail("no VmFlags for area \"%s\" after restore", areas[i].name);
			return 1;
		}
		if (strcmp(now, before[i])) {
			fail("area \"%s\": VmFlags%s, before the dump%s", areas[i].name, now,
			     before[i]);
			return 1;
		}
	}
	pass();
	return 0;
}
