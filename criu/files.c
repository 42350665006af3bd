// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor table of a process.
 *
 * Dump: every descriptor in /proc/PID/fd becomes an fdinfo entry (its
 * number, FD_CLOEXEC and the id of its open file); every open file
 * description becomes one files.img entry, written by the file's kind
 * (the table below: files-reg.c, pipes.c, tty.c). Descriptors that
 * share a description, in one task or across the tree, share the id
 * (kcmp-ids.c): that keeps their offset and flags shared after restore.
 *
 * Restore: criu opens every files.img entry before the first fork and
 * the tasks inherit them above fd_base; restore_fds() then runs in each
 * task and dup3()s each one to its dumped number.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "kcmp-ids.h"
#include "infect.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"

/* The kinds, in the order their match() is tried. */
static const struct fd_kind *const fd_kinds[] = {
	&fd_kind_pipe,
	&fd_kind_tty,
	&fd_kind_fifo,
	&fd_kind_memfd,
	&fd_kind_inet,
	&fd_kind_unixsk,
	&fd_kind_netlinksk,
	&fd_kind_socket,	/* after every socket family's kind */
	&fd_kind_reg,
	&fd_kind_eventfd,
	&fd_kind_signalfd,
	&fd_kind_timerfd,
	&fd_kind_inotify,
	&fd_kind_eventpoll,
	&fd_kind_anon_refused,	/* every other anon_inode: refused by name */
};

#define NR_FD_KINDS	(sizeof(fd_kinds) / sizeof(fd_kinds[0]))

uint32_t dump_new_file_id(struct dump_ctx *dc)
{
	if (dc->sess->next_file_id == 0)
		dc->sess->next_file_id = 1;
	return dc->sess->next_file_id++;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static bool is_criu_fd(int fd, const int *criu_fds, unsigned int nr_criu_fds)
{
	unsigned int i;

	for (i = 0; i < nr_criu_fds; i++)
		if (criu_fds[i] == fd)
			return true;
	return false;
}

/*
 * The descriptor numbers of @dc's task but @criu_fds, sorted; *@fds is
 * malloc'ed.
 */
static int list_fds(const struct dump_ctx *dc, const int *criu_fds, unsigned int nr_criu_fds,
		    int **fds, unsigned int *nr)
{
	char path[64];
	struct dirent *de;
	unsigned int n = 0, cap = 0;
	int *v = NULL, *tmp;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", dc->pid);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			v = tmp;
		}
		v[n] = atoi(de->d_name);
		if (!is_criu_fd(v[n], criu_fds, nr_criu_fds))
			n++;
	}
	if (errno) {
		ret = -errno;
		pr_perror("Can't read %s", path);
	}
out:
	closedir(d);
	if (ret) {
		free(v);
		return ret;
	}
	qsort(v, n, sizeof(*v), cmp_int);
	*fds = v;
	*nr = n;
	return 0;
}

/* Read pos and flags of @fd from /proc/PID/fdinfo/FD. */
static int parse_fdinfo(pid_t pid, struct fd_parms *p)
{
	char path[64], line[256];
	unsigned long long pos = 0;
	unsigned long flags = 0;
	int seen = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, p->fd);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "pos: %llu", &pos) == 1)
			seen |= 1;
		else if (sscanf(line, "flags: %lo", &flags) == 1)
			seen |= 2;
	}
	fclose(f);
	if (seen != 3) {
		pr_err("%s: no pos or flags line\n", path);
		return -EINVAL;
	}
	p->pos = pos;
	p->cloexec = flags & O_CLOEXEC;
	p->flags = flags & ~O_CLOEXEC;
	return 0;
}

static int fill_fd_parms(pid_t pid, int fd, struct fd_parms *p)
{
	ssize_t len;
	int ret;

	p->fd = fd;
	snprintf(p->proc_path, sizeof(p->proc_path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(p->proc_path, p->link, sizeof(p->link) - 1);
	if (len < 0) {
		ret = -errno;
		pr_perror("Can't read link %s", p->proc_path);
		return ret;
	}
	p->link[len] = '\0';
	if (stat(p->proc_path, &p->st)) {
		ret = -errno;
		pr_perror("Can't stat %s (%s)", p->proc_path, p->link);
		return ret;
	}
	return parse_fdinfo(pid, p);
}

/* What a descriptor that no kind takes is, for the refusal. */
static const char *unknown_kind(const struct fd_parms *p)
{
	mode_t fmt = p->st.st_mode & S_IFMT;

	if (!strncmp(p->link, "anon_inode:", 11))
		return "anonymous inode";
	if (fmt == S_IFSOCK)
		return "socket";
	if (fmt == S_IFIFO)
		return "named fifo";
	if (p->link[0] != '/')
		return "special file";
	return "file type of";
}

static const struct fd_kind *find_kind(struct files_dump *fdump,
				       const struct fd_parms *p)
{
	unsigned int i;

	for (i = 0; i < NR_FD_KINDS; i++)
		if (fd_kinds[i]->match(fdump, p))
			return fd_kinds[i];
	return NULL;
}

/* Write the files.img entry of a description seen for the first time. */
static int dump_one_file(struct files_dump *fdump, const struct fd_parms *p,
			 FdTypes *type, uint32_t *id)
{
	const struct fd_kind *kind = find_kind(fdump, p);

	if (!kind) {
		pr_err("fd %d of pid %d: %s %s is not supported\n", p->fd,
		       fdump->dc->pid, unknown_kind(p), p->link);
		return -EOPNOTSUPP;
	}
	*type = kind->type;
	return kind->dump(fdump, p, id);
}

static int dump_one_fd(struct files_dump *fdump, struct cr_img *img, int fd)
{
	struct kcmp_ids *ids = &fdump->dc->sess->ids;
	FdinfoEntry fe = FDINFO_ENTRY__INIT;
	pid_t pid = fdump->dc->pid;
	FdTypes type = FD_TYPES__UND;
	const struct kid_file *same;
	struct fd_parms *p;
	uint32_t id;
	int ret;

	/* PATH_MAX of link text is too big for the stack of a loop body */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = fill_fd_parms(pid, fd, p);
	if (!ret)
		ret = dump_fd_locks(fdump, p);
	if (ret)
		goto out;
	ret = kid_file_find(ids, pid, fd, &p->st, &same);
	if (ret)
		goto out;
	if (same) {
		id = same->id;
		type = same->type;
	} else {
		ret = dump_one_file(fdump, p, &type, &id);
		if (!ret)
			ret = kid_file_add(ids, pid, fd, &p->st, id, type);
		if (ret)
			goto out;
	}
	fe.id = id;
	fe.flags = p->cloexec ? FD_CLOEXEC : 0;
	fe.type = type;
	fe.fd = fd;
	ret = pb_write_one(img, &fe, &fdinfo_entry__descriptor);
	if (!ret)
		pr_info("fd %d of pid %d: %s, id %u%s%s\n", fd, pid, p->link, id,
			same ? " (shared)" : "", p->cloexec ? ", cloexec" : "");
out:
	free(p);
	return ret;
}

static struct files_dump *session_files(struct dump_session *sess)
{
	if (!sess->files) {
		sess->files = calloc(1, sizeof(*sess->files));
		if (sess->files)
			sess->files->pidfd = -1;
	}
	return sess->files;
}

int dump_files(struct dump_ctx *dc, uint32_t files_id, const int *criu_fds,
	       unsigned int nr_criu_fds)
{
	struct files_dump *fdump = session_files(dc->sess);
	struct cr_img *img;
	unsigned int i, nr = 0;
	int *fds = NULL, ret, err;

	if (!fdump)
		return -ENOMEM;
	ret = list_fds(dc, criu_fds, nr_criu_fds, &fds, &nr);
	if (ret)
		return ret;
	img = open_image(dc->sess->dfd, CR_FD_FDINFO, O_DUMP, (unsigned int)files_id);
	if (!img) {
		free(fds);
		return -EIO;
	}
	/* kept for pidfd_getfd() of descriptors that need ioctls */
	fdump->dc = dc;
	fdump->pidfd = dump_pidfd(dc);
	if (fdump->pidfd < 0) {
		ret = fdump->pidfd;
		goto out;
	}
	for (i = 0; i < nr && !ret; i++)
		ret = dump_one_fd(fdump, img, fds[i]);
	close(fdump->pidfd);
	fdump->pidfd = -1;
out:
	err = close_image(img);
	ret = ret ? ret : err;
	free(fds);
	if (!ret)
		pr_info("Dumped %u fds of pid %d to fdinfo-%u.img\n", nr, dc->pid, files_id);
	return ret;
}

int dump_files_fini(struct dump_session *sess)
{
	unsigned int i;
	int ret = 0, err;

	if (!sess->files)
		return 0;
	for (i = 0; i < NR_FD_KINDS; i++) {
		if (!fd_kinds[i]->finish)
			continue;
		err = fd_kinds[i]->finish(sess->files);
		ret = ret ? ret : err;
	}
	err = dump_locks_fini(sess->files);
	ret = ret ? ret : err;
	free(sess->files);
	sess->files = NULL;
	return ret;
}

void dump_files_free(struct dump_session *sess)
{
	unsigned int i;

	for (i = 0; i < NR_FD_KINDS; i++)
		if (fd_kinds[i]->dump_free)
			fd_kinds[i]->dump_free(sess);
}

/* --- restore ------------------------------------------------------------ */

struct fdinfo_table {
	FdinfoEntry **e;
	unsigned int nr;
};

static void free_fdinfo(struct fdinfo_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		pb_free(t->e[i]);
	free(t->e);
	t->e = NULL;
	t->nr = 0;
}

static int read_fdinfo(int dfd, uint32_t files_id, struct fdinfo_table *t)
{
	unsigned int cap = 0;
	FdinfoEntry **tmp;
	struct cr_img *img;
	void *e;
	int ret;

	t->e = NULL;
	t->nr = 0;
	img = open_image(dfd, CR_FD_FDINFO, O_RSTR, (unsigned int)files_id);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, &e, &fdinfo_entry__descriptor)) > 0) {
		if (t->nr == cap) {
			cap = cap ? cap * 2 : 32;
			tmp = realloc(t->e, cap * sizeof(*tmp));
			if (!tmp) {
				pb_free(e);
				ret = -ENOMEM;
				break;
			}
			t->e = tmp;
		}
		t->e[t->nr++] = e;
	}
	close_image(img);
	if (ret < 0)
		free_fdinfo(t);
	return ret;
}

static int collect_file_entry(struct rst_session *rs, const FileEntry *fe)
{
	unsigned int i;

	for (i = 0; i < NR_FD_KINDS; i++)
		if (fd_kinds[i]->type == fe->type && fd_kinds[i]->collect)
			return fd_kinds[i]->collect(rs, fe);
	pr_err("files.img: file id %u has type %d, which criu-ooh cannot restore\n",
	       fe->id, fe->type);
	return -EOPNOTSUPP;
}

int prepare_files(struct rst_session *rs)
{
	struct cr_img *img;
	FileEntry *fe;
	unsigned int i;
	int ret;

	img = open_image(rs->dfd, CR_FD_FILES, O_RSTR);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&fe, &file_entry__descriptor)) > 0) {
		ret = collect_file_entry(rs, fe);
		pb_free(fe);
		if (ret)
			break;
	}
	close_image(img);
	for (i = 0; i < NR_FD_KINDS && !ret; i++)
		if (fd_kinds[i]->open)
			ret = fd_kinds[i]->open(rs);
	for (i = 0; i < NR_FD_KINDS && !ret; i++)
		if (fd_kinds[i]->link)
			ret = fd_kinds[i]->link(rs);
	return ret;
}

/* In table order: the socket families' before fd_kind_socket's, which frees what they share. */
void rst_files_fini(struct rst_session *rs, bool failed)
{
	unsigned int i;

	for (i = 0; i < NR_FD_KINDS; i++)
		if (fd_kinds[i]->rst_fini)
			fd_kinds[i]->rst_fini(rs, failed);
}

/* Every descriptor must have its file, and a number below the pre-opened set. */
static int check_fdinfo(const struct rst_session *rs, uint32_t files_id,
			const struct fdinfo_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		const FdinfoEntry *e = t->e[i];

		if (rst_file_fd(rs, e->id) < 0) {
			pr_err("fdinfo-%u.img: fd %u refers to file id %u, which files.img lacks\n",
			       files_id, e->fd, e->id);
			return -EINVAL;
		}
		if ((int)e->fd >= rs->fd_base) {
			pr_err("fdinfo-%u.img: fd %u is not below the restore descriptors (%d)\n",
			       files_id, e->fd, rs->fd_base);
			return -EINVAL;
		}
	}
	return 0;
}

int prepare_fdinfo(struct rst_ctx *rc, uint32_t files_id)
{
	struct fdinfo_table t;
	int ret;

	ret = read_fdinfo(rc->sess->dfd, files_id, &t);
	if (ret)
		return ret;
	ret = check_fdinfo(rc->sess, files_id, &t);
	free_fdinfo(&t);
	return ret;
}

static int restore_one_fd(struct rst_ctx *rc, const FdinfoEntry *e)
{
	int from = rst_file_fd(rc->sess, e->id);
	long ret;

	if (from < 0) {
		pr_err("fd %u of pid %d: file id %u was not opened\n", e->fd, rc->pid, e->id);
		return -ENOENT;
	}
	ret = rst_syscall(rc, "dup3", __NR_dup3, from, e->fd,
			  (e->flags & FD_CLOEXEC) ? O_CLOEXEC : 0, 0, 0, 0);
	if (ret < 0) {
		pr_err("fd %u of pid %d: dup3 from %d failed: %s\n",
		       e->fd, rc->pid, from, strerror((int)-ret));
		return (int)ret;
	}
	pr_debug("fd %u of pid %d: file id %u\n", e->fd, rc->pid, e->id);
	return 0;
}

int restore_fds(struct rst_ctx *rc, uint32_t files_id)
{
	struct fdinfo_table t;
	unsigned int i;
	long r;
	int ret;

	ret = read_fdinfo(rc->sess->dfd, files_id, &t);
	if (ret)
		return ret;
	ret = check_fdinfo(rc->sess, files_id, &t);
	if (ret)
		goto out;
	/* criu's own descriptors (log, stdio) are not the process's */
	if (rc->sess->fd_base > 0) {
		r = rst_syscall(rc, "close_range", __NR_close_range, 0,
				rc->sess->fd_base - 1, 0, 0, 0, 0);
		if (r < 0) {
			ret = (int)r;
			goto out;
		}
	}
	for (i = 0; i < t.nr && !ret; i++)
		ret = restore_one_fd(rc, t.e[i]);
	if (!ret)
		pr_info("Restored %u fds of pid %d\n", t.nr, rc->pid);
out:
	free_fdinfo(&t);
	return ret;
}
