// SPDX-License-Identifier: GPL-2.0
/*
 * vmflags_merge(): the VmFlags of smaps read after the cure go to the
 * areas of maps read before the infection, and any other difference of
 * layout is refused.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "unit.h"
#include "vmflags-merge.h"

#define MAXV	8

struct pair {
	struct vma_area m[MAXV], s[MAXV];
	struct vma_list maps, smaps;
};

static void area(struct vma_area *v, unsigned long start, unsigned long end,
		 unsigned long ino, unsigned long pgoff)
{
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->prot = PROT_READ | PROT_WRITE;
	v->flags = MAP_PRIVATE | (ino ? 0 : MAP_ANONYMOUS);
	v->ino = ino;
	v->pgoff = pgoff;
}

/* @nm maps areas, then @ns smaps areas: start, end, ino, pgoff each. */
static void setup(struct pair *p, int nm, int ns, const unsigned long *a)
{
	int i;

	for (i = 0; i < nm; i++, a += 4)
		area(&p->m[i], a[0], a[1], a[2], a[3]);
	for (i = 0; i < ns; i++, a += 4) {
		area(&p->s[i], a[0], a[1], a[2], a[3]);
		p->s[i].madv = 1ULL << (i + 1);
		p->s[i].flags |= MAP_LOCKED;
		p->s[i].may_write = true;
	}
	p->maps = (struct vma_list){ .vmas = p->m, .nr = nm };
	p->smaps = (struct vma_list){ .vmas = p->s, .nr = ns };
}

TEST(vmflags_merge_same_layout)
{
	static const unsigned long a[] = {
		0x1000, 0x3000, 7, 0,	0x5000, 0x6000, 0, 0,
		0x1000, 0x3000, 7, 0,	0x5000, 0x6000, 0, 0,
	};
	struct pair p;
	unsigned long at;

	setup(&p, 2, 2, a);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == 0);
	CHECK(p.m[0].madv == 1ULL << 1 && p.m[1].madv == 1ULL << 2);
	CHECK(p.m[0].flags & MAP_LOCKED);
	CHECK(p.m[1].may_write);
	return 0;
}

/* Two areas of maps merged into one since (a tracker's registration). */
TEST(vmflags_merge_merged_neighbours)
{
	static const unsigned long a[] = {
		0x1000, 0x3000, 0, 0,	0x3000, 0x4000, 0, 0,	0x8000, 0x9000, 5, 0x2000,
		0x1000, 0x4000, 0, 0,	0x8000, 0x9000, 5, 0x2000,
	};
	struct pair p;
	unsigned long at;

	setup(&p, 3, 2, a);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == 0);
	CHECK(p.m[0].madv == p.m[1].madv && p.m[2].madv == 1ULL << 2);
	return 0;
}

/* A file's areas merge only where their offsets go on. */
TEST(vmflags_merge_file_offsets)
{
	static const unsigned long ok[] = {
		0x1000, 0x2000, 5, 0x0,	0x2000, 0x3000, 5, 0x1000,
		0x1000, 0x3000, 5, 0x0,
	};
	static const unsigned long bad[] = {
		0x1000, 0x2000, 5, 0x0,	0x2000, 0x3000, 5, 0x5000,
		0x1000, 0x3000, 5, 0x0,
	};
	struct pair p;
	unsigned long at;

	setup(&p, 2, 1, ok);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == 0);
	setup(&p, 2, 1, bad);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	CHECK(at == 0x2000);
	return 0;
}

TEST(vmflags_merge_refuses_other_layouts)
{
	/* a new area in smaps between two of maps */
	static const unsigned long added[] = {
		0x1000, 0x2000, 0, 0,	0x5000, 0x6000, 0, 0,
		0x1000, 0x2000, 0, 0,	0x3000, 0x4000, 0, 0,	0x5000, 0x6000, 0, 0,
	};
	/* an smaps area larger than the maps areas in it (a gap filled) */
	static const unsigned long grown[] = {
		0x1000, 0x2000, 0, 0,	0x3000, 0x4000, 0, 0,
		0x1000, 0x4000, 0, 0,
	};
	/* an area gone, at the end */
	static const unsigned long gone[] = {
		0x1000, 0x2000, 0, 0,	0x3000, 0x4000, 0, 0,
		0x1000, 0x2000, 0, 0,
	};
	/* one more at the end */
	static const unsigned long extra[] = {
		0x1000, 0x2000, 0, 0,
		0x1000, 0x2000, 0, 0,	0x3000, 0x4000, 0, 0,
	};
	struct pair p;
	unsigned long at;

	setup(&p, 2, 3, added);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	setup(&p, 2, 1, grown);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	CHECK(at == 0x2000);
	setup(&p, 2, 1, gone);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	setup(&p, 1, 2, extra);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	/* another protection in one place */
	setup(&p, 2, 2, added + 0);
	p.smaps.nr = 1;
	p.s[0].prot = PROT_READ;
	p.maps.nr = 1;
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	return 0;
}

/*
 * smaps read while criu's scratch area was mapped: that area, and only an
 * area exactly that, is taken out before the merge.
 */
TEST(vma_list_drop_scratch)
{
	static const unsigned long a[] = {
		0x1000, 0x3000, 0, 0,	0x5000, 0x6000, 0, 0,
		0x1000, 0x3000, 0, 0,	0x3000, 0x4000, 0, 0,	0x5000, 0x6000, 0, 0,
	};
	struct pair p;
	unsigned long at;

	setup(&p, 2, 3, a);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == -EAGAIN);
	CHECK(!vma_list_drop(&p.smaps, 0x3000, 0x5000));
	CHECK(!vma_list_drop(&p.smaps, 0x2000, 0x4000));
	CHECK(p.smaps.nr == 3);
	CHECK(vma_list_drop(&p.smaps, 0x3000, 0x4000));
	CHECK(p.smaps.nr == 2 && p.smaps.vmas[1].start == 0x5000);
	CHECK(vmflags_merge(&p.maps, &p.smaps, &at) == 0);
	CHECK(p.m[1].madv == 1ULL << 3);
	return 0;
}
