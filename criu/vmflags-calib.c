// SPDX-License-Identifier: GPL-2.0
/*
 * Which bit of the raw vm_flags is which VmFlags mnemonic. The bit
 * numbers are not ABI, so they are not written here: criu gives areas
 * of its own each piece of advice, locking, protection and sharing the
 * dump cares about (vmflags-probe.c), reads them from both sources, and
 * this file matches them. A mnemonic and a bit belong together when they
 * are present in exactly the same samples. Pure code, unit-tested.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmflags-calib.h"
#include "vmflags-names.h"

#define MAX_NAMES	128

struct name_set {
	char name[MAX_NAMES][3];
	unsigned int nr;
};

static bool has_name(const struct vmflag_sample *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->nr_names; i++)
		if (!strncmp(s->names[i], name, 2))
			return true;
	return false;
}

/* every mnemonic that any sample shows, once */
static int collect_names(const struct vmflag_sample *s, unsigned int n, struct name_set *ns)
{
	unsigned int i, j, k;

	ns->nr = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < s[i].nr_names; j++) {
			for (k = 0; k < ns->nr; k++)
				if (!strncmp(ns->name[k], s[i].names[j], 2))
					break;
			if (k < ns->nr)
				continue;
			if (ns->nr == MAX_NAMES)
				return -E2BIG;
			memcpy(ns->name[ns->nr++], s[i].names[j], 3);
		}
	return 0;
}

/* does @bit appear in exactly the samples that show @name? */
static bool same_samples(const struct vmflag_sample *s, unsigned int n, unsigned int bit,
			 const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!!(s[i].raw & (1ULL << bit)) != has_name(&s[i], name))
			return false;
	return true;
}

/* do @a and @b appear in exactly the same samples? */
static bool same_bits(const struct vmflag_sample *s, unsigned int n, unsigned int a,
		      unsigned int b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!!(s[i].raw & (1ULL << a)) != !!(s[i].raw & (1ULL << b)))
			return false;
	return true;
}

/*
 * The bits that come in the same samples as @bit, the mnemonics that
 * come in those too, and what can be said of the group.
 */
static int classify_bit(const struct vmflag_sample *s, unsigned int n, const struct name_set *ns,
			unsigned int bit, struct vmflag_table *t, char *why, size_t whylen)
{
	unsigned int b, i, nr_bits = 0, nr_names = 0, first = 0;
	uint64_t group = 0;
	bool acted = false, unsupp = false;

	for (b = 0; b < 64; b++)
		if (same_bits(s, n, bit, b)) {
			group |= 1ULL << b;
			nr_bits++;
		}
	for (i = 0; i < ns->nr; i++) {
		if (!same_samples(s, n, bit, ns->name[i]))
			continue;
		if (!nr_names++)
			first = i;
		if (vmflag_kind(ns->name[i]) == VMFLAG_ACTED)
			acted = true;
		else if (vmflag_kind(ns->name[i]) == VMFLAG_UNSUPP)
			unsupp = true;
	}
	if (!nr_names) {
		snprintf(why, whylen, "bit %u of vm_flags comes with no VmFlags mnemonic", bit);
		return -EINVAL;
	}
	if (nr_names != nr_bits) {
		snprintf(why, whylen, "%u VmFlags mnemonics (\"%s\", ...) come with %u bits of vm_flags (%u, ...)",
			 nr_names, ns->name[first], nr_bits, bit);
		return -EINVAL;
	}
	if (nr_bits == 1) {
		memcpy(t->name[bit], ns->name[first], 3);
		t->mapped |= group;
	} else if (acted) {
		snprintf(why, whylen, "bits of vm_flags %#llx always came together, with \"%s\" among them",
			 (unsigned long long)group, ns->name[first]);
		return -EINVAL;
	} else if (unsupp) {
		t->special |= group;
	} else {
		t->inert |= group;
	}
	return 0;
}

/* a mnemonic the samples show must be some bit's, or some group's */
static int check_names(const struct vmflag_sample *s, unsigned int n, const struct name_set *ns,
		       uint64_t seen, char *why, size_t whylen)
{
	unsigned int i, b;

	for (i = 0; i < ns->nr; i++) {
		for (b = 0; b < 64; b++)
			if ((seen & (1ULL << b)) && same_samples(s, n, b, ns->name[i]))
				break;
		if (b == 64) {
			snprintf(why, whylen, "VmFlags \"%s\" comes with no bit of vm_flags",
				 ns->name[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A mnemonic the dump acts on, set up in a sample, needs a bit of its own
 * if smaps showed it. If smaps never did (6.1 prints "??" for the bit of
 * mlock2(MLOCK_ONFAULT)), smaps cannot show it on this kernel and the
 * bit goes by the name smaps gave it, "??", which the dump refuses as
 * it refuses it from smaps.
 */
static int check_required(const struct vmflag_table *t, const struct name_set *ns,
			  const char (*required)[3], unsigned int nr_req, char *why, size_t whylen)
{
	unsigned int i, b, k;

	for (i = 0; i < nr_req; i++) {
		for (k = 0; k < ns->nr; k++)
			if (!strncmp(ns->name[k], required[i], 2))
				break;
		if (k == ns->nr)
			continue;
		for (b = 0; b < 64; b++)
			if ((t->mapped & (1ULL << b)) && !strncmp(t->name[b], required[i], 2))
				break;
		if (b == 64) {
			snprintf(why, whylen, "no bit of vm_flags of its own for VmFlags \"%s\"",
				 required[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int vmflag_calibrate(const struct vmflag_sample *s, unsigned int n,
		     const char (*required)[3], unsigned int nr_req,
		     struct vmflag_table *t, char *why, size_t whylen)
{
	struct name_set ns;
	uint64_t seen = 0;
	unsigned int i, b;
	int ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		seen |= s[i].raw;
	if (collect_names(s, n, &ns)) {
		snprintf(why, whylen, "more than %d VmFlags mnemonics", MAX_NAMES);
		return -EINVAL;
	}
	for (b = 0; b < 64; b++) {
		if (!(seen & (1ULL << b)) || ((t->mapped | t->inert | t->special) & (1ULL << b)))
			continue;
		ret = classify_bit(s, n, &ns, b, t, why, whylen);
		if (ret)
			return ret;
	}
	ret = check_names(s, n, &ns, seen, why, whylen);
	if (!ret)
		ret = check_required(t, &ns, required, nr_req, why, whylen);
	return ret;
}

int vmflag_decode(const struct vmflag_table *t, uint64_t flags, bool special,
		  struct vma_area *vma, unsigned int *bit)
{
	uint64_t ignored = t->inert | (special ? t->special : 0);
	unsigned int b;

	vmflag_clear(vma);
	for (b = 0; b < 64; b++) {
		if (!(flags & (1ULL << b)) || (ignored & (1ULL << b)))
			continue;
		if (!(t->mapped & (1ULL << b))) {
			*bit = b;
			return -ENOENT;
		}
		vmflag_apply(vma, t->name[b]);
	}
	return 0;
}

static int find_bit(const struct vmflag_table *t, const char *name)
{
	unsigned int b;

	for (b = 0; b < 64; b++)
		if ((t->mapped & (1ULL << b)) && !strncmp(t->name[b], name, 2))
			return b;
	return -1;
}

int vmflag_prot(const struct vmflag_table *t, uint64_t flags)
{
	static const struct {
		char name[3];
		int prot;
	} p[] = { { "rd", PROT_READ }, { "wr", PROT_WRITE }, { "ex", PROT_EXEC } };
	unsigned int i;
	int b, prot = 0;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		b = find_bit(t, p[i].name);
		if (b < 0)
			return -1;
		if (flags & (1ULL << b))
			prot |= p[i].prot;
	}
	return prot;
}

int vmflag_mayshare(const struct vmflag_table *t, uint64_t flags)
{
	int b = find_bit(t, "ms");

	return b < 0 ? -1 : !!(flags & (1ULL << b));
}
