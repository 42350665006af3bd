// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_avx: ymm0-ymm15, upper halves included, held live across
 * checkpoint/restore; they must come back bit for bit.
 */
#include "fpu.h"

#define NR_REGS		16

static uint8_t in[NR_REGS][32] __attribute__((aligned(32)));
static uint8_t out[NR_REGS][32] __attribute__((aligned(32)));

#define LD(n)	"vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define ST(n)	"vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define ALL(op)	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
		op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)

static void hold_registers(void)
{
	asm volatile(ALL(LD)
		     FPU_WAIT_LOOP
		     /* upper half of ymm5 := its lower half */
		     "vperm2f128 $0x00, %%ymm5, %%ymm5, %%ymm5\n\t"
		     FPU_WAIT_DONE
		     ALL(ST)
		     "vzeroupper\n\t"
		     :
		     : [in] "r"(in), [out] "r"(out), FPU_WAIT_INPUTS
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		       "xmm15", FPU_WAIT_CLOBBERS);
}

int main(int argc, char **argv)
{
	int ret, have_avx;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	__builtin_cpu_init();
	have_avx = __builtin_cpu_supports("avx");
	datagen(in, sizeof(in), 0x617678ULL);
	fpu_break = test_broken();

	if (test_daemon())
		return 1;
	if (!have_avx) {
		test_waitsig();
		skip("no AVX");
		return 0;
	}
	hold_registers();
	test_msg("got SIGTERM, checking");
	if (fpu_compare("ymm", in, out, NR_REGS, 32))
		return 1;
	pass();
	return 0;
}
