// SPDX-License-Identifier: GPL-2.0
/*
 * file_offset_flags: a regular file open twice at chosen descriptor numbers:
 * O_RDWR|O_APPEND at one offset, O_RDONLY|O_CLOEXEC (plus O_NONBLOCK set
 * later with F_SETFL) at another. After restore: same file, same offsets,
 * same F_GETFL flags and FD_CLOEXEC, same content; appends still append.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DATA_FILE	"file_offset_flags.data"
#define FILE_SIZE	(64 * 1024)
#define SEED		0x6f66667365ULL
#define FL_MASK		(O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_NOATIME | O_DIRECT)

struct tfd {
	int fd;
	int open_flags;
	int fl;			/* expected F_GETFL & FL_MASK */
	int cloexec;
	off_t off;
};

static struct tfd fds[] = {
	{ 17, O_RDWR | O_APPEND, O_RDWR | O_APPEND, 0, 12345 },
	{ 23, O_RDONLY | O_CLOEXEC, O_RDONLY | O_NONBLOCK, 1, 4096 + 17 },
};

static ino_t ino;

static int make_file(void)
{
	static char buf[FILE_SIZE];
	struct stat st;
	int fd;

	datagen(buf, sizeof(buf), SEED);
	fd = open(DATA_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) || fstat(fd, &st)) {
		fail("create %s: %m", DATA_FILE);
		return -1;
	}
	ino = st.st_ino;
	close(fd);
	return 0;
}

static int open_one(struct tfd *t)
{
	int fd = open(DATA_FILE, t->open_flags);

	if (fd < 0) {
		fail("open %s: %m", DATA_FILE);
		return -1;
	}
	/* dup3 keeps O_CLOEXEC only when asked to: carry it over. */
	if (dup3(fd, t->fd, t->open_flags & O_CLOEXEC) != t->fd) {
		fail("dup3 to %d: %m", t->fd);
		return -1;
	}
	close(fd);
	if ((t->fl & O_NONBLOCK) && fcntl(t->fd, F_SETFL, O_NONBLOCK)) {
		fail("F_SETFL O_NONBLOCK on %d: %m", t->fd);
		return -1;
	}
	if (lseek(t->fd, t->off, SEEK_SET) != t->off) {
		fail("lseek %d: %m", t->fd);
		return -1;
	}
	return 0;
}

static int check_one(struct tfd *t)
{
	struct stat st;
	int fl, fdfl;
	off_t off;

	if (fstat(t->fd, &st) || st.st_ino != ino || !S_ISREG(st.st_mode)) {
		fail("fd %d is not %s any more", t->fd, DATA_FILE);
		return -1;
	}
	off = lseek(t->fd, 0, SEEK_CUR);
	if (off != t->off) {
		fail("fd %d offset %ld, want %ld", t->fd, (long)off, (long)t->off);
		return -1;
	}
	fl = fcntl(t->fd, F_GETFL);
	if (fl < 0 || (fl & FL_MASK) != t->fl) {
		fail("fd %d F_GETFL %#x, want %#x", t->fd, fl & FL_MASK, t->fl);
		return -1;
	}
	fdfl = fcntl(t->fd, F_GETFD);
	if (fdfl < 0 || !!(fdfl & FD_CLOEXEC) != t->cloexec) {
		fail("fd %d FD_CLOEXEC is %d, want %d", t->fd, fdfl & FD_CLOEXEC, t->cloexec);
		return -1;
	}
	return 0;
}

/* Read from the current offset of the read-only fd, append through the other. */
static int check_io(void)
{
	static char want[FILE_SIZE], got[FILE_SIZE];
	size_t len = FILE_SIZE - fds[1].off;
	const char tail[] = "appended";
	off_t end;

	datagen(want, sizeof(want), SEED);
	if (read(fds[1].fd, got, len) != (ssize_t)len) {
		fail("read the rest of the file: %m");
		return -1;
	}
	if (memcmp(got, want + fds[1].off, len)) {
		fail("content read at offset %ld differs", (long)fds[1].off);
		return -1;
	}
	if (write(fds[0].fd, tail, sizeof(tail)) != sizeof(tail)) {
		fail("append: %m");
		return -1;
	}
	end = lseek(fds[0].fd, 0, SEEK_CUR);
	if (end != FILE_SIZE + (off_t)sizeof(tail)) {
		fail("after an O_APPEND write the offset is %ld, want %ld (end of file)",
		     (long)end, (long)(FILE_SIZE + sizeof(tail)));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (make_file())
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (open_one(&fds[i]))
			return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		lseek(fds[0].fd, 1, SEEK_CUR);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (check_one(&fds[i]))
			return 1;
	if (check_io())
		return 1;
	pass();
	return 0;
}
