/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_SPML_PROFILE_H
#define OOH_SPML_PROFILE_H

#include <linux/types.h>

struct ooh_session;

enum ooh_spml_prof_call {
	OOH_PROF_CONSUME,
	OOH_PROF_ACK,
	OOH_PROF_ENABLE,
	OOH_PROF_NR,
};

/* Counts and time since the last drain, all sessions together. */
struct ooh_spml_prof {
	u64 calls[OOH_PROF_NR];
	u64 ns[OOH_PROF_NR];
};

bool ooh_spml_profiling(void);
void ooh_spml_prof_hcall(enum ooh_spml_prof_call c, u64 t0);
void ooh_spml_prof_drain(struct ooh_session *s, const u64 *gfns,
			 const u8 *foreign, size_t nr, size_t addrs,
			 u64 rmap_ns);

#endif
