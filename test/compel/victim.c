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
	printf("ready counter=%p marker=%p seen=%p sigs=%p\n",
	       (void *)&counter, (void *)marker, (void *)seen, (void *)&sigs);
	fflush(stdout);
	if (!strcmp(mode, "xmm"))
		spin_xmm();
	else if (!strcmp(mode, "sleep"))
		do_sleep();
	else if (!strcmp(mode, "read"))
		do_read();
	else if (!strcmp(mode, "thread") && !pthread_create(&t, NULL, thread_fn, NULL))
		spin();
	else
		spin();
	return 0;
}
