// SPDX-License-Identifier: GPL-2.0
/*
 * The tracked process of the tracker tests. It obeys one command a line
 * on stdin and answers "ok [value]" or "err what" on stdout, so the
 * harness knows exactly which pages it wrote and when.
 *
 *   map PAGES plain|huge|nohuge|shared|fresh  map (and fill); ok ADDR
 *   write ADDR STRIDE COUNT VAL          one byte every STRIDE bytes
 *   dontneed ADDR LEN | touch ADDR LEN   madvise, or read every page
 *   refresh ADDR LEN                     map new empty memory over it
 *   mremap ADDR LEN                      move it elsewhere; ok NEWADDR
 *   piperead ADDR LEN VAL                the kernel writes it, via read()
 *   sum ADDR LEN                         ok HASH of the bytes
 *   fork | exec                          ok CHILDPID | a new "ready" line
 *   closefd N | dupnull N | newuffd N    put something else at fd N
 *   nofile N                             lower RLIMIT_NOFILE
 *   ping                                 ok pong
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE		4096UL
#define HUGE_SIZE	(2UL << 20)

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A mapping aligned to 2 MiB, so that huge pages can back it. */
static char *map_aligned(unsigned long len, int flags)
{
	char *raw, *p;
	unsigned long head;

	raw = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	head = p - raw;
	if (head)
		munmap(raw, head);
	munmap(p + len, HUGE_SIZE - head);
	return p;
}

static void cmd_map(unsigned long pages, const char *mode)
{
	int flags = MAP_ANONYMOUS | (strcmp(mode, "shared") ? MAP_PRIVATE : MAP_SHARED);
	unsigned long len = pages * PAGE, i;
	char *p;

	p = map_aligned(len, flags);
	if (!p)
		return reply("err mmap: %m");
	if (!strcmp(mode, "huge") && madvise(p, len, MADV_HUGEPAGE))
		return reply("err madvise: %m");
	if (!strcmp(mode, "nohuge") && madvise(p, len, MADV_NOHUGEPAGE))
		return reply("err madvise: %m");
	/* "fresh": left unpopulated, as a program's new mapping often is. */
	for (i = 0; strcmp(mode, "fresh") && i < pages; i++)
		p[i * PAGE] = (char)(i | 1);
	reply("ok %lx", (unsigned long)p);
}

static void cmd_write(char *addr, unsigned long stride, unsigned long count,
		      int val)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		((volatile char *)addr)[i * stride] = (char)val;
	reply("ok");
}

static void cmd_touch(char *addr, unsigned long len)
{
	unsigned long i, sum = 0;

	for (i = 0; i < len; i += PAGE)
		sum += ((volatile char *)addr)[i];
	reply("ok %lu", sum);
}

static void cmd_mremap(char *addr, unsigned long len)
{
	char *dst, *p;

	/* A free place far from the old one: reserve, then move over it. */
	dst = map_aligned(len, MAP_PRIVATE | MAP_ANONYMOUS);
	if (!dst)
		return reply("err mmap: %m");
	p = mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (p == MAP_FAILED)
		return reply("err mremap: %m");
	reply("ok %lx", (unsigned long)p);
}

static void cmd_piperead(char *addr, unsigned long len, int val)
{
	char buf[PAGE];
	int fds[2];

	if (len > sizeof(buf))
		return reply("err too long");
	memset(buf, val, len);
	if (pipe(fds))
		return reply("err pipe: %m");
	if (write(fds[1], buf, len) != (ssize_t)len ||
	    read(fds[0], addr, len) != (ssize_t)len)
		reply("err pipe i/o: %m");
	else
		reply("ok");
	close(fds[0]);
	close(fds[1]);
}

static void cmd_sum(const unsigned char *addr, unsigned long len)
{
	uint64_t h = 1469598103934665603ULL;
	unsigned long i;

	for (i = 0; i < len; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	reply("ok %llx", (unsigned long long)h);
}

static void cmd_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return reply("err fork: %m");
	if (pid == 0) {
		for (;;)
			pause();
	}
	reply("ok %x", pid);
}

static void cmd_fd(const char *what, int fd)
{
	int nfd;

	if (!strcmp(what, "closefd")) {
		if (close(fd))
			return reply("err close: %m");
		return reply("ok");
	}
	if (!strcmp(what, "dupnull"))
		nfd = open("/dev/null", O_RDONLY);
	else
		nfd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (nfd < 0)
		return reply("err open: %m");
	if (dup2(nfd, fd) < 0)
		return reply("err dup2: %m");
	close(nfd);
	reply("ok");
}

static void cmd_nofile(unsigned long n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return reply("err setrlimit: %m");
	reply("ok");
}

static void dispatch(char *line, const char *self)
{
	char cmd[16], mode[16];
	unsigned long a = 0, b = 0, c = 0, d = 0;
	int n;

	n = sscanf(line, "%15s %lx %lx %lx %lx", cmd, &a, &b, &c, &d);
	if (n < 1)
		return reply("err empty");
	if (!strcmp(cmd, "map") && sscanf(line, "map %lx %15s", &a, mode) == 2)
		return cmd_map(a, mode);
	if (!strcmp(cmd, "write") && n == 5)
		return cmd_write((char *)a, b, c, (int)d);
	if (!strcmp(cmd, "dontneed") && n == 3) {
		if (madvise((void *)a, b, MADV_DONTNEED))
			return reply("err madvise: %m");
		return reply("ok");
	}
	if (!strcmp(cmd, "refresh") && n == 3) {
		if (mmap((void *)a, b, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			return reply("err mmap: %m");
		return reply("ok");
	}
	if (!strcmp(cmd, "touch") && n == 3)
		return cmd_touch((char *)a, b);
	if (!strcmp(cmd, "mremap") && n == 3)
		return cmd_mremap((char *)a, b);
	if (!strcmp(cmd, "piperead") && n == 4)
		return cmd_piperead((char *)a, b, (int)c);
	if (!strcmp(cmd, "sum") && n == 3)
		return cmd_sum((unsigned char *)a, b);
	if (!strcmp(cmd, "fork"))
		return cmd_fork();
	if (!strcmp(cmd, "exec")) {
		execl(self, self, (char *)NULL);
		return reply("err exec: %m");
	}
	if ((!strcmp(cmd, "closefd") || !strcmp(cmd, "dupnull") ||
	     !strcmp(cmd, "newuffd")) && n == 2)
		return cmd_fd(cmd, (int)a);
	if (!strcmp(cmd, "nofile") && n == 2)
		return cmd_nofile(a);
	if (!strcmp(cmd, "ping"))
		return reply("ok pong");
	reply("err unknown command \"%s\"", line);
}

int main(void)
{
	char line[256], self[4096];
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return 1;
	self[len] = '\0';
	signal(SIGCHLD, SIG_IGN);	/* forked children reap themselves */
	reply("ready %d", getpid());
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		dispatch(line, self);
	}
	return 0;
}
