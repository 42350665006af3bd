/* SPDX-License-Identifier: GPL-2.0 */
/* `criu-migrate serve`, on B. */
#ifndef CRIU_MIGRATE_SERVE_H
#define CRIU_MIGRATE_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct serve_opts {
	const char *addr;		/* NULL: every address */
	int port;
	const char *workdir;
	const char *criu;
	bool keep_serving;
	int timeout;
};

struct staged {
	char name[MIG_MAX_NAME + 1];
};

/* One migration's state on B. */
struct session {
	const struct serve_opts *o;
	int sk;
	struct mig_msg *msg;
	char dir[4096];			/* the session's folder */
	int sess_dfd;
	unsigned int number;		/* of the session, from 1 */
	char peer[64];			/* A's address */
	bool lazy;
	uint32_t lazy_port;		/* A's lazy pages, with --lazy */
	unsigned int round;		/* the last round asked for */
	bool round_open;		/* asked, not ended yet */
	bool final_round;		/* the last round asked for is the final dump */
	bool final_done;		/* the final round ended well: files may come */
	int round_dfd;			/* the folder of the last round */
	pid_t page_server;		/* the round's criu page-server, 0: none */
	struct staged *files;		/* the final round's images, staged */
	unsigned int nr_files;
	int file_fd;			/* the file being received, -1: none */
	uint64_t file_left;
	bool placed;			/* the staged files are in place */
	pid_t restored;			/* the restored root, 0: none */
	pid_t lazy_daemon;
};

int migrate_serve(const struct serve_opts *o);

/* serve-round.c */
int serve_round(struct session *ss);
int serve_round_end(struct session *ss);
void serve_round_abort(struct session *ss);
/* serve-files.c */
int serve_file(struct session *ss);
int serve_data(struct session *ss);
int serve_place_files(struct session *ss);
void serve_unstage(struct session *ss);
/* serve-restore.c */
int serve_restore(struct session *ss);
void serve_restore_abort(struct session *ss);
/* A failure of the session: logged, and sent to A when possible. */
int serve_fail(struct session *ss, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* CRIU_MIGRATE_SERVE_H */
