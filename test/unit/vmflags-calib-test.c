// SPDX-License-Identifier: GPL-2.0
/*
 * vmflag_calibrate(), vmflag_decode() and vmflags_merge_raw() on made-up
 * kernels: the bit of each mnemonic is whatever the samples say (here
 * not the kernel's numbers), and a sample set that leaves any doubt
 * makes the BPF source refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "unit.h"
#include "vmflags-calib.h"
#include "vmflags-names.h"
#include "vmflags-raw.h"

/* a made-up kernel: mnemonic -> bit, none of them the real one */
static const struct {
	char name[3];
	unsigned int bit;
} kernel[] = {
	{ "rd", 40 }, { "wr", 3 }, { "ex", 17 }, { "sh", 9 }, { "mr", 0 }, { "mw", 61 },
	{ "me", 22 }, { "ms", 5 }, { "gd", 33 }, { "um", 12 }, { "uw", 13 }, { "lo", 1 },
	{ "sr", 50 }, { "rr", 51 }, { "dc", 7 }, { "de", 8 }, { "lf", 2 }, { "ac", 30 },
	{ "nr", 31 }, { "wf", 44 }, { "dd", 45 }, { "hg", 46 }, { "nh", 47 }, { "mg", 48 },
	{ "pf", 20 }, { "io", 21 }, { "sd", 55 },
};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static int bit_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR(kernel); i++)
		if (!strncmp(kernel[i].name, name, 2))
			return kernel[i].bit;
	return -1;
}

/* criu's areas as its smaps would show them (sd: a soft-dirty kernel) */
static const char *const areas[] = {
	"mr mw me sd",				/* a PROT_NONE guard */
	"rd mr mw me sd",
	"rd wr mr mw me ac sd",
	"rd ex mr mw me sd",
	"rd wr sh mr mw me ms sd",
	"rd mr me ms sd",			/* a file shared, opened read-only */
	"rd wr mr mw me nr sd",
	"rd wr mr mw me gd ac sd",
	"rd wr mr mw me lo ac sd",
	"rd wr mr mw me lo lf ac sd",
	"rd wr mr mw me ac hg sd",
	"rd wr mr mw me ac nh sd",
	"rd wr mr mw me ac dd sd",
	"rd wr mr mw me dc ac sd",
	"rd wr mr mw me ac wf sd",
	"rd wr mr mw me ac mg sd",
	"rd wr mr mw me sr ac sd",
	"rd wr mr mw me rr ac sd",
	"rd wr mr mw me ac um sd",
	"rd wr mr mw me ac uw sd",
	"rd ex mr mw me de sd",			/* [vdso] */
	"rd mr pf io de dd sd",			/* [vvar] */
};

static const char required[][3] = {
	"rd", "wr", "ex", "ms", "mw", "ac", "gd", "lo", "lf", "hg", "nh", "dd", "dc",
	"wf", "mg", "sr", "rr",
};

static void parse_names(const char *str, struct vmflag_sample *s)
{
	const char *p;

	memset(s, 0, sizeof(*s));
	for (p = str; *p; p += 2) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		memcpy(s->names[s->nr_names++], p, 2);
		s->raw |= 1ULL << bit_of(p);
	}
}

static uint64_t raw_of(const char *str);

static unsigned int make_samples(struct vmflag_sample *s)
{
	unsigned int i;

	for (i = 0; i < NR(areas); i++)
		parse_names(areas[i], &s[i]);
	return NR(areas);
}

static char why[160];

static int calibrate(struct vmflag_sample *s, unsigned int n, struct vmflag_table *t)
{
	int ret;

	why[0] = '\0';
	ret = vmflag_calibrate(s, n, required, NR(required), t, why, sizeof(why));
	if (ret)
		printf("    refused: %s\n", why);
	return ret;
}

TEST(vmflags_calib_derives_every_bit)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	unsigned int i, n = make_samples(s);

	CHECK(calibrate(s, n, &t) == 0);
	for (i = 0; i < NR(kernel); i++) {
		const char *name = kernel[i].name;
		uint64_t bit = 1ULL << kernel[i].bit;

		if (!strcmp(name, "pf") || !strcmp(name, "io")) {
			/* always together, and unsupported: only vdso/vvar may have them */
			CHECK(t.special & bit);
			continue;
		}
		if (!strcmp(name, "mr") || !strcmp(name, "sd")) {
			/* in every sample: which is which does not matter, both are plain */
			CHECK(t.inert & bit);
			continue;
		}
		CHECK(t.mapped & bit);
		CHECK(!strcmp(t.name[kernel[i].bit], name));
	}
	return 0;
}

/*
 * smaps shows a mnemonic where no raw bit differs from the others: "uw",
 * which the dump does not require (only this check sees it), then "dd".
 */
TEST(vmflags_calib_refuses_missing_bit)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	unsigned int i, n = make_samples(s);

	for (i = 0; i < n; i++)
		s[i].raw &= ~(1ULL << bit_of("uw"));
	CHECK(calibrate(s, n, &t) == -EINVAL);
	CHECK(strstr(why, "\"uw\" comes with no bit"));
	n = make_samples(s);
	for (i = 0; i < n; i++)
		s[i].raw &= ~(1ULL << bit_of("dd"));
	CHECK(calibrate(s, n, &t) == -EINVAL);
	return 0;
}

/* two mnemonics in the same samples as one bit: which is it? */
static void one_bit_for_two(struct vmflag_sample *s, unsigned int n, const char *a,
			    const char *b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (s[i].raw & (1ULL << bit_of(b))) {
			s[i].raw &= ~(1ULL << bit_of(b));
			s[i].raw |= 1ULL << bit_of(a);
			memcpy(s[i].names[s[i].nr_names++], a, 3);
		} else if (s[i].raw & (1ULL << bit_of(a))) {
			memcpy(s[i].names[s[i].nr_names++], b, 3);
		}
}

TEST(vmflags_calib_refuses_two_names_on_one_bit)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	unsigned int n = make_samples(s);

	/* plain ones, which the dump does not require */
	one_bit_for_two(s, n, "um", "uw");
	CHECK(calibrate(s, n, &t) == -EINVAL);
	CHECK(strstr(why, "2 VmFlags mnemonics"));
	n = make_samples(s);
	one_bit_for_two(s, n, "dd", "dc");
	CHECK(calibrate(s, n, &t) == -EINVAL);
	return 0;
}

/* a bit the kernel set that smaps does not account for */
TEST(vmflags_calib_refuses_unexplained_bit)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	unsigned int n = make_samples(s);

	s[3].raw |= 1ULL << 60;
	CHECK(calibrate(s, n, &t) == -EINVAL);
	CHECK(strstr(why, "bit 60 of vm_flags comes with no"));
	return 0;
}

/* "hg" and "nh" always together on two bits: which is which is unknown */
TEST(vmflags_calib_refuses_acted_group)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	unsigned int i, n = make_samples(s);

	for (i = 0; i < n; i++)
		if (s[i].raw & (1ULL << bit_of("nh")))
			s[i].raw &= ~(1ULL << bit_of("nh") | 1ULL << bit_of("hg"));
	for (i = 0; i < n; i++)
		if (s[i].raw & (1ULL << bit_of("hg")))
			s[i].raw |= 1ULL << bit_of("nh");
	/* their names follow the bits: every "hg" sample shows "nh" too */
	parse_names("rd wr mr mw me ac hg nh sd", &s[10]);
	parse_names("rd wr mr mw me ac sd", &s[11]);
	CHECK(calibrate(s, n, &t) == -EINVAL);
	return 0;
}

/*
 * A mnemonic the dump acts on that smaps never shows here (6.1 prints
 * "??" for the bit of MLOCK_ONFAULT): the bit goes by "??", refused from
 * either source. Shown but sharing its bit with another: refused.
 */
TEST(vmflags_calib_required_as_smaps_shows_it)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	struct vma_area v;
	unsigned int i, bit, n = make_samples(s);

	for (i = 0; i < n; i++)
		for (unsigned int j = 0; j < s[i].nr_names; j++)
			if (!strcmp(s[i].names[j], "lf"))
				memcpy(s[i].names[j], "??", 3);
	CHECK(calibrate(s, n, &t) == 0);
	CHECK(!strcmp(t.name[bit_of("lf")], "??"));
	CHECK(vmflag_decode(&t, raw_of("rd wr mr mw me lo lf ac"), false, &v, &bit) == 0);
	CHECK(!strcmp(v.unsupp_vmflag, "??") && !v.lock_onfault);

	n = make_samples(s);
	parse_names("rd wr mr mw me ac mg sd", &s[15]);
	s[15].raw |= 1ULL << bit_of("rr");	/* "mg" and "rr" on the bit of rr */
	s[15].raw &= ~(1ULL << bit_of("mg"));
	CHECK(calibrate(s, n, &t) == -EINVAL);
	return 0;
}

static uint64_t raw_of(const char *str)
{
	struct vmflag_sample s;

	parse_names(str, &s);
	return s.raw;
}

/* decoding raw flags gives what parsing the VmFlags line gives */
TEST(vmflags_calib_decode_as_smaps)
{
	static const char *const lines[] = {
		"rd wr mr mw me ac dd sd", "rd wr mr mw me lo lf ac sd", "rd mr me ms sd",
		"rd wr mr mw me gd ac hg sd", "rd ex mr mw me de sd",
	};
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	struct vma_area a, b;
	unsigned int i, j, bit, n = make_samples(s);

	CHECK(calibrate(s, n, &t) == 0);
	for (i = 0; i < NR(lines); i++) {
		struct vmflag_sample l;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		parse_names(lines[i], &l);
		for (j = 0; j < l.nr_names; j++)
			vmflag_apply(&a, l.names[j]);
		CHECK(vmflag_decode(&t, l.raw, false, &b, &bit) == 0);
		CHECK(a.flags == b.flags && a.madv == b.madv && a.accounted == b.accounted);
		CHECK(a.may_write == b.may_write && a.lock_onfault == b.lock_onfault);
		CHECK(!strcmp(a.unsupp_vmflag, b.unsupp_vmflag));
	}
	CHECK(vmflag_prot(&t, raw_of("rd ex mr")) == (PROT_READ | PROT_EXEC));
	CHECK(vmflag_mayshare(&t, raw_of("rd mr ms")) == 1);
	/* vvar's pf and io: ignored in special areas, unknown elsewhere */
	CHECK(vmflag_decode(&t, raw_of("rd mr pf io de dd"), true, &b, &bit) == 0);
	CHECK(b.madv == 1ULL << MADV_DONTDUMP);
	CHECK(vmflag_decode(&t, raw_of("rd mr pf io de dd"), false, &b, &bit) == -ENOENT);
	CHECK(bit == (unsigned int)bit_of("pf"));
	/* a bit no sample had */
	CHECK(vmflag_decode(&t, raw_of("rd mr") | 1ULL << 62, false, &b, &bit) == -ENOENT);
	CHECK(bit == 62);
	return 0;
}

static void maps_area(struct vma_area *v, unsigned long start, unsigned long end, int prot)
{
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->prot = prot;
	v->flags = MAP_PRIVATE | MAP_ANONYMOUS;
	v->status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE;
}

TEST(vmflags_merge_raw_layouts)
{
	struct vmflag_sample s[NR(areas)];
	struct vmflag_table t;
	struct vma_area m[4];
	struct vma_list maps = { .vmas = m, .nr = 4 };
	struct vma_raw r[4];
	unsigned long at;
	unsigned int n = make_samples(s);

	CHECK(calibrate(s, n, &t) == 0);
	maps_area(&m[0], 0x1000, 0x2000, PROT_READ | PROT_WRITE);
	maps_area(&m[1], 0x2000, 0x3000, PROT_READ | PROT_WRITE);
	maps_area(&m[2], 0x5000, 0x6000, PROT_READ);
	maps_area(&m[3], 0xff600000, 0xff601000, PROT_READ | PROT_EXEC);
	m[3].status = VMA_AREA_VSYSCALL;
	/* m[0] and m[1] merged since (a tracker's registration), scratch at 0x8000 */
	r[0] = (struct vma_raw){ 0x1000, 0x3000, raw_of("rd wr mr mw me ac dd uw") };
	r[1] = (struct vma_raw){ 0x5000, 0x6000, raw_of("rd mr mw me lo") };
	r[2] = (struct vma_raw){ 0x8000, 0x9000, raw_of("rd wr sh mr mw me ms") };
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0x8000, 0x9000, &at) == 0);
	CHECK(m[0].madv == 1ULL << MADV_DONTDUMP && m[1].madv == m[0].madv);
	CHECK(m[0].accounted && !m[2].accounted && (m[2].flags & MAP_LOCKED));

	/* the scratch area not named: another layout */
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0, 0, &at) == -EAGAIN && at == 0x8000);
	/* an area maps has not */
	r[1].start = 0x4000;
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0x8000, 0x9000, &at) == -EAGAIN);
	r[1].start = 0x5000;
	/* another protection */
	r[1].flags = raw_of("rd wr mr mw me lo");
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0x8000, 0x9000, &at) == -EAGAIN && at == 0x5000);
	/* a bit the calibration did not see: nothing changes */
	r[1].flags = raw_of("rd mr mw me") | 1ULL << 62;
	m[2].madv = 77;
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0x8000, 0x9000, &at) == -ENOENT && at == 0x5000);
	CHECK(m[2].madv == 77);
	/* a raw area maps covers only in part */
	r[0].end = 0x4000;
	r[1].flags = raw_of("rd mr mw me");
	CHECK(vmflags_merge_raw(&maps, &t, r, 3, 0x8000, 0x9000, &at) == -EAGAIN);
	return 0;
}
