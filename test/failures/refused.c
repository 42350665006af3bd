// SPDX-License-Identifier: GPL-2.0
/*
 * refused ITEM PIDFILE: a target with one piece of state that criu can't
 * restore exactly (or, for "strict", seccomp strict mode, which it can).
 * It daemonizes, writes its pid to PIDFILE and waits; criu dump must
 * refuse it naming the pid and the item, and leave it running.
 *
 * Exit codes of the starter: 0 ready, 1 error, 77 this kernel or machine
 * can't set ITEM up (the test is skipped).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP	77
#define NOT_MINE 1000

/* refused-fds.c: the descriptor and mapping items */
int set_fd_item(const char *item);

#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif
#ifndef PR_SET_MDWE
#define PR_SET_MDWE		65
#endif
#define PR_THP_DISABLE_EXCEPT_ADVISED	(1 << 1)
#define MPOL_BIND_	2

static char *area(void)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int ambient(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].inheritable |= 1U << CAP_NET_RAW;
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
}

static int pending_timer_signal(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	sigset_t set;
	timer_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || timer_create(CLOCK_MONOTONIC, &sev, &t) ||
	    timer_settime(t, 0, &its, NULL))
		return -1;
	usleep(20000);
	return 0;
}

static int mseal_area(void)
{
	char *p = area();

	if (!p)
		return -1;
	return syscall(462, p, 4096, 0) ? SKIP : 0;	/* mseal, Linux 6.10 */
}

static int write_self(const char *name, const char *val)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return SKIP;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

static int user_dispatch(void)
{
	static volatile char selector;	/* SYSCALL_DISPATCH_FILTER_ALLOW */

	/* on, with no code exempted: every call is checked against selector */
	return prctl(59, 1, 0, 0, &selector) ? SKIP : 0;
}

/*
 * An area bound to node 0 with mbind(), private or shared. With @big,
 * 512 MiB resident beside it: criu then asks each area with an injected
 * get_mempolicy() rather than reading numa_maps (area-policy.c), and the
 * refusal says which of the two saw it.
 */
static int mbind_area(bool shared, bool big)
{
	unsigned long mask = 1;
	size_t big_size = 512UL << 20;
	char *p, *fill;

	p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		 (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (big) {
		fill = mmap(NULL, big_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (fill == MAP_FAILED)
			return -1;
		memset(fill, 1, big_size);
	}
	return syscall(SYS_mbind, p, 4096, MPOL_BIND_, &mask, 64, 0) ? SKIP : 0;
}

/*
 * The target is a child created with exit signal SIGUSR1; this process
 * stays its parent (a new parent would reset it to SIGCHLD) until it
 * dies. The child reports to @ready in our place.
 */
static int exit_signal_target(void *arg)
{
	(void)arg;
	setsid();
	for (;;)
		pause();
	return 0;
}

static int exit_signal_child(int ready)
{
	static char stack[64 * 1024];
	int status;
	pid_t pid;

	pid = clone(exit_signal_target, stack + sizeof(stack), SIGUSR1, NULL);
	if (pid < 0)
		return -1;
	dprintf(ready, "%c%d", 0, pid);
	close(ready);
	waitpid(pid, &status, __WALL);
	_exit(0);
}

/* A file in /tmp, unlinked, kept open (as fd 3 and up); -1 on failure. */
static int deleted_file(off_t size)
{
	char name[] = "/tmp/criu-refused.XXXXXX";
	int fd = mkstemp(name);

	if (fd < 0)
		return -1;
	if (unlink(name) || ftruncate(fd, size) || pwrite(fd, "x", 1, 0) != 1)
		return -1;
	return fd;
}

/* A 2 MiB deleted file, over the default --ghost-limit (1 MiB). */
static int ghost_over_limit(void)
{
	return deleted_file(2 << 20) < 0 ? -1 : 0;
}

static int sysv_shm(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p;

	if (id < 0)
		return SKIP;
	p = shmat(id, NULL, 0);
	/* removed now: it goes away with the helper */
	shmctl(id, IPC_RMID, NULL);
	return p == (void *)-1 ? -1 : 0;
}

/* The set stays (removing it drops the undo entry): run.sh removes it. */
static int sysv_sem_undo(const char *pidfile)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	char path[4096];
	FILE *f;

	if (id < 0)
		return SKIP;
	snprintf(path, sizeof(path), "%s.semid", pidfile);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", id) < 0 || fclose(f)) {
		semctl(id, 0, IPC_RMID);
		return -1;
	}
	return semop(id, &op, 1);
}

/* A directory open as fd 3 and up, then removed. */
static int deleted_dir(void)
{
	char name[] = "/tmp/criu-refused-dir.XXXXXX";
	int fd;

	if (!mkdtemp(name))
		return -1;
	fd = open(name, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || rmdir(name))
		return -1;
	return 0;
}

static int file_lock(void)
{
	int fd = deleted_file(4096);

	return fd < 0 ? -1 : flock(fd, LOCK_EX);
}

/* A UDP socket on 127.0.0.1 with a datagram waiting to be read. */
static int udp_queued(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(rx, (struct sockaddr *)&a, &len) ||
	    sendto(tx, "queued", 6, 0, (struct sockaddr *)&a, sizeof(a)) != 6)
		return -1;
	close(tx);
	return 0;
}

/* 0 set up, SKIP can't be here, -1 failed */
static int set_item(const char *item, const char *pidfile)
{
	char *p;
	int ret;

	if (!strcmp(item, "nnp"))
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (!strcmp(item, "ambient"))
		return ambient();
	if (!strcmp(item, "mcl_future"))
		return mlockall(MCL_FUTURE);
	if (!strcmp(item, "lock_onfault"))
		return (p = area()) ? syscall(SYS_mlock2, p, 4096, MLOCK_ONFAULT) : -1;
	if (!strcmp(item, "anon_name"))
		/* EINVAL: a kernel without CONFIG_ANON_VMA_NAME */
		return (p = area()) ? (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, p, 4096,
					     "zdtm-name") ? SKIP : 0) : -1;
	if (!strcmp(item, "timerslack"))
		return prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0);
	if (!strcmp(item, "tsc"))
		return prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
	if (!strcmp(item, "mdwe"))
		return prctl(PR_SET_MDWE, 1, 0, 0, 0) ? SKIP : 0;
	if (!strcmp(item, "thp_except_advised"))
		return prctl(PR_SET_THP_DISABLE, 1, PR_THP_DISABLE_EXCEPT_ADVISED, 0, 0) ?
			SKIP : 0;
	if (!strcmp(item, "mce_kill"))
		return prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
	if (!strcmp(item, "timer_signal_pending"))
		return pending_timer_signal();
	if (!strcmp(item, "spec_store_bypass"))
		return prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS,
			     PR_SPEC_DISABLE, 0, 0) ? SKIP : 0;
	if (!strcmp(item, "mempolicy")) {
		unsigned long mask = 1;

		return syscall(SYS_set_mempolicy, MPOL_BIND_, &mask, 64) ? SKIP : 0;
	}
	if (!strcmp(item, "mseal"))
		return mseal_area();
	if (!strcmp(item, "coredump_filter"))
		return write_self("coredump_filter", "0x7f");
	if (!strcmp(item, "autogroup_nice"))
		return write_self("autogroup", "7");
	if (!strcmp(item, "user_dispatch"))
		return user_dispatch();
	if (!strcmp(item, "mbind"))
		return mbind_area(false, false);
	if (!strcmp(item, "mbind_big"))
		return mbind_area(false, true);
	if (!strcmp(item, "mbind_shared_big"))
		return mbind_area(true, true);
	if (!strcmp(item, "cpuid_faulting"))	/* ARCH_SET_CPUID 0 */
		return syscall(SYS_arch_prctl, 0x1012, 0) ? SKIP : 0;
	if (!strcmp(item, "sched_core"))	/* a new cookie for this thread */
		return prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0, 0, 0) ? SKIP : 0;
	if (!strcmp(item, "xcomp_perm"))	/* ARCH_REQ_XCOMP_PERM, AMX tile data */
		return syscall(SYS_arch_prctl, 0x1023, 18) ? SKIP : 0;
	if (!strcmp(item, "ghost_limit"))
		return ghost_over_limit();
	if (!strcmp(item, "sysv_shm"))
		return sysv_shm();
	if (!strcmp(item, "sysv_sem_undo"))
		return sysv_sem_undo(pidfile);
	if (!strcmp(item, "flock"))
		return file_lock();
	if (!strcmp(item, "deleted_dir"))
		return deleted_dir();
	if (!strcmp(item, "raw_socket"))
		return socket(AF_INET, SOCK_RAW, IPPROTO_UDP) < 0 ? SKIP : 0;
	if (!strcmp(item, "ping_socket"))
		/* EACCES: this group is not in net.ipv4.ping_group_range */
		return socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) < 0 ? SKIP : 0;
	if (!strcmp(item, "udp_queued"))
		return udp_queued();
	if (!strcmp(item, "strict"))
		return 0;	/* entered in wait(), after the pid file */
	ret = set_fd_item(item);
	if (ret != NOT_MINE)
		return ret;
	fprintf(stderr, "unknown item %s\n", item);
	return -1;
}

/* Strict mode allows read() only: block in it for good. */
static void wait_strict(void)
{
	int fds[2];
	char c;

	if (pipe(fds))
		_exit(1);
	prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT);
	for (;;)
		read(fds[0], &c, 1);
}

int main(int argc, char **argv)
{
	char c = 0, pidbuf[16] = "";
	int ready[2], ret;
	FILE *f;
	pid_t pid;

	if (argc != 3)
		return 1;
	if (pipe(ready))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			return 1;
		if (c)
			return c == 's' ? SKIP : 1;
		/*
		 * Then EOF, once the target has closed its end and is as it
		 * will stay; or the pid of the exit_signal target, a grandchild.
		 */
		if (read(ready[0], pidbuf, sizeof(pidbuf) - 1) > 0)
			pid = atoi(pidbuf);
		f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%d", pid) < 0 || fclose(f))
			return 1;
		return 0;
	}
	close(ready[0]);
	setsid();
	if (!strcmp(argv[1], "exit_signal"))
		return exit_signal_child(ready[1]);
	ret = set_item(argv[1], argv[2]);
	c = ret == SKIP ? 's' : ret ? 'e' : 0;
	if (ret && ret != SKIP)
		perror(argv[1]);
	write(ready[1], &c, 1);
	if (ret)
		_exit(1);
	close(ready[1]);
	if (!strcmp(argv[1], "strict"))
		wait_strict();
	for (;;)
		pause();
}
