// SPDX-License-Identifier: GPL-2.0
/*
 * spml-test: ooh.ko over a real Shadow PML host (the nested tier's second
 * level). Where test/ooh checks the API without a host, this checks what
 * the host's log turns into: exactly the pages written, for every
 * tracked process at once, whoever wrote them.
 *
 *   spml-test [spml|epml]  all tests over that provider (default spml);
 *                        one line each ("PASS spml/NAME", "FAIL
 *                        spml/NAME: why", "SKIP spml/NAME: why"; epml/...)
 *
 * The rules differ where the providers differ: EPML reports every page of
 * a shared mapping at every drain (others write it through their own page
 * tables, which the host does not log for this process), and a swap-out
 * is no loss for it (it logs addresses, not frames). And where the host
 * shadows the guest's page tables (EPML offered: level 1 runs npt=0),
 * SPML over-reports: KVM maps a dirty guest entry writable on a read fault
 * or a sync, which logs its frame without a write. There an unwritten
 * page reported is noted ("# ... over-reported"), not failed; a written
 * page missing still fails. With nested paging (L1_NPT=1) SPML is exact.
 *
 * Each test maps a region, writes all of it, starts (or drains) a
 * session so that what came before is out of the way, then makes the
 * writes it checks and drains: every page written must be reported, and
 * no other page of the region (a module that reported everything would
 * pass the first rule only). A line "# rmap ..." gives the reverse-mapping
 * cost per logged frame from OOH_IOC_STATS.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libooh.h"

#define PG		4096UL
#define HPAGE		(2UL << 20)
#define REGION_PAGES	64
#define MAX_ADDRS	(1UL << 20)

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

static int failures;
static const char *prov = "spml";	/* the provider tested, and the prefix */
static unsigned int prov_id = OOH_PROVIDER_SPML;
static bool extra_allowed;		/* SPML over a shadowing host */
static uint64_t *addrs;		/* one drained interval */
static size_t nr_addrs;
static unsigned int drain_flags;

static void result(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(const char *name, const char *fmt, ...)
{
	va_list args;

	if (!fmt) {
		printf("PASS %s/%s\n", prov, name);
	} else {
		printf("FAIL %s/%s: ", prov, name);
		va_start(args, fmt);
		vprintf(fmt, args);
		va_end(args);
		printf("\n");
		failures++;
	}
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	printf("SKIP %s/%s: %s\n", prov, name, why);
	fflush(stdout);
}

/* --- sessions ------------------------------------------------------------- */

/* A session on @pid (ourselves, or a child we have seized); fd or -errno. */
static int session(pid_t pid)
{
	int fd, ret;

	fd = ooh_open();
	if (fd < 0)
		return fd;
	ret = ooh_attach(fd, pid, prov_id, NULL);
	if (!ret)
		ret = ooh_start(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* One interval into addrs[]; 0 or -errno. */
static int drain(int fd)
{
	size_t nr;
	unsigned int flags;
	int ret;

	nr_addrs = 0;
	drain_flags = 0;
	do {
		ret = ooh_drain(fd, addrs + nr_addrs, MAX_ADDRS - nr_addrs, &nr, &flags);
		if (ret)
			return ret;
		nr_addrs += nr;
		drain_flags |= flags;
	} while ((flags & OOH_DRAIN_MORE) && nr_addrs < MAX_ADDRS);
	return 0;
}

/*
 * Drain and compare the pages of [base, base + n pages) with @want (page
 * numbers, ending with -1): NULL if they match, else what differs.
 */
static const char *expect(int fd, const char *base, long n, const long *want)
{
	static char why[256];
	long i, k, nw = 0, got = 0, missing = -1, extra = -1;
	uint64_t lo = (uintptr_t)base, hi = lo + n * PG;
	int ret;

	ret = drain(fd);
	if (ret) {
		snprintf(why, sizeof(why), "drain: %s", strerror(-ret));
		return why;
	}
	if (drain_flags & (OOH_DRAIN_OVERFLOW | OOH_DRAIN_EXITED | OOH_DRAIN_EXECED)) {
		snprintf(why, sizeof(why), "drain flags %#x: the log was lost", drain_flags);
		return why;
	}
	for (; want[nw] >= 0; nw++)
		;
	for (i = 0; i < (long)nr_addrs; i++) {
		if (addrs[i] < lo || addrs[i] >= hi)
			continue;
		got++;
		k = (addrs[i] - lo) / PG;
		for (ret = 0; ret < nw && want[ret] != k; ret++)
			;
		if (ret == nw && extra < 0)
			extra = k;
	}
	for (k = 0; k < nw; k++) {
		for (i = 0; i < (long)nr_addrs && addrs[i] != lo + want[k] * PG; i++)
			;
		if (i == (long)nr_addrs) {
			missing = want[k];
			break;
		}
	}
	if (missing < 0 && extra < 0)
		return NULL;
	if (missing < 0 && extra_allowed) {
		printf("# %s: %ld of %ld pages reported (want %ld): over-reported (shadow paging)\n",
		       prov, got, n, nw);
		return NULL;
	}
	k = snprintf(why, sizeof(why), "%ld of %ld pages reported (want %ld)", got, n, nw);
	if (missing >= 0)
		k += snprintf(why + k, sizeof(why) - k, ", written page %ld missing", missing);
	if (extra >= 0)
		snprintf(why + k, sizeof(why) - k, ", unwritten page %ld reported", extra);
	return why;
}

/* --- memory ---------------------------------------------------------------- */

static char *region(long pages, int flags)
{
	char *m = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	memset(m, 0x5a, pages * PG);
	return m;
}

/* A 2 MiB aligned region of @hpages huge pages, written, THP as @advice. */
static char *huge_region(long hpages, int advice)
{
	size_t len = hpages * HPAGE;
	char *m, *a;

	m = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)m + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(a, len, advice))
		return NULL;
	memset(a, 0x5a, len);
	return a;
}

static void touch(char *base, long page)
{
	volatile char *p = base + page * PG + 8;

	*p = *p + 1;
}

/* The frame behind @addr of ours (root reads frame numbers), 0 if none. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)addr / PG * 8) != 8)
		ent = 0;
	close(fd);
	return ent >> 63 ? ent & ((1ULL << 55) - 1) : 0;
}

static int swapped(const void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)addr / PG * 8) != 8)
		ent = 0;
	close(fd);
	return (ent >> 62) & 1;
}

/* kB of AnonHugePages in the smaps entry holding @addr. */
static long anon_huge_kb(const void *addr)
{
	char line[256];
	unsigned long lo, hi;
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* --- a helper process that writes on command ------------------------------- */

enum { C_WRITE, C_PWRITE, C_VMWRITE, C_MAP, C_EXIT };

struct cmd {
	int op;
	int fd;
	pid_t pid;
	unsigned long addr;
};

struct helper {
	pid_t pid;
	int to, from;
};

static void helper_loop(int in, int out)
{
	struct cmd c;
	unsigned long ret;
	char buf[64];
	struct iovec l = { buf, sizeof(buf) }, r;

	memset(buf, 0x77, sizeof(buf));
	while (read(in, &c, sizeof(c)) == sizeof(c)) {
		ret = 0;
		switch (c.op) {
		case C_WRITE:
			touch((char *)c.addr, 0);
			break;
		case C_PWRITE:
			if (pwrite(c.fd, buf, sizeof(buf), c.addr) != sizeof(buf))
				ret = 1;
			break;
		case C_VMWRITE:
			r.iov_base = (void *)c.addr;
			r.iov_len = sizeof(buf);
			if (process_vm_writev(c.pid, &l, 1, &r, 1, 0) != sizeof(buf))
				ret = 1;
			break;
		case C_MAP:
			ret = (uintptr_t)region(c.addr, 0);
			break;
		case C_EXIT:
			_exit(0);
		}
		if (write(out, &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
	}
	_exit(0);
}

static int helper_start(struct helper *h, int seize)
{
	int a[2], b[2];

	if (pipe(a) || pipe(b))
		return -errno;
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (!h->pid) {
		close(a[1]);
		close(b[0]);
		helper_loop(a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	h->to = a[1];
	h->from = b[0];
	if (seize && ptrace(PTRACE_SEIZE, h->pid, 0, 0))
		return -errno;
	return 0;
}

static unsigned long helper_do(struct helper *h, int op, unsigned long addr, int fd)
{
	/* pid: who C_VMWRITE writes into, the caller. */
	struct cmd c = { .op = op, .addr = addr, .fd = fd, .pid = getpid() };
	unsigned long ret = 1;

	if (write(h->to, &c, sizeof(c)) != sizeof(c) ||
	    read(h->from, &ret, sizeof(ret)) != sizeof(ret))
		return 1;
	return ret;
}

static void helper_stop(struct helper *h)
{
	if (h->pid <= 0)
		return;
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	close(h->to);
	close(h->from);
	h->pid = 0;
}

/* --- tests ------------------------------------------------------------------ */

#define W(...) ((const long[]){ __VA_ARGS__, -1 })

static void t_exact(void)
{
	char *r = region(REGION_PAGES, 0);
	const char *why;
	int fd;

	fd = session(getpid());
	if (fd < 0)
		return result("attach-self", "%s", ooh_strerror(OOH_OP_ATTACH, fd));
	result("attach-self", NULL);
	expect(fd, r, REGION_PAGES, W(-1));
	why = expect(fd, r, REGION_PAGES, W(-1));
	result("idle-region-quiet", why ? "%s" : NULL, why);
	touch(r, 3);
	touch(r, 17);
	touch(r, 40);
	touch(r, 40);
	why = expect(fd, r, REGION_PAGES, W(3, 17, 40));
	result("written-pages-exact", why ? "%s" : NULL, why);
	touch(r, 0);
	why = expect(fd, r, REGION_PAGES, W(0));
	result("next-interval", why ? "%s" : NULL, why);
	/* Pages handed out before: the drain must have re-armed them. */
	touch(r, 3);
	touch(r, 0);
	why = expect(fd, r, REGION_PAGES, W(0, 3));
	result("rewritten-after-drain", why ? "%s" : NULL, why);
	close(fd);
	munmap(r, REGION_PAGES * PG);
}

/*
 * Two processes tracked at once share the guest's one ring: neither
 * drain may take the other's entries, and a third session ending must
 * not stop the log for the other two.
 */
static void t_two_sessions(void)
{
	struct helper h = { }, h3 = { };
	char *mine = region(REGION_PAGES, 0), *theirs;
	const char *why;
	int s1 = -1, s2 = -1, s3 = -1;

	if (helper_start(&h, 1) || helper_start(&h3, 1))
		return result("two-sessions", "can't start helpers");
	theirs = (char *)helper_do(&h, C_MAP, REGION_PAGES, 0);
	s1 = session(getpid());
	s2 = session(h.pid);
	if (s1 < 0 || s2 < 0) {
		result("two-sessions-attach", "self %d, helper %d", s1, s2);
		goto out;
	}
	result("two-sessions-attach", NULL);
	expect(s1, mine, REGION_PAGES, W(-1));
	expect(s2, theirs, REGION_PAGES, W(-1));
	touch(mine, 1);
	touch(mine, 5);
	helper_do(&h, C_WRITE, (uintptr_t)theirs + 2 * PG, 0);
	helper_do(&h, C_WRITE, (uintptr_t)theirs + 7 * PG, 0);
	why = expect(s1, mine, REGION_PAGES, W(1, 5));
	result("two-sessions-first", why ? "%s" : NULL, why);
	why = expect(s2, theirs, REGION_PAGES, W(2, 7));
	result("two-sessions-second-not-stolen", why ? "%s" : NULL, why);

	helper_do(&h, C_WRITE, (uintptr_t)theirs + 3 * PG, 0);
	touch(mine, 4);
	why = expect(s2, theirs, REGION_PAGES, W(3));
	result("two-sessions-other-order", why ? "%s" : NULL, why);
	why = expect(s1, mine, REGION_PAGES, W(4));
	result("two-sessions-other-order-first", why ? "%s" : NULL, why);

	s3 = session(h3.pid);
	if (s3 < 0) {
		result("third-session-ends", "attach: %s", ooh_strerror(OOH_OP_ATTACH, s3));
		goto out;
	}
	close(s3);
	touch(mine, 6);
	helper_do(&h, C_WRITE, (uintptr_t)theirs + 8 * PG, 0);
	why = expect(s1, mine, REGION_PAGES, W(6));
	if (!why)
		why = expect(s2, theirs, REGION_PAGES, W(8));
	result("third-session-ends", why ? "%s" : NULL, why);

	/* The last session gone, the ring goes; the next one registers anew. */
	close(s1);
	close(s2);
	s1 = s2 = -1;
	s1 = session(getpid());
	if (s1 < 0) {
		result("ring-registered-again", "attach: %s", ooh_strerror(OOH_OP_ATTACH, s1));
		goto out;
	}
	expect(s1, mine, REGION_PAGES, W(-1));
	touch(mine, 9);
	why = expect(s1, mine, REGION_PAGES, W(9));
	result("ring-registered-again", why ? "%s" : NULL, why);
out:
	if (s1 >= 0)
		close(s1);
	if (s2 >= 0)
		close(s2);
	helper_stop(&h);
	helper_stop(&h3);
	munmap(mine, REGION_PAGES * PG);
}

static bool epml(void)
{
	return prov_id == OOH_PROVIDER_EPML;
}

/* Every page of a REGION_PAGES region. */
static long all_pages[REGION_PAGES + 1];

/* Another process writes our shared pages: by its mapping, by pwrite(). */
static void t_shared(void)
{
	struct helper h = { };
	const char *why;
	char *m;
	int mfd, fd;

	mfd = memfd_create("spml-shared", 0);
	if (mfd < 0 || ftruncate(mfd, REGION_PAGES * PG))
		return result("shared-by-other", "memfd: %s", strerror(errno));
	m = mmap(NULL, REGION_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (m == MAP_FAILED)
		return result("shared-by-other", "mmap: %s", strerror(errno));
	memset(m, 0x5a, REGION_PAGES * PG);
	if (helper_start(&h, 0))
		return result("shared-by-other", "can't start a helper");
	fd = session(getpid());
	if (fd < 0) {
		result("shared-by-other", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
		goto out;
	}
	expect(fd, m, REGION_PAGES, epml() ? all_pages : W(-1));
	helper_do(&h, C_WRITE, (uintptr_t)m + 3 * PG, 0);
	why = expect(fd, m, REGION_PAGES, epml() ? all_pages : W(3));
	result("shared-by-other", why ? "%s" : NULL, why);
	helper_do(&h, C_PWRITE, 9 * PG + 100, mfd);
	why = expect(fd, m, REGION_PAGES, epml() ? all_pages : W(9));
	result("shared-by-other-pwrite", why ? "%s" : NULL, why);
	close(fd);
out:
	helper_stop(&h);
	munmap(m, REGION_PAGES * PG);
	close(mfd);
}

/* The kernel writes our memory for us: read() and process_vm_writev(). */
static void t_kernel_writes(void)
{
	struct helper h = { };
	char *r = region(REGION_PAGES, 0);
	const char *why;
	int p[2], fd;
	char msg[100];

	memset(msg, 1, sizeof(msg));
	if (pipe(p) || helper_start(&h, 0))
		return result("read-into-buffer", "pipe or helper: %s", strerror(errno));
	fd = session(getpid());
	if (fd < 0) {
		result("read-into-buffer", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
		goto out;
	}
	expect(fd, r, REGION_PAGES, W(-1));
	if (write(p[1], msg, sizeof(msg)) != sizeof(msg) ||
	    read(p[0], r + 11 * PG + 50, sizeof(msg)) != sizeof(msg))
		why = "pipe write/read failed";
	else
		why = expect(fd, r, REGION_PAGES, W(11));
	result("read-into-buffer", why ? "%s" : NULL, why);
	if (helper_do(&h, C_VMWRITE, (uintptr_t)r + 13 * PG, 0))
		why = "process_vm_writev failed";
	else
		why = expect(fd, r, REGION_PAGES, W(13));
	result("written-by-process-vm-writev", why ? "%s" : NULL, why);
	close(fd);
out:
	helper_stop(&h);
	close(p[0]);
	close(p[1]);
	munmap(r, REGION_PAGES * PG);
}

/*
 * Copy-on-write after fork: our write lands in a new frame, which must be
 * reported; the child's copy of the same offset must not be taken for ours
 * (and the other way round when the child is the one tracked).
 */
static void t_cow(void)
{
	struct helper h = { };
	char *r = region(REGION_PAGES, 0);
	const char *why;
	uint64_t before;
	int fd, cfd;

	if (helper_start(&h, 1))
		return result("cow-after-fork", "can't start a helper");
	fd = session(getpid());
	cfd = session(h.pid);
	if (fd < 0 || cfd < 0) {
		result("cow-after-fork", "attach: self %d, child %d", fd, cfd);
		goto out;
	}
	expect(fd, r, REGION_PAGES, W(-1));
	expect(cfd, r, REGION_PAGES, W(-1));
	before = pfn_of(r + 2 * PG);
	touch(r, 2);
	if (pfn_of(r + 2 * PG) == before)
		why = "no copy was made (same frame after the write)";
	else
		why = expect(fd, r, REGION_PAGES, W(2));
	result("cow-after-fork", why ? "%s" : NULL, why);
	helper_do(&h, C_WRITE, (uintptr_t)r + 6 * PG, 0);
	why = expect(cfd, r, REGION_PAGES, W(6));
	result("cow-child-tracked", why ? "%s" : NULL, why);
	why = expect(fd, r, REGION_PAGES, W(-1));
	result("cow-child-copy-not-ours", why ? "%s" : NULL, why);
	close(cfd);
	cfd = -1;
	helper_stop(&h);
	expect(fd, r, REGION_PAGES, W(-1));
	touch(r, 5);		/* the last user: reused in place */
	why = expect(fd, r, REGION_PAGES, W(5));
	result("cow-reuse-after-child-exit", why ? "%s" : NULL, why);
out:
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	helper_stop(&h);
	munmap(r, REGION_PAGES * PG);
}

/* A write into a transparent huge page: the 4 KiB subpage, no more. */
static void t_thp(void)
{
	const char *why;
	char *r;
	int fd;

	r = huge_region(1, MADV_HUGEPAGE);
	if (!r)
		return skip("thp-subpage", "no 2 MiB region");
	if (anon_huge_kb(r) < 2048)
		return skip("thp-subpage", "the kernel gave no huge page");
	fd = session(getpid());
	if (fd < 0)
		return result("thp-subpage", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, 512, W(-1));
	touch(r, 5);
	touch(r, 300);
	why = expect(fd, r, 512, W(5, 300));
	if (!why && anon_huge_kb(r) < 2048)
		why = "the huge page was split meanwhile";
	result("thp-subpage", why ? "%s" : NULL, why);
	touch(r, 300);
	touch(r, 6);
	why = expect(fd, r, 512, W(6, 300));
	result("thp-subpage-rewritten-after-drain", why ? "%s" : NULL, why);
	/*
	 * A page never written before first, then those of earlier
	 * intervals: the first write after a re-arm must not make the
	 * others writable unlogged (a host reusing its old 4K mappings of
	 * the huge page did, for EPML).
	 */
	touch(r, 7);
	touch(r, 5);
	touch(r, 6);
	touch(r, 300);
	why = expect(fd, r, 512, W(5, 6, 7, 300));
	result("thp-old-subpages-after-new", why ? "%s" : NULL, why);
	close(fd);
}

/* Small pages collapsed into a huge one (copied into new frames). */
static void t_collapse(void)
{
	const char *why;
	uint64_t before;
	char *r;
	int fd;

	r = huge_region(1, MADV_NOHUGEPAGE);
	if (!r || madvise(r, HPAGE, MADV_HUGEPAGE))
		return skip("thp-collapse", "no 2 MiB region");
	fd = session(getpid());
	if (fd < 0)
		return result("thp-collapse", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, 512, W(-1));
	before = pfn_of(r + 7 * PG);
	if (madvise(r, HPAGE, MADV_COLLAPSE) || anon_huge_kb(r) < 2048) {
		close(fd);
		return skip("thp-collapse", "MADV_COLLAPSE did not collapse");
	}
	if (pfn_of(r + 7 * PG) == before) {
		why = "the page kept its frame";
	} else {
		expect(fd, r, 512, W(-1));	/* the copy: any pages */
		touch(r, 7);
		why = expect(fd, r, 512, W(7));
	}
	result("thp-collapse", why ? "%s" : NULL, why);
	close(fd);
}

/*
 * Drain and check that every page of [base + first, base + last] is
 * reported (more may be): NULL if so, else the first one missing.
 */
static const char *expect_all(int fd, const char *base, long first, long last)
{
	static char why[128];
	uint64_t lo = (uintptr_t)base;
	long k, i;
	int ret;

	ret = drain(fd);
	if (ret) {
		snprintf(why, sizeof(why), "drain: %s", strerror(-ret));
		return why;
	}
	if (drain_flags & OOH_DRAIN_OVERFLOW)
		return NULL;	/* the dump copies every page: nothing is missed */
	for (k = first; k <= last; k++) {
		for (i = 0; i < (long)nr_addrs && addrs[i] != lo + k * PG; i++)
			;
		if (i == (long)nr_addrs) {
			snprintf(why, sizeof(why), "page %ld (of %ld-%ld) not reported",
				 k, first, last);
			return why;
		}
	}
	return NULL;
}

/*
 * Pages dropped, then made present again by a collapse into a huge page
 * (khugepaged's work, here MADV_COLLAPSE): they hold zeroes now, no
 * write put them there, and they are no holes any more. A dump that
 * kept their data from before the drop would bring it back on restore.
 */
static void t_collapse_holes(void)
{
	const char *why;
	char *r;
	int fd;

	r = huge_region(1, MADV_NOHUGEPAGE);
	if (!r || madvise(r, HPAGE, MADV_HUGEPAGE))
		return skip("thp-collapse-dropped", "no 2 MiB region");
	fd = session(getpid());
	if (fd < 0)
		return result("thp-collapse-dropped", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, 512, W(-1));
	madvise(r + 40 * PG, 8 * PG, MADV_DONTNEED);
	if (madvise(r, HPAGE, MADV_COLLAPSE) || anon_huge_kb(r) < 2048) {
		close(fd);
		return skip("thp-collapse-dropped", "MADV_COLLAPSE did not collapse");
	}
	why = r[41 * PG] ? "a dropped page is not zero after the collapse" :
	      expect_all(fd, r, 40, 47);
	result("thp-collapse-dropped", why ? "%s" : NULL, why);
	close(fd);
}

/*
 * A whole huge page dropped, then one byte written: the fault maps a
 * new, zeroed huge page and the host logs the one 4K page written. The
 * other 511 changed too (their data is gone).
 */
static void t_thp_refault(void)
{
	const char *why;
	char *r;
	int fd;

	r = huge_region(1, MADV_HUGEPAGE);
	if (!r || anon_huge_kb(r) < 2048)
		return skip("thp-refault-after-drop", "the kernel gave no huge page");
	fd = session(getpid());
	if (fd < 0)
		return result("thp-refault-after-drop", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, 512, W(-1));
	madvise(r, HPAGE, MADV_DONTNEED);
	r[5 * PG] = 1;
	if (anon_huge_kb(r) < 2048) {
		close(fd);
		return skip("thp-refault-after-drop", "the fault mapped no huge page");
	}
	why = expect_all(fd, r, 0, 511);
	result("thp-refault-after-drop", why ? "%s" : NULL, why);
	close(fd);
}

/* A page migrated to another frame (soft offline), then written. */
static void t_migrate(void)
{
	char *r = region(REGION_PAGES, 0);
	const char *why;
	uint64_t before;
	int fd;

	fd = session(getpid());
	if (fd < 0)
		return result("migrated-page", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, REGION_PAGES, W(-1));
	before = pfn_of(r + 9 * PG);
	if (madvise(r + 9 * PG, PG, MADV_SOFT_OFFLINE)) {
		close(fd);
		return skip("migrated-page", "MADV_SOFT_OFFLINE refused (no memory-failure support)");
	}
	if (pfn_of(r + 9 * PG) == before || r[9 * PG + 8] != 0x5a) {
		why = "the page did not move, or lost its content";
	} else {
		expect(fd, r, REGION_PAGES, W(-1));
		touch(r, 9);
		why = expect(fd, r, REGION_PAGES, W(9));
	}
	result("migrated-page", why ? "%s" : NULL, why);
	close(fd);
}

/* A swapped-out page can come back in a frame filled by the disk device. */
static void t_swap(void)
{
	char *r = region(REGION_PAGES, 0);
	int fd, ret;

	fd = session(getpid());
	if (fd < 0)
		return result("swap-overflows", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, REGION_PAGES, W(-1));
	touch(r, 12);
	if (madvise(r + 12 * PG, PG, MADV_PAGEOUT) || !swapped(r + 12 * PG)) {
		close(fd);
		return skip("swap-overflows", "the page was not swapped out (no swap?)");
	}
	ret = drain(fd);
	if (ret)
		result("swap-overflows", "drain: %s", strerror(-ret));
	else
		result("swap-overflows", drain_flags & OOH_DRAIN_OVERFLOW ? NULL :
		       "the interval with a swap-out was not marked overflowed");
	close(fd);
}

/*
 * EPML: a page swapped out and read back in is not written; written
 * after that it is reported, as is a page written and then swapped out.
 */
static void t_swap_epml(void)
{
	char *r = region(REGION_PAGES, 0);
	const char *why;
	char before;
	int fd;

	fd = session(getpid());
	if (fd < 0)
		return result("swap-in-then-write", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, REGION_PAGES, W(-1));
	touch(r, 12);
	before = r[12 * PG + 8];
	if (madvise(r + 12 * PG, PG, MADV_PAGEOUT) || !swapped(r + 12 * PG)) {
		close(fd);
		return skip("swap-in-then-write", "the page was not swapped out (no swap?)");
	}
	why = expect(fd, r, REGION_PAGES, W(12));
	result("written-then-swapped-out", why ? "%s" : NULL, why);
	if (r[12 * PG + 8] != before)
		why = "the page came back with other content";
	else
		why = expect(fd, r, REGION_PAGES, W(-1));
	result("swapped-in-by-read-not-written", why ? "%s" : NULL, why);
	madvise(r + 12 * PG, PG, MADV_PAGEOUT);
	touch(r, 12);		/* swapped in by the write itself */
	why = expect(fd, r, REGION_PAGES, W(12));
	result("swap-in-then-write", why ? "%s" : NULL, why);
	close(fd);
	munmap(r, REGION_PAGES * PG);
}

/* EPML: the kernel writes by DMA-like paths: O_DIRECT read into a buffer. */
static void t_odirect(void)
{
	char *r = region(REGION_PAGES, 0);
	const char *why;
	int fd, dev;

	dev = open("/dev/zram0", O_RDONLY | O_DIRECT);
	if (dev < 0)
		return skip("odirect-read-into-buffer", "no /dev/zram0 to read with O_DIRECT");
	fd = session(getpid());
	if (fd < 0) {
		close(dev);
		return result("odirect-read-into-buffer", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	}
	expect(fd, r, REGION_PAGES, W(-1));
	if (pread(dev, r + 20 * PG, PG, 0) != (ssize_t)PG)
		why = "pread O_DIRECT failed";
	else
		why = expect(fd, r, REGION_PAGES, W(20));
	result("odirect-read-into-buffer", why ? "%s" : NULL, why);
	close(fd);
	close(dev);
	munmap(r, REGION_PAGES * PG);
}

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#define __NR_io_uring_register	427
#endif
#define IORING_REGISTER_BUFFERS	0

/*
 * EPML: a buffer pinned for the kernel (io_uring fixed buffers) may be
 * written at any time: reported at every drain while the session lasts.
 */
static void t_pinned(void)
{
	char *r = region(REGION_PAGES, 0);
	struct iovec iov = { r + 30 * PG, PG };
	unsigned char params[120] = { 0 };	/* struct io_uring_params */
	const char *why;
	int fd, ring;

	ring = syscall(__NR_io_uring_setup, 4, params);
	if (ring < 0)
		return skip("pinned-buffer-every-drain", "io_uring_setup failed");
	fd = session(getpid());
	if (fd < 0) {
		close(ring);
		return result("pinned-buffer-every-drain", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	}
	expect(fd, r, REGION_PAGES, W(-1));
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1)) {
		why = "IORING_REGISTER_BUFFERS failed";
	} else {
		why = expect(fd, r, REGION_PAGES, W(30));
		if (!why)
			why = expect(fd, r, REGION_PAGES, W(30));
	}
	result("pinned-buffer-every-drain", why ? "%s" : NULL, why);
	close(fd);
	close(ring);
	munmap(r, REGION_PAGES * PG);
}

/* Reverse mapping: nanoseconds per logged frame, from OOH_IOC_STATS. */
static void t_rmap_cost(void)
{
	long n = 8192, i;
	char *r = region(n, 0);
	struct ooh_stats a, b;
	uint64_t in = 0;
	int fd;

	if (!r)
		return result("rmap-cost", "mmap: %s", strerror(errno));
	fd = session(getpid());
	if (fd < 0)
		return result("rmap-cost", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	expect(fd, r, n, W(-1));
	ooh_stats(fd, &a);
	for (i = 0; i < n; i++)
		touch(r, i);
	drain(fd);
	ooh_stats(fd, &b);
	for (i = 0; i < (long)nr_addrs; i++)
		in += addrs[i] >= (uintptr_t)r && addrs[i] < (uintptr_t)r + n * PG;
	if (in != (uint64_t)n || b.rmap_lookups - a.rmap_lookups < (uint64_t)n)
		result("rmap-cost", "%llu of %ld pages reported, %llu frames mapped",
		       (unsigned long long)in, n,
		       (unsigned long long)(b.rmap_lookups - a.rmap_lookups));
	else
		result("rmap-cost", NULL);
	printf(epml() ? "# epml: %llu entries read and re-armed in %llu ns: %llu ns per entry\n" :
			"# rmap: %llu frames in %llu ns: %llu ns per frame\n",
	       (unsigned long long)(b.rmap_lookups - a.rmap_lookups),
	       (unsigned long long)(b.rmap_ns - a.rmap_ns),
	       (unsigned long long)((b.rmap_ns - a.rmap_ns) /
				    (b.rmap_lookups - a.rmap_lookups ?: 1)));
	close(fd);
	munmap(r, n * PG);
}

/* --- spml_release: frames left writable that become the process's ------- */

#define REL_PARAM	"/sys/module/ooh/parameters/spml_release"
#define REL_HITS	"/sys/module/ooh/parameters/spml_release_hits"
#define CHURN_PAGES	2048

static bool release_mode;

static long sysfs_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int sysfs_write(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Page-cache frames written, consumed by a drain of @fd (no process
 * maps them: released), then freed: the next allocations are likely to
 * get them back.
 */
static void churn(int fd)
{
	static char buf[PG];
	int f = open("/dev/shm/spml-churn", O_RDWR | O_CREAT | O_TRUNC, 0600);
	long i;

	if (f < 0)
		return;
	memset(buf, 0x33, sizeof(buf));
	for (i = 0; i < CHURN_PAGES; i++)
		if (write(f, buf, PG) != PG)
			break;
	drain(fd);
	close(f);
	unlink("/dev/shm/spml-churn");
}

/* Drain: every page of [base, base + n pages) reported and no overflow. */
static const char *expect_every(int fd, const char *base, long n)
{
	static char why[128];
	const char *w;

	w = expect_all(fd, base, 0, n - 1);
	if (w)
		return w;
	if (drain_flags & OOH_DRAIN_OVERFLOW) {
		snprintf(why, sizeof(why), "overflow: the walk did not find them");
		return why;
	}
	return NULL;
}

/* "… (N released frames found)" or a failure if none were. */
static const char *hits_since(long before, const char *why)
{
	static char buf[160];
	long now = sysfs_long(REL_HITS);

	if (why)
		return why;
	printf("# %s: %ld released frames found by the walk\n", prov, now - before);
	if (now <= before) {
		snprintf(buf, sizeof(buf), "no released frame came back (hazard not exercised)");
		return buf;
	}
	return NULL;
}

/* A new anonymous area, faulted in after the page cache freed frames. */
static void t_release_new_anon(void)
{
	char *r = mmap(NULL, 256 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *why;
	long h, i;
	int fd;

	if (r == MAP_FAILED)
		return result("release-new-anon", "mmap failed");
	madvise(r, 256 * PG, MADV_NOHUGEPAGE);
	fd = session(getpid());
	if (fd < 0)
		return result("release-new-anon", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
	churn(fd);
	h = sysfs_long(REL_HITS);
	for (i = 0; i < 256; i++)
		touch(r, i);
	why = hits_since(h, expect_every(fd, r, 256));
	result("release-new-anon", why ? "%s" : NULL, why);
	/* Re-armed by that drain: the next write is logged, exactly. */
	touch(r, 9);
	why = expect(fd, r, 256, W(9));
	result("release-rearmed", why ? "%s" : NULL, why);
	close(fd);
	munmap(r, 256 * PG);
}

/* A copy-on-write copy made into a frame the page cache gave back. */
static void t_release_cow(void)
{
	struct helper h = { };
	char *r = region(REGION_PAGES, MAP_POPULATE);
	const char *why = NULL;
	long hits, i;
	int fd;

	madvise(r, REGION_PAGES * PG, MADV_NOHUGEPAGE);
	if (helper_start(&h, 0))
		return result("release-cow", "can't start a helper");
	fd = session(getpid());
	if (fd < 0) {
		result("release-cow", "attach: %s", ooh_strerror(OOH_OP_ATTACH, fd));
		goto out;
	}
	churn(fd);
	hits = sysfs_long(REL_HITS);
	for (i = 0; i < REGION_PAGES; i++)
		touch(r, i);	/* each a copy: the child shares the frame */
	why = hits_since(hits, expect_every(fd, r, REGION_PAGES));
	result("release-cow", why ? "%s" : NULL, why);
	close(fd);
out:
	helper_stop(&h);
	munmap(r, REGION_PAGES * PG);
}

/* MADV_DONTNEED, then a refault into a frame the page cache gave back. */
static void t_release_refault(void)
{
	char *r = region(REGION_PAGES, 0);
	const char *why;
	long h, i;
	int fd;

	madvise(r, REGION_PAGES * PG, MADV_NOHUGEPAGE);
	fd = session(getpid());
	if (fd < 0)
		return result("release-dontneed-refault", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	drain(fd);
	madvise(r, REGION_PAGES * PG, MADV_DONTNEED);
	churn(fd);
	h = sysfs_long(REL_HITS);
	for (i = 0; i < REGION_PAGES; i++)
		touch(r, i);
	why = hits_since(h, expect_every(fd, r, REGION_PAGES));
	result("release-dontneed-refault", why ? "%s" : NULL, why);
	close(fd);
	munmap(r, REGION_PAGES * PG);
}

/*
 * A THP collapse copies into a new huge frame, which may be made of
 * released frames: every page must be reported, then written ones only.
 */
static void t_release_collapse(void)
{
	const char *why;
	uint64_t before;
	long h;
	char *r;
	int fd;

	r = huge_region(1, MADV_NOHUGEPAGE);
	if (!r || madvise(r, HPAGE, MADV_HUGEPAGE))
		return skip("release-thp-collapse", "no 2 MiB region");
	fd = session(getpid());
	if (fd < 0)
		return result("release-thp-collapse", "attach: %s",
			      ooh_strerror(OOH_OP_ATTACH, fd));
	churn(fd);
	h = sysfs_long(REL_HITS);
	before = pfn_of(r + 7 * PG);
	if (madvise(r, HPAGE, MADV_COLLAPSE) || anon_huge_kb(r) < 2048) {
		close(fd);
		return skip("release-thp-collapse", "MADV_COLLAPSE did not collapse");
	}
	if (pfn_of(r + 7 * PG) == before) {
		why = "the page kept its frame";
	} else {
		why = expect_every(fd, r, 512);
		/* Not required: the huge frame need not come from churned ones. */
		printf("# %s: collapse: %ld released frames found by the walk\n",
		       prov, sysfs_long(REL_HITS) - h);
	}
	result("release-thp-collapse", why ? "%s" : NULL, why);
	if (!why) {
		touch(r, 7);
		why = expect(fd, r, 512, W(7));
		result("release-thp-rearmed", why ? "%s" : NULL, why);
	}
	close(fd);
}

static void t_release(void)
{
	t_release_new_anon();
	t_release_cow();
	t_release_refault();
	t_release_collapse();
}

int main(int argc, char **argv)
{
	long i;

	if (argc > 1 && !strcmp(argv[1], "epml")) {
		prov = "epml";
		prov_id = OOH_PROVIDER_EPML;
	} else if (argc > 1 && !strcmp(argv[1], "spml-release")) {
		/* Read when the ring opens: each test's first session. */
		prov = "spml-release";
		release_mode = true;
		if (sysfs_write(REL_PARAM, "1")) {
			printf("FAIL spml-release/setup: can't set %s\n", REL_PARAM);
			return 1;
		}
	} else if (argc > 1 && strcmp(argv[1], "spml")) {
		fprintf(stderr, "usage: %s [spml|spml-release|epml]\n", argv[0]);
		return 2;
	}
	if (!epml()) {
		struct ooh_version v;
		int fd = ooh_open();

		extra_allowed = fd >= 0 && !ooh_version(fd, &v) &&
				(v.providers & (1U << OOH_PROVIDER_EPML));
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < REGION_PAGES; i++)
		all_pages[i] = i;
	all_pages[REGION_PAGES] = -1;
	addrs = malloc(MAX_ADDRS * sizeof(*addrs));
	if (!addrs)
		return 1;
	t_exact();
	t_two_sessions();
	t_shared();
	t_kernel_writes();
	t_cow();
	t_thp();
	t_collapse();
	t_collapse_holes();
	t_thp_refault();
	t_migrate();
	if (epml()) {
		t_swap_epml();
		t_odirect();
		t_pinned();
	} else {
		t_swap();
	}
	if (release_mode)
		t_release();
	t_rmap_cost();
	if (release_mode)
		sysfs_write(REL_PARAM, "0");
	return failures ? 1 : 0;
}
