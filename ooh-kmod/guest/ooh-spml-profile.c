// SPDX-License-Identifier: GPL-2.0
/*
 * Where SPML's time goes (issue #11): the host logs every frame the VM
 * writes, and the guest throws away those that back nothing of the
 * tracked process. With spml_profile=1 each drain prints one line: the
 * entries and distinct frames of the interval, how many were foreign,
 * how many of those had already been foreign in an earlier interval of
 * the session (the traps a "do not re-arm foreign frames" scheme would
 * save; the rest were first writes since ENABLE, which only protecting
 * fewer frames at ENABLE would save), the consumes and ACKs, and the
 * time spent in ENABLE, ACK and the reverse mapping.
 */
#include <linux/ktime.h>
#include <linux/module.h>

#include "ooh-internal.h"
#include "ooh-spml-profile.h"

static bool spml_profile;
module_param(spml_profile, bool, 0644);
MODULE_PARM_DESC(spml_profile, "print where SPML's time goes at each drain");

static struct ooh_spml_prof prof;	/* under ooh_spml.lock */

bool ooh_spml_profiling(void)
{
	return READ_ONCE(spml_profile);
}

void ooh_spml_prof_hcall(enum ooh_spml_prof_call c, u64 t0)
{
	prof.calls[c]++;
	prof.ns[c] += ktime_get_ns() - t0;
}

/* @foreign[i]: gfns[i] backed nothing of @s (ooh_rmap_frames()). */
void ooh_spml_prof_drain(struct ooh_session *s, const u64 *gfns,
			 const u8 *foreign, size_t nr, size_t addrs,
			 u64 rmap_ns)
{
	u64 nfor = 0, again = 0;
	size_t i;

	for (i = 0; foreign && i < nr; i++) {
		if (!foreign[i])
			continue;
		nfor++;
		if (xa_load(&s->spml_foreign, gfns[i]))
			again++;
		else
			xa_store(&s->spml_foreign, gfns[i], xa_mk_value(1),
				 GFP_KERNEL);
	}
	pr_info(OOH_NAME ": spml profile: pid %d drain %llu: %llu entries, %zu frames, %llu foreign (%llu foreign before), %zu addresses; %llu consumes, %llu acks %llu us, %llu enables %llu us, rmap %llu us\n",
		pid_nr(s->pid), s->stats.drains,
		s->stats.entries_logged - s->spml_entries_mark, nr, nfor, again,
		addrs, prof.calls[OOH_PROF_CONSUME], prof.calls[OOH_PROF_ACK],
		prof.ns[OOH_PROF_ACK] / 1000, prof.calls[OOH_PROF_ENABLE],
		prof.ns[OOH_PROF_ENABLE] / 1000, rmap_ns / 1000);
	s->spml_entries_mark = s->stats.entries_logged;
	memset(&prof, 0, sizeof(prof));
}
