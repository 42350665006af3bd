// SPDX-License-Identifier: GPL-2.0
/*
 * The providers a session can take its log of written pages from, and
 * how one is chosen (ooh-provider.h has their operations).
 */
#include <linux/kernel.h>
#include <linux/printk.h>

#include "ooh-internal.h"

/*
 * In order of preference: SPML, then EPML, then selftest (only when its
 * parameter says). EPML is not the default yet: the nested tier's zdtm
 * incr_threads saw it miss writes (Documentation/ooh.md); it is taken
 * when asked for by name.
 */
static const struct ooh_provider_ops *const ooh_providers[] = {
	&ooh_spml_ops,
	&ooh_epml_ops,
	&ooh_selftest_ops,
};

u32 ooh_providers_available(u32 *spml_host_version)
{
	u32 mask = 0, hv;
	const char *why;
	unsigned int i;

	*spml_host_version = 0;
	for (i = 0; i < ARRAY_SIZE(ooh_providers); i++) {
		hv = 0;
		/* Only real providers are advertised. */
		if (ooh_providers[i]->id == OOH_PROVIDER_NONE)
			continue;
		if (!ooh_providers[i]->probe(&hv, &why))
			mask |= 1U << ooh_providers[i]->id;
		if (ooh_providers[i]->id == OOH_PROVIDER_SPML)
			*spml_host_version = hv;
	}
	return mask;
}

/*
 * The provider asked for, or the first one that works (0: best). The
 * error is that of the provider asked for, or of the best one (SPML).
 */
int ooh_pick_provider(u32 id, const struct ooh_provider_ops **out)
{
	const char *why = NULL;
	int ret = 0, err;
	unsigned int i;
	u32 hv;

	if (id > OOH_PROVIDER_EPML)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(ooh_providers); i++) {
		const struct ooh_provider_ops *p = ooh_providers[i];

		if (id && p->id != id)
			continue;
		err = p->probe(&hv, &why);
		if (!err) {
			*out = p;
			return 0;
		}
		if (!ret) {
			ret = err;
			pr_info_ratelimited(OOH_NAME ": %s unavailable: %s\n",
					    p->name, why);
		}
	}
	return ret ?: -ENODEV;
}
