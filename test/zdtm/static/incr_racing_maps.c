// SPDX-License-Identifier: GPL-2.0
/*
 * incr_racing_maps: a thread that never stops changing its memory, also
 * while criu pre-dumps copy it after the process runs again. Over 64
 * slots of 8 pages it writes pages, drops them (MADV_DONTNEED), unmaps
 * slots, maps fresh ones at the same place (over a live slot, too) and
 * makes slots PROT_NONE, picked at random in a tight loop.
 *
 * What each page should hold is kept beside it in memory (its
 * generation, or zero, or unmapped), updated with the page; the slot
 * being changed is marked busy around each change. The final dump
 * freezes the thread anywhere, so after restore the bookkeeping and the
 * pages must agree, for every slot but a busy one: a page a pre-dump
 * read at the wrong moment and the final dump took from the parent
 * images shows as an old generation, data where zeroes belong, or a
 * mapping where none should be. Slot 0 is never changed: --break
 * damages it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x72616365ULL
#define NR_SLOTS	64
#define SLOT_PAGES	8
#define SLOT_BYTES	(SLOT_PAGES * TEST_PAGE_SIZE)
#define GEN_MAX		250
#define GEN_UNMAPPED	254

enum op { OP_WRITE, OP_DONTNEED, OP_MUNMAP, OP_REMAP, OP_PROTNONE, NR_OPS };

struct slot_state {
	int busy;
	int prot_none;
	unsigned char gen[SLOT_PAGES];	/* 0..GEN_MAX-1, PAGE_ZERO, GEN_UNMAPPED */
};

static char *region;
static struct slot_state *meta;		/* its own mapping, dumped like the rest */
static volatile int stop;
static unsigned long nr_ops[NR_OPS];
static char thread_bad[256];

static char *slot(int s)
{
	return region + (size_t)s * SLOT_BYTES;
}

static unsigned long key(int s, int i)
{
	return (unsigned long)s * SLOT_PAGES + i;
}

static void set_all(struct slot_state *m, int gen)
{
	for (int i = 0; i < SLOT_PAGES; i++)
		m->gen[i] = gen;
}

static int write_pages(int s, struct slot_state *m, uint64_t bits)
{
	if (m->prot_none && mprotect(slot(s), SLOT_BYTES, PROT_READ | PROT_WRITE))
		return -1;
	m->prot_none = 0;
	for (int i = 0; i < SLOT_PAGES; i++, bits >>= 1) {
		int g = m->gen[i] == PAGE_ZERO ? 0 : (m->gen[i] + 1) % GEN_MAX;

		if (!(bits & 1))
			continue;
		page_fill(slot(s) + i * TEST_PAGE_SIZE, SEED, key(s, i), g);
		m->gen[i] = g;
	}
	return 0;
}

static int remap(int s, struct slot_state *m, bool mapped)
{
	int how = mapped ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	char *p = mmap(slot(s), SLOT_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | how, -1, 0);

	if (p != slot(s))
		return -1;
	m->prot_none = 0;
	set_all(m, PAGE_ZERO);
	return 0;
}

/* One change of slot @s; -1 with thread_bad set when a call failed. */
static int mutate(int s, enum op op, uint64_t bits)
{
	struct slot_state *m = &meta[s];
	bool mapped = m->gen[0] != GEN_UNMAPPED;
	int ret = 0;

	if (!mapped && op != OP_REMAP)
		return 0;
	__atomic_store_n(&m->busy, 1, __ATOMIC_SEQ_CST);
	switch (op) {
	case OP_WRITE:
		ret = write_pages(s, m, bits);
		break;
	case OP_DONTNEED:
		ret = madvise(slot(s), SLOT_BYTES, MADV_DONTNEED);
		if (!ret)
			set_all(m, PAGE_ZERO);
		break;
	case OP_MUNMAP:
		ret = munmap(slot(s), SLOT_BYTES);
		if (!ret) {
			set_all(m, GEN_UNMAPPED);
			m->prot_none = 0;
		}
		break;
	case OP_REMAP:
		ret = remap(s, m, mapped);
		break;
	default:
		ret = mprotect(slot(s), SLOT_BYTES, PROT_NONE);
		if (!ret)
			m->prot_none = 1;
		break;
	}
	__atomic_store_n(&m->busy, 0, __ATOMIC_SEQ_CST);
	if (ret)
		snprintf(thread_bad, sizeof(thread_bad), "op %d on slot %d: %m", op, s);
	nr_ops[op]++;
	return ret;
}

static void *mutator(void *arg)
{
	uint64_t rnd = SEED;

	while (!stop) {
		uint64_t r = test_rand(&rnd);

		if (mutate(1 + r % (NR_SLOTS - 1), (r >> 8) % NR_OPS, r >> 16))
			break;
	}
	return NULL;
}

/* What a page that failed its check holds instead, to tell races apart. */
static const char *page_found(const void *page, int s, int i)
{
	static char what[32];

	if (!page_check(page, SEED, key(s, i), PAGE_ZERO))
		return "zeroes";
	for (int g = 0; g < GEN_MAX; g++) {
		if (!page_check(page, SEED, key(s, i), g)) {
			snprintf(what, sizeof(what), "generation %d", g);
			return what;
		}
	}
	return "neither zeroes nor any generation";
}

static int check_page(int s, int i)
{
	unsigned long addr = (unsigned long)slot(s) + i * TEST_PAGE_SIZE;
	const struct slot_state *m = &meta[s];
	const char *prot = m->prot_none ? "---p" : "rw-p";
	struct test_vma vma;
	int found = !test_vma_find(addr, &vma);

	if (m->gen[i] == GEN_UNMAPPED) {
		if (found) {
			fail("slot %d page %d was unmapped, is %lx-%lx %s", s, i,
			     vma.start, vma.end, vma.prot);
			return -1;
		}
		return 0;
	}
	if (!found || strcmp(vma.prot, prot)) {
		fail("slot %d page %d is not mapped %s", s, i, prot);
		return -1;
	}
	if (m->prot_none && mprotect((void *)addr, TEST_PAGE_SIZE, PROT_READ)) {
		fail("mprotect slot %d page %d readable: %m", s, i);
		return -1;
	}
	if (page_check((void *)addr, SEED, key(s, i), m->gen[i])) {
		fail("slot %d page %d does not hold %s %d: it holds %s", s, i,
		     m->gen[i] == PAGE_ZERO ? "zeroes" : "generation", m->gen[i],
		     page_found((void *)addr, s, i));
		return -1;
	}
	return 0;
}

static int check_slots(void)
{
	int busy = 0;

	for (int s = 0; s < NR_SLOTS; s++) {
		if (meta[s].busy) {
			busy++;
			continue;
		}
		for (int i = 0; i < SLOT_PAGES; i++)
			if (check_page(s, i))
				return -1;
	}
	test_msg("%d slots checked, %d busy; ops: %lu writes, %lu drops, %lu unmaps, %lu maps, %lu PROT_NONE\n",
		 NR_SLOTS - busy, busy, nr_ops[OP_WRITE], nr_ops[OP_DONTNEED],
		 nr_ops[OP_MUNMAP], nr_ops[OP_REMAP], nr_ops[OP_PROTNONE]);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t tid;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, NR_SLOTS * SLOT_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	meta = mmap(NULL, NR_SLOTS * sizeof(*meta), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || meta == MAP_FAILED) {
		fail("mmap the slots: %m");
		return 1;
	}
	for (int s = 0; s < NR_SLOTS; s++) {
		for (int i = 0; i < SLOT_PAGES; i++)
			page_fill(slot(s) + i * TEST_PAGE_SIZE, SEED, key(s, i), 0);
		set_all(&meta[s], 0);
	}
	if (test_threads_start(&tid, 1, mutator, NULL, 0) || test_daemon())
		return 1;
	test_waitsig();

	stop = 1;
	if (test_threads_join(&tid, 1, thread_bad, 0))
		return 1;
	if (test_broken())
		slot(0)[100] ^= 1;
	if (check_slots())
		return 1;
	pass();
	return 0;
}
