// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_x87: all eight x87 stack registers full of distinct 80-bit values
 * (some not representable as double) and a non-default control word
 * (round toward zero) held live across checkpoint/restore.
 */
#include <math.h>

#include "fpu.h"

#define NR_REGS		8
#define FCW_TEST	0x0f7f	/* all masked, 64-bit precision, round toward zero */
#define FCW_DEFAULT	0x037f

/* 80-bit values padded to 16 bytes; only the first 10 bytes are compared. */
static long double in[NR_REGS];
static long double out[NR_REGS];

#define LD(n)	"fldt " #n "*16(%[in])\n\t"
#define ST(n)	"fstpt " #n "*16(%[out])\n\t"
#define ALL(op)	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7)

static void hold_registers(uint16_t *fcw_out)
{
	uint16_t fcw_in = FCW_TEST, fcw_def = FCW_DEFAULT;

	asm volatile("fninit\n\t"
		     "fldcw %[fcwin]\n\t"
		     ALL(LD)
		     FPU_WAIT_LOOP
		     "fxch %%st(3)\n\tfchs\n\tfxch %%st(3)\n\t"
		     FPU_WAIT_DONE
		     "fnstcw %[fcwout]\n\t"
		     ALL(ST)
		     "fldcw %[fcwdef]\n\t"
		     : [fcwout] "=m"(*fcw_out)
		     : [in] "r"(in), [out] "r"(out), [fcwin] "m"(fcw_in),
		       [fcwdef] "m"(fcw_def), FPU_WAIT_INPUTS
		     : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)",
		       "st(7)", FPU_WAIT_CLOBBERS);
}

int main(int argc, char **argv)
{
	uint16_t fcw = 0;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	in[0] = 1.0L / 3.0L;
	in[1] = -M_PIl;
	in[2] = 1e4000L;		/* beyond double's range */
	in[3] = -0.0L;
	in[4] = 0x1.23456789abcdef01p-16400L;	/* denormal */
	in[5] = __builtin_infl();
	in[6] = __builtin_nanl("0x2a");
	in[7] = 12345678901234567890.0L;
	fpu_break = test_broken();

	if (test_daemon())
		return 1;
	hold_registers(&fcw);
	test_msg("got SIGTERM, checking");

	if (fcw != FCW_TEST) {
		fail("x87 control word is %#x, want %#x", fcw, FCW_TEST);
		return 1;
	}
	/* Loaded in[0] first, so st(0) held in[7]: out[i] is in[7 - i]. */
	for (int i = 0; i < NR_REGS; i++)
		if (memcmp(&in[7 - i], &out[i], 10)) {
			fail("st(%d) changed: %La, want %La", i, out[i], in[7 - i]);
			return 1;
		}
	pass();
	return 0;
}
