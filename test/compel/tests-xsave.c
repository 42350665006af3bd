// SPDX-License-Identifier: GPL-2.0
/*
 * XSAVE state: load xmm15 (and the upper half of ymm15 when the CPU has
 * AVX) into a seized victim; after detach the victim copies both into
 * memory, where we find the values again.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "compel.h"
#include "test-util.h"
#include "tests.h"

#define XMM_OFF(n)	(160 + 16 * (n))	/* legacy area */
#define MXCSR_OFF	24
#define XSTATE_BV_OFF	512			/* xsave header */
#define XFEATURE_SSE	(1ULL << 1)
#define XFEATURE_YMM	(1ULL << 2)

/* Standard-format offset of the YMM_Hi128 component, 0 without AVX. */
static unsigned int ymm_offset(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_AVX))
		return 0;
	__get_cpuid_count(0xd, 2, &eax, &ebx, &ecx, &edx);
	return ebx;
}

static void load_values(unsigned char *buf, unsigned int ymm,
			const unsigned char *want)
{
	uint64_t bv;

	memcpy(buf + XMM_OFF(15), want, 16);
	memcpy(&bv, buf + XSTATE_BV_OFF, sizeof(bv));
	bv |= XFEATURE_SSE;
	if (ymm) {
		/* Without its bit the component would read as zeroes. */
		memcpy(buf + ymm + 16 * 15, want + 16, 16);
		bv |= XFEATURE_YMM;
	}
	memcpy(buf + XSTATE_BV_OFF, &bv, sizeof(bv));
}

static int wait_seen(struct victim *v, const unsigned char *want, size_t len)
{
	unsigned char seen[32];
	int waited;

	for (waited = 0; waited < 2000; waited += 20) {
		if (compel_read_mem(v->pid, v->seen, seen, len))
			return -1;
		if (!memcmp(seen, want, len))
			return 0;
		msleep(20);
	}
	return -1;
}

int test_xsave(void)
{
	size_t size = compel_xsave_size(), len;
	unsigned int ymm = ymm_offset(), i;
	unsigned char *buf = NULL, *back = NULL, want[32];
	uint32_t mxcsr;
	struct victim v;
	int ret = -1, seized = 0;

	v.pid = -1;
	CHECK(size >= 576, "xsave size %zu", size);
	buf = calloc(1, size);
	back = calloc(1, size);
	CHECK(buf && back, "no memory");
	for (i = 0; i < sizeof(want); i++)
		want[i] = 0xa0 + i;
	CHECK(!victim_start(&v, "xmm"), "no victim");
	CHECK(!compel_seize(v.pid), "seize failed");
	seized = 1;
	len = size;
	CHECK(!compel_get_xsave(v.pid, buf, &len) && len == size,
	      "get_xsave gave %zu of %zu bytes", len, size);
	memcpy(&mxcsr, buf + MXCSR_OFF, sizeof(mxcsr));
	CHECK(mxcsr == 0x1f80, "mxcsr %#x, not the default", mxcsr);
	load_values(buf, ymm, want);
	CHECK(!compel_set_xsave(v.pid, buf, len), "set_xsave failed");
	CHECK(!compel_get_xsave(v.pid, back, &len), "second get_xsave failed");
	CHECK(!memcmp(back + XMM_OFF(15), want, 16), "xmm15 not read back");
	CHECK(!ymm || !memcmp(back + ymm + 16 * 15, want + 16, 16),
	      "ymm15 not read back");
	CHECK(!compel_detach(v.pid), "detach failed");
	seized = 0;
	CHECK(!wait_seen(&v, want, ymm ? 32 : 16),
	      "victim does not see the loaded registers");
	ret = 0;
out:
	if (seized)
		compel_detach(v.pid);
	if (v.pid > 0)
		victim_stop(&v);
	free(buf);
	free(back);
	return ret;
}
