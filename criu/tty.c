// SPDX-License-Identifier: GPL-2.0
/*
 * Terminals, for --shell-job only.
 *
 * A job started from a shell holds the shell's terminal; criu cannot
 * recreate that terminal, so with --shell-job it records which fds were
 * on it (TTY entries in files.img, one tty-info.img entry per device)
 * and at restore makes them dups of the terminal criu itself runs on.
 * The process may hold its terminal as /dev/pts/N (or /dev/ttyN...) and
 * as /dev/tty, but not two different terminals: both would come back
 * as the same one. Pseudo-terminal masters are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "tty.pb-c.h"

#define TTYAUX_MAJOR		5	/* 5:0 /dev/tty, 5:1 console, 5:2 ptmx */
#define TTY_MAJOR		4	/* VTs below minor 64, serial above */
#define PTY_MASTER_MAJOR	128	/* 128-135 */
#define PTY_SLAVE_MAJOR		136	/* 136-143 */
#define PTY_MAJORS		8
#define KERNEL_NCCS		19	/* c_cc entries of the kernel's termios */

static bool is_tty_major(dev_t rdev)
{
	unsigned int major = major(rdev);

	if (major == TTYAUX_MAJOR)
		return minor(rdev) <= 2;
	return major == TTY_MAJOR ||
	       (major >= PTY_MASTER_MAJOR && major < PTY_SLAVE_MAJOR + PTY_MAJORS);
}

static bool fd_is_tty(struct files_dump *fdump, const struct fd_parms *p)
{
	bool tty;
	int lfd;

	if (!S_ISCHR(p->st.st_mode))
		return false;
	if (is_tty_major(p->st.st_rdev))
		return true;
	/* memory devices (/dev/null, /dev/zero...) are known not to be */
	if (major(p->st.st_rdev) == 1)
		return false;
	/* other drivers (USB serial...) answer TCGETS if they are terminals */
	lfd = files_target_fd(fdump, p->fd);
	if (lfd < 0)
		return false;
	tty = isatty(lfd);
	close(lfd);
	return tty;
}

static TtyType tty_type(dev_t rdev)
{
	unsigned int major = major(rdev), minor = minor(rdev);

	if (major >= PTY_SLAVE_MAJOR && major < PTY_SLAVE_MAJOR + PTY_MAJORS)
		return TTY_TYPE__PTY;
	if (major == TTYAUX_MAJOR && minor == 0)
		return TTY_TYPE__CTTY;
	if (major == TTYAUX_MAJOR && minor == 1)
		return TTY_TYPE__CONSOLE;
	if (major == TTY_MAJOR)
		return minor < 64 ? TTY_TYPE__VT : TTY_TYPE__SERIAL;
	return TTY_TYPE__UNKNOWN;
}

static bool is_pty_master(dev_t rdev)
{
	unsigned int major = major(rdev);

	if (major == TTYAUX_MAJOR && minor(rdev) == 2)
		return true;
	return major >= PTY_MASTER_MAJOR && major < PTY_MASTER_MAJOR + PTY_MAJORS;
}

/*
 * Session and foreground group of @pid's controlling terminal, if that
 * is @rdev: fields 6 to 8 of /proc/PID/stat (after the comm).
 */
static void read_ctty(pid_t pid, dev_t rdev, uint32_t *sid, uint32_t *pgrp)
{
	char path[64], buf[1024], *s;
	int session = 0, tty_nr = 0, tpgid = 0;
	ssize_t n;
	int fd;

	*sid = *pgrp = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 1, " %*c %*d %*d %d %d %d", &session, &tty_nr, &tpgid) != 3)
		return;
	if ((dev_t)tty_nr != rdev)
		return;
	*sid = session;
	*pgrp = tpgid > 0 ? tpgid : 0;
}

static void fill_termios(const struct termios *t, TermiosEntry *te, uint32_t *cc)
{
	unsigned int i;

	te->c_iflag = t->c_iflag;
	te->c_oflag = t->c_oflag;
	te->c_cflag = t->c_cflag;
	te->c_lflag = t->c_lflag;
	te->c_line = t->c_line;
	te->c_ispeed = cfgetispeed(t);
	te->c_ospeed = cfgetospeed(t);
	for (i = 0; i < KERNEL_NCCS; i++)
		cc[i] = t->c_cc[i];
	te->n_c_cc = KERNEL_NCCS;
	te->c_cc = cc;
}

static int write_tty_info(struct files_dump *fdump, const struct fd_parms *p,
			  int lfd, uint32_t info_id)
{
	TtyInfoEntry ti = TTY_INFO_ENTRY__INIT;
	TermiosEntry te = TERMIOS_ENTRY__INIT;
	WinsizeEntry we = WINSIZE_ENTRY__INIT;
	TtyPtyEntry pe = TTY_PTY_ENTRY__INIT;
	uint32_t cc[KERNEL_NCCS];
	struct termios t;
	struct winsize ws;
	dev_t rdev = p->st.st_rdev;

	ti.id = info_id;
	ti.type = tty_type(rdev);
	ti.rdev = (uint32_t)rdev;
	read_ctty(fdump->dc->pid, rdev, &ti.sid, &ti.pgrp);
	if (ti.type == TTY_TYPE__PTY) {
		pe.index = minor(rdev) + (major(rdev) - PTY_SLAVE_MAJOR) * 256;
		ti.pty = &pe;
	}
	/* /dev/tty itself has no settings of its own to record */
	if (ti.type != TTY_TYPE__CTTY && !tcgetattr(lfd, &t)) {
		fill_termios(&t, &te, cc);
		ti.termios = &te;
	}
	if (ti.type != TTY_TYPE__CTTY && !ioctl(lfd, TIOCGWINSZ, &ws)) {
		we.ws_row = ws.ws_row;
		we.ws_col = ws.ws_col;
		we.ws_xpixel = ws.ws_xpixel;
		we.ws_ypixel = ws.ws_ypixel;
		ti.winsize = &we;
	}
	ti.has_uid = ti.has_gid = true;
	ti.uid = p->st.st_uid;
	ti.gid = p->st.st_gid;
	if (!fdump->tty_info) {
		fdump->tty_info = open_image(fdump->dc->sess->dfd, CR_FD_TTY_INFO, O_DUMP);
		if (!fdump->tty_info)
			return -EIO;
	}
	return pb_write_one(fdump->tty_info, &ti, &tty_info_entry__descriptor);
}

/* The tty-info.img entry of @p's device, written on first sight. */
static int tty_info_id(struct files_dump *fdump, const struct fd_parms *p,
		       uint32_t *info_id)
{
	dev_t rdev = p->st.st_rdev;
	unsigned int i;
	int lfd, ret;

	for (i = 0; i < fdump->nr_ttys; i++) {
		if (fdump->ttys[i].rdev == rdev) {
			*info_id = fdump->ttys[i].info_id;
			return 0;
		}
		if (tty_type(rdev) != TTY_TYPE__CTTY &&
		    tty_type(fdump->ttys[i].rdev) != TTY_TYPE__CTTY) {
			pr_err("fd %d of pid %d: a second terminal %s is not supported\n",
			       p->fd, fdump->dc->pid, p->link);
			return -EOPNOTSUPP;
		}
	}
	lfd = files_target_fd(fdump, p->fd);
	if (lfd < 0)
		return lfd;
	*info_id = dump_new_file_id(fdump->dc);
	ret = write_tty_info(fdump, p, lfd, *info_id);
	close(lfd);
	if (ret)
		return ret;
	fdump->ttys[fdump->nr_ttys].rdev = rdev;
	fdump->ttys[fdump->nr_ttys++].info_id = *info_id;
	return 0;
}

static int dump_tty_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	TtyFileEntry tfe = TTY_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	if (!opts.shell_job) {
		pr_err("fd %d of pid %d: %s is a terminal; dump it with --shell-job\n",
		       p->fd, fdump->dc->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (is_pty_master(p->st.st_rdev)) {
		pr_err("fd %d of pid %d: pseudo-terminal master %s is not supported\n",
		       p->fd, fdump->dc->pid, p->link);
		return -EOPNOTSUPP;
	}
	ret = tty_info_id(fdump, p, &tfe.tty_info_id);
	if (ret)
		return ret;
	tfe.id = dump_new_file_id(fdump->dc);
	tfe.flags = p->flags;
	tfe.fown = &fown;
	fe.type = FD_TYPES__TTY;
	fe.id = tfe.id;
	fe.tty = &tfe;
	ret = pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret)
		*id = tfe.id;
	return ret;
}

static int tty_dump_fini(struct files_dump *fdump)
{
	int ret = 0;

	if (fdump->tty_info)
		ret = close_image(fdump->tty_info);
	fdump->tty_info = NULL;
	fdump->nr_ttys = 0;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

/* criu's own terminal: the first of stdin, stdout, stderr that is one. */
static int criu_terminal(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (isatty(fd))
			return fd;
	pr_err("--shell-job restore needs a terminal on stdin/stdout/stderr\n");
	return -ENOTTY;
}

static int open_tty_entry(struct rst_session *rs, const FileEntry *fe)
{
	int term, fd, ret;

	if (!fe->tty) {
		pr_err("files.img: TTY file id %u has no tty_file_entry\n", fe->id);
		return -EINVAL;
	}
	if (!opts.shell_job) {
		pr_err("files.img: file id %u is a terminal; restore with --shell-job\n",
		       fe->id);
		return -EOPNOTSUPP;
	}
	term = criu_terminal();
	if (term < 0)
		return term;
	fd = fcntl(term, F_DUPFD, 0);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't dup criu's terminal (fd %d) for file id %u", term, fe->id);
		return ret;
	}
	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	pr_debug("files.img: TTY id %u is criu's terminal, fd %d\n", fe->id, fd);
	return rst_add_file(rs, fe->id, fd);
}

const struct fd_kind fd_kind_tty = {
	.name = "terminal",
	.type = FD_TYPES__TTY,
	.match = fd_is_tty,
	.dump = dump_tty_fd,
	.finish = tty_dump_fini,
	.collect = open_tty_entry,
};
