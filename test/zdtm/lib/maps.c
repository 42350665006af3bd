// SPDX-License-Identifier: GPL-2.0
/* maps.c - reading /proc/self/maps, to compare layouts before and after restore. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zdtmtst.h"

static int parse_line(const char *line, struct test_vma *vma)
{
	unsigned int maj, min;
	int pos = 0;

	memset(vma, 0, sizeof(*vma));
	if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &vma->start, &vma->end,
		   vma->prot, &vma->pgoff, &maj, &min, &vma->ino, &pos) < 7)
		return -EINVAL;
	if (pos) {
		snprintf(vma->path, sizeof(vma->path), "%s", line + pos);
		vma->path[strcspn(vma->path, "\n")] = '\0';
	}
	return 0;
}

/* Call fn for every mapping until it returns non-zero; returns that value. */
static int for_each_vma(int (*fn)(struct test_vma *vma, void *arg), void *arg)
{
	struct test_vma vma;
	char line[512];
	FILE *f;
	int ret = 0;

	f = fopen("/proc/self/maps", "r");
	if (!f) {
		ret = -errno;
		pr_perror("open /proc/self/maps");
		return ret;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		if (parse_line(line, &vma)) {
			test_msg("bad maps line: %s", line);
			ret = -EINVAL;
			break;
		}
		ret = fn(&vma, arg);
	}
	fclose(f);
	return ret;
}

struct vma_query {
	unsigned long start, end;
	const char *name;
	struct test_vma *out;
	int max, nr;
};

static int match_addr(struct test_vma *vma, void *arg)
{
	struct vma_query *q = arg;

	if (vma->start <= q->start && q->start < vma->end) {
		*q->out = *vma;
		return 1;
	}
	return 0;
}

int test_vma_find(unsigned long addr, struct test_vma *vma)
{
	struct vma_query q = { .start = addr, .out = vma };
	int ret = for_each_vma(match_addr, &q);

	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

static int match_range(struct test_vma *vma, void *arg)
{
	struct vma_query *q = arg;

	if (vma->end <= q->start || vma->start >= q->end)
		return 0;
	if (q->nr < q->max)
		q->out[q->nr] = *vma;
	q->nr++;
	return 0;
}

int test_vma_range(unsigned long start, unsigned long end,
		   struct test_vma *vmas, int max)
{
	struct vma_query q = { .start = start, .end = end, .out = vmas, .max = max };
	int ret = for_each_vma(match_range, &q);

	return ret < 0 ? ret : q.nr;
}

static int match_name(struct test_vma *vma, void *arg)
{
	struct vma_query *q = arg;

	if (strcmp(vma->path, q->name))
		return 0;
	*q->out = *vma;
	return 1;
}

int test_vma_named(const char *name, struct test_vma *vma)
{
	struct vma_query q = { .name = name, .out = vma };
	int ret = for_each_vma(match_name, &q);

	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

int test_vmflags(unsigned long addr, char *flags, size_t len)
{
	char line[512];
	bool in = false;
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') <
		    strchr(line, ' ')) {
			in = start <= addr && addr < end;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, " %s", line + 9);
			flags[strcspn(flags, "\n")] = '\0';
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

bool test_vmflag(const char *flags, const char *mnemonic)
{
	char key[8];

	snprintf(key, sizeof(key), " %s ", mnemonic);
	return strstr(flags, key) != NULL;
}
