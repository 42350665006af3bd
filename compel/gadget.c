// SPDX-License-Identifier: GPL-2.0
/*
 * Code the task already has, so that compel never writes any: a
 * "syscall; ret" sequence to run injected calls at, and an
 * "rt_sigreturn" sequence (libc's signal restorer) for the ret to land
 * on. Both are searched in the task's executable mappings; the task
 * may run them at any time, which is harmless, since nothing is changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

static const unsigned char syscall_ret[] = { 0x0f, 0x05, 0xc3 };
/* mov $15,%rax; syscall (glibc, musl) and mov $15,%eax; syscall */
static const unsigned char sigreturn_rax[] = {
	0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05
};
static const unsigned char sigreturn_eax[] = {
	0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05
};

#define SCAN_CHUNK	(256 * 1024)
#define SCAN_OVERLAP	16	/* longer than any pattern */

static unsigned long find_in(const unsigned char *buf, size_t len,
			     const unsigned char *pat, size_t plen)
{
	const unsigned char *p = memmem(buf, len, pat, plen);

	return p ? (unsigned long)(p - buf) + 1 : 0;	/* 0: not found */
}

static void scan_chunk(struct compel_gadgets *g, const unsigned char *buf,
		       size_t len, unsigned long addr)
{
	unsigned long off;

	if (!g->syscall_ret) {
		off = find_in(buf, len, syscall_ret, sizeof(syscall_ret));
		if (off)
			g->syscall_ret = addr + off - 1;
	}
	if (!g->sigreturn) {
		off = find_in(buf, len, sigreturn_rax, sizeof(sigreturn_rax));
		if (!off)
			off = find_in(buf, len, sigreturn_eax,
				      sizeof(sigreturn_eax));
		if (off)
			g->sigreturn = addr + off - 1;
	}
}

/* Read [from, to) of @pid chunk by chunk, overlapping the seams. */
static int scan_vma(pid_t pid, unsigned long from, unsigned long to,
		    struct compel_gadgets *g, unsigned char *buf)
{
	unsigned long addr = from;
	size_t len;
	int ret;

	while (addr < to && !(g->syscall_ret && g->sigreturn)) {
		len = to - addr < SCAN_CHUNK ? to - addr : SCAN_CHUNK;
		ret = compel_read_mem(pid, addr, buf, len);
		if (ret)
			return ret;
		scan_chunk(g, buf, len, addr);
		if (addr + len >= to)
			break;
		addr += len - SCAN_OVERLAP;
	}
	return 0;
}

static int scan_maps(pid_t pid, FILE *f, struct compel_gadgets *g,
		     unsigned char *buf)
{
	unsigned long from, to;
	char perms[8], *line = NULL;
	size_t size = 0;
	int ret = 0;

	while (!ret && !(g->syscall_ret && g->sigreturn) &&
	       getline(&line, &size, f) > 0) {
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) != 3)
			continue;
		/* The vsyscall page can't be read, and traps when run. */
		if (perms[2] != 'x' || strstr(line, "[vsyscall]"))
			continue;
		ret = scan_vma(pid, from, to, g, buf);
	}
	free(line);
	return ret;
}

int compel_find_gadgets(pid_t pid, struct compel_gadgets *g)
{
	unsigned char *buf;
	int ret;
	FILE *f;

	memset(g, 0, sizeof(*g));
	f = compel_proc_open(pid, "maps", &ret);
	if (!f)
		return ret;
	buf = malloc(SCAN_CHUNK);
	ret = buf ? scan_maps(pid, f, g, buf) : -ENOMEM;
	free(buf);
	fclose(f);
	if (ret)
		return ret;
	if (!g->syscall_ret || !g->sigreturn) {
		pr_err("pid %d: no %s in its code: can't inject calls it could return from by itself\n",
		       pid, g->syscall_ret ? "rt_sigreturn sequence" :
		       "\"syscall; ret\" sequence");
		return -ENOEXEC;
	}
	pr_debug("pid %d: syscall;ret at %#lx, rt_sigreturn at %#lx\n", pid,
		 g->syscall_ret, g->sigreturn);
	return 0;
}
