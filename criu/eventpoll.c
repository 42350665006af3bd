// SPDX-License-Identifier: GPL-2.0
/*
 * epoll descriptors and what is registered in them.
 *
 * Dump: fdinfo lists each registration ("tfd: N events: E data: D ...")
 * under the descriptor number N it was added with; the task may have
 * closed N since, or reused it for another file, while the registered
 * file lives on. kcmp(KCMP_EPOLL_TFD) says which of the task's
 * descriptors holds the registered file: N itself if it still does,
 * another one otherwise (a registration no descriptor of the task
 * holds is refused). The files.img id of that file is only known once
 * every descriptor of the tree has been dumped, so the EVENTPOLL
 * entries are written by the kind's finish step, while the tree is
 * still frozen.
 *
 * Restore: criu makes the epoll instances with the other files, and
 * once every kind has opened its files (targets may be pipes, eventfds,
 * sockets, other epolls) a short-lived child of criu registers each
 * target under its dumped number N: epoll keys a registration by file
 * and number, so N must be what the task will see in fdinfo and pass to
 * EPOLL_CTL_MOD/DEL. The child puts the file on N with dup2() and calls
 * epoll_ctl(); the registration outlives the child because criu's
 * pre-opened descriptor keeps the file open until the task holds it.
 * An EPOLLONESHOT registration that has fired is disarmed (only the
 * private bits left), which epoll_ctl() can't set: the child adds those
 * first, to an epoll that has nothing else yet, asking every event, and
 * fires them with one epoll_wait(); one whose file is ready for nothing
 * can't be fired and fails the restore.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "dump.h"
#include "files.h"
#include "kcmp-ids.h"
#include "log.h"
#include "restore.h"

#include "eventpoll.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"

/* One registration as the dump found it. */
struct epoll_tfd {
	uint32_t tfd;		/* number it was added under */
	uint32_t events;
	uint64_t data;
	uint64_t ino;
	uint32_t sdev;
	uint64_t pos;
	int holder;		/* descriptor of the task holding the file */
};

/* An epoll waiting for finish to be written. */
struct epoll_pending {
	uint32_t id;
	uint32_t flags;
	pid_t pid;
	int fd;
	struct epoll_tfd *tfds;
	unsigned int nr_tfds;
};

struct epoll_dump {
	struct epoll_pending *e;
	unsigned int nr;
};

struct kcmp_epoll_slot_ {
	uint32_t efd;
	uint32_t tfd;
	uint32_t toff;
};

static bool is_eventpoll(struct files_dump *fdump, const struct fd_parms *p)
{
	return is_anon_link(p, "eventpoll");
}

static int parse_tfds(const char *text, struct epoll_pending *ep)
{
	const char *l = text;
	struct epoll_tfd *tmp, t;
	unsigned int n;
	int tfd;

	while ((l = strstr(l, "tfd:"))) {
		memset(&t, 0, sizeof(t));
		n = sscanf(l, "tfd: %d events: %x data: %lx pos:%lu ino:%lx sdev:%x",
			   &tfd, &t.events, &t.data, &t.pos, &t.ino, &t.sdev);
		if (n != 6 || tfd < 0)
			return -EINVAL;
		t.tfd = tfd;
		t.holder = -1;
		tmp = realloc(ep->tfds, (ep->nr_tfds + 1) * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		ep->tfds = tmp;
		ep->tfds[ep->nr_tfds++] = t;
		l += 4;
	}
	return 0;
}

/*
 * Does descriptor @fd of @pid hold registration @toff of number @tfd of
 * @epfd? 1 or 0; -errno when kcmp can't tell (a kernel without
 * CONFIG_KCMP, or the registration went away).
 */
static int holds_target(pid_t pid, int epfd, int fd, uint32_t tfd, uint32_t toff)
{
	struct kcmp_epoll_slot_ slot = { .efd = epfd, .tfd = tfd, .toff = toff };
	long r = syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, fd, &slot);

	if (r >= 0)
		return r == 0;
	if (errno == EBADF)	/* @fd is closed: it holds nothing */
		return 0;
	r = -errno;
	pr_perror("pid %d: kcmp(KCMP_EPOLL_TFD) of fd %d with fd %u of epoll %d", pid, fd,
		  tfd, epfd);
	return (int)r;
}

/* Find a descriptor of the task that holds registration @i of @ep. */
static int find_holder(const struct epoll_pending *ep, unsigned int i)
{
	const struct epoll_tfd *t = &ep->tfds[i];
	int found = -1, r;
	uint32_t toff = 0;
	char path[64];
	struct dirent *de;
	unsigned int j;
	DIR *d;

	/* the same number registered twice (closed and reused) */
	for (j = 0; j < i; j++)
		toff += ep->tfds[j].tfd == t->tfd;
	r = holds_target(ep->pid, ep->fd, t->tfd, t->tfd, toff);
	if (r)
		return r < 0 ? r : (int)t->tfd;
	snprintf(path, sizeof(path), "/proc/%d/fd", ep->pid);
	d = opendir(path);
	if (!d) {
		r = -errno;
		pr_perror("Can't open %s", path);
		return r;
	}
	while (found < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		r = holds_target(ep->pid, ep->fd, atoi(de->d_name), t->tfd, toff);
		if (r < 0)
			break;
		if (r)
			found = atoi(de->d_name);
	}
	closedir(d);
	if (r < 0)
		return r;
	if (found < 0) {
		pr_err("criu: pid %d: fd %d is an epoll with fd %u (inode %#llx) registered, "
		       "a file no descriptor of the task holds: not supported\n", ep->pid,
		       ep->fd, t->tfd, (unsigned long long)t->ino);
		return -EOPNOTSUPP;
	}
	pr_info("pid %d: epoll fd %d: fd %u no longer holds its registered file, fd %d does\n",
		ep->pid, ep->fd, t->tfd, found);
	return found;
}

static int dump_eventpoll(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	struct epoll_pending ep = { .pid = fdump->dc->pid, .fd = p->fd, .flags = p->flags };
	struct epoll_dump *ed;
	struct epoll_pending *tmp;
	unsigned int i;
	char *text;
	int ret;

	if (!fdump->epolls) {
		fdump->epolls = calloc(1, sizeof(*fdump->epolls));
		if (!fdump->epolls)
			return -ENOMEM;
	}
	ed = fdump->epolls;
	ret = anon_check_flags(fdump, p, "an epoll");
	if (ret)
		return ret;
	ret = files_fdinfo_text(fdump, p, &text);
	if (ret)
		return ret;
	ret = parse_tfds(text, &ep);
	free(text);
	if (ret) {
		pr_err("pid %d: fd %d: its epoll fdinfo is not understood\n", ep.pid, p->fd);
		goto err;
	}
	for (i = 0; i < ep.nr_tfds; i++) {
		ret = find_holder(&ep, i);
		if (ret < 0)
			goto err;
		ep.tfds[i].holder = ret;
	}
	tmp = realloc(ed->e, (ed->nr + 1) * sizeof(*tmp));
	if (!tmp) {
		ret = -ENOMEM;
		goto err;
	}
	ed->e = tmp;
	ep.id = dump_new_file_id(fdump->dc);
	ed->e[ed->nr++] = ep;
	*id = ep.id;
	pr_info("pid %d: fd %d: epoll with %u registrations\n", ep.pid, p->fd, ep.nr_tfds);
	return 0;
err:
	free(ep.tfds);
	return ret;
}

/* The files.img id of the file descriptor @fd of @pid points to. */
static int holder_file_id(struct files_dump *fdump, pid_t pid, int fd, uint32_t *id)
{
	const struct kid_file *same;
	char path[64];
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st)) {
		ret = -errno;
		pr_perror("Can't stat %s", path);
		return ret;
	}
	ret = kid_file_find(&fdump->dc->sess->ids, pid, fd, &st, &same);
	if (ret)
		return ret;
	if (!same) {
		pr_err("pid %d: fd %d, an epoll target, was not dumped\n", pid, fd);
		return -ENOENT;
	}
	*id = same->id;
	return 0;
}

static int write_eventpoll(struct files_dump *fdump, const struct epoll_pending *ep)
{
	EventpollFileEntry e = EVENTPOLL_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	EventpollTfdEntry *te, **tp;
	unsigned int i;
	int ret = 0;

	te = calloc(ep->nr_tfds ? ep->nr_tfds : 1, sizeof(*te));
	tp = calloc(ep->nr_tfds ? ep->nr_tfds : 1, sizeof(*tp));
	if (!te || !tp) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ep->nr_tfds && !ret; i++) {
		const struct epoll_tfd *t = &ep->tfds[i];

		eventpoll_tfd_entry__init(&te[i]);
		te[i].id = ep->id;
		te[i].tfd = t->tfd;
		te[i].events = t->events;
		te[i].data = t->data;
		te[i].has_dev = te[i].has_inode = te[i].has_pos = true;
		te[i].dev = t->sdev;
		te[i].inode = t->ino;
		te[i].pos = t->pos;
		te[i].has_target_id = true;
		ret = holder_file_id(fdump, ep->pid, t->holder, &te[i].target_id);
		tp[i] = &te[i];
	}
	if (ret)
		goto out;
	e.id = ep->id;
	e.flags = ep->flags;
	e.fown = &fown;
	e.n_tfd = ep->nr_tfds;
	e.tfd = tp;
	fe.type = FD_TYPES__EVENTPOLL;
	fe.id = e.id;
	fe.epfd = &e;
	ret = files_write_entry(fdump, &fe);
out:
	free(te);
	free(tp);
	return ret;
}

static int eventpoll_dump_fini(struct files_dump *fdump)
{
	struct epoll_dump *ed = fdump->epolls;
	unsigned int i;
	int ret = 0;

	if (!ed)
		return 0;
	for (i = 0; i < ed->nr; i++) {
		if (!ret)
			ret = write_eventpoll(fdump, &ed->e[i]);
		free(ed->e[i].tfds);
	}
	free(ed->e);
	free(ed);
	fdump->epolls = NULL;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

/* What epoll keeps of a registration's events once it fired, and all others. */
#define EP_PRIVATE_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_ANY_EVENT	(EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP | EPOLLRDNORM | \
			 EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG)

/* One epoll_ctl(EPOLL_CTL_ADD) the registering child makes. */
struct epoll_add {
	uint32_t ep_id;		/* for the log */
	uint32_t target_id;
	int epfd;		/* criu's descriptors */
	int from;
	int tfd;
	bool disarmed;		/* a fired EPOLLONESHOT: add armed, then fire */
	struct epoll_event ev;
};

struct epoll_rst {
	struct epoll_add *adds;
	unsigned int nr;
};

static int add_registrations(struct rst_session *rs, const EventpollFileEntry *e, int epfd)
{
	struct epoll_rst *er = rs->epolls;
	struct epoll_add *tmp;
	size_t i;

	tmp = realloc(er->adds, (er->nr + e->n_tfd) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	er->adds = tmp;
	/* disarmed ones first: they are fired before anything else is added */
	for (i = 0; i < 2 * e->n_tfd; i++) {
		const EventpollTfdEntry *t = e->tfd[i % e->n_tfd];
		struct epoll_add *a = &er->adds[er->nr];
		bool disarmed = !(t->events & ~EP_PRIVATE_BITS);

		if (disarmed != (i < e->n_tfd))
			continue;

		if (!t->has_target_id) {
			pr_err("files.img: epoll %u: fd %u has no target file id (an image "
			       "criu-ooh did not write)\n", e->id, t->tfd);
			return -EOPNOTSUPP;
		}
		if (t->target_id == e->id || (int)t->tfd < 0 || (int)t->tfd >= rs->fd_base) {
			pr_err("files.img: epoll %u: registration of fd %u (file %u) is corrupt "
			       "or not below the restore descriptors (%d)\n", e->id, t->tfd,
			       t->target_id, rs->fd_base);
			return -EINVAL;
		}
		memset(a, 0, sizeof(*a));
		a->ep_id = e->id;
		a->target_id = t->target_id;
		a->epfd = epfd;
		a->from = -1;
		a->tfd = t->tfd;
		a->disarmed = disarmed;
		a->ev.events = t->events | (disarmed ? EP_ANY_EVENT : 0);
		a->ev.data.u64 = t->data;
		if (disarmed && !(t->events & EPOLLONESHOT)) {
			pr_err("files.img: epoll %u: fd %u has no events and is not one-shot\n",
			       e->id, t->tfd);
			return -EINVAL;
		}
		er->nr++;
	}
	return 0;
}

static int collect_eventpoll(struct rst_session *rs, const FileEntry *fe)
{
	const EventpollFileEntry *e = fe->epfd;
	int fd, ret;

	if (!e || e->id != fe->id) {
		pr_err("files.img: EVENTPOLL file id %u has no eventpoll entry of its own\n",
		       fe->id);
		return -EINVAL;
	}
	if (!rs->epolls) {
		rs->epolls = calloc(1, sizeof(*rs->epolls));
		if (!rs->epolls)
			return -ENOMEM;
	}
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: epoll %u: can't create it", fe->id);
		return ret;
	}
	if (fcntl(fd, F_SETFL, e->flags & O_NONBLOCK) < 0) {
		ret = -errno;
		pr_perror("files.img: epoll %u: can't set flags %#x", fe->id, e->flags);
		close(fd);
		return ret;
	}
	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	ret = rst_add_file(rs, fe->id, fd);
	if (!ret)
		ret = add_registrations(rs, e, fd);
	return ret;
}

/* What the child reports when a registration fails. */
struct epoll_add_err {
	unsigned int idx;
	int err;
};

/* In the child: every registration, then exit. Nothing logs here: fd numbers
 * of criu's own (the log) may be taken over by the dup2() calls. */
static void __attribute__((noreturn)) child_fail(int errfd, unsigned int i, int err)
{
	struct epoll_add_err e = { .idx = i, .err = err };

	if (write(errfd, &e, sizeof(e)) != sizeof(e))
		_exit(2);
	_exit(1);
}

/* Fire the @n disarmed registrations just added to @epfd; 0 or -errno. */
static int fire_disarmed(int epfd, unsigned int n)
{
	struct epoll_event ev[64];
	unsigned int fired = 0;
	int got;

	while (fired < n) {
		got = epoll_wait(epfd, ev, 64, 0);
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EAGAIN;
		fired += got;
	}
	return fired == n ? 0 : -EIO;
}

static void __attribute__((noreturn)) register_all(const struct epoll_rst *er, int errfd)
{
	unsigned int i, first = 0, nr_disarmed = 0;
	int ret;

	for (i = 0; i < er->nr; i++) {
		const struct epoll_add *a = &er->adds[i];
		struct epoll_event ev = a->ev;

		if (dup2(a->from, a->tfd) < 0 || epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->tfd, &ev))
			child_fail(errfd, i, errno);
		if (a->disarmed && !nr_disarmed++)
			first = i;
		if (nr_disarmed && (i + 1 == er->nr || !er->adds[i + 1].disarmed ||
				    er->adds[i + 1].epfd != a->epfd)) {
			ret = fire_disarmed(a->epfd, nr_disarmed);
			if (ret)
				child_fail(errfd, first, -ret);
			nr_disarmed = 0;
		}
	}
	_exit(0);
}

static int run_registrations(struct rst_session *rs, const struct epoll_rst *er)
{
	struct epoll_add_err e;
	int p[2], errfd, status, ret = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC)) {
		ret = -errno;
		pr_perror("epoll: can't create a pipe");
		return ret;
	}
	/* above every number the child dup2()s onto */
	errfd = fcntl(p[1], F_DUPFD_CLOEXEC, rs->fd_next);
	close(p[1]);
	if (errfd < 0) {
		ret = -errno;
		pr_perror("epoll: can't move a pipe above %d", rs->fd_next);
		close(p[0]);
		return ret;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		register_all(er, errfd);
	}
	close(errfd);
	if (pid < 0) {
		ret = -errno;
		pr_perror("epoll: can't fork to register targets");
		close(p[0]);
		return ret;
	}
	if (waitpid(pid, &status, 0) != pid) {
		ret = -errno;
		pr_perror("epoll: can't wait for pid %d", pid);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		n = read(p[0], &e, sizeof(e));
		if (n == sizeof(e) && e.idx < er->nr) {
			const struct epoll_add *a = &er->adds[e.idx];

			pr_err("files.img: epoll %u: can't register fd %d (file %u, events %#x%s): "
			       "%s\n", a->ep_id, a->tfd, a->target_id, a->ev.events,
			       a->disarmed ? ", a fired one-shot to disarm" : "",
			       strerror(e.err));
			ret = -e.err;
		} else {
			pr_err("epoll: the registering child failed (status %#x)\n", status);
			ret = -EIO;
		}
	}
	close(p[0]);
	return ret;
}

static void epolls_free(struct rst_session *rs)
{
	if (!rs->epolls)
		return;
	free(rs->epolls->adds);
	free(rs->epolls);
	rs->epolls = NULL;
}

static int eventpoll_link(struct rst_session *rs)
{
	struct epoll_rst *er = rs->epolls;
	unsigned int i;
	int ret = 0;

	if (!er)
		return 0;
	for (i = 0; i < er->nr && !ret; i++) {
		struct epoll_add *a = &er->adds[i];

		a->from = rst_file_fd(rs, a->target_id);
		if (a->from < 0) {
			pr_err("files.img: epoll %u: fd %d is registered with file %u, which is "
			       "not among the files criu opens before the fork\n", a->ep_id,
			       a->tfd, a->target_id);
			ret = -EINVAL;
		}
	}
	if (!ret && er->nr)
		ret = run_registrations(rs, er);
	if (!ret)
		pr_info("epoll: %u registrations made\n", er->nr);
	epolls_free(rs);
	return ret;
}

/* A restore that failed before the link step: what was collected goes. */
static void eventpoll_rst_fini(struct rst_session *rs, bool failed)
{
	epolls_free(rs);
}

const struct fd_kind fd_kind_eventpoll = {
	.name = "eventpoll",
	.type = FD_TYPES__EVENTPOLL,
	.match = is_eventpoll,
	.dump = dump_eventpoll,
	.finish = eventpoll_dump_fini,
	.collect = collect_eventpoll,
	.link = eventpoll_link,
	.rst_fini = eventpoll_rst_fini,
};
