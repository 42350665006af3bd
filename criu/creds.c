// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials of a task: user and group ids, supplementary groups,
 * capabilities and securebits.
 *
 * Ids, groups and capability sets are read from /proc/PID/status; the
 * securebits only from inside the task. Restoring means dropping the
 * child's root credentials to the dumped ones, in an order where each
 * step still has the privilege it needs: inheritable set, bounding set,
 * groups and gids, uids (keeping capabilities across the uid change),
 * fsuid and securebits, and the final capability sets last.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "core-parts.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"

/* the image keeps each 64-bit capability set as two 32-bit words */
#define CAP_WORDS	2

/* What /proc/PID/status says about a task's credentials. */
struct task_creds {
	uint32_t uids[4];	/* real, effective, saved, fs */
	uint32_t gids[4];
	uint32_t *groups;
	size_t n_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd;
};

static int parse_ids(const char *line, uint32_t ids[4])
{
	unsigned int v[4];

	if (sscanf(line, "%u %u %u %u", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -EINVAL;
	memcpy(ids, v, sizeof(v));
	return 0;
}

static int parse_groups(const char *line, struct task_creds *tc)
{
	const char *p = line;
	unsigned int g;
	int n;

	while (sscanf(p, "%u%n", &g, &n) == 1) {
		uint32_t *more = realloc(tc->groups,
					 (tc->n_groups + 1) * sizeof(*more));

		if (!more)
			return -ENOMEM;
		tc->groups = more;
		tc->groups[tc->n_groups++] = g;
		p += n;
	}
	return 0;
}

static int parse_cap(const char *line, uint64_t *cap)
{
	unsigned long long v;

	if (sscanf(line, "%llx", &v) != 1)
		return -EINVAL;
	*cap = v;
	return 0;
}

/* One "Name:\tvalue" line; 1 if it was a credentials line, 0 if not. */
static int parse_status_line(const char *line, struct task_creds *tc)
{
	static const struct {
		const char *key;
		size_t off;
	} caps[] = {
		{ "CapInh:", offsetof(struct task_creds, cap_inh) },
		{ "CapPrm:", offsetof(struct task_creds, cap_prm) },
		{ "CapEff:", offsetof(struct task_creds, cap_eff) },
		{ "CapBnd:", offsetof(struct task_creds, cap_bnd) },
	};
	unsigned int i;
	int ret;

	if (!strncmp(line, "Uid:", 4))
		return parse_ids(line + 4, tc->uids) ?: 1;
	if (!strncmp(line, "Gid:", 4))
		return parse_ids(line + 4, tc->gids) ?: 1;
	if (!strncmp(line, "Groups:", 7))
		return parse_groups(line + 7, tc) ?: 1;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (strncmp(line, caps[i].key, 7))
			continue;
		ret = parse_cap(line + 7, (uint64_t *)((char *)tc + caps[i].off));
		return ret ?: 1;
	}
	return 0;
}

/* Uid, Gid, Groups and four Cap lines: seven in all */
#define CREDS_LINES	7

static int parse_creds(pid_t pid, struct task_creds *tc)
{
	char *buf, *line, *save = NULL;
	int ret = 0, found = 0;
	ssize_t len;

	memset(tc, 0, sizeof(*tc));
	len = read_proc_file(pid, "status", &buf);
	if (len < 0)
		return len;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ret = parse_status_line(line, tc);
		if (ret < 0)
			break;
		found += ret;
		ret = 0;
	}
	free(buf);
	if (!ret && found != CREDS_LINES)
		ret = -EINVAL;
	if (ret) {
		pr_err("%d: cannot parse credentials in /proc/%d/status: %d\n",
		       pid, pid, ret);
		free(tc->groups);
		tc->groups = NULL;
	}
	return ret;
}

static uint32_t *cap_words(uint64_t cap)
{
	uint32_t *w = malloc(CAP_WORDS * sizeof(*w));

	if (w) {
		w[0] = (uint32_t)cap;		/* capabilities 0-31 first */
		w[1] = (uint32_t)(cap >> 32);
	}
	return w;
}

static int creds_to_image(const struct task_creds *tc, CredsEntry *ce)
{
	ce->uid = tc->uids[0];
	ce->euid = tc->uids[1];
	ce->suid = tc->uids[2];
	ce->fsuid = tc->uids[3];
	ce->gid = tc->gids[0];
	ce->egid = tc->gids[1];
	ce->sgid = tc->gids[2];
	ce->fsgid = tc->gids[3];
	ce->groups = tc->groups;
	ce->n_groups = tc->n_groups;
	ce->cap_inh = cap_words(tc->cap_inh);
	ce->cap_prm = cap_words(tc->cap_prm);
	ce->cap_eff = cap_words(tc->cap_eff);
	ce->cap_bnd = cap_words(tc->cap_bnd);
	if (!ce->cap_inh || !ce->cap_prm || !ce->cap_eff || !ce->cap_bnd)
		return -ENOMEM;
	ce->n_cap_inh = ce->n_cap_prm = CAP_WORDS;
	ce->n_cap_eff = ce->n_cap_bnd = CAP_WORDS;
	return 0;
}

int dump_creds(struct dump_ctx *dc, CoreEntry *core)
{
	struct task_creds tc;
	CredsEntry *ce;
	long secbits;
	int ret;

	secbits = infect_syscall(dc, "prctl(PR_GET_SECUREBITS)", __NR_prctl,
				 PR_GET_SECUREBITS, 0, 0, 0, 0, 0);
	if (secbits < 0)
		return secbits;
	ret = parse_creds(dc->pid, &tc);
	if (ret)
		return ret;

	ce = malloc(sizeof(*ce));
	if (!ce) {
		free(tc.groups);
		pr_err("%d: out of memory for creds\n", dc->pid);
		return -ENOMEM;
	}
	creds_entry__init(ce);
	core->thread_core->creds = ce;
	ce->secbits = secbits;
	ret = creds_to_image(&tc, ce);
	if (ret)
		pr_err("%d: out of memory for capabilities\n", dc->pid);
	return ret;
}

/* ---- restore ---- */

static uint64_t image_cap(const uint32_t *w, size_t n)
{
	uint64_t cap = 0;
	size_t i;

	/* a shorter set (older kernel) has the missing words clear */
	for (i = 0; i < n && i < CAP_WORDS; i++)
		cap |= (uint64_t)w[i] << (32 * i);
	return cap;
}

static int image_to_creds(pid_t pid, const CredsEntry *ce,
			  struct task_creds *tc)
{
	if (ce->n_cap_inh > CAP_WORDS || ce->n_cap_prm > CAP_WORDS ||
	    ce->n_cap_eff > CAP_WORDS || ce->n_cap_bnd > CAP_WORDS) {
		pr_err("%d: capability sets wider than %d bits in the image\n",
		       pid, CAP_WORDS * 32);
		return -EOPNOTSUPP;
	}
	tc->uids[0] = ce->uid;
	tc->uids[1] = ce->euid;
	tc->uids[2] = ce->suid;
	tc->uids[3] = ce->fsuid;
	tc->gids[0] = ce->gid;
	tc->gids[1] = ce->egid;
	tc->gids[2] = ce->sgid;
	tc->gids[3] = ce->fsgid;
	tc->groups = ce->groups;
	tc->n_groups = ce->n_groups;
	tc->cap_inh = image_cap(ce->cap_inh, ce->n_cap_inh);
	tc->cap_prm = image_cap(ce->cap_prm, ce->n_cap_prm);
	tc->cap_eff = image_cap(ce->cap_eff, ce->n_cap_eff);
	tc->cap_bnd = image_cap(ce->cap_bnd, ce->n_cap_bnd);
	return 0;
}

static int set_capsets(struct rst_ctx *rc, uint64_t eff, uint64_t prm,
		       uint64_t inh)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[CAP_WORDS];
	unsigned long a_hdr, a_data;
	int i;

	for (i = 0; i < CAP_WORDS; i++) {
		data[i].effective = eff >> (32 * i);
		data[i].permitted = prm >> (32 * i);
		data[i].inheritable = inh >> (32 * i);
	}
	a_hdr = rst_scratch_put(rc, &hdr, sizeof(hdr));
	a_data = rst_scratch_put(rc, data, sizeof(data));
	if (!a_hdr || !a_data)
		return -ENOMEM;
	return rst_call(rc, "capset", __NR_capset, a_hdr, a_data, 0, 0);
}

static int drop_bounding(struct rst_ctx *rc, uint64_t drop)
{
	unsigned int cap;
	int ret;

	for (cap = 0; cap < 64; cap++) {
		if (!(drop & (1ULL << cap)))
			continue;
		ret = rst_call(rc, "prctl(PR_CAPBSET_DROP)", __NR_prctl,
			       PR_CAPBSET_DROP, cap, 0, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static bool same_groups(const struct task_creds *a, const struct task_creds *b)
{
	return a->n_groups == b->n_groups &&
	       !memcmp(a->groups, b->groups, a->n_groups * sizeof(*a->groups));
}

/* setfs[ug]id() report the previous id, never an error: check by asking. */
static int set_fsid(struct rst_ctx *rc, const char *what, long nr, uint32_t id)
{
	long now;

	rst_syscall(rc, what, nr, id, 0, 0, 0, 0, 0);
	now = rst_syscall(rc, what, nr, (unsigned long)-1, 0, 0, 0, 0, 0);
	if (now == (long)id)
		return 0;
	pr_err("%d: %s(%u) left it at %ld\n", rc->pid, what, id, now);
	return -EPERM;
}

static int set_gids(struct rst_ctx *rc, const struct task_creds *want,
		    const struct task_creds *cur)
{
	unsigned long addr;
	int ret;

	if (!same_groups(want, cur)) {
		addr = rst_scratch_put(rc, want->groups ?: (void *)"",
				       want->n_groups * sizeof(uint32_t));
		if (!addr && want->n_groups)
			return -ENOMEM;
		ret = rst_call(rc, "setgroups", __NR_setgroups,
			       want->n_groups, addr, 0, 0);
		if (ret)
			return ret;
	}
	if (!memcmp(want->gids, cur->gids, sizeof(want->gids)))
		return 0;
	ret = rst_call(rc, "setresgid", __NR_setresgid, want->gids[0],
		       want->gids[1], want->gids[2], 0);
	if (ret)
		return ret;
	/* still privileged here: any fsgid is allowed */
	return set_fsid(rc, "setfsgid", __NR_setfsgid, want->gids[3]);
}

/*
 * Uids last among the ids: a uid other than 0 takes the effective
 * capabilities away (keep-caps saves only the permitted ones), so what
 * follows it first raises them again from the permitted set.
 */
static int set_uids(struct rst_ctx *rc, const struct task_creds *want,
		    const struct task_creds *cur)
{
	int ret;

	if (!memcmp(want->uids, cur->uids, sizeof(want->uids)))
		return 0;
	ret = rst_call(rc, "prctl(PR_SET_KEEPCAPS)", __NR_prctl,
		       PR_SET_KEEPCAPS, 1, 0, 0);
	if (!ret)
		ret = rst_call(rc, "setresuid", __NR_setresuid, want->uids[0],
			       want->uids[1], want->uids[2], 0);
	if (!ret)
		ret = set_capsets(rc, cur->cap_prm, cur->cap_prm, want->cap_inh);
	if (!ret)
		ret = set_fsid(rc, "setfsuid", __NR_setfsuid, want->uids[3]);
	return ret;
}

static int set_secbits(struct rst_ctx *rc, uint32_t want)
{
	long now;

	now = rst_syscall(rc, "prctl(PR_GET_SECUREBITS)", __NR_prctl,
			  PR_GET_SECUREBITS, 0, 0, 0, 0, 0);
	if (now < 0)
		return now;
	if ((uint32_t)now == want)
		return 0;
	return rst_call(rc, "prctl(PR_SET_SECUREBITS)", __NR_prctl,
			PR_SET_SECUREBITS, want, 0, 0);
}

static bool creds_match(const struct task_creds *a, const struct task_creds *b)
{
	return !memcmp(a->uids, b->uids, sizeof(a->uids)) &&
	       !memcmp(a->gids, b->gids, sizeof(a->gids)) &&
	       same_groups(a, b) &&
	       a->cap_inh == b->cap_inh && a->cap_prm == b->cap_prm &&
	       a->cap_eff == b->cap_eff && a->cap_bnd == b->cap_bnd;
}

static int apply_creds(struct rst_ctx *rc, const struct task_creds *want,
		       const struct task_creds *cur, uint32_t secbits)
{
	int ret;

	/* while the bounding set is still full, any inheritable set goes */
	ret = set_capsets(rc, cur->cap_eff, cur->cap_prm, want->cap_inh);
	if (!ret)
		ret = drop_bounding(rc, cur->cap_bnd & ~want->cap_bnd);
	if (!ret)
		ret = set_gids(rc, want, cur);
	if (!ret)
		ret = set_uids(rc, want, cur);
	/* needs CAP_SETPCAP, so before the final sets may drop it */
	if (!ret)
		ret = set_secbits(rc, secbits);
	if (!ret)
		ret = set_capsets(rc, want->cap_eff, want->cap_prm,
				  want->cap_inh);
	return ret;
}

int restore_creds(struct rst_ctx *rc, const CoreEntry *core)
{
	const CredsEntry *ce = core->thread_core ? core->thread_core->creds : NULL;
	struct task_creds want, cur;
	long cur_secbits;
	int ret;

	if (!ce)
		return 0;
	ret = image_to_creds(rc->pid, ce, &want);
	if (ret)
		return ret;
	ret = parse_creds(rc->pid, &cur);
	if (ret)
		return ret;
	cur_secbits = rst_syscall(rc, "prctl(PR_GET_SECUREBITS)", __NR_prctl,
				  PR_GET_SECUREBITS, 0, 0, 0, 0, 0);
	if (cur_secbits < 0) {
		ret = cur_secbits;
		goto out;
	}
	if (creds_match(&want, &cur) && (uint32_t)cur_secbits == ce->secbits) {
		pr_info("%d: credentials already match the image\n", rc->pid);
		goto out;
	}
	ret = apply_creds(rc, &want, &cur, ce->secbits);
	if (ret)
		pr_err("%d: cannot restore credentials (uid %u, gid %u): %d\n",
		       rc->pid, want.uids[0], want.gids[0], ret);
out:
	rst_scratch_reset(rc);
	free(cur.groups);
	return ret;
}
