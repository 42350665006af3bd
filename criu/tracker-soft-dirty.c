// SPDX-License-Identifier: GPL-2.0
/*
 * The soft-dirty dirty tracker: the kernel sets a page's soft-dirty bit
 * (bit 55 of its /proc/PID/pagemap entry) on every write, and writing
 * "4" to /proc/PID/clear_refs clears the bits of the whole process. A
 * new mapping is soft-dirty as a whole until then, so areas mapped since
 * the last pass come back whole without any bookkeeping, and so does
 * everything after an exec.
 *
 * The cost is the pagemap read: 8 bytes for every page of every area,
 * written or not. A transparent huge page is dirty as a whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dirty-tracker.h"
#include "log.h"
#include "zero-page.h"
#include "trackers.h"

#define SD_NAME			"soft-dirty"
#define SD_PAGE_SIZE		4096UL
#define SD_PME_SOFT_DIRTY	(1ULL << 55)
#define SD_PME_SWAPPED		(1ULL << 62)
#define SD_PME_PRESENT		(1ULL << 63)
/* Pagemap entries read per pread(): 512 KiB, 256 MiB of address space. */
#define SD_BATCH		65536UL

static int sd_clear_refs(pid_t pid)
{
	char path[64];
	int fd, ret = 0;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/clear_refs");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("%s: can't open %s", SD_NAME, path);
		return ret;
	}
	if (write(fd, "4", 1) != 1) {
		ret = errno ? -errno : -EIO;
		pr_perror("%s: can't clear soft-dirty bits via %s", SD_NAME, path);
	}
	close(fd);
	return ret;
}

/*
 * Reported: soft-dirty pages, holes and the zero page. A page dropped
 * since the last pass (MADV_DONTNEED) leaves a hole without the bit, or
 * the zero page once it is read again, and must be reported all the
 * same; the dumper finds both empty.
 */
static bool sd_entry_dirty(uint64_t pme)
{
	return (pme & SD_PME_SOFT_DIRTY) ||
	       !(pme & (SD_PME_PRESENT | SD_PME_SWAPPED)) ||
	       pme_is_zero_page(pme);
}

/* Add to @dirty the pages of [@start, @end) whose entries in @buf say so. */
static int sd_add_entries(const uint64_t *buf, size_t nr, unsigned long start,
			  struct range_set *dirty)
{
	unsigned long run = 0;
	size_t i;
	int ret;

	/* Dirty pages come in runs: add a run as one range. */
	for (i = 0; i < nr; i++) {
		if (sd_entry_dirty(buf[i])) {
			run++;
			continue;
		}
		if (!run)
			continue;
		ret = range_set_add(dirty, start + (i - run) * SD_PAGE_SIZE,
				    start + i * SD_PAGE_SIZE);
		if (ret)
			return ret;
		run = 0;
	}
	return range_set_add(dirty, start + (nr - run) * SD_PAGE_SIZE,
			     start + nr * SD_PAGE_SIZE);
}

/*
 * Read the pagemap entries of [@start, @end) from @fd (a pagemap file)
 * in batches and add the soft-dirty pages and the holes to @dirty.
 */
static int sd_scan_range(int fd, unsigned long start, unsigned long end,
			 uint64_t *buf, struct range_set *dirty)
{
	while (start < end) {
		size_t nr = (end - start) / SD_PAGE_SIZE;
		ssize_t got;
		int ret;

		if (nr > SD_BATCH)
			nr = SD_BATCH;
		got = pread(fd, buf, nr * sizeof(*buf),
			    (off_t)(start / SD_PAGE_SIZE * sizeof(*buf)));
		if (got < 0) {
			ret = -errno;
			pr_perror("%s: pagemap read at %lx", SD_NAME, start);
			return ret;
		}
		if (got == 0 || got % sizeof(*buf)) {
			pr_err("%s: short pagemap read at %lx: %zd bytes\n",
			       SD_NAME, start, got);
			return -EIO;
		}
		nr = got / sizeof(*buf);
		ret = sd_add_entries(buf, nr, start, dirty);
		if (ret)
			return ret;
		start += nr * SD_PAGE_SIZE;
	}
	return 0;
}

/* The pagemap entry of one page of our own. */
static int sd_self_entry(int fd, void *page, uint64_t *pme)
{
	off_t off = (unsigned long)page / SD_PAGE_SIZE * sizeof(*pme);

	if (pread(fd, pme, sizeof(*pme), off) != sizeof(*pme))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Does the kernel keep soft-dirty bits? Without CONFIG_MEM_SOFT_DIRTY it
 * accepts "4" in clear_refs all the same, but never sets bit 55 again.
 */
static int sd_check_self(char *why, size_t len)
{
	volatile char *page;
	uint64_t before = 0, after = 0;
	int fd, ret;

	page = mmap(NULL, SD_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		ret = -errno;
		snprintf(why, len, "mmap of a probe page: %s", strerror(-ret));
		return ret;
	}
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, len, "/proc/self/pagemap: %s", strerror(errno));
		goto out;
	}
	page[0] = 1;
	ret = sd_clear_refs(0);
	if (!ret)
		ret = sd_self_entry(fd, (void *)page, &before);
	page[0] = 2;
	if (!ret)
		ret = sd_self_entry(fd, (void *)page, &after);
	if (ret)
		snprintf(why, len, "clear_refs/pagemap unusable: %s", strerror(-ret));
	else if ((before & SD_PME_SOFT_DIRTY) || !(after & SD_PME_SOFT_DIRTY)) {
		snprintf(why, len, "kernel without CONFIG_MEM_SOFT_DIRTY");
		ret = -EOPNOTSUPP;
	} else {
		snprintf(why, len, "soft-dirty bits in /proc/PID/pagemap");
	}
	close(fd);
out:
	munmap((void *)page, SD_PAGE_SIZE);
	return ret;
}

static int sd_probe(char *why, size_t len)
{
	return sd_check_self(why, len);
}

/*
 * A first pre-dump that copies after the target runs again clears the
 * bits only then (sd_arm(), @clear false), so that the stop does not
 * grow with the memory: clear_refs walks every page table of the
 * process. Until then every page counts as written, which the first
 * copy takes anyway.
 */
static int sd_begin(struct track_target *t, struct track_state *st, bool clear)
{
	char why[128];
	int ret;

	/* Without soft-dirty bits every collect would miss every write. */
	ret = sd_check_self(why, sizeof(why));
	if (ret) {
		pr_err("%s: can't track pid %d: %s\n", SD_NAME, t->pid, why);
		return ret;
	}
	if (clear) {
		ret = sd_clear_refs(t->pid);
		if (ret)
			return ret;
	} else {
		pr_info("%s: tracking pid %d, armed once it runs\n", SD_NAME, t->pid);
	}
	snprintf(st->data, sizeof(st->data), "clear_refs=4");
	return 0;
}

static int sd_start(struct track_target *t, struct track_state *st)
{
	return sd_begin(t, st, true);
}

static int sd_start_unarmed(struct track_target *t, struct track_state *st)
{
	return sd_begin(t, st, false);
}

/*
 * The target runs: a page written before the clear is in the copy that
 * follows, one written after it is soft-dirty again. If the clear
 * fails, every bit set since the last one stays set, so the next
 * collect reports at least every page written since this copy.
 */
static int sd_arm(struct track_target *t, struct track_state *st)
{
	return sd_clear_refs(t->pid);
}

static int sd_collect(struct track_target *t, struct track_state *st,
		      struct range_set *dirty)
{
	uint64_t *buf;
	unsigned int i;
	int ret = 0;

	buf = malloc(SD_BATCH * sizeof(*buf));
	if (!buf) {
		pr_err("%s: no memory for pagemap entries\n", SD_NAME);
		return -ENOMEM;
	}
	for (i = 0; !ret && i < t->nr_areas; i++)
		ret = sd_scan_range(t->pagemap, t->areas[i].start, t->areas[i].end,
				    buf, dirty);
	/* The target is stopped: nothing is written between read and clear. */
	if (!ret)
		ret = sd_clear_refs(t->pid);
	free(buf);
	return ret;
}

/* Soft-dirty bits cost the target nothing: there is nothing to undo. */
static int sd_stop(struct track_target *t, struct track_state *st)
{
	return 0;
}

const struct dirty_tracker soft_dirty_tracker = {
	.name = SD_NAME,
	.summary = "clear_refs + pagemap bit 55 (CONFIG_MEM_SOFT_DIRTY): "
		   "reads 8 bytes per mapped page, THP dirty as a whole",
	.priority = TRACK_PRIO_SOFT_DIRTY,
	.probe = sd_probe,
	.start = sd_start,
	.collect = sd_collect,
	.stop = sd_stop,
	.start_unarmed = sd_start_unarmed,
	.arm = sd_arm,
};
