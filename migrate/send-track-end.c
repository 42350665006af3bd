// SPDX-License-Identifier: GPL-2.0
/*
 * A migration given up ends the tracking its rounds started, before the
 * tree runs on here: else each process would keep the tracker's
 * descriptor (pagemap-scan's userfaultfd, ooh's session holding the
 * host's logging) for good. Every round, the final dump included, runs
 * with --track-mem, so that no migration pays for the stop on its way;
 * this is `criu track-end` on the newest folder whose tracker is live.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "send.h"
#include "spawn.h"
#include "tracking.h"		/* criu's: TRACK_STATE_FILE, the root's state */

/* The newest round that left a tracker, 0 for none. */
static unsigned int tracked_round(const struct sender *s)
{
	char path[4300];
	unsigned int r;

	/* a final dump that went well is not counted yet when B then failed */
	for (r = s->rep.nr + 1; r > 0; r--) {
		snprintf(path, sizeof(path), "%s/round%u/%s", s->dir, r, TRACK_STATE_FILE);
		if (!access(path, F_OK))
			return r;
	}
	return 0;
}

int send_track_end(struct sender *s)
{
	unsigned int round = tracked_round(s);
	char out[4300];
	struct argv a;
	int ret;

	if (!round)
		return 0;
	argv_init(&a);
	argv_add(&a, "%s", s->o->criu);
	argv_add(&a, "track-end");
	argv_add(&a, "-t");
	argv_add(&a, "%d", s->o->pid);
	argv_add(&a, "-D");
	argv_add(&a, "%s/round%u", s->dir, round);
	argv_add(&a, "-v4");
	argv_add(&a, "-o");
	argv_add(&a, "track-end.log");
	snprintf(out, sizeof(out), "%s/round%u/track-end.out", s->dir, round);
	ret = spawn_run(&a, out, "criu track-end");
	if (ret)
		mig_err("the tracking of pid %d did not end (criu track-end exited %d; "
			"see %s/round%u/track-end.log)\n", s->o->pid, ret, s->dir, round);
	return ret;
}
