// SPDX-License-Identifier: GPL-2.0
/*
 * stats-dump and stats-restore: CRIU's timing and page counters, so
 * that `crit decode -i stats-dump` shows what a dump cost.
 */
#include <errno.h>
#include <time.h>

#include "cr_options.h"
#include "image.h"
#include "log.h"
#include "stats.h"

#include "stats.pb-c.h"

uint64_t stats_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* The image's time fields are 32-bit microseconds. */
static uint32_t clamp_us(uint64_t us)
{
	return us > UINT32_MAX ? UINT32_MAX : us;
}

int write_dump_stats(int dfd, const struct dump_stats *ds)
{
	StatsEntry se = STATS_ENTRY__INIT;
	DumpStatsEntry d = DUMP_STATS_ENTRY__INIT;

	d.freezing_time = clamp_us(ds->freezing_us);
	d.frozen_time = clamp_us(ds->frozen_us);
	d.memdump_time = clamp_us(ds->memdump_us);
	d.memwrite_time = clamp_us(ds->memwrite_us);
	d.pages_scanned = ds->pages_scanned;
	d.pages_skipped_parent = ds->pages_skipped_parent;
	d.pages_written = ds->pages_written;
	/*
	 * Counted, and zero by what criu-ooh does: no names of watched
	 * inodes are resolved (irmap), and shared memory is always copied
	 * whole, never kept in parent.
	 */
	d.has_irmap_resolve = true;
	d.irmap_resolve = 0;
	d.pages_lazy = ds->pages_lazy;
	d.has_page_pipes = true;
	d.page_pipes = ds->page_pipes;
	d.has_page_pipe_bufs = true;
	d.page_pipe_bufs = ds->page_pipe_bufs;
	d.has_shpages_scanned = true;
	d.shpages_scanned = ds->shpages_scanned;
	d.has_shpages_skipped_parent = true;
	d.shpages_skipped_parent = 0;
	d.has_shpages_written = true;
	d.shpages_written = ds->shpages_written;
	se.dump = &d;
	return pb_write_image(dfd, CR_FD_STATS_DUMP, 0, &se, &stats_entry__descriptor);
}

int write_restore_stats(int dfd, const struct restore_stats *rs)
{
	StatsEntry se = STATS_ENTRY__INIT;
	RestoreStatsEntry r = RESTORE_STATS_ENTRY__INIT;

	r.pages_compared = rs->pages_compared;
	r.pages_skipped_cow = rs->pages_skipped_cow;
	r.forking_time = clamp_us(rs->forking_us);
	r.restore_time = clamp_us(rs->restore_us);
	r.has_pages_restored = true;
	r.pages_restored = rs->pages_restored;
	se.restore = &r;
	return pb_write_image(dfd, CR_FD_STATS_RESTORE, 0, &se, &stats_entry__descriptor);
}

static void display_dump_stats(const struct dump_stats *ds)
{
	pr_msg("Dump statistics:\n"
	       "  freezing time           %llu us\n"
	       "  frozen time             %llu us\n"
	       "  memory dump time        %llu us\n"
	       "  memory write time       %llu us\n"
	       "  pages scanned           %llu\n"
	       "  pages skipped (parent)  %llu\n"
	       "  pages written           %llu\n"
	       "  shared pages scanned    %llu\n"
	       "  shared pages written    %llu\n"
	       "  page pipes, buffers     %llu, %llu\n",
	       (unsigned long long)ds->freezing_us, (unsigned long long)ds->frozen_us,
	       (unsigned long long)ds->memdump_us, (unsigned long long)ds->memwrite_us,
	       (unsigned long long)ds->pages_scanned,
	       (unsigned long long)ds->pages_skipped_parent,
	       (unsigned long long)ds->pages_written,
	       (unsigned long long)ds->shpages_scanned,
	       (unsigned long long)ds->shpages_written,
	       (unsigned long long)ds->page_pipes, (unsigned long long)ds->page_pipe_bufs);
}

void print_dump_stats(const struct dump_stats *ds)
{
	if (opts.display_stats)
		display_dump_stats(ds);
	print_summary("dump: frozen %.3f ms, memory %.3f ms, pages scanned %llu, skipped (parent) %llu, written %llu, tracker %s\n",
		       ds->frozen_us / 1000.0, ds->memdump_us / 1000.0,
		       (unsigned long long)ds->pages_scanned,
		       (unsigned long long)ds->pages_skipped_parent,
		       (unsigned long long)ds->pages_written,
		       ds->tracker ? ds->tracker : "none");
}

void print_restore_stats(const struct restore_stats *rs)
{
	if (opts.display_stats)
		pr_msg("Restore statistics:\n"
		       "  forking time            %llu us\n"
		       "  restore time            %llu us\n"
		       "  pages restored          %llu\n",
		       (unsigned long long)rs->forking_us, (unsigned long long)rs->restore_us,
		       (unsigned long long)rs->pages_restored);
	print_summary("restore: fork %.3f ms, restore %.3f ms, pages restored %llu, shared with a parent %llu\n",
		       rs->forking_us / 1000.0, rs->restore_us / 1000.0,
		       (unsigned long long)rs->pages_restored,
		       (unsigned long long)rs->pages_skipped_cow);
}
