// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc/PID: stat, smaps, task and children lists.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "proc_parse.h"
#include "vma.h"
#include "vmflags-names.h"

ssize_t read_proc_file(pid_t pid, const char *name, char **buf)
{
	char path[64];
	size_t size = 4096, len = 0;
	char *data, *tmp;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		pr_perror("Can't open %s", path);
		return err;
	}
	data = malloc(size + 1);
	if (!data)
		goto nomem;
	for (;;) {
		n = read(fd, data + len, size - len);
		if (n < 0) {
			int err = -errno;

			pr_perror("Can't read %s", path);
			free(data);
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += n;
		if (len == size) {
			size *= 2;
			tmp = realloc(data, size + 1);
			if (!tmp) {
				free(data);
				goto nomem;
			}
			data = tmp;
		}
	}
	close(fd);
	data[len] = '\0';
	*buf = data;
	return len;
nomem:
	close(fd);
	pr_err("No memory to read %s\n", path);
	return -ENOMEM;
}

int parse_proc_stat(pid_t pid, struct proc_stat *st)
{
	char *buf, *p, *end;
	unsigned long f[52];
	ssize_t len;
	int i;

	len = read_proc_file(pid, "stat", &buf);
	if (len < 0)
		return len;

	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	p = strchr(buf, '(');
	end = strrchr(buf, ')');
	if (!p || !end || end < p || end[1] != ' ' || !end[2]) {
		pr_err("Malformed /proc/%d/stat\n", pid);
		free(buf);
		return -EINVAL;
	}
	len = end - p - 1;
	if (len >= (ssize_t)sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, p + 1, len);
	st->comm[len] = '\0';
	st->state = end[2];

	/* Fields from 4 (ppid) on; f[i] holds field i + 1 of proc(5). */
	memset(f, 0, sizeof(f));
	p = end + 3;
	for (i = 3; i < 52 && *p; i++) {
		f[i] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
		while (*p == ' ')
			p++;
	}
	free(buf);
	if (i < 52) {
		pr_err("/proc/%d/stat has %d fields, expected 52\n", pid, i);
		return -EINVAL;
	}
	st->ppid = f[3];
	st->pgid = f[4];
	st->sid = f[5];
	st->flags = f[8];
	st->nice = (long)f[18];
	st->start_code = f[25];
	st->end_code = f[26];
	st->start_stack = f[27];
	st->start_data = f[44];
	st->end_data = f[45];
	st->start_brk = f[46];
	st->arg_start = f[47];
	st->arg_end = f[48];
	st->env_start = f[49];
	st->env_end = f[50];
	st->exit_code = f[51];
	st->exit_signal = f[37];
	return 0;
}

int count_threads(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int nr = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		int err = -errno;

		pr_perror("Can't open %s", path);
		return err;
	}
	while ((de = readdir(d)))
		if (isdigit(de->d_name[0]))
			nr++;
	closedir(d);
	return nr;
}

int has_children(pid_t pid)
{
	char name[64], *buf;
	ssize_t len;
	int ret;

	snprintf(name, sizeof(name), "task/%d/children", pid);
	len = read_proc_file(pid, name, &buf);
	if (len < 0)
		return len;
	ret = strspn(buf, " \n") != (size_t)len;
	free(buf);
	return ret;
}

static void parse_vmflags(const char *line, struct vma_area *vma)
{
	const char *p = line;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!p[0] || !p[1])
			break;
		vmflag_apply(vma, p);
		p += 2;
		while (*p && *p != ' ')
			p++;	/* mnemonics are two letters: skip a longer one whole */
	}
}

static int classify_vma(struct vma_area *vma, char shared)
{
	const char *path = vma->path;

	if (shared == 's')
		vma->flags |= MAP_SHARED;
	else
		vma->flags |= MAP_PRIVATE;

	if (!path || !path[0]) {
		vma->status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE;
		vma->flags |= MAP_ANONYMOUS;
		if (shared == 's')
			vma->status = VMA_AREA_REGULAR | VMA_ANON_SHARED;
		return 0;
	}
	if (!strcmp(path, "[heap]")) {
		vma->status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE | VMA_AREA_HEAP;
		vma->flags |= MAP_ANONYMOUS;
	} else if (!strcmp(path, "[stack]")) {
		vma->status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE | VMA_AREA_STACK;
		vma->flags |= MAP_ANONYMOUS;
	} else if (!strcmp(path, "[vdso]")) {
		vma->status = VMA_AREA_REGULAR | VMA_AREA_VDSO;
	} else if (!strcmp(path, "[vvar]") || !strcmp(path, "[vvar_vclock]")) {
		vma->status = VMA_AREA_REGULAR | VMA_AREA_VVAR;
	} else if (!strcmp(path, "[vsyscall]")) {
		vma->status = VMA_AREA_VSYSCALL;
	} else if (path[0] == '[') {
		/* [uprobes], [anon:...] names set with PR_SET_VMA_ANON_NAME */
		if (!strncmp(path, "[anon:", 6) || !strncmp(path, "[anon_shmem:", 12)) {
			vma->flags |= MAP_ANONYMOUS;
			vma->status = VMA_AREA_REGULAR |
				(shared == 's' ? VMA_ANON_SHARED : VMA_ANON_PRIVATE);
		} else {
			vma->status = VMA_UNSUPP;
		}
	} else if (shared == 's' && !strcmp(path, "/dev/zero (deleted)")) {
		/* shmem behind mmap(MAP_SHARED | MAP_ANONYMOUS) */
		vma->status = VMA_AREA_REGULAR | VMA_ANON_SHARED;
		vma->flags |= MAP_ANONYMOUS;
	} else if (!strncmp(path, "/SYSV", 5)) {
		vma->status = VMA_AREA_SYSVIPC | VMA_UNSUPP;
	} else {
		vma->status = VMA_AREA_REGULAR |
			(shared == 's' ? VMA_FILE_SHARED : VMA_FILE_PRIVATE);
	}
	return 0;
}

static int parse_maps_line(char *line, struct vma_area *vma)
{
	unsigned int dmaj, dmin;
	char perms[5], *path;
	int n = 0;

	memset(vma, 0, sizeof(*vma));
	if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &vma->start, &vma->end,
		   perms, &vma->pgoff, &dmaj, &dmin, &vma->ino, &n) < 7 || !n)
		return -EINVAL;
	vma->dev = makedev(dmaj, dmin);
	if (perms[0] == 'r')
		vma->prot |= PROT_READ;
	if (perms[1] == 'w')
		vma->prot |= PROT_WRITE;
	if (perms[2] == 'x')
		vma->prot |= PROT_EXEC;
	path = line + n;
	if (*path) {
		vma->path = strdup(path);
		if (!vma->path)
			return -ENOMEM;
	}
	vma->shmid = vma->ino;
	return classify_vma(vma, perms[3]);
}

static int add_vma(struct vma_list *list, const struct vma_area *vma,
		   unsigned int *cap)
{
	struct vma_area *tmp;

	if (list->nr == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		tmp = realloc(list->vmas, *cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		list->vmas = tmp;
	}
	list->vmas[list->nr++] = *vma;
	return 0;
}

static void note_special(struct vma_list *list, const struct vma_area *vma)
{
	if (vma->status & VMA_AREA_VDSO) {
		list->vdso_start = vma->start;
		list->vdso_end = vma->end;
	} else if (vma->status & VMA_AREA_VVAR) {
		if (!list->vvar_start || vma->start < list->vvar_start)
			list->vvar_start = vma->start;
		if (vma->end > list->vvar_end)
			list->vvar_end = vma->end;
	}
}

static int parse_vmas(pid_t pid, const char *file, struct vma_list *list)
{
	struct vma_area vma, *last = NULL;
	unsigned int cap = 0;
	char *buf, *line, *next;
	ssize_t len;
	int ret = 0;

	memset(list, 0, sizeof(*list));
	len = read_proc_file(pid, file, &buf);
	if (len < 0)
		return len;

	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "VmFlags:", 8)) {
			if (last)
				parse_vmflags(line + 8, last);
			continue;
		}
		/* Attribute lines are "Name:   value"; VMA lines start with hex. */
		if (!isxdigit(line[0]) || strchr(line, ':') < strchr(line, ' '))
			continue;
		ret = parse_maps_line(line, &vma);
		if (ret) {
			pr_err("Can't parse /proc/%d/%s line: %s\n", pid, file, line);
			break;
		}
		ret = add_vma(list, &vma, &cap);
		if (ret) {
			free(vma.path);
			break;
		}
		last = &list->vmas[list->nr - 1];
	}
	free(buf);
	if (ret) {
		free_vma_list(list);
		return ret;
	}
	for (unsigned int i = 0; i < list->nr; i++)
		note_special(list, &list->vmas[i]);
	return 0;
}

int parse_smaps(pid_t pid, struct vma_list *list)
{
	return parse_vmas(pid, "smaps", list);
}

/*
 * /proc/PID/maps: the same areas without VmFlags, and without smaps'
 * walk over every page table entry, which costs milliseconds per GiB
 * while the target is stopped.
 */
int parse_maps(pid_t pid, struct vma_list *list)
{
	return parse_vmas(pid, "maps", list);
}

void free_vma_list(struct vma_list *list)
{
	unsigned int i;

	for (i = 0; i < list->nr; i++)
		free(list->vmas[i].path);
	free(list->vmas);
	memset(list, 0, sizeof(*list));
}

const char *proc_status_field(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen))
			return p + klen + strspn(p + klen, " \t");
	return NULL;
}

long locked_kb(pid_t pid)
{
	const char *v;
	long kb = -ENOENT;
	ssize_t len;
	char *buf;

	len = read_proc_file(pid, "status", &buf);
	if (len < 0)
		return len;
	v = proc_status_field(buf, "VmLck:");
	if (v)
		kb = strtol(v, NULL, 10);
	else
		pr_err("No VmLck in /proc/%d/status\n", pid);
	free(buf);
	return kb;
}
