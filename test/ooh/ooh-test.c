// SPDX-License-Identifier: GPL-2.0
/*
 * ooh-test: the /dev/ooh API and its bad input, run in the VM tier.
 *
 *   ooh-test nohost      ooh.ko loaded as is, no OoH host under the guest
 *   ooh-test selftest    ooh.ko loaded with selftest=1 (sessions can attach)
 *   ooh-test fuzz N      N random ioctls on a few sessions
 *   ooh-test idle FD     (helper) write a byte to FD, then sleep
 *
 * One line per test: "PASS name" or "FAIL name: why". Exit 1 on any FAIL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libooh.h"

#define PG		4096UL
#define CHILD_MAP_PAGES	256

static int failures;

static void result(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(const char *name, const char *fmt, ...)
{
	va_list args;

	if (!fmt) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: ", name);
		va_start(args, fmt);
		vprintf(fmt, args);
		va_end(args);
		printf("\n");
		failures++;
	}
	fflush(stdout);
}

/* Raw ioctl, -errno. */
static int rio(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int must_open(void)
{
	int fd = ooh_open();

	if (fd < 0) {
		fprintf(stderr, "ooh-test: %s\n", ooh_strerror(OOH_OP_OPEN, fd));
		exit(1);
	}
	return fd;
}

/*
 * A child that maps CHILD_MAP_PAGES written pages, tells us where, and
 * sleeps; seized by us (the tracer may attach) unless @seize is false.
 */
struct child {
	pid_t pid;
	unsigned long map;
};

static int child_start(struct child *c, int seize)
{
	int p[2];
	char *m;

	if (pipe(p))
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (!c->pid) {
		m = mmap(NULL, CHILD_MAP_PAGES * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		memset(m, 1, CHILD_MAP_PAGES * PG);
		c->map = (unsigned long)m;
		if (write(p[1], &c->map, sizeof(c->map)) != sizeof(c->map))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c->map, sizeof(c->map)) != sizeof(c->map)) {
		close(p[0]);
		return -EIO;
	}
	close(p[0]);
	if (seize && ptrace(PTRACE_SEIZE, c->pid, 0, 0))
		return -errno;
	return 0;
}

static void child_stop(struct child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
}

static int attach(int fd, pid_t pid, unsigned int provider)
{
	return ooh_attach(fd, pid, provider, NULL);
}

/* --- without a host ------------------------------------------------------ */

static void t_dev_node(void)
{
	struct stat sb;

	if (stat(OOH_DEV_PATH, &sb))
		return result("dev-node", "stat %s: %s", OOH_DEV_PATH, strerror(errno));
	result("dev-node", S_ISCHR(sb.st_mode) ? NULL : "%s is not a char device",
	       OOH_DEV_PATH);
}

static void t_version(int fd)
{
	struct ooh_version v;
	int ret = ooh_version(fd, &v);

	if (ret)
		return result("version", "%s", strerror(-ret));
	if (v.abi_version != OOH_ABI_VERSION || v.providers || v.host_version)
		return result("version", "abi %u providers %#x host %u (want %u, 0, 0)",
			      v.abi_version, v.providers, v.host_version, OOH_ABI_VERSION);
	result("version", NULL);
}

static void t_version_bad(int fd)
{
	struct { struct ooh_version v; char pad[8]; } big = { };
	int a, b, c;

	big.v.size = 0;
	a = rio(fd, OOH_IOC_VERSION, &big);
	big.v.size = sizeof(big);
	b = rio(fd, OOH_IOC_VERSION, &big);
	c = rio(fd, OOH_IOC_VERSION, (void *)8);
	if (a != -EINVAL || b != -EINVAL || c != -EFAULT)
		return result("version-bad-args", "size 0: %d, size %zu: %d, bad pointer: %d",
			      a, sizeof(big), b, c);
	result("version-bad-args", NULL);
}

static void t_attach_no_host(int fd)
{
	struct child c = { };
	int a, s, e;

	if (child_start(&c, 1))
		return result("attach-no-host", "can't start a child");
	a = attach(fd, c.pid, OOH_PROVIDER_NONE);
	s = attach(fd, c.pid, OOH_PROVIDER_SPML);
	e = attach(fd, c.pid, OOH_PROVIDER_EPML);
	child_stop(&c);
	if (a != -ENODEV || s != -ENODEV)
		return result("attach-no-host", "best: %d, spml: %d (want -ENODEV)", a, s);
	result("attach-no-host", NULL);
	result("attach-epml-no-host", e == -ENODEV ? NULL :
	       "epml attach: %d (want -ENODEV)", e);
	printf("# attach without host: %s\n", ooh_strerror(OOH_OP_ATTACH, a));
}

static void t_attach_bad(int fd)
{
	struct ooh_attach a = { .size = sizeof(a), .pid = getpid() };
	int r[6], i;

	a.pid = 0;
	r[0] = rio(fd, OOH_IOC_ATTACH, &a);
	a.pid = -5;
	r[1] = rio(fd, OOH_IOC_ATTACH, &a);
	a.pid = getpid();
	a.flags = 1;
	r[2] = rio(fd, OOH_IOC_ATTACH, &a);
	a.flags = 0;
	a.provider = 9;
	r[3] = rio(fd, OOH_IOC_ATTACH, &a);
	a.provider = 0;
	a.size = 4;
	r[4] = rio(fd, OOH_IOC_ATTACH, &a);
	r[5] = rio(fd, OOH_IOC_ATTACH, NULL);
	for (i = 0; i < 5; i++)
		if (r[i] != -EINVAL)
			return result("attach-bad-args", "case %d: %d (want -EINVAL)", i, r[i]);
	result("attach-bad-args", r[5] == -EFAULT ? NULL : "NULL: %d (want -EFAULT)", r[5]);
}

static void t_attach_dead(int fd)
{
	pid_t pid = fork();
	int ret;

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	ret = attach(fd, pid, 0);
	result("attach-dead-pid", ret == -ESRCH ? NULL : "%d (want -ESRCH)", ret);
}

static void t_attach_not_tracer(int fd)
{
	struct child c = { };
	int ret;

	if (child_start(&c, 0))
		return result("attach-not-tracer", "can't start a child");
	ret = attach(fd, c.pid, 0);
	child_stop(&c);
	result("attach-not-tracer", ret == -EPERM ? NULL : "%d (want -EPERM)", ret);
}

/* A process of another user may not track ours (nor init). */
static void t_attach_unprivileged(void)
{
	struct child c = { };
	int st, p[2];
	pid_t pid;
	int res[2] = { 0, 0 };

	if (child_start(&c, 0) || pipe(p))
		return result("attach-unprivileged", "can't start a child");
	pid = fork();
	if (pid == 0) {
		/* Opened as root: attaching is what must be refused. */
		int fd = ooh_open();

		if (setgid(65534) || setuid(65534))
			_exit(2);
		res[0] = fd < 0 ? fd : attach(fd, c.pid, 0);
		res[1] = fd < 0 ? fd : attach(fd, 1, 0);
		if (write(p[1], res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], res, sizeof(res)) != sizeof(res))
		res[0] = res[1] = 1;
	close(p[0]);
	waitpid(pid, &st, 0);
	child_stop(&c);
	if (res[0] != -EPERM || res[1] != -EPERM)
		return result("attach-unprivileged", "root's child: %d, init: %d (want -EPERM)",
			      res[0], res[1]);
	result("attach-unprivileged", NULL);
}

static void t_unattached(int fd)
{
	struct ooh_drain d = { .size = sizeof(d), .addrs = 8, .max_addrs = 1 };
	struct ooh_stats st;
	int r[5];

	r[0] = rio(fd, OOH_IOC_START, NULL);
	r[1] = rio(fd, OOH_IOC_DRAIN, &d);
	r[2] = rio(fd, OOH_IOC_DETACH, NULL);
	r[3] = rio(fd, _IO(OOH_IOC_MAGIC, 0x42), NULL);
	r[4] = ooh_stats(fd, &st);
	if (r[0] != -ENOTCONN || r[1] != -ENOTCONN || r[2] != -ENOTCONN)
		return result("unattached-calls", "start %d drain %d detach %d (want -ENOTCONN)",
			      r[0], r[1], r[2]);
	if (r[3] != -ENOTTY)
		return result("unattached-calls", "unknown ioctl: %d (want -ENOTTY)", r[3]);
	if (r[4] || st.provider != OOH_PROVIDER_NONE || st.drains)
		return result("unattached-calls", "stats: %d provider %u", r[4], st.provider);
	d.size = 3;
	r[0] = rio(fd, OOH_IOC_DRAIN, &d);
	d.size = sizeof(d);
	d.max_addrs = 0;
	r[1] = rio(fd, OOH_IOC_DRAIN, &d);
	if (r[0] != -EINVAL || r[1] != -EINVAL)
		return result("unattached-calls", "drain size 3: %d, max 0: %d (want -EINVAL)",
			      r[0], r[1]);
	result("unattached-calls", NULL);
}

static void run_nohost(void)
{
	int fd;

	t_dev_node();
	fd = must_open();
	t_version(fd);
	t_version_bad(fd);
	t_attach_no_host(fd);
	t_attach_bad(fd);
	t_attach_dead(fd);
	t_attach_not_tracer(fd);
	t_attach_unprivileged();
	t_unattached(fd);
	close(fd);
}

/* --- with the selftest provider ------------------------------------------ */

/* Drain one interval, @batch addresses a call; -errno or addresses found. */
static long drain_all(int fd, size_t batch, uint64_t *out, size_t cap,
		      unsigned int *flags)
{
	size_t nr, total = 0;
	unsigned int f;
	int ret;

	*flags = 0;
	do {
		if (total + batch > cap)
			return -ENOSPC;
		ret = ooh_drain(fd, out + total, batch, &nr, &f);
		if (ret)
			return ret;
		*flags |= f;
		total += nr;
	} while (f & OOH_DRAIN_MORE);
	return total;
}

static int has_range(const uint64_t *a, long n, unsigned long start, unsigned long pages)
{
	unsigned long found = 0;
	long i;

	for (i = 0; i < n; i++)
		if (a[i] >= start && a[i] < start + pages * PG)
			found++;
	return found == pages;
}

static int sorted_unique(const uint64_t *a, long n)
{
	long i;

	for (i = 1; i < n; i++)
		if (a[i] <= a[i - 1])
			return 0;
	return 1;
}

#define ADDR_CAP	(1 << 20)

static void t_session(uint64_t *buf)
{
	struct child c = { };
	unsigned int used = 9, flags;
	struct ooh_version v;
	long n1, n2;
	int fd, fd2, ret;

	/* The child first: a descriptor it inherited would keep a session. */
	if (child_start(&c, 1))
		return result("session-attach", "can't start a child");
	fd = must_open();
	ret = ooh_attach(fd, c.pid, 0, &used);
	if (ret || used != OOH_PROVIDER_NONE) {
		child_stop(&c);
		close(fd);
		return result("session-attach", "%d, provider %u", ret, used);
	}
	ooh_version(fd, &v);
	result("session-attach", v.providers ? "selftest advertised: %#x" : NULL, v.providers);
	ret = ooh_attach(fd, c.pid, 0, NULL);
	result("attach-twice-same-file", ret == -EISCONN ? NULL : "%d (want -EISCONN)", ret);
	fd2 = must_open();
	ret = attach(fd2, c.pid, 0);
	result("two-sessions-one-process", ret == -EBUSY ? NULL : "%d (want -EBUSY)", ret);

	n1 = drain_all(fd, 64, buf, ADDR_CAP, &flags);
	result("drain-before-start", n1 == -ENOTCONN ? NULL : "%ld (want -ENOTCONN)", n1);
	ret = ooh_start(fd);
	n1 = drain_all(fd, ADDR_CAP, buf, ADDR_CAP, &flags);
	if (ret || n1 < 0 || !has_range(buf, n1, c.map, CHILD_MAP_PAGES) ||
	    !sorted_unique(buf, n1) || (flags & OOH_DRAIN_MORE))
		result("drain-one-call", "start %d, %ld pages, flags %#x, map %s", ret,
		       n1, flags, n1 > 0 && has_range(buf, n1, c.map, CHILD_MAP_PAGES) ?
		       "found" : "missing");
	else
		result("drain-one-call", NULL);
	n2 = drain_all(fd, 7, buf, ADDR_CAP, &flags);
	if (n2 != n1 || !has_range(buf, n2, c.map, CHILD_MAP_PAGES) || !sorted_unique(buf, n2))
		result("drain-more", "7 at a time: %ld pages, one call: %ld", n2, n1);
	else
		result("drain-more", NULL);

	{
		struct ooh_drain d = { .size = sizeof(d), .addrs = 8, .max_addrs = 16 };

		ret = rio(fd, OOH_IOC_DRAIN, &d);
		n2 = drain_all(fd, ADDR_CAP, buf, ADDR_CAP, &flags);
		result("drain-efault-keeps-interval",
		       ret == -EFAULT && n2 == n1 ? NULL : "bad buffer %d, then %ld of %ld",
		       ret, n2, n1);
	}
	{
		struct ooh_stats st;

		ret = ooh_stats(fd, &st);
		result("stats", !ret && st.drains >= 3 && st.pages_reported >= (uint64_t)n1 ?
		       NULL : "%d drains %llu reported %llu", ret,
		       (unsigned long long)st.drains, (unsigned long long)st.pages_reported);
	}
	/* Close without detach: the process is free for a new session. */
	close(fd);
	ret = attach(fd2, c.pid, 0);
	result("close-without-detach", ret ? "re-attach after close: %d" : NULL, ret);
	ret = ooh_detach(fd2);
	if (!ret)
		ret = attach(fd2, c.pid, 0);
	result("detach-reattach", ret ? "%d" : NULL, ret);
	ooh_start(fd2);

	/* The tracked process exits: the session says so, and ends. */
	child_stop(&c);
	n1 = drain_all(fd2, 64, buf, ADDR_CAP, &flags);
	ret = ooh_start(fd2);
	result("tracked-exit", n1 == 0 && (flags & OOH_DRAIN_EXITED) && ret == -ESRCH ?
	       NULL : "drain %ld flags %#x, start %d", n1, flags, ret);
	ret = ooh_detach(fd2);
	n1 = ooh_detach(fd2);
	result("detach-after-exit", !ret && n1 == -ENOTCONN ? NULL : "%d then %ld", ret, n1);
	close(fd2);
}

/* The tracked process exec's: a new address space, the session says so. */
static void t_exec(const char *self, uint64_t *buf)
{
	unsigned int flags;
	int p[2], fd, ret;
	pid_t pid;
	char b, arg[16];
	long n;

	if (pipe(p))
		return result("tracked-exec", "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		snprintf(arg, sizeof(arg), "%d", p[0]);
		execl(self, self, "idle", arg, NULL);
		_exit(1);
	}
	close(p[0]);
	fd = must_open();
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) || attach(fd, pid, 0) || ooh_start(fd)) {
		result("tracked-exec", "seize/attach/start: %s", strerror(errno));
		goto out;
	}
	n = drain_all(fd, ADDR_CAP, buf, ADDR_CAP, &flags);
	if (n <= 0 || flags) {
		result("tracked-exec", "before exec: %ld pages, flags %#x", n, flags);
		goto out;
	}
	/* Go, and wait until the new program runs. */
	if (write(p[1], "x", 1) != 1) {
		result("tracked-exec", "pipe write");
		goto out;
	}
	for (ret = 0; ret < 500; ret++) {
		char path[64], cmd[64] = "";
		int cfd;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		cfd = open(path, O_RDONLY);
		if (cfd >= 0) {
			n = read(cfd, cmd, sizeof(cmd) - 1);
			close(cfd);
			if (n > 0 && memchr(cmd, 0, n) && !strcmp(cmd + strlen(cmd) + 1, "idle"))
				break;
		}
		usleep(10000);
	}
	n = drain_all(fd, ADDR_CAP, buf, ADDR_CAP, &flags);
	result("tracked-exec", n == 0 && (flags & OOH_DRAIN_EXECED) ? NULL :
	       "after exec: %ld pages, flags %#x", n, flags);
out:
	close(fd);
	close(p[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void run_selftest(const char *self)
{
	uint64_t *buf = malloc(ADDR_CAP * sizeof(*buf));

	if (!buf)
		exit(1);
	t_session(buf);
	t_exec(self, buf);
	free(buf);
}

/* --- fuzzer -------------------------------------------------------------- */

static unsigned long rnd(void)
{
	return ((unsigned long)random() << 31) ^ random();
}

/* Pointers the module may be handed: none of them inside our own data. */
static unsigned long fuzz_ptr(char *scratch, size_t len)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return rnd() % PG;
	case 2: return 0xffff888000000000UL + (rnd() % (1UL << 30));
	case 3: return (unsigned long)scratch + len - (rnd() % 16);
	case 4: return rnd();
	}
	return (unsigned long)scratch + (rnd() % (len / 2));
}

static unsigned long fuzz_cmd(void)
{
	static const unsigned long cmds[] = {
		OOH_IOC_VERSION, OOH_IOC_ATTACH, OOH_IOC_START,
		OOH_IOC_DRAIN, OOH_IOC_STATS, OOH_IOC_DETACH,
	};
	switch (rnd() % 4) {
	case 0: case 1:
		return cmds[rnd() % 6];
	case 2:
		return _IOC(rnd() % 4, OOH_IOC_MAGIC, rnd() % 8, rnd() % 128);
	}
	return (unsigned int)rnd();
}

/* Fill the argument: a plausible size most of the time, the rest random. */
static void fuzz_arg(char *arg, size_t len, char *scratch, size_t slen, pid_t pid)
{
	unsigned long *w = (unsigned long *)arg;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = rnd() % 3 ? rnd() % 64 : rnd();
	if (rnd() % 4) {
		uint32_t sizes[] = { sizeof(struct ooh_version), sizeof(struct ooh_attach),
				     sizeof(struct ooh_drain), sizeof(struct ooh_stats) };
		*(uint32_t *)arg = sizes[rnd() % 4];
	}
	/* Sometimes a real target and provider for ATTACH, a pointer for DRAIN. */
	if (rnd() % 2)
		((struct ooh_attach *)arg)->pid = pid;
	if (rnd() % 2)
		((struct ooh_attach *)arg)->provider = rnd() % (OOH_PROVIDER_EPML + 1);
	if (rnd() % 2)
		((struct ooh_drain *)arg)->addrs = fuzz_ptr(scratch, slen);
}

static void run_fuzz(long calls)
{
	static char arg[256] __attribute__((aligned(16)));
	size_t slen = 64 * PG;
	struct child c = { };
	int fds[4], i, j;
	long n, ok = 0, errs = 0;
	char *scratch;

	srandom(getpid());
	scratch = mmap(NULL, slen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED || child_start(&c, 1))
		return result("ioctl-fuzz", "setup failed");
	for (i = 0; i < 4; i++)
		fds[i] = must_open();
	for (n = 0; n < calls; n++) {
		unsigned long cmd = fuzz_cmd(), p;

		i = rnd() % 4;
		fuzz_arg(arg, sizeof(arg), scratch, slen, rnd() % 8 ? c.pid : (pid_t)rnd());
		p = rnd() % 8 ? (unsigned long)arg : fuzz_ptr(scratch, slen);
		if (ioctl(fds[i], cmd, p) < 0)
			errs++;
		else
			ok++;
		/* Now and then a session ends and another begins. */
		if (rnd() % 200 == 0) {
			j = rnd() % 4;
			close(fds[j]);
			fds[j] = must_open();
		}
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	child_stop(&c);
	printf("# fuzz: %ld calls, %ld succeeded, %ld failed\n", calls, ok, errs);
	result("ioctl-fuzz", NULL);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "idle")) {
		int fd = atoi(argv[2]);

		(void)!write(fd, "i", 1);
		for (;;)
			pause();
	}
	if (argc >= 2 && !strcmp(argv[1], "nohost"))
		run_nohost();
	else if (argc >= 2 && !strcmp(argv[1], "selftest"))
		run_selftest(argv[0]);
	else if (argc >= 3 && !strcmp(argv[1], "fuzz"))
		run_fuzz(atol(argv[2]));
	else {
		fprintf(stderr, "usage: %s nohost|selftest|fuzz N\n", argv[0]);
		return 2;
	}
	return failures ? 1 : 0;
}
