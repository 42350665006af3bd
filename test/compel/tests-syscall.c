// SPDX-License-Identifier: GPL-2.0
/* Remote system calls, remote memory, the site, interrupted syscalls. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "test-util.h"
#include "tests.h"

#define MAP_ERR(x)	((unsigned long)(x) >= -4095UL)

/* A victim in @mode, seized and infected at the default site. */
static int start_infected(struct victim *v, const char *mode,
			  struct compel_ctl **ctl)
{
	*ctl = NULL;
	if (victim_start(v, mode))
		return -1;
	if (compel_seize(v->pid)) {
		fail_reason("seize of %d failed", v->pid);
		return -1;
	}
	*ctl = compel_infect(v->pid, 0);
	if (!*ctl) {
		fail_reason("infect of %d failed: %m", v->pid);
		compel_detach(v->pid);
		return -1;
	}
	return 0;
}

/* Cure, detach and check the victim runs again. */
static int release(struct victim *v, struct compel_ctl **ctl)
{
	int ret = compel_cure(*ctl);

	*ctl = NULL;
	if (ret) {
		fail_reason("cure failed: %d", ret);
		return -1;
	}
	if (compel_detach(v->pid)) {
		fail_reason("detach failed");
		return -1;
	}
	return 0;
}

static void cleanup(struct victim *v, struct compel_ctl *ctl)
{
	if (ctl) {
		compel_cure(ctl);
		compel_detach(v->pid);
	}
	victim_stop(v);
}

static long remote(struct compel_ctl *ctl, long nr, unsigned long a1,
		   unsigned long a2, unsigned long a3, unsigned long a4,
		   unsigned long a5, unsigned long a6)
{
	long res;

	if (compel_syscall(ctl, nr, &res, a1, a2, a3, a4, a5, a6))
		return -100000;	/* injection failure, not a syscall result */
	return res;
}

/* FNV-1a over every executable mapping of @pid (0: can't read). */
static unsigned long text_digest(pid_t pid)
{
	unsigned long from, to, h = 0xcbf29ce484222325UL, a;
	unsigned char buf[4096];
	char path[64], line[512], perms[8];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) != 3 ||
		    perms[2] != 'x' || strstr(line, "[vsyscall]"))
			continue;
		for (a = from; a < to; a += sizeof(buf)) {
			if (compel_read_mem(pid, a, buf, sizeof(buf)))
				break;
			for (i = 0; i < sizeof(buf); i++)
				h = (h ^ buf[i]) * 0x100000001b3UL;
		}
	}
	fclose(f);
	return h;
}

/*
 * Calls run at the task's own "syscall; ret" and nothing executable is
 * written; registers come back as seized.
 */
int test_getpid_regs(void)
{
	static const unsigned char syscall_ret[3] = { 0x0f, 0x05, 0xc3 };
	struct user_regs_struct before, after;
	struct compel_ctl *ctl = NULL;
	unsigned long site, text;
	unsigned char now[3];
	struct victim v;
	long res;
	int ret = -1, seized = 0;

	CHECK(!victim_start(&v, "spin"), "no victim");
	CHECK(!compel_seize(v.pid), "seize failed");
	seized = 1;
	CHECK(!compel_get_regs(v.pid, &before), "get_regs failed");
	text = text_digest(v.pid);
	CHECK(text, "no text to read");
	ctl = compel_infect(v.pid, 0);
	CHECK(ctl, "infect failed: %m");
	CHECK(compel_ctl_pid(ctl) == v.pid, "ctl pid %d", compel_ctl_pid(ctl));
	CHECK(compel_ctl_self_return(ctl), "not in self-return mode");
	site = compel_ctl_site(ctl);
	CHECK(!compel_read_mem(v.pid, site, now, 3) &&
	      !memcmp(now, syscall_ret, 3), "no \"syscall; ret\" at site %#lx",
	      site);
	res = remote(ctl, SYS_getpid, 0, 0, 0, 0, 0, 0);
	CHECK(res == v.pid, "remote getpid gave %ld, not %d", res, v.pid);
	res = remote(ctl, 100000, 0, 0, 0, 0, 0, 0);
	CHECK(res == -ENOSYS, "bad syscall number gave %ld", res);
	res = remote(ctl, SYS_write, 1, 1, 10, 0, 0, 0);
	CHECK(res == -EFAULT, "write from address 1 gave %ld", res);
	CHECK(text_digest(v.pid) == text, "executable bytes written");
	CHECK(!cure_once(&ctl), "cure failed");
	CHECK(!compel_get_regs(v.pid, &after), "get_regs failed");
	CHECK(!memcmp(&before, &after, sizeof(after)), "registers changed");
	CHECK(!compel_detach(v.pid), "detach failed");
	seized = 0;
	CHECK(counter_advances(&v) == 1, "victim does not run after cure");
	ret = 0;
out:
	if (ctl)
		compel_cure(ctl);
	if (seized)
		compel_detach(v.pid);
	victim_stop(&v);
	return ret;
}

int test_thread(void)
{
	struct compel_ctl *ctl = NULL;
	struct victim v;
	char line[128];
	long tid = 0, res;
	int ret = -1, seized = 0;

	CHECK(!victim_start(&v, "thread"), "no victim");
	CHECK(!victim_line(&v, line, sizeof(line), 3000) &&
	      sscanf(line, "thread tid=%ld", &tid) == 1, "no thread line");
	CHECK(!compel_seize(tid), "seize of thread %ld failed", tid);
	seized = 1;
	ctl = compel_infect(tid, 0);
	CHECK(ctl, "infect of thread failed: %m");
	res = remote(ctl, SYS_gettid, 0, 0, 0, 0, 0, 0);
	CHECK(res == tid, "remote gettid gave %ld, not %ld", res, tid);
	res = remote(ctl, SYS_getpid, 0, 0, 0, 0, 0, 0);
	CHECK(res == v.pid, "remote getpid gave %ld, not %d", res, v.pid);
	CHECK(!cure_once(&ctl), "cure failed");
	CHECK(!compel_detach(tid), "detach failed");
	seized = 0;
	CHECK(counter_advances(&v) == 1, "victim does not run");
	ret = 0;
out:
	if (ctl)
		compel_cure(ctl);
	if (seized)
		compel_detach(tid);
	victim_stop(&v);
	return ret;
}

#define BIG	(1UL << 20)

static int check_big_transfer(pid_t pid, unsigned long addr)
{
	unsigned char *out = malloc(BIG), *in = calloc(1, BIG);
	size_t i;
	int ret = -1;

	CHECK(out && in, "no memory");
	for (i = 0; i < BIG; i++)
		out[i] = i * 7 + (i >> 12);
	CHECK(!compel_write_mem(pid, addr, out, BIG), "write_mem failed");
	CHECK(!compel_read_mem(pid, addr, in, BIG), "read_mem failed");
	CHECK(!memcmp(in, out, BIG), "read back differs");
	ret = 0;
out:
	free(out);
	free(in);
	return ret;
}

int test_mem(void)
{
	struct compel_ctl *ctl = NULL;
	unsigned char want[16], got[16];
	unsigned long addr;
	struct victim v;
	long res;
	int i, ret = -1;

	CHECK(!start_infected(&v, "spin", &ctl), "no infected victim");
	addr = remote(ctl, SYS_mmap, 0, BIG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(!MAP_ERR(addr), "remote mmap gave %ld", (long)addr);
	CHECK(!check_big_transfer(v.pid, addr), "big transfer failed");
	/* The task itself sees what we wrote: it writes it to its stdout. */
	CHECK(!compel_read_mem(v.pid, addr + 4096, want, 16), "read failed");
	res = remote(ctl, SYS_write, 1, addr + 4096, 16, 0, 0, 0);
	CHECK(res == 16, "remote write gave %ld", res);
	for (i = 0; i < 16; i++)
		CHECK(read(v.out, &got[i], 1) == 1, "victim output short");
	CHECK(!memcmp(want, got, 16), "victim wrote other bytes");
	res = remote(ctl, SYS_munmap, addr, BIG, 0, 0, 0, 0);
	CHECK(res == 0, "remote munmap gave %ld", res);
	CHECK(compel_read_mem(v.pid, addr, got, 1) == -EIO,
	      "read of unmapped memory did not fail with -EIO");
	CHECK(!release(&v, &ctl), "release failed");
	CHECK(counter_advances(&v) == 1, "victim does not run after cure");
	ret = 0;
out:
	cleanup(&v, ctl);
	return ret;
}

/* Legacy sites: a data page faults cleanly, an executable one works. */
int test_bad_site(void)
{
	struct compel_ctl *ctl = NULL;
	unsigned long page, code;
	struct victim v;
	long res;
	int ret = -1;

	CHECK(!start_infected(&v, "spin", &ctl), "no infected victim");
	page = remote(ctl, SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(!MAP_ERR(page), "remote mmap gave %ld", (long)page);
	code = remote(ctl, SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(!MAP_ERR(code), "remote mmap gave %ld", (long)code);
	CHECK(!compel_move_site(ctl, page), "move to data page failed");
	CHECK(!compel_ctl_self_return(ctl), "still self-returning after a move");
	CHECK(compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0) == -EFAULT,
	      "syscall on a non-executable page did not fail with -EFAULT");
	CHECK(!compel_move_site(ctl, code), "move to a code page failed");
	res = remote(ctl, SYS_getpid, 0, 0, 0, 0, 0, 0);
	CHECK(res == v.pid, "getpid after the fault gave %ld", res);
	res = remote(ctl, SYS_munmap, page, 4096, 0, 0, 0, 0);
	CHECK(res == 0, "remote munmap gave %ld", res);
	CHECK(!release(&v, &ctl), "release failed");
	CHECK(counter_advances(&v) == 1, "victim does not run after the fault");
	ret = 0;
out:
	cleanup(&v, ctl);
	return ret;
}

/*
 * Seize @v while it blocks in syscall @nr (nr2: an alternative), check
 * the kernel left an -ERESTART* code (@err) in rax, inject and release.
 */
static int interrupt_blocked(struct victim *v, long nr, long nr2, long err)
{
	struct user_regs_struct regs;
	struct compel_ctl *ctl = NULL;
	long res;
	int ret = -1;

	CHECK(!wait_state(v->pid, 'S', 2000), "victim does not block");
	msleep(50);
	CHECK(!compel_seize(v->pid), "seize failed");
	CHECK(!compel_get_regs(v->pid, &regs), "get_regs failed");
	CHECK((long)regs.orig_rax == nr || (long)regs.orig_rax == nr2,
	      "orig_rax %lld, not in syscall %ld", regs.orig_rax, nr);
	CHECK((long)regs.rax == err, "rax %lld, not %ld", regs.rax, err);
	ctl = compel_infect(v->pid, 0);
	CHECK(ctl, "infect failed: %m");
	res = remote(ctl, SYS_getpid, 0, 0, 0, 0, 0, 0);
	CHECK(res == v->pid, "remote getpid gave %ld", res);
	res = remote(ctl, SYS_getppid, 0, 0, 0, 0, 0, 0);
	CHECK(res == getpid(), "remote getppid gave %ld", res);
	ret = release(v, &ctl);
out:
	if (ctl) {
		compel_cure(ctl);
		compel_detach(v->pid);
	}
	return ret;
}

#define ERESTARTSYS		512
#define ERESTART_RESTARTBLOCK	516

int test_restart_sleep(void)
{
	struct victim v;
	char line[128];
	long ms = 0;
	int r = -1, e = -1, ret = -1;

	CHECK(!victim_start(&v, "sleep"), "no victim");
	CHECK(!interrupt_blocked(&v, SYS_clock_nanosleep, SYS_nanosleep,
				 -ERESTART_RESTARTBLOCK), "injection failed");
	CHECK(!victim_line(&v, line, sizeof(line), 5000), "victim silent");
	CHECK(sscanf(line, "slept ms=%ld ret=%d errno=%d", &ms, &r, &e) == 3,
	      "victim said \"%s\"", line);
	CHECK(r == 0 && e == 0, "nanosleep failed after detach: %s", line);
	CHECK(ms >= 1500, "sleep cut short: %s", line);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

int test_restart_read(void)
{
	struct victim v;
	char line[128];
	int ret = -1;

	CHECK(!victim_start(&v, "read"), "no victim");
	CHECK(!interrupt_blocked(&v, SYS_read, SYS_read, -ERESTARTSYS),
	      "injection failed");
	CHECK(write(v.in, "hello\n", 6) == 6, "write to victim: %m");
	CHECK(!victim_line(&v, line, sizeof(line), 3000), "victim silent");
	CHECK(!strcmp(line, "read n=6 errno=0 data=hello"),
	      "victim said \"%s\"", line);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/*
 * Registers that enter marker(page) on a fresh, aligned stack frame.
 * rax looks like an interrupted call's (a restored task may have any
 * rax): with orig_rax = -1 detach must not rewind rip over it.
 */
static void marker_regs(struct user_regs_struct *regs, const struct victim *v,
			unsigned long page)
{
	regs->rip = v->marker;
	regs->rdi = page;
	regs->rsp = ((regs->rsp - 1024) & ~15UL) - 8;	/* as after a call */
	regs->rax = -ERESTARTSYS;
	regs->orig_rax = -1;
}

int test_set_regs_last(void)
{
	struct user_regs_struct regs;
	struct compel_ctl *ctl = NULL;
	unsigned long page;
	struct victim v;
	uint64_t mask;
	char line[128];
	long res;
	int ret = -1;

	CHECK(!victim_start(&v, "spin"), "no victim");
	/* Out of its stdio calls, so marker() finds stdout consistent. */
	CHECK(counter_advances(&v) == 1, "victim does not spin");
	CHECK(!compel_seize(v.pid), "seize failed");
	CHECK(!compel_get_regs(v.pid, &regs), "get_regs failed");
	CHECK(!compel_get_sigmask(v.pid, &mask), "get_sigmask failed");
	ctl = compel_infect(v.pid, 0);
	CHECK(ctl, "infect failed: %m");
	page = remote(ctl, SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(!MAP_ERR(page), "remote mmap gave %ld", (long)page);
	CHECK(!compel_move_site(ctl, page), "move to the new page failed");
	res = remote(ctl, SYS_getpid, 0, 0, 0, 0, 0, 0);
	CHECK(res == v.pid, "getpid from the new page gave %ld", res);
	marker_regs(&regs, &v, page);
	res = -1;
	ret = compel_syscall_and_set_regs(ctl, SYS_munmap, &res, page, 4096,
					  &regs);
	ctl = NULL;
	CHECK(ret == 0, "syscall_and_set_regs failed: %d", ret);
	ret = -1;
	CHECK(res == 0, "last munmap gave %ld", res);
	CHECK(!compel_set_sigmask(v.pid, mask), "set_sigmask failed");
	CHECK(!compel_detach(v.pid), "detach failed");
	CHECK(!victim_line(&v, line, sizeof(line), 3000), "marker not reached");
	CHECK(!strcmp(line, "marker unmapped=1"), "victim said \"%s\"", line);
	CHECK(victim_wait_exit(&v, 3000) == 0, "victim did not exit cleanly");
	ret = 0;
out:
	cleanup(&v, ctl);
	return ret;
}

/* A seccomp filter must not get in the way of injected calls. */
int test_seccomp(void)
{
	struct compel_ctl *ctl = NULL;
	struct victim v;
	uint64_t mode = 0;
	long res;
	int ret = -1;

	CHECK(!start_infected(&v, "seccomp", &ctl), "no infected victim");
	res = remote(ctl, SYS_getppid, 0, 0, 0, 0, 0, 0);
	CHECK(res == getpid(), "remote getppid gave %ld", res);
	CHECK(!release(&v, &ctl), "release failed");
	CHECK(!status_mask(v.pid, "Seccomp", &mode) && mode == 2,
	      "seccomp mode after detach is %llu", (unsigned long long)mode);
	CHECK(counter_advances(&v) == 1, "victim does not run");
	ret = 0;
out:
	cleanup(&v, ctl);
	return ret;
}
