// SPDX-License-Identifier: GPL-2.0
/* Per-round lines and the summary (criu-migrate(8), OUTPUT and REPORT). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "report.h"

void report_round_done(struct report *r)
{
	struct round_rec *cur = &r->rounds[r->nr - 1];
	double interval;

	cur->bytes += cur->pages * PAGE_BYTES;
	cur->dirty_rate = 0;
	if (r->nr < 2)
		return;
	/* what this round sent was written since the previous one began */
	interval = cur->start_ms - r->rounds[r->nr - 2].start_ms;
	if (interval > 0)
		cur->dirty_rate = cur->pages * 1000.0 / interval;
}

static const char *kind(const struct round_rec *rr)
{
	return rr->final ? "dump" : "pre-dump";
}

void report_print_round(const struct report *r, unsigned int i)
{
	const struct round_rec *rr = &r->rounds[i];

	printf("round %u %s: %llu pages, %llu bytes, %.1f ms, dirty rate %.0f pages/s\n",
	       i + 1, kind(rr), (unsigned long long)rr->pages, (unsigned long long)rr->bytes,
	       rr->time_ms, rr->dirty_rate);
	fflush(stdout);
}

uint64_t report_total_bytes(const struct report *r)
{
	uint64_t sum = r->images_bytes;
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		sum += r->rounds[i].bytes;
	return sum;
}

void report_print_end(const struct report *r)
{
	if (r->stop_reason)
		printf("stop: %s after %u pre-dump rounds\n", r->stop_reason,
		       r->nr - (r->nr && r->rounds[r->nr - 1].final));
	if (r->ok)
		printf("total: %.1f ms, %llu bytes, downtime %.1f ms\n", r->total_ms,
		       (unsigned long long)report_total_bytes(r), r->downtime_ms);
	else
		printf("failed: %s; pid %d runs on here\n", r->error, r->pid);
	fflush(stdout);
}

/* The error text as one value: no spaces, no line breaks. */
static void print_error(FILE *f, const char *text)
{
	fputs("error=", f);
	for (; *text; text++)
		fputc(*text == ' ' || *text == '\n' || *text == '\t' ? '_' : *text, f);
	fputc('\n', f);
}

static void write_lines(FILE *f, const struct report *r)
{
	unsigned int i;

	fprintf(f, "version=1\npid=%d\ntracker=%s\nlazy=%d\n", r->pid,
		r->tracker ? r->tracker : "default", r->lazy);
	for (i = 0; i < r->nr; i++) {
		const struct round_rec *rr = &r->rounds[i];

		fprintf(f, "round=%u kind=%s pages=%llu bytes=%llu time_ms=%.1f frozen_ms=%.1f dirty_rate=%.0f\n",
			i + 1, kind(rr), (unsigned long long)rr->pages,
			(unsigned long long)rr->bytes, rr->time_ms, rr->frozen_ms, rr->dirty_rate);
	}
	if (r->stop_reason)
		fprintf(f, "stop_reason=%s\n", r->stop_reason);
	if (r->ok)
		fprintf(f, "images_bytes=%llu\nimages_ms=%.1f\nrestore_ms=%.1f\ndowntime_ms=%.1f\n"
			"total_ms=%.1f\ntotal_bytes=%llu\n", (unsigned long long)r->images_bytes,
			r->images_ms, r->restore_ms, r->downtime_ms, r->total_ms,
			(unsigned long long)report_total_bytes(r));
	fprintf(f, "result=%s\n", r->ok ? "ok" : "failed");
	if (!r->ok)
		print_error(f, r->error);
}

int report_write(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		mig_perror("Can't create the report %s", path);
		return -errno;
	}
	write_lines(f, r);
	if (fclose(f)) {
		mig_perror("Can't write the report %s", path);
		return -errno;
	}
	return 0;
}
