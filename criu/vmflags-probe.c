// SPDX-License-Identifier: GPL-2.0
/*
 * Calibrating the BPF source of VmFlags in criu's own address space:
 * small areas, one for each thing the dump reads from VmFlags (advice,
 * locking, growsdown, accounting, protection, sharing, a tracker's
 * userfaultfd), laid out between PROT_NONE guards so that none merges
 * with another. Then criu's areas are read by the iterator and from
 * criu's own smaps (cheap: criu's memory is small), and the areas both
 * show alike are the samples of vmflags_calibrate().
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "proc_parse.h"
#include "vmflags-bpf.h"
#include "vmflags-names.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif

#define PSZ	4096UL

struct probe_env {
	char *base;		/* PROT_NONE reservation, probes on odd pages */
	int memfd, memfd_ro, uffd;
};

enum probe_how { P_MMAP, P_MADV, P_MLOCK, P_MLOCK_ONFAULT, P_MEMFD_RO, P_UFFD };

static const struct probe {
	char name[3];		/* the mnemonic it is for */
	enum probe_how how;
	int prot, flags, arg;
} probes[] = {
	{ "rd", P_MMAP, PROT_READ, MAP_PRIVATE },
	{ "wr", P_MMAP, PROT_READ | PROT_WRITE, MAP_PRIVATE },
	{ "ex", P_MMAP, PROT_READ | PROT_EXEC, MAP_PRIVATE },
	{ "sh", P_MMAP, PROT_READ | PROT_WRITE, MAP_SHARED },
	{ "mw", P_MEMFD_RO, PROT_READ, MAP_SHARED },
	{ "nr", P_MMAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE },
	{ "gd", P_MMAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN },
	{ "lo", P_MLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE },
	{ "lf", P_MLOCK_ONFAULT, PROT_READ | PROT_WRITE, MAP_PRIVATE },
	{ "hg", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_HUGEPAGE },
	{ "nh", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_NOHUGEPAGE },
	{ "dd", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_DONTDUMP },
	{ "dc", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_DONTFORK },
	{ "wf", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_WIPEONFORK },
	{ "mg", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_MERGEABLE },
	{ "sr", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_SEQUENTIAL },
	{ "rr", P_MADV, PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_RANDOM },
	{ "um", P_UFFD, PROT_READ | PROT_WRITE, MAP_PRIVATE, UFFDIO_REGISTER_MODE_MISSING },
	{ "uw", P_UFFD, PROT_READ | PROT_WRITE, MAP_PRIVATE, UFFDIO_REGISTER_MODE_WP },
};

#define NR_PROBES	(sizeof(probes) / sizeof(probes[0]))
/* whatever else the dump reads: they come from the probes above and criu's own areas */
static const char base_required[][3] = { "rd", "wr", "ex", "ms", "mw", "ac" };
#define NR_BASE		(sizeof(base_required) / sizeof(base_required[0]))

static int open_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int open_memfd(struct probe_env *pe)
{
	char path[64];

	pe->memfd = memfd_create("criu-vmflags-probe", MFD_CLOEXEC);
	if (pe->memfd < 0 || ftruncate(pe->memfd, PSZ))
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pe->memfd);
	pe->memfd_ro = open(path, O_RDONLY | O_CLOEXEC);
	return pe->memfd_ro < 0 ? -errno : 0;
}

/* 0, or -errno: the kernel or criu's limits do not allow it here */
static int set_up(struct probe_env *pe, const struct probe *p, char *at)
{
	struct uffdio_register reg;
	void *addr;

	if (p->how == P_MEMFD_RO) {
		if (pe->memfd_ro < 0 && open_memfd(pe))
			return -errno;
		addr = mmap(at, PSZ, p->prot, p->flags | MAP_FIXED, pe->memfd_ro, 0);
	} else {
		addr = mmap(at, PSZ, p->prot, p->flags | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	}
	if (addr == MAP_FAILED)
		return -errno;
	switch (p->how) {
	case P_MADV:
		return madvise(at, PSZ, p->arg) ? -errno : 0;
	case P_MLOCK:
		return mlock(at, PSZ) ? -errno : 0;
	case P_MLOCK_ONFAULT:
		return syscall(SYS_mlock2, at, PSZ, MLOCK_ONFAULT) ? -errno : 0;
	case P_UFFD:
		if (pe->uffd < 0)
			pe->uffd = open_uffd();
		if (pe->uffd < 0)
			return pe->uffd;
		memset(&reg, 0, sizeof(reg));
		reg.range.start = (unsigned long)at;
		reg.range.len = PSZ;
		reg.mode = p->arg;
		return ioctl(pe->uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
	default:
		return 0;
	}
}

struct own_area {
	unsigned long start, end;
	struct vmflag_sample s;
};

/* The areas of criu's own smaps with their mnemonics. */
static int read_own_smaps(struct own_area **out, unsigned int *nr)
{
	unsigned int n = 0, cap = 0;
	struct own_area *v = NULL, *tmp;
	char *buf, *line, *next, *p;
	ssize_t len;

	len = read_proc_file(getpid(), "smaps", &buf);
	if (len < 0)
		return len;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "VmFlags:", 8) && n) {
			struct vmflag_sample *s = &v[n - 1].s;

			for (p = line + 8; *p;) {
				while (*p == ' ')
					p++;
				if (!p[0] || !p[1] || s->nr_names == VMFLAG_SAMPLE_NAMES)
					break;
				memcpy(s->names[s->nr_names++], p, 2);
				while (*p && *p != ' ')
					p++;
			}
			continue;
		}
		if (!isxdigit(line[0]) || strchr(line, ':') < strchr(line, ' '))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 128;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				free(v);
				free(buf);
				return -ENOMEM;
			}
			v = tmp;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (sscanf(line, "%lx-%lx", &v[n].start, &v[n].end) == 2)
			n++;
	}
	free(buf);
	*out = v;
	*nr = n;
	return 0;
}

/* the areas both sources show alike (criu may have mapped more in between) */
static unsigned int match_samples(struct own_area *own, unsigned int nr_own,
				  const struct vma_raw *raw, unsigned int nr_raw,
				  struct vmflag_sample *s)
{
	unsigned int i, j = 0, n = 0;

	for (i = 0; i < nr_own; i++) {
		while (j < nr_raw && raw[j].start < own[i].start)
			j++;
		if (j < nr_raw && raw[j].start == own[i].start && raw[j].end == own[i].end) {
			s[n] = own[i].s;
			s[n++].raw = raw[j].flags;
		}
	}
	return n;
}

static void log_table(const struct vmflag_table *t, unsigned int n)
{
	char line[64 * 6 + 1];
	unsigned int b, len = 0;

	for (b = 0; b < 64; b++)
		if (t->mapped & (1ULL << b))
			len += snprintf(line + len, sizeof(line) - len, " %u:%s", b, t->name[b]);
	line[len] = '\0';
	pr_debug("VmFlags: %u areas of criu's calibrate the BPF iterator, bits%s; inert %#llx, special %#llx\n",
		 n, line, (unsigned long long)t->inert, (unsigned long long)t->special);
}

static int sample_and_calibrate(struct vma_iter *vi, const char (*req)[3], unsigned int nr_req,
				struct vmflag_table *t)
{
	struct vma_raw *raw = NULL;
	struct own_area *own = NULL;
	struct vmflag_sample *s = NULL;
	unsigned int nr_raw = 0, nr_own = 0, n;
	char why[160];
	int ret;

	ret = vma_iter_read(vi, getpid(), &raw, &nr_raw);
	if (!ret)
		ret = read_own_smaps(&own, &nr_own);
	if (ret)
		goto out;
	ret = -ENOMEM;
	s = calloc(nr_own ? nr_own : 1, sizeof(*s));
	if (!s)
		goto out;
	n = match_samples(own, nr_own, raw, nr_raw, s);
	ret = vmflag_calibrate(s, n, req, nr_req, t, why, sizeof(why));
	if (ret)
		pr_info("VmFlags: the BPF iterator's vm_flags not accounted for (%u areas of criu's): %s\n",
			n, why);
	else
		log_table(t, n);
out:
	free(s);
	free(own);
	free(raw);
	return ret;
}

int vmflags_probe(struct vma_iter *vi, struct vmflag_table *t)
{
	struct probe_env pe = { .memfd = -1, .memfd_ro = -1, .uffd = -1 };
	char req[NR_BASE + NR_PROBES][3];
	size_t size = (2 * NR_PROBES + 1) * PSZ;
	unsigned int i, nr_req = 0;
	int ret;

	pe.base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pe.base == MAP_FAILED) {
		ret = -errno;
		pr_perror("Can't map the areas that calibrate the BPF iterator");
		return ret;
	}
	memcpy(req, base_required, sizeof(base_required));
	nr_req = NR_BASE;
	for (i = 0; i < NR_PROBES; i++) {
		ret = set_up(&pe, &probes[i], pe.base + (2 * i + 1) * PSZ);
		/* plain ones (sharing, noreserve, userfaultfd) only vary the samples */
		if (!ret && vmflag_kind(probes[i].name) == VMFLAG_ACTED)
			memcpy(req[nr_req++], probes[i].name, 3);
		else if (ret)
			pr_debug("VmFlags \"%s\" not calibrated: %s (then an area with it is read from smaps)\n",
				 probes[i].name, strerror(-ret));
	}
	ret = sample_and_calibrate(vi, (const char (*)[3])req, nr_req, t);
	munmap(pe.base, size);
	if (pe.uffd >= 0)
		close(pe.uffd);
	if (pe.memfd_ro >= 0)
		close(pe.memfd_ro);
	if (pe.memfd >= 0)
		close(pe.memfd);
	return ret;
}
