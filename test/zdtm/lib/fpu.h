/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpu.h - pieces shared by the fpu_* tests.
 *
 * A test loads its registers, waits for SIGTERM and stores them back, all in
 * one asm statement, so no compiler-generated code can touch them in between.
 * The wait is a loop of raw nanosleep(10 ms) syscalls that checks test_stop:
 * syscalls and the SIGTERM handler's signal frame keep the user FPU state,
 * so only a checkpoint/restore that loses it can change the registers.
 */
#ifndef ZDTM_FPU_H
#define ZDTM_FPU_H

#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "zdtmtst.h"

static const struct timespec fpu_tick = { 0, 10 * 1000 * 1000 };
static int fpu_break;		/* ZDTM_BREAK: damage a register after the wait */

#define __str(x)	#x
#define str(x)		__str(x)

#define FPU_WAIT_LOOP						\
	"1:	cmpl $0, %[stop]\n\t"				\
	"	jne 2f\n\t"					\
	"	mov $" str(SYS_nanosleep) ", %%eax\n\t"		\
	"	lea %[tick], %%rdi\n\t"				\
	"	xor %%esi, %%esi\n\t"				\
	"	syscall\n\t"					\
	"	jmp 1b\n\t"					\
	"2:	cmpl $0, %[brk]\n\t"				\
	"	je 3f\n\t"

/* Between FPU_WAIT_LOOP and FPU_WAIT_DONE: the damage done under ZDTM_BREAK. */
#define FPU_WAIT_DONE	"3:\n\t"

#define FPU_WAIT_INPUTS							\
	[stop] "m"(test_stop), [tick] "m"(fpu_tick), [brk] "m"(fpu_break)

#define FPU_WAIT_CLOBBERS "rax", "rcx", "r11", "rdi", "rsi", "memory", "cc"

/* Compare n registers of size bytes each; report the first difference. */
static inline int fpu_compare(const char *kind, const void *want, const void *got,
			      int n, size_t size)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *w = (const uint8_t *)want + i * size;
		const uint8_t *g = (const uint8_t *)got + i * size;

		if (!memcmp(w, g, size))
			continue;
		for (size_t k = 0; k < size; k++)
			if (w[k] != g[k]) {
				fail("%s%d byte %zu is %#04x, want %#04x", kind, i, k, g[k], w[k]);
				return -1;
			}
	}
	return 0;
}

#endif /* ZDTM_FPU_H */
