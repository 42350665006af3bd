// SPDX-License-Identifier: GPL-2.0
/*
 * Extended PML: the CPU would log guest-virtual addresses of written
 * pages straight into a buffer of the guest, with no reverse mapping
 * and no hypercall per interval. No CPU implements it and no host
 * advertises it, so this provider only says so: it keeps the place in
 * the ops table that such hardware would fill.
 */
#include "ooh-internal.h"

static int ooh_epml_probe(u32 *host_version, const char **why)
{
	*host_version = 0;
	*why = "epml: no CPU implements extended PML (guest-virtual dirty logging)";
	return -EOPNOTSUPP;
}

static int ooh_epml_attach(struct ooh_session *s, u32 ring_entries)
{
	return -EOPNOTSUPP;
}

static int ooh_epml_start(struct ooh_session *s)
{
	return -EOPNOTSUPP;
}

static int ooh_epml_collect(struct ooh_session *s, struct ooh_addrs *out)
{
	return -EOPNOTSUPP;
}

static void ooh_epml_detach(struct ooh_session *s)
{
}

const struct ooh_provider_ops ooh_epml_ops = {
	.name = "epml",
	.id = OOH_PROVIDER_EPML,
	.probe = ooh_epml_probe,
	.attach = ooh_epml_attach,
	.start = ooh_epml_start,
	.collect = ooh_epml_collect,
	.detach = ooh_epml_detach,
};
