/* SPDX-License-Identifier: GPL-2.0 */
/* `criu-migrate send`, on A. */
#ifndef CRIU_MIGRATE_SEND_H
#define CRIU_MIGRATE_SEND_H

#include <stdbool.h>
#include <sys/types.h>

#include "converge.h"
#include "images.h"
#include "proto.h"
#include "report.h"

struct send_opts {
	pid_t pid;
	const char *to;
	int port;
	const char *tracker;
	struct converge_opts conv;
	bool lazy;
	const char *workdir;		/* NULL: a fresh one, removed on success */
	const char *criu;
	const char *report;
	int timeout;
};

/* One migration's state on A. */
struct sender {
	const struct send_opts *o;
	char dir[4096];			/* the work folder */
	int sk;				/* the control connection */
	char local_addr[64];		/* A's address on it */
	struct report rep;
	struct mig_msg *msg;
	double t0;			/* start of send */
	struct tree_pids tree;		/* A's stopped copy, once the final dump ran */
	pid_t root_pid;			/* its pid array when pstree.img is unreadable */
	pid_t lazy_dump;		/* criu dump --lazy-pages serving the pages */
};

int migrate_send(const struct send_opts *o);

/* send-round.c: one round, pre-dump or final dump, on A and B. */
int send_round(struct sender *s, bool final);
/* send-files.c: the final round's other images, to B's folder. */
int send_images(struct sender *s, const char *round_dir);
/* send-track-end.c: a migration given up ends its rounds' tracking. */
int send_track_end(struct sender *s);
/* A failure's text for the report and the summary. */
void send_fail(struct sender *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* CRIU_MIGRATE_SEND_H */
