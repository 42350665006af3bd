// SPDX-License-Identifier: GPL-2.0
/*
 * Unix sockets, restore: every socket of unixsk.img is made in criu
 * before the first fork, in this order:
 *
 *   1. listeners: socket, bind, listen;
 *   2. connected pairs: socketpair() (bound afterwards where they were),
 *      or, for a socket that a listener of the tree had accepted,
 *      connect() to that listener and accept(); a socket whose peer was
 *      closed gets a socketpair whose other end is closed in step 6;
 *   3. the clients waiting in a listener's accept queue: connect(), in
 *      the queue's order; other sockets: socket (and bind);
 *   4. datagram sockets connect() to their peer's name;
 *   5. options, then the queued data sent back from the peer (or from
 *      an unnamed socket to the socket's name);
 *   6. shutdown states, the closed peers closed, deleted names unlinked,
 *      owner and mode of bound files, file flags.
 *
 * Before anything is made, every file name to bind is checked: a file
 * there that is not the dumped socket's own (stale) file stops the
 * restore. The files bound are removed again if the restore fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"
#include "sk-unix-rst.h"
#include "unixsk.h"
#include "sockets.h"

#include "fdinfo.pb-c.h"
#include "sk-unix.pb-c.h"

struct unix_rst_sk {
	UnixSkEntry *e;
	int fd;				/* criu's socket, -1 until made */
	int other;			/* the end of a closed peer, -1 */
	bool accepted;			/* made by accept() on a listener of the tree */
	bool unlink_stale;		/* its name holds its own dead socket file */
	bool bound;			/* this restore created its file */
	bool paired;			/* made by socketpair() */
	char what[64];
};

struct unix_rst {
	uint32_t *ids;			/* UNIXSK entries of files.img */
	unsigned int nr_ids;
	struct unix_rst_sk *sks;
	unsigned int nr;
	char **created;			/* socket files bound by this restore */
	unsigned int nr_created;
};

static struct unix_rst *unix_rst_state(struct rst_session *rs)
{
	struct sk_rst *sr = sk_rst_state(rs);

	if (!sr)
		return NULL;
	if (!sr->unix_sks)
		sr->unix_sks = calloc(1, sizeof(*sr->unix_sks));
	return sr->unix_sks;
}

int unix_collect(struct rst_session *rs, const FileEntry *fe)
{
	struct unix_rst *ur = unix_rst_state(rs);

	if (!ur)
		return -ENOMEM;
	return sk_add_id(&ur->ids, &ur->nr_ids, fe->id);
}

/* --- reading and checking ------------------------------------------------ */

static struct unix_rst_sk *by_ino(struct unix_rst *ur, uint32_t ino)
{
	unsigned int i;

	for (i = 0; ino && i < ur->nr; i++)
		if (ur->sks[i].e->ino == ino)
			return &ur->sks[i];
	return NULL;
}

static struct unix_rst_sk *by_id(struct unix_rst *ur, uint32_t id)
{
	unsigned int i;

	for (i = 0; id && i < ur->nr; i++)
		if (ur->sks[i].e->id == id)
			return &ur->sks[i];
	return NULL;
}

static bool is_path(const UnixSkEntry *e)
{
	return e->name.len && e->name.data[0];
}

static bool same_name(const UnixSkEntry *a, const UnixSkEntry *b)
{
	return a->name.len && a->name.len == b->name.len &&
	       !memcmp(a->name.data, b->name.data, a->name.len) &&
	       !strcmp(a->name_dir ? a->name_dir : "", b->name_dir ? b->name_dir : "");
}

/* The listener of the tree bound to @s's name, if @s is what it accepted. */
static struct unix_rst_sk *accepted_from(struct unix_rst *ur, const struct unix_rst_sk *s)
{
	unsigned int i;

	if (s->e->state != UNIX_ST_ESTABLISHED || s->e->type == SOCK_DGRAM ||
	    !s->e->name.len || s->e->has_icon_of)
		return NULL;
	for (i = 0; i < ur->nr; i++) {
		const UnixSkEntry *l = ur->sks[i].e;

		if (l->state == UNIX_ST_LISTEN && l->type == s->e->type && same_name(l, s->e) &&
		    (!is_path(l) || l->vfs_ino == s->e->vfs_ino))
			return &ur->sks[i];
	}
	return NULL;
}

/* Its file name, relative ones joined to name_dir. */
static void path_of(const UnixSkEntry *e, char *buf, size_t len)
{
	int n = (int)strnlen((const char *)e->name.data, e->name.len);

	if (e->name_dir && e->name.data[0] != '/')
		snprintf(buf, len, "%s/%.*s", e->name_dir, n, e->name.data);
	else
		snprintf(buf, len, "%.*s", n, e->name.data);
}

static int check_entry(struct unix_rst *ur, struct unix_rst_sk *s)
{
	const UnixSkEntry *e = s->e;

	snprintf(s->what, sizeof(s->what), "unixsk.img: socket %u (id %u)", e->ino, e->id);
	if (e->type != SOCK_STREAM && e->type != SOCK_DGRAM && e->type != SOCK_SEQPACKET) {
		pr_err("%s: type %u is not a unix socket type\n", s->what, e->type);
		return -EINVAL;
	}
	if (e->name.len > UNIX_NAME_MAX) {
		pr_err("%s: name of %zu bytes\n", s->what, e->name.len);
		return -EINVAL;
	}
	if (e->uflags & ~USK_EXTERN) {
		pr_err("%s: flags %#x are not ones criu-ooh restores\n", s->what, e->uflags);
		return -EOPNOTSUPP;
	}
	if (e->uflags & USK_EXTERN) {
		if (e->id || !e->name.len) {
			pr_err("%s: an outside socket with a descriptor or without a name\n", s->what);
			return -EINVAL;
		}
		return 0;
	}
	if (e->has_icon_of) {
		const struct unix_rst_sk *l = by_ino(ur, e->icon_of);

		if (!l || l->e->state != UNIX_ST_LISTEN || !l->e->name.len) {
			pr_err("%s: waits in the queue of %u, which is not a bound listener here\n",
			       s->what, e->icon_of);
			return -EINVAL;
		}
	}
	if (e->peer && !by_ino(ur, e->peer)) {
		pr_err("%s: peer %u has no entry\n", s->what, e->peer);
		return -EINVAL;
	}
	return 0;
}

/* A file at a name to bind: the socket's own stale file goes, anything else stops us. */
static int check_path(struct unix_rst_sk *s)
{
	const UnixSkEntry *e = s->e;
	char path[PATH_MAX];
	struct stat st;

	path_of(e, path, sizeof(path));
	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		pr_perror("%s: can't stat %s", s->what, path);
		return -errno;
	}
	if (!e->deleted && S_ISSOCK(st.st_mode) && e->has_vfs_ino &&
	    st.st_ino == e->vfs_ino && st.st_dev == e->vfs_dev) {
		s->unlink_stale = true;
		return 0;
	}
	pr_err("%s: %s exists and is not this socket's own file; it must be removed before the socket can be bound there\n",
	       s->what, path);
	return -EEXIST;
}

static int read_unixsk(struct rst_session *rs, struct unix_rst *ur)
{
	struct unix_rst_sk *tmp;
	struct cr_img *img;
	UnixSkEntry *e;
	int ret;

	img = open_image(rs->dfd, CR_FD_UNIXSK, O_RSTR);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&e, &unix_sk_entry__descriptor)) > 0) {
		tmp = realloc(ur->sks, (ur->nr + 1) * sizeof(*tmp));
		if (!tmp) {
			pb_free(e);
			ret = -ENOMEM;
			break;
		}
		ur->sks = tmp;
		ur->sks[ur->nr++] = (struct unix_rst_sk){ .e = e, .fd = -1, .other = -1 };
	}
	close_image(img);
	return ret;
}

static int check_all(struct unix_rst *ur)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ur->nr && !ret; i++)
		ret = check_entry(ur, &ur->sks[i]);
	for (i = 0; i < ur->nr_ids && !ret; i++) {
		if (by_id(ur, ur->ids[i]))
			continue;
		pr_err("files.img: UNIXSK file id %u has no unixsk.img entry\n", ur->ids[i]);
		ret = -EINVAL;
	}
	for (i = 0; i < ur->nr && !ret; i++) {
		struct unix_rst_sk *s = &ur->sks[i];

		s->accepted = accepted_from(ur, s) != NULL;
		if (is_path(s->e) && !s->accepted && !(s->e->uflags & USK_EXTERN))
			ret = check_path(s);
	}
	return ret;
}

/* --- making them ----------------------------------------------------------- */

static socklen_t unix_addr(const UnixSkEntry *e, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, e->name.data, e->name.len);
	return offsetof(struct sockaddr_un, sun_path) + e->name.len;
}

/* bind() or connect() @fd to @e's name, from name_dir for a relative one. */
static int addr_op(int fd, const UnixSkEntry *e, bool do_bind, const char *what)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(e, &sun);
	int cwd = -1, ret = 0, r;

	if (e->name_dir && is_path(e) && e->name.data[0] != '/') {
		cwd = open(".", O_PATH | O_CLOEXEC);
		if (cwd < 0 || chdir(e->name_dir)) {
			ret = -errno;
			pr_perror("%s: can't go to %s", what, e->name_dir);
			goto out;
		}
	}
	r = do_bind ? bind(fd, (struct sockaddr *)&sun, len) :
		      connect(fd, (struct sockaddr *)&sun, len);
	if (r) {
		ret = -errno;
		pr_perror("%s: can't %s %s%.*s", what, do_bind ? "bind to" : "connect to",
			  is_path(e) ? "" : "@", (int)e->name.len - !is_path(e),
			  e->name.data + !is_path(e));
	}
	if (cwd >= 0 && fchdir(cwd) && !ret) {
		ret = -errno;
		pr_perror("%s: can't go back to criu's directory", what);
	}
out:
	if (cwd >= 0)
		close(cwd);
	return ret;
}

static int note_created(struct unix_rst *ur, struct unix_rst_sk *s)
{
	char path[PATH_MAX], **tmp;

	path_of(s->e, path, sizeof(path));
	tmp = realloc(ur->created, (ur->nr_created + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	ur->created = tmp;
	ur->created[ur->nr_created] = strdup(path);
	if (!ur->created[ur->nr_created])
		return -ENOMEM;
	ur->nr_created++;
	s->bound = true;
	return 0;
}

static int bind_name(struct unix_rst *ur, struct unix_rst_sk *s)
{
	char path[PATH_MAX];
	int ret;

	if (!s->e->name.len || s->accepted)
		return 0;
	if (s->unlink_stale) {
		path_of(s->e, path, sizeof(path));
		if (unlink(path) && errno != ENOENT) {
			ret = -errno;
			pr_perror("%s: can't remove the stale socket file %s", s->what, path);
			return ret;
		}
	}
	ret = addr_op(s->fd, s->e, true, s->what);
	if (!ret && is_path(s->e))
		ret = note_created(ur, s);
	return ret;
}

static int new_socket(struct unix_rst_sk *s)
{
	s->fd = socket(AF_UNIX, s->e->type | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		pr_perror("%s: can't create a socket", s->what);
		return -errno;
	}
	return 0;
}

static int make_listener(struct unix_rst *ur, struct unix_rst_sk *s)
{
	int ret = new_socket(s);

	if (!ret)
		ret = bind_name(ur, s);
	if (!ret && listen(s->fd, s->e->backlog)) {
		ret = -errno;
		pr_perror("%s: can't listen with backlog %u", s->what, s->e->backlog);
	}
	return ret;
}

static int make_pair(struct unix_rst *ur, struct unix_rst_sk *a, struct unix_rst_sk *b)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, a->e->type | SOCK_CLOEXEC, 0, sv)) {
		pr_perror("%s: can't create a socket pair", a->what);
		return -errno;
	}
	a->fd = sv[0];
	a->paired = true;
	if (b) {
		b->fd = sv[1];
		b->paired = true;
	} else {
		a->other = sv[1];	/* the peer that was closed */
	}
	ret = bind_name(ur, a);
	if (!ret && b)
		ret = bind_name(ur, b);
	return ret;
}

/* @client connects to @l (nonblocking: a full queue is an error, not a hang). */
static int connect_to(struct unix_rst_sk *client, struct unix_rst_sk *l)
{
	int fl = fcntl(client->fd, F_GETFL), ret;

	if (fl < 0 || fcntl(client->fd, F_SETFL, fl | O_NONBLOCK)) {
		pr_perror("%s: can't make it nonblocking", client->what);
		return -errno;
	}
	ret = addr_op(client->fd, l->e, false, client->what);
	if (!ret && fcntl(client->fd, F_SETFL, fl)) {
		ret = -errno;
		pr_perror("%s: can't set its flags back", client->what);
	}
	return ret;
}

static int make_accepted(struct unix_rst *ur, struct unix_rst_sk *x, struct unix_rst_sk *p)
{
	struct unix_rst_sk *l = accepted_from(ur, x);
	int ret;

	ret = new_socket(p);
	if (!ret)
		ret = bind_name(ur, p);
	if (!ret)
		ret = connect_to(p, l);
	if (ret)
		return ret;
	x->fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (x->fd < 0) {
		pr_perror("%s: can't accept its connection on %s", x->what, l->what);
		return -errno;
	}
	return 0;
}

/* Step 2: the two ends of a connection, or one end and a closed peer. */
static int make_connected(struct unix_rst *ur, struct unix_rst_sk *s)
{
	struct unix_rst_sk *p = by_ino(ur, s->e->peer);
	bool mutual = p && p->e->peer == s->e->ino && !(p->e->uflags & USK_EXTERN);

	if (s->e->state != UNIX_ST_ESTABLISHED || s->e->has_icon_of)
		return 0;
	/*
	 * A datagram socket that others connected to is "established" too;
	 * one whose own peer was closed is restored unconnected.
	 */
	if (!s->e->peer && s->e->type != SOCK_DGRAM)
		return make_pair(ur, s, NULL);
	if (!mutual || p->fd >= 0)
		return 0;
	if (s->accepted)
		return make_accepted(ur, s, p);
	if (p->accepted)
		return make_accepted(ur, p, s);
	return make_pair(ur, s, p);
}

/* Step 3: the waiting clients, and every other socket not made yet. */
static int make_rest(struct unix_rst *ur, struct unix_rst_sk *s)
{
	int ret;

	if (s->fd >= 0 || (s->e->uflags & USK_EXTERN))
		return 0;
	if (s->e->type != SOCK_DGRAM && s->e->state == UNIX_ST_ESTABLISHED &&
	    !s->e->has_icon_of) {
		pr_err("%s: connected to %u, which is not connected back\n", s->what, s->e->peer);
		return -EINVAL;
	}
	ret = new_socket(s);
	if (!ret)
		ret = bind_name(ur, s);
	if (!ret && s->e->has_icon_of)
		ret = connect_to(s, by_ino(ur, s->e->icon_of));
	return ret;
}

/* Step 4: a datagram socket sends to its peer's name. */
static int connect_dgram(struct unix_rst *ur, struct unix_rst_sk *s)
{
	struct unix_rst_sk *p = by_ino(ur, s->e->peer);

	if (s->e->type != SOCK_DGRAM || !p || s->paired)
		return 0;
	if (!p->e->name.len) {
		pr_err("%s: its peer %u has no name to connect to\n", s->what, p->e->ino);
		return -EOPNOTSUPP;
	}
	return addr_op(s->fd, p->e, false, s->what);
}

/* --- contents and state ---------------------------------------------------- */

/* @s's address for sendto() from criu's directory: a relative name made absolute. */
static int send_addr(const struct unix_rst_sk *s, struct sockaddr_un *sun, socklen_t *len)
{
	char path[PATH_MAX];

	*len = unix_addr(s->e, sun);
	if (!s->e->name_dir || !is_path(s->e) || s->e->name.data[0] == '/')
		return 0;
	path_of(s->e, path, sizeof(path));
	if (strlen(path) >= sizeof(sun->sun_path)) {
		pr_err("%s: %s is too long to send its queue to\n", s->what, path);
		return -ENAMETOOLONG;
	}
	memset(sun->sun_path, 0, sizeof(sun->sun_path));
	memcpy(sun->sun_path, path, strlen(path));
	*len = sizeof(*sun);
	return 0;
}

static int refill(struct rst_session *rs, struct unix_rst *ur, struct unix_rst_sk *s)
{
	struct unix_rst_sk *p = by_ino(ur, s->e->peer);
	struct sockaddr_un sun;
	socklen_t len;
	int tmp, ret;

	if (s->other >= 0)
		return sk_queue_restore(rs, s->e->id, s->other, NULL, 0, s->what);
	if (p && p->fd >= 0 && p->e->peer == s->e->ino)
		return sk_queue_restore(rs, s->e->id, p->fd, NULL, 0, s->what);
	if (s->e->type != SOCK_DGRAM || !s->e->name.len)
		return sk_queue_restore(rs, s->e->id, -1, NULL, 0, s->what);
	/* from a peer connected elsewhere, or from nobody in particular */
	ret = send_addr(s, &sun, &len);
	if (ret)
		return ret;
	if (p && p->fd >= 0)
		return sk_queue_restore(rs, s->e->id, p->fd, (struct sockaddr *)&sun, len, s->what);
	tmp = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tmp < 0) {
		pr_perror("%s: can't create a socket to send its queue from", s->what);
		return -errno;
	}
	ret = sk_queue_restore(rs, s->e->id, tmp, (struct sockaddr *)&sun, len, s->what);
	close(tmp);
	return ret;
}

static int finish_one(struct unix_rst_sk *s)
{
	static const int how[] = { 0, SHUT_RD, SHUT_WR, SHUT_RDWR };
	const UnixSkEntry *e = s->e;
	char path[PATH_MAX];
	int ret;

	if (e->has_shutdown && e->shutdown > 0 && e->shutdown <= 3 &&
	    shutdown(s->fd, how[e->shutdown])) {
		pr_perror("%s: can't shut it down (%u)", s->what, e->shutdown);
		return -errno;
	}
	if (s->other >= 0) {
		close(s->other);
		s->other = -1;
	}
	if (s->bound && e->file_perms) {
		path_of(e, path, sizeof(path));
		if (chown(path, e->file_perms->uid, e->file_perms->gid) ||
		    chmod(path, e->file_perms->mode & 07777)) {
			ret = -errno;
			pr_perror("%s: can't give %s its owner and mode", s->what, path);
			return ret;
		}
	}
	if (s->bound && e->deleted) {
		path_of(e, path, sizeof(path));
		if (unlink(path)) {
			ret = -errno;
			pr_perror("%s: can't remove %s (the name was deleted)", s->what, path);
			return ret;
		}
	}
	if (fcntl(s->fd, F_SETFL, e->flags & (O_NONBLOCK | O_ASYNC))) {
		ret = -errno;
		pr_perror("%s: can't set file flags %#x", s->what, e->flags);
		return ret;
	}
	return 0;
}

static int give_files(struct rst_session *rs, struct unix_rst *ur)
{
	unsigned int i;
	int fd, ret;

	for (i = 0; i < ur->nr; i++) {
		struct unix_rst_sk *s = &ur->sks[i];

		if (s->fd < 0)
			continue;
		if (!s->e->id) {
			pr_err("%s: a socket without a descriptor\n", s->what);
			return -EINVAL;
		}
		fd = rst_keep_fd(rs, s->fd);
		s->fd = -1;
		if (fd < 0)
			return fd;
		ret = rst_add_file(rs, s->e->id, fd);
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_all(struct rst_session *rs, struct unix_rst *ur)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ur->nr && !ret; i++)
		if (ur->sks[i].e->state == UNIX_ST_LISTEN && !(ur->sks[i].e->uflags & USK_EXTERN))
			ret = make_listener(ur, &ur->sks[i]);
	for (i = 0; i < ur->nr && !ret; i++)
		if (!(ur->sks[i].e->uflags & USK_EXTERN))
			ret = make_connected(ur, &ur->sks[i]);
	for (i = 0; i < ur->nr && !ret; i++)
		ret = make_rest(ur, &ur->sks[i]);
	for (i = 0; i < ur->nr && !ret; i++)
		if (ur->sks[i].fd >= 0)
			ret = connect_dgram(ur, &ur->sks[i]);
	for (i = 0; i < ur->nr && !ret; i++)
		if (ur->sks[i].fd >= 0)
			ret = restore_sk_opts(ur->sks[i].fd, ur->sks[i].e->opts, ur->sks[i].what);
	for (i = 0; i < ur->nr && !ret; i++)
		if (ur->sks[i].fd >= 0)
			ret = refill(rs, ur, &ur->sks[i]);
	if (!ret)
		ret = sk_queue_rst_fini(rs);
	for (i = 0; i < ur->nr && !ret; i++)
		if (ur->sks[i].fd >= 0)
			ret = finish_one(&ur->sks[i]);
	if (!ret)
		ret = give_files(rs, ur);
	return ret;
}

static void free_sks(struct unix_rst *ur)
{
	unsigned int i;

	for (i = 0; i < ur->nr; i++) {
		if (ur->sks[i].fd >= 0)
			close(ur->sks[i].fd);
		if (ur->sks[i].other >= 0)
			close(ur->sks[i].other);
		pb_free(ur->sks[i].e);
	}
	free(ur->sks);
	ur->sks = NULL;
	ur->nr = 0;
	free(ur->ids);
	ur->ids = NULL;
	ur->nr_ids = 0;
}

int unix_open(struct rst_session *rs)
{
	struct unix_rst *ur = rs->sk ? rs->sk->unix_sks : NULL;
	int ret;

	if (!ur)
		return 0;
	ret = read_unixsk(rs, ur);
	if (!ret)
		ret = check_all(ur);
	if (!ret)
		ret = restore_all(rs, ur);
	if (!ret)
		pr_info("unixsk.img: %u unix sockets restored\n", ur->nr);
	free_sks(ur);
	return ret;
}

void unix_rst_fini(struct rst_session *rs, bool failed)
{
	struct unix_rst *ur = rs->sk ? rs->sk->unix_sks : NULL;
	unsigned int i;

	/* what sk-queues.img held is only ever sent on Unix sockets */
	sk_queue_rst_free(rs);
	if (!ur)
		return;
	free_sks(ur);
	for (i = 0; i < ur->nr_created; i++) {
		if (failed && unlink(ur->created[i]) && errno != ENOENT)
			pr_perror("Can't remove socket file %s after the failed restore",
				  ur->created[i]);
		free(ur->created[i]);
	}
	free(ur->created);
	free(ur);
	rs->sk->unix_sks = NULL;
}
