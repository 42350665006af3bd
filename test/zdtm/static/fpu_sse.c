// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_sse: xmm0-xmm15 and a non-default MXCSR (round up, FTZ, DAZ) held
 * live across checkpoint/restore; they must come back bit for bit.
 */
#include "fpu.h"

#define NR_REGS		16
#define MXCSR_TEST	0xdfc0	/* masks set, RC=up, FTZ, DAZ */
#define MXCSR_DEFAULT	0x1f80

static uint8_t in[NR_REGS][16] __attribute__((aligned(16)));
static uint8_t out[NR_REGS][16] __attribute__((aligned(16)));

#define LD(n)	"movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define ST(n)	"movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define ALL(op)	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
		op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)

static void hold_registers(uint32_t *mxcsr_out)
{
	uint32_t mxcsr_in = MXCSR_TEST, mxcsr_def = MXCSR_DEFAULT;

	asm volatile("ldmxcsr %[mxin]\n\t"
		     ALL(LD)
		     FPU_WAIT_LOOP
		     "pshufd $0x1b, %%xmm9, %%xmm9\n\t"
		     FPU_WAIT_DONE
		     ALL(ST)
		     "stmxcsr %[mxout]\n\t"
		     "ldmxcsr %[mxdef]\n\t"
		     : [mxout] "=m"(*mxcsr_out)
		     : [in] "r"(in), [out] "r"(out), [mxin] "m"(mxcsr_in),
		       [mxdef] "m"(mxcsr_def), FPU_WAIT_INPUTS
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		       "xmm15", FPU_WAIT_CLOBBERS);
}

int main(int argc, char **argv)
{
	uint32_t mxcsr = 0;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	datagen(in, sizeof(in), 0x737365ULL);
	fpu_break = test_broken();

	if (test_daemon())
		return 1;
	hold_registers(&mxcsr);
	test_msg("got SIGTERM, checking");

	if (mxcsr != MXCSR_TEST) {
		fail("MXCSR is %#x, want %#x", mxcsr, MXCSR_TEST);
		return 1;
	}
	if (fpu_compare("xmm", in, out, NR_REGS, 16))
		return 1;
	pass();
	return 0;
}
