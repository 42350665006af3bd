/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_STATS_H
#define CRIU_STATS_H

#include <stdint.h>

/* What stats-dump records, in microseconds and pages. */
struct dump_stats {
	uint64_t freezing_us;
	uint64_t frozen_us;
	uint64_t memdump_us;
	uint64_t memwrite_us;
	uint64_t pages_scanned;
	uint64_t pages_skipped_parent;
	uint64_t pages_written;
	uint64_t pages_lazy;		/* dump --lazy-pages: served from the held tree */
	uint64_t shpages_scanned;
	uint64_t shpages_written;
	uint64_t page_pipes;
	uint64_t page_pipe_bufs;
	const char *tracker;		/* dirty tracker in use, or NULL */
};

struct restore_stats {
	uint64_t forking_us;
	uint64_t restore_us;
	uint64_t pages_restored;
	uint64_t pages_compared;	/* with what a forked child inherited */
	uint64_t pages_skipped_cow;	/* left shared with the parent */
};

uint64_t stats_now_us(void);
int write_dump_stats(int dfd, const struct dump_stats *ds);
int write_restore_stats(int dfd, const struct restore_stats *rs);
/* The one-line summary printed with -v1 and up; all with --display-stats. */
void print_dump_stats(const struct dump_stats *ds);
void print_restore_stats(const struct restore_stats *rs);

#endif /* CRIU_STATS_H */
