/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_UFFD_PROBE_H
#define CRIU_UFFD_PROBE_H

#include <stddef.h>
#include <linux/userfaultfd.h>

/* The events CRIU's lazy-pages handles, besides the faults (uffd.c asks for them). */
#define LAZY_UFFD_FEATURES	(UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP | \
				 UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP)

/* check: userfaultfd with the events a lazy restore needs. 0, or -errno and @why. */
int lazy_uffd_probe(char *why, size_t len);

#endif /* CRIU_UFFD_PROBE_H */
