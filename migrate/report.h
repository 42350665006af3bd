/* SPDX-License-Identifier: GPL-2.0 */
/* The figures of one migration, printed and written as key=value lines. */
#ifndef CRIU_MIGRATE_REPORT_H
#define CRIU_MIGRATE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_ROUNDS	64
#define PAGE_BYTES	4096

struct round_rec {
	bool final;		/* the final dump */
	uint64_t pages;		/* sent to B (stats-dump pages_written) */
	uint64_t bytes;
	double start_ms;	/* A's clock, from the start of send */
	double time_ms;		/* the criu command's wall time */
	double frozen_ms;	/* criu's frozen_time */
	double dirty_rate;	/* pages/s; 0 for round 1 */
};

struct report {
	pid_t pid;
	const char *tracker;
	bool lazy;
	struct round_rec rounds[MAX_ROUNDS];
	unsigned int nr;
	const char *stop_reason;
	uint64_t images_bytes;
	double images_ms, restore_ms, downtime_ms, total_ms;
	bool ok;
	char error[256];
};

/* The round that was just measured: bytes and dirty rate from its pages. */
void report_round_done(struct report *r);
void report_print_round(const struct report *r, unsigned int i);
void report_print_end(const struct report *r);
uint64_t report_total_bytes(const struct report *r);
int report_write(const struct report *r, const char *path);

#endif /* CRIU_MIGRATE_REPORT_H */
