// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_avx512: zmm0-zmm31 and the opmask registers k0-k7 held live across
 * checkpoint/restore; they must come back bit for bit.
 */
#include "fpu.h"

#define NR_ZMM		32
#define NR_K		8

static uint8_t zin[NR_ZMM][64] __attribute__((aligned(64)));
static uint8_t zout[NR_ZMM][64] __attribute__((aligned(64)));
static uint64_t kin[NR_K], kout[NR_K];

#define LDZ(n)	"vmovdqu64 " #n "*64(%[zin]), %%zmm" #n "\n\t"
#define STZ(n)	"vmovdqu64 %%zmm" #n ", " #n "*64(%[zout])\n\t"
#define LDK(n)	"kmovq " #n "*8(%[kin]), %%k" #n "\n\t"
#define STK(n)	"kmovq %%k" #n ", " #n "*8(%[kout])\n\t"
#define ALLZ(op)	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) \
			op(10) op(11) op(12) op(13) op(14) op(15) op(16) op(17) op(18) \
			op(19) op(20) op(21) op(22) op(23) op(24) op(25) op(26) op(27) \
			op(28) op(29) op(30) op(31)
#define ALLK(op)	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7)

/* The target attribute lets the asm name xmm16-31 and k0-7 as clobbered. */
__attribute__((noinline, target("avx512f,avx512bw")))
static void hold_registers(void)
{
	asm volatile(ALLZ(LDZ) ALLK(LDK)
		     FPU_WAIT_LOOP
		     /* every 128-bit lane of zmm21 := its lowest lane */
		     "vshufi64x2 $0, %%zmm21, %%zmm21, %%zmm21\n\t"
		     FPU_WAIT_DONE
		     ALLZ(STZ) ALLK(STK)
		     "vzeroupper\n\t"
		     :
		     : [zin] "r"(zin), [zout] "r"(zout), [kin] "r"(kin), [kout] "r"(kout),
		       FPU_WAIT_INPUTS
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		       "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",
		       "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28",
		       "xmm29", "xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5",
		       "k6", "k7", FPU_WAIT_CLOBBERS);
}

int main(int argc, char **argv)
{
	int ret, have;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	__builtin_cpu_init();
	/* kmovq needs AVX512BW; the zmm state needs AVX512F. */
	have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	datagen(zin, sizeof(zin), 0x7a6d6dULL);
	datagen(kin, sizeof(kin), 0x6b6d61736bULL);
	fpu_break = test_broken();

	if (test_daemon())
		return 1;
	if (!have) {
		test_waitsig();
		skip("no AVX-512");
		return 0;
	}
	hold_registers();
	test_msg("got SIGTERM, checking");
	if (fpu_compare("zmm", zin, zout, NR_ZMM, 64) ||
	    fpu_compare("k", kin, kout, NR_K, 8))
		return 1;
	pass();
	return 0;
}
