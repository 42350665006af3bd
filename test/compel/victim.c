// SPDX-License-Identifier: GPL-2.0
/*
 * Victim for the compel tests, run as "victim MODE". It prints one line
 * "ready counter=ADDR marker=ADDR seen=ADDR sigs=ADDR" on stdout, then:
 *   spin    increments `counter` forever
 *   xmm     like spin, copying xmm15 and the upper half of ymm15 into `seen`
 *   sleep   sleeps 1.5 s in nanosleep, prints "slept ms=N ret=R errno=E"
 *   read    reads stdin once, prints "read n=N errno=E data=TEXT"
 *   sigs    SIGTRAP caught, SIGUSR1 blocked, SIGRTMIN counted in `sigs`; spins
 *   sigign  SIGTRAP ignored, otherwise like spin
 *   thread  a second thread spins too; prints "thread tid=T" after ready
 *   seccomp a seccomp filter fails getppid() with EPERM; spins
 *   selfcheck  checks itself without end: registers (regcheck.S), a
 *           blocked mask, a pending signal, its alternate stack and a
 *           memory pattern, with short select() sleeps (restartable)
 *           between rounds; counts rounds in `counter`, and on any
 *           difference prints "selfcheck FAIL what" and exits 2
 * marker(page) is not called by the victim: the tests jump to it.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long counter;
static volatile unsigned long sigs;
static unsigned char seen[32];

/* Entered by compel_syscall_and_set_regs with the unmapped page in rdi. */
void marker(unsigned long page)
{
	unsigned char vec;
	int unmapped = mincore((void *)page, 4096, &vec) < 0 && errno == ENOMEM;

	printf("marker unmapped=%d\n", unmapped);
	fflush(stdout);
	_exit(0);
}

static void spin(void)
{
	for (;;)
		counter++;
}

static void spin_xmm(void)
{
	int avx = __builtin_cpu_supports("avx");

	for (;;) {
		counter++;
		asm volatile("movdqu %%xmm15, %0" : "=m"(*(char (*)[16])seen));
		if (avx)
			asm volatile("vextractf128 $1, %%ymm15, %%xmm14\n\t"
				     "movdqu %%xmm14, %0"
				     : "=m"(*(char (*)[16])(seen + 16))
				     : : "xmm14");
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void do_sleep(void)
{
	struct timespec t0, req = { 1, 500000000 };
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = nanosleep(&req, NULL);
	printf("slept ms=%ld ret=%d errno=%d\n", ms_since(&t0), ret,
	       ret ? errno : 0);
}

static void do_read(void)
{
	char buf[64] = "";
	ssize_t n;

	n = read(0, buf, sizeof(buf) - 1);
	if (n > 0)
		buf[strcspn(buf, "\n")] = '\0';
	printf("read n=%zd errno=%d data=%s\n", n, n < 0 ? errno : 0, buf);
}

static void on_signal(int sig)
{
	if (sig == SIGRTMIN)
		sigs++;
}

static void setup_sigs(int ignore_trap)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	if (ignore_trap)
		sa.sa_handler = SIG_IGN;
	sigaction(SIGTRAP, &sa, NULL);
}

static int setup_seccomp(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -1;
	return syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : -1;
}

static void *thread_fn(void *arg)
{
	printf("thread tid=%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	spin();
	return NULL;
}

/* Shared with regcheck.S. */
unsigned long regcheck_gpr[15], regcheck_left;
unsigned char regcheck_vec[16 * 32], regcheck_vec_out[16 * 32];
unsigned char regcheck_avx;
int regcheck_loop(unsigned long iterations);

#define CHECK_MEM	(1 << 20)
static unsigned char *check_mem;
static unsigned char altstack[64 * 1024];

static void selfcheck_fail(const char *what, long a, long b)
{
	printf("selfcheck FAIL %s (%ld %ld)\n", what, a, b);
	fflush(stdout);
	_exit(2);
}

static unsigned long mix(unsigned long x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15UL;
	return x ^ (x >> 29);
}

static void selfcheck_setup(sigset_t *want)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	size_t i;

	sigemptyset(want);
	sigaddset(want, SIGUSR1);
	sigaddset(want, SIGRTMIN + 2);
	if (sigprocmask(SIG_BLOCK, want, NULL) || sigaltstack(&ss, NULL))
		selfcheck_fail("setup", errno, 0);
	raise(SIGUSR1);	/* stays pending */
	check_mem = malloc(CHECK_MEM);
	if (!check_mem)
		selfcheck_fail("malloc", 0, 0);
	for (i = 0; i < CHECK_MEM; i++)
		check_mem[i] = mix(i) & 0xff;
	regcheck_avx = __builtin_cpu_supports("avx") != 0;
}

static void selfcheck_signals(const sigset_t *want)
{
	sigset_t cur, pend;
	stack_t ss;
	int sig;

	if (sigprocmask(SIG_BLOCK, NULL, &cur))
		selfcheck_fail("sigprocmask", errno, 0);
	for (sig = 1; sig < SIGRTMAX; sig++)
		if (sigismember(&cur, sig) != sigismember(want, sig))
			selfcheck_fail("blocked mask", sig, sigismember(&cur, sig));
	if (sigpending(&pend) || !sigismember(&pend, SIGUSR1))
		selfcheck_fail("pending SIGUSR1", 0, 0);
	if (sigaltstack(NULL, &ss) || ss.ss_sp != altstack ||
	    ss.ss_size != sizeof(altstack) || ss.ss_flags)
		selfcheck_fail("altstack", (long)ss.ss_sp, ss.ss_flags);
}

static void selfcheck_round(unsigned long round)
{
	struct timeval tv = { 0, 500 };
	size_t i;
	int r;

	for (i = 0; i < 15; i++)
		regcheck_gpr[i] = mix(round * 16 + i);
	for (i = 0; i < sizeof(regcheck_vec); i++)
		regcheck_vec[i] = mix(round * 1024 + i);
	if (regcheck_loop(200000))
		selfcheck_fail("general registers", round, 0);
	for (i = 0; i < 16; i++)
		if (memcmp(regcheck_vec + 32 * i, regcheck_vec_out + 32 * i,
			   regcheck_avx ? 32 : 16))
			selfcheck_fail("vector registers", round, i);
	for (i = 0; i < CHECK_MEM; i++)
		if (check_mem[i] != (mix(i) & 0xff))
			selfcheck_fail("memory", i, check_mem[i]);
	/* Interrupted, select() restarts with the time left (ERESTARTNOHAND). */
	r = select(0, NULL, NULL, NULL, &tv);
	if (r)
		selfcheck_fail("select", r, errno);
}

static sigset_t selfcheck_want;

static void selfcheck(void)
{
	const sigset_t *want = &selfcheck_want;
	unsigned long round;

	for (round = 1;; round++) {
		selfcheck_round(round);
		selfcheck_signals(want);
		counter = round;
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spin";
	pthread_t t;

	if (!strcmp(mode, "sigs"))
		setup_sigs(0);
	if (!strcmp(mode, "sigign"))
		setup_sigs(1);
	if (!strcmp(mode, "seccomp") && setup_seccomp())
		return 1;
	/* Before "ready": a snapshot taken then must see the final state. */
	if (!strcmp(mode, "selfcheck"))
		selfcheck_setup(&selfcheck_want);
	printf("ready counter=%p marker=%p seen=%p sigs=%p\n",
	       (void *)&counter, (void *)marker, (void *)seen, (void *)&sigs);
	fflush(stdout);
	if (!strcmp(mode, "xmm"))
		spin_xmm();
	else if (!strcmp(mode, "sleep"))
		do_sleep();
	else if (!strcmp(mode, "read"))
		do_read();
	else if (!strcmp(mode, "selfcheck"))
		selfcheck();
	else if (!strcmp(mode, "thread") && !pthread_create(&t, NULL, thread_fn, NULL))
		spin();
	else
		spin();
	return 0;
}
