/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LIBOOH_H
#define LIBOOH_H

/*
 * libooh: the ioctls of /dev/ooh (ooh-kmod/include/uapi/linux/ooh.h)
 * as functions. Every call returns 0 (or a descriptor) or -errno;
 * ooh_strerror() turns the errno of an operation into a sentence.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi/linux/ooh.h"

#define OOH_DEV_PATH	"/dev/ooh"

enum ooh_op {
	OOH_OP_OPEN,
	OOH_OP_VERSION,
	OOH_OP_ATTACH,
	OOH_OP_START,
	OOH_OP_DRAIN,
	OOH_OP_STATS,
	OOH_OP_DETACH,
};

int ooh_open(void);
int ooh_version(int fd, struct ooh_version *v);
/* @provider: OOH_PROVIDER_*, 0 for the best; *@used gets the one taken. */
int ooh_attach(int fd, pid_t pid, unsigned int provider, unsigned int *used);
int ooh_start(int fd);
/*
 * Up to @max page addresses into @addrs; *@nr how many, *@flags the
 * OOH_DRAIN_* bits. Call again while OOH_DRAIN_MORE is set.
 */
int ooh_drain(int fd, uint64_t *addrs, size_t max, size_t *nr,
	      unsigned int *flags);
int ooh_stats(int fd, struct ooh_stats *st);
int ooh_detach(int fd);

/*
 * The provider a tracking session asks for: $CRIU_OOH_PROVIDER, "epml",
 * "spml" or "auto" (unset: auto, which is 0, the best the module offers:
 * SPML when the host has it, else EPML). -EINVAL for anything else.
 */
#define OOH_PROVIDER_ENV	"CRIU_OOH_PROVIDER"
int ooh_provider_wanted(unsigned int *provider);
const char *ooh_provider_name(unsigned int provider);

/*
 * Can tracking work here? 0, or -errno; @why says which provider is in
 * use and which are available, or what is missing.
 */
int ooh_probe(char *why, size_t len);
/* What @err (negative) from @op means for a user. */
const char *ooh_strerror(enum ooh_op op, int err);

#endif /* LIBOOH_H */
