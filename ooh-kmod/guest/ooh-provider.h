/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_PROVIDER_H
#define OOH_PROVIDER_H

/*
 * Providers: where a session's log of written pages comes from. Each one
 * is an ops table; sessions call it with their own lock held, so an
 * implementation only guards what it shares between sessions.
 */

#include <linux/types.h>

struct ooh_session;
struct ooh_addrs;

struct ooh_provider_ops {
	const char *name;
	u32 id;				/* OOH_PROVIDER_* */
	/*
	 * Can it work now? 0, or -errno with a one-line reason in @why.
	 * @host_version: what the host reports (0 if nothing).
	 */
	int (*probe)(u32 *host_version, const char **why);
	/* Join @s to the provider; @ring_entries is the caller's hint. */
	int (*attach)(struct ooh_session *s, u32 ring_entries);
	/* Begin a new interval: what was logged for @s so far is dropped. */
	int (*start)(struct ooh_session *s);
	/*
	 * End the interval: add the addresses written in it to @out and
	 * begin the next one. Sets OOH_DRAIN_* in @out->flags for losses.
	 */
	int (*collect)(struct ooh_session *s, struct ooh_addrs *out);
	void (*detach)(struct ooh_session *s);
};

extern const struct ooh_provider_ops ooh_spml_ops;
extern const struct ooh_provider_ops ooh_epml_ops;
extern const struct ooh_provider_ops ooh_selftest_ops;

int ooh_spml_init(void);
void ooh_spml_exit(void);

#endif /* OOH_PROVIDER_H */
