// SPDX-License-Identifier: GPL-2.0
/*
 * The selftest provider, for machines without an OoH host (the VM test
 * tier): with selftest=1 a session can attach, start and drain, so that
 * everything around the log (one session per process, exit, exec,
 * close, the DRAIN plumbing, bad input) can be tested. It has no log:
 * every drain reports every page of every area, which the tracker rule
 * allows (a page too many is fine). It is never advertised by OOH_IOC_VERSION, so criu's probe
 * still answers "no OoH-capable hypervisor".
 */
#include <linux/module.h>

#include "ooh-internal.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "let sessions attach without a host; every drain reports every page");

static int ooh_selftest_probe(u32 *host_version, const char **why)
{
	*host_version = 0;
	*why = selftest ? "selftest provider: no log, every page reported" :
			  "selftest provider off (selftest=0)";
	return selftest ? 0 : -ENODEV;
}

static int ooh_selftest_attach(struct ooh_session *s, u32 ring_entries)
{
	return 0;
}

static int ooh_selftest_start(struct ooh_session *s)
{
	return 0;
}

static int ooh_selftest_collect(struct ooh_session *s, struct ooh_addrs *out)
{
	struct ooh_vmas vs = { };
	size_t i;
	int ret;

	ret = ooh_vmas_take(s->mm, &vs);
	for (i = 0; !ret && i < vs.nr; i++)
		ret = ooh_addrs_push_range(out, vs.v[i].start, vs.v[i].end);
	ooh_vmas_free(&vs);
	/* Exited meanwhile: the next drain says so. Short of memory: overflow. */
	if (ret == -ENOMEM)
		out->flags |= OOH_DRAIN_OVERFLOW;
	return 0;
}

static void ooh_selftest_detach(struct ooh_session *s)
{
}

const struct ooh_provider_ops ooh_selftest_ops = {
	.name = "selftest",
	.id = OOH_PROVIDER_NONE,
	.probe = ooh_selftest_probe,
	.attach = ooh_selftest_attach,
	.start = ooh_selftest_start,
	.collect = ooh_selftest_collect,
	.detach = ooh_selftest_detach,
};
