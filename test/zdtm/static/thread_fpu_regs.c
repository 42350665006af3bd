// SPDX-License-Identifier: GPL-2.0
/*
 * thread_fpu_regs: 16 threads, each holding its own values in rbx and
 * r12-r15 and in ymm0-ymm15 (upper halves included) across checkpoint and
 * restore, inside one asm statement (see fpu.h). Every thread must get its
 * own registers back bit for bit: a restore that gave all threads the
 * leader's registers, or mixed them up, fails.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "fpu.h"

#define NR_THREADS	16
#define NR_GPRS		5
#define NR_VREGS	16
#define SEED		0x74667075ULL

struct regs {
	uint64_t gin[NR_GPRS], gout[NR_GPRS];
	uint8_t vin[NR_VREGS][32] __attribute__((aligned(32)));
	uint8_t vout[NR_VREGS][32] __attribute__((aligned(32)));
	int brk;		/* this thread damages r13 under ZDTM_BREAK */
	volatile int loaded;	/* its registers hold the values: may be dumped */
	char bad[200];
};

static struct regs regs[NR_THREADS];

#define LDV(n)	"vmovdqu %c[vin]+" #n "*32(%[r]), %%ymm" #n "\n\t"
#define STV(n)	"vmovdqu %%ymm" #n ", %c[vout]+" #n "*32(%[r])\n\t"
#define ALLV(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
		 op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)

static void hold_registers(struct regs *r)
{
	asm volatile("mov %c[gin]+0(%[r]), %%rbx\n\t"
		     "mov %c[gin]+8(%[r]), %%r12\n\t"
		     "mov %c[gin]+16(%[r]), %%r13\n\t"
		     "mov %c[gin]+24(%[r]), %%r14\n\t"
		     "mov %c[gin]+32(%[r]), %%r15\n\t"
		     ALLV(LDV)
		     "movl $1, %c[loaded](%[r])\n\t"
		     FPU_WAIT_LOOP
		     "xor $1, %%r13\n\t"
		     FPU_WAIT_DONE
		     "mov %%rbx, %c[gout]+0(%[r])\n\t"
		     "mov %%r12, %c[gout]+8(%[r])\n\t"
		     "mov %%r13, %c[gout]+16(%[r])\n\t"
		     "mov %%r14, %c[gout]+24(%[r])\n\t"
		     "mov %%r15, %c[gout]+32(%[r])\n\t"
		     ALLV(STV)
		     "vzeroupper\n\t"
		     :
		     : [r] "r"(r), [gin] "i"(offsetof(struct regs, gin)),
		       [gout] "i"(offsetof(struct regs, gout)),
		       [vin] "i"(offsetof(struct regs, vin)),
		       [vout] "i"(offsetof(struct regs, vout)),
		       [loaded] "i"(offsetof(struct regs, loaded)),
		       [stop] "m"(test_stop), [tick] "m"(fpu_tick), [brk] "m"(r->brk)
		     : "rbx", "r12", "r13", "r14", "r15",
		       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		       "xmm15", FPU_WAIT_CLOBBERS);
}

static void *holder(void *arg)
{
	struct regs *r = arg;

	hold_registers(r);
	for (int i = 0; i < NR_GPRS; i++)
		if (r->gout[i] != r->gin[i]) {
			snprintf(r->bad, sizeof(r->bad), "gpr %d is %#llx, want %#llx", i,
				 (unsigned long long)r->gout[i], (unsigned long long)r->gin[i]);
			return NULL;
		}
	for (int i = 0; i < NR_VREGS; i++)
		for (int k = 0; k < 32; k++)
			if (r->vout[i][k] != r->vin[i][k]) {
				snprintf(r->bad, sizeof(r->bad), "ymm%d byte %d is %#04x, want %#04x",
					 i, k, r->vout[i][k], r->vin[i][k]);
				return NULL;
			}
	return NULL;
}

static int start_threads(pthread_t *tids)
{
	fpu_break = test_broken();
	for (int t = 0; t < NR_THREADS; t++) {
		datagen(regs[t].gin, sizeof(regs[t].gin), SEED + t);
		datagen(regs[t].vin, sizeof(regs[t].vin), SEED + 100 + t);
		regs[t].brk = t == 7 && fpu_break;
	}
	if (test_threads_start(tids, NR_THREADS, holder, regs, sizeof(regs[0])))
		return -1;
	for (int t = 0; t < NR_THREADS; t++)
		while (!regs[t].loaded)
			usleep(1000);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t tids[NR_THREADS];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx")) {
		if (test_daemon())
			return 1;
		test_waitsig();
		skip("no AVX");
		return 0;
	}
	if (start_threads(tids) || test_daemon())
		return 1;
	test_waitsig();

	for (int t = 0; t < NR_THREADS; t++) {
		pthread_join(tids[t], NULL);
		if (regs[t].bad[0]) {
			fail("thread %d: %s", t, regs[t].bad);
			return 1;
		}
	}
	pass();
	return 0;
}
