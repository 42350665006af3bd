// SPDX-License-Identifier: GPL-2.0
/*
 * Image files: opening by type, header checks, length-framed protobuf
 * entries and raw data.
 *
 * Reading never trusts the file: every length is bounded before it is
 * allocated, every short read is reported with the file's name, and a
 * message protobuf-c refuses is an error, not a crash.
 *
 * Entries are read through a read-ahead buffer: a pre-dump chain's
 * pagemaps hold hundreds of thousands of small entries, and two read()
 * calls for each made restore spend most of its time in system calls.
 * img_raw_fd() hands back what was read ahead (the file position goes
 * back to where the last entry ended), so raw users see the position the
 * entries left.
 *
 * Not thread safe: the list of created files is global and unlocked.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image-desc.h"
#include "log.h"

#define IMG_NAME_MAX	64

/* Entries up to this size are framed on the stack, bigger ones on the heap. */
#define IMG_STACK_BUF	4096
/* Read-ahead of an image opened for reading, and img_buffer_writes(). */
#define IMG_RBUF_SIZE	(64U << 10)

struct cr_img {
	int			fd;	/* -1: O_OPT image whose file is absent */
	unsigned long		flags;
	const struct cr_img_desc *desc;
	char			name[IMG_NAME_MAX];
	uint8_t			*rbuf;	/* read-ahead, NULL: reads go to the file */
	unsigned int		rpos;	/* next unread byte of rbuf */
	unsigned int		rlen;	/* bytes held in rbuf */
	uint8_t			*wbuf;	/* img_buffer_writes(), else NULL */
	unsigned int		wlen;	/* bytes waiting in wbuf */
};

/* ---- files created in this run, for images_discard() ------------------ */

/*
 * A directory images were created in, held open by our own descriptor so
 * that a discard still unlinks in the right place after the caller has
 * closed (and maybe reused) its descriptor number.
 */
struct img_dir {
	int	fd;
	dev_t	dev;
	ino_t	ino;
};

struct created_img {
	unsigned int	dir;	/* index into created_dirs */
	char		name[IMG_NAME_MAX];
};

static struct img_dir *created_dirs;
static unsigned int nr_created_dirs;
static struct created_img *created;
static size_t nr_created, created_room;

/* Index of the directory @dfd in created_dirs, adding it if new; or -errno. */
static int remember_dir(int dfd)
{
	struct img_dir *dirs;
	struct stat st;
	unsigned int i;
	int fd;

	if (fstatat(dfd, ".", &st, 0)) {
		pr_perror("Can't stat the image directory");
		return -errno;
	}
	for (i = 0; i < nr_created_dirs; i++)
		if (created_dirs[i].dev == st.st_dev &&
		    created_dirs[i].ino == st.st_ino)
			return i;

	dirs = realloc(created_dirs, (nr_created_dirs + 1) * sizeof(*dirs));
	if (!dirs) {
		pr_err("No memory to track the image directory\n");
		return -ENOMEM;
	}
	created_dirs = dirs;

	fd = openat(dfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the image directory");
		return -errno;
	}
	dirs[nr_created_dirs].fd = fd;
	dirs[nr_created_dirs].dev = st.st_dev;
	dirs[nr_created_dirs].ino = st.st_ino;
	return nr_created_dirs++;
}

static int remember_created(int dfd, const char *name)
{
	struct created_img *ci;
	int dir;

	dir = remember_dir(dfd);
	if (dir < 0)
		return dir;

	if (nr_created == created_room) {
		size_t room = created_room ? created_room * 2 : 32;

		ci = realloc(created, room * sizeof(*ci));
		if (!ci) {
			pr_err("No memory to track image %s\n", name);
			return -ENOMEM;
		}
		created = ci;
		created_room = room;
	}
	ci = &created[nr_created++];
	ci->dir = dir;
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	return 0;
}

void images_discard(void)
{
	size_t i;

	for (i = 0; i < nr_created; i++) {
		const struct created_img *ci = &created[i];

		if (unlinkat(created_dirs[ci->dir].fd, ci->name, 0) &&
		    errno != ENOENT)
			pr_perror("Can't remove image %s", ci->name);
	}
	images_forget();
}

void images_forget(void)
{
	unsigned int i;

	for (i = 0; i < nr_created_dirs; i++)
		if (close(created_dirs[i].fd))
			pr_perror("Can't close an image directory");
	free(created_dirs);
	created_dirs = NULL;
	nr_created_dirs = 0;

	free(created);
	created = NULL;
	nr_created = created_room = 0;
}

/* ---- plain I/O ---------------------------------------------------------- */

/* Bytes read (short only at end of file), or -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = read(fd, (char *)buf + done, len - done);

		if (ret == 0)
			break;
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += ret;
	}
	return done;
}

/* Bytes left in the read-ahead buffer. */
static unsigned int rbuf_held(const struct cr_img *img)
{
	return img->rlen - img->rpos;
}

/*
 * Like read_full() on the image, through its read-ahead buffer: a
 * request the buffer can't hold goes straight to the file once the
 * buffered bytes are used up.
 */
static ssize_t img_read(struct cr_img *img, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t ret;

	while (done < len) {
		size_t n = rbuf_held(img);

		if (n) {
			if (n > len - done)
				n = len - done;
			memcpy((char *)buf + done, img->rbuf + img->rpos, n);
			img->rpos += n;
			done += n;
			continue;
		}
		if (!img->rbuf || len - done >= IMG_RBUF_SIZE) {
			ret = read_full(img->fd, (char *)buf + done, len - done);
			return ret < 0 ? ret : (ssize_t)(done + ret);
		}
		do
			ret = read(img->fd, img->rbuf, IMG_RBUF_SIZE);
		while (ret < 0 && errno == EINTR);
		if (ret < 0)
			return -errno;
		if (ret == 0)
			break;
		img->rpos = 0;
		img->rlen = ret;
	}
	return done;
}

static int write_full(struct cr_img *img, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = write(img->fd, (const char *)buf + done,
				    len - done);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			int err = ret < 0 ? errno : EIO;

			errno = err;
			pr_perror("Can't write %zu bytes to %s",
				  len - done, img->name);
			return -err;
		}
		done += ret;
	}
	return 0;
}

/* Write out what pb_write_one() left in the buffer of img_buffer_writes(). */
static int wbuf_flush(struct cr_img *img)
{
	int ret;

	if (!img->wlen)
		return 0;
	ret = write_full(img, img->wbuf, img->wlen);
	img->wlen = 0;
	return ret;
}

/* Append @len bytes of an entry: into the write buffer if there is one. */
static int img_write(struct cr_img *img, const void *buf, size_t len)
{
	int ret;

	if (!img->wbuf)
		return write_full(img, buf, len);
	if (img->wlen + len > IMG_RBUF_SIZE) {
		ret = wbuf_flush(img);
		if (ret)
			return ret;
		if (len > IMG_RBUF_SIZE)
			return write_full(img, buf, len);
	}
	memcpy(img->wbuf + img->wlen, buf, len);
	img->wlen += len;
	return 0;
}

/*
 * Read exactly @len bytes of @what. A read error, or end of file before
 * @len bytes, is logged and returned as -errno (-EIO when truncated).
 */
static int read_exact(struct cr_img *img, void *buf, size_t len,
		      const char *what)
{
	ssize_t ret = img_read(img, buf, len);

	if (ret < 0) {
		errno = -ret;
		pr_perror("Can't read %s from %s", what, img->name);
		return ret;
	}
	if ((size_t)ret < len) {
		pr_err("%s: truncated %s: %zd of %zu bytes\n",
		       img->name, what, ret, len);
		return -EIO;
	}
	return 0;
}

/* ---- headers ------------------------------------------------------------ */

static const char *magic_name(uint32_t magic)
{
	enum cr_img_type type;

	if (magic == IMG_COMMON_MAGIC)
		return "IMG_COMMON";
	if (magic == IMG_SERVICE_MAGIC)
		return "IMG_SERVICE";
	for (type = 0; type < CR_FD_MAX; type++) {
		const struct cr_img_desc *d = img_desc(type);

		if (!d->raw && d->magic == magic)
			return d->magic_name;
	}
	return NULL;
}

static int write_header(struct cr_img *img)
{
	const struct cr_img_desc *d = img->desc;
	uint32_t hdr[2];
	int n = 0;

	if (d->first_magic)
		hdr[n++] = htole32(d->first_magic);
	hdr[n++] = htole32(d->magic);
	return write_full(img, hdr, n * sizeof(hdr[0]));
}

/* Report a header word that is not the one expected. */
static int bad_magic(struct cr_img *img, uint32_t found,
		     const char *want_name, uint32_t want)
{
	const char *found_name = magic_name(found);

	if (found_name)
		pr_err("%s: wrong magic 0x%08x (expected %s 0x%08x, found %s)\n",
		       img->name, found, want_name, want, found_name);
	else
		pr_err("%s: wrong magic 0x%08x (expected %s 0x%08x)\n",
		       img->name, found, want_name, want);
	return -EBADMSG;
}

static int check_header(struct cr_img *img)
{
	const struct cr_img_desc *d = img->desc;
	size_t len = d->first_magic ? 8 : 4;
	uint32_t hdr[2], word;
	ssize_t ret;

	ret = read_full(img->fd, hdr, len);
	if (ret < 0) {
		errno = -ret;
		pr_perror("Can't read the header of %s", img->name);
		return ret;
	}
	if (ret == 0) {
		pr_err("%s: empty file, expected a %s image\n",
		       img->name, d->magic_name);
		return -ENODATA;
	}
	if (ret < 4)
		goto truncated;
	/* A foreign file is named by its first word, even if short. */
	if (d->first_magic) {
		word = le32toh(hdr[0]);
		if (word != d->first_magic)
			return bad_magic(img, word, magic_name(d->first_magic),
					 d->first_magic);
	}
	if ((size_t)ret < len)
		goto truncated;
	word = le32toh(hdr[len / 4 - 1]);
	if (word != d->magic)
		return bad_magic(img, word, d->magic_name, d->magic);
	return 0;
truncated:
	pr_err("%s: truncated header: %zd of %zu bytes\n", img->name, ret, len);
	return -EIO;
}

/* ---- open and close ----------------------------------------------------- */

static int img_create(struct cr_img *img, int dfd)
{
	int ret;

	img->fd = openat(dfd, img->name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			 0600);
	if (img->fd < 0) {
		pr_perror("Can't create image %s", img->name);
		return -errno;
	}

	ret = remember_created(dfd, img->name);
	if (!ret && !img->desc->raw)
		ret = write_header(img);
	if (ret)
		goto err;
	return 0;
err:
	if (unlinkat(dfd, img->name, 0))
		pr_perror("Can't remove the broken image %s", img->name);
	close(img->fd);
	return ret;
}

static int img_open_read(struct cr_img *img, int dfd)
{
	int ret;

	img->fd = openat(dfd, img->name, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0) {
		if (errno == ENOENT && (img->flags & O_OPT)) {
			pr_debug("No optional image %s, taking it as empty\n",
				 img->name);
			return 0;
		}
		pr_perror("Can't open image %s", img->name);
		return -errno;
	}
	if (img->desc->raw)
		return 0;

	ret = check_header(img);
	if (ret) {
		close(img->fd);
		return ret;
	}
	/* without memory for it, entries are read straight from the file */
	img->rbuf = malloc(IMG_RBUF_SIZE);
	return 0;
}

static int check_open_flags(unsigned long flags)
{
	unsigned long mode = flags & (O_DUMP | O_RSTR);

	if (flags & ~(O_DUMP | O_RSTR | O_OPT))
		return -EINVAL;
	if (mode != O_DUMP && mode != O_RSTR)
		return -EINVAL;
	if ((flags & O_OPT) && mode != O_RSTR)
		return -EINVAL;
	return 0;
}

struct cr_img *open_image(int dfd, enum cr_img_type type, unsigned long flags, ...)
{
	const struct cr_img_desc *desc = img_desc(type);
	struct cr_img *img;
	va_list args;
	int ret, len;

	if (!desc || check_open_flags(flags)) {
		pr_err("Bad open_image() call: type %d, flags %#lx\n",
		       type, flags);
		errno = EINVAL;
		return NULL;
	}

	img = calloc(1, sizeof(*img));
	if (!img) {
		pr_err("No memory for an image of %s\n", desc->fmt);
		errno = ENOMEM;
		return NULL;
	}
	img->desc = desc;
	img->flags = flags;

	va_start(args, flags);
	len = vsnprintf(img->name, sizeof(img->name), desc->fmt, args);
	va_end(args);
	if (len < 0 || len >= (int)sizeof(img->name)) {
		pr_err("Image name from %s too long\n", desc->fmt);
		ret = -ENAMETOOLONG;
		goto err;
	}

	if (flags & O_DUMP)
		ret = img_create(img, dfd);
	else
		ret = img_open_read(img, dfd);
	if (ret)
		goto err;
	return img;
err:
	free(img);
	errno = -ret;
	return NULL;
}

int close_image(struct cr_img *img)
{
	int ret = 0;

	if (!img)
		return 0;
	if (img->fd >= 0)
		ret = wbuf_flush(img);
	if (img->fd >= 0 && close(img->fd) && !ret) {
		ret = -errno;
		pr_perror("Can't close image %s", img->name);
	}
	free(img->rbuf);
	free(img->wbuf);
	free(img);
	return ret;
}

int img_buffer_writes(struct cr_img *img)
{
	if (img->fd < 0 || !(img->flags & O_DUMP) || img->desc->raw) {
		pr_err("%s: only an entry image being written can buffer its writes\n", img->name);
		return -EINVAL;
	}
	if (!img->wbuf)
		img->wbuf = malloc(IMG_RBUF_SIZE);
	if (!img->wbuf) {
		pr_err("%s: no memory for a write buffer\n", img->name);
		return -ENOMEM;
	}
	return 0;
}

bool img_empty(const struct cr_img *img)
{
	return img->fd < 0;
}

const char *img_name(const struct cr_img *img)
{
	return img->name;
}

int img_raw_fd(struct cr_img *img)
{
	unsigned int held = rbuf_held(img);

	if (wbuf_flush(img))
		return -1;
	if (held && lseek(img->fd, -(off_t)held, SEEK_CUR) < 0) {
		pr_perror("Can't give back %u bytes read ahead of %s", held, img->name);
		return -1;
	}
	img->rpos = img->rlen = 0;
	return img->fd;
}

/* ---- entries ------------------------------------------------------------ */

static int check_io(struct cr_img *img, unsigned long mode, const char *op)
{
	if (img->fd < 0) {
		pr_err("%s: %s on an absent optional image\n", img->name, op);
		return -ENODATA;
	}
	if (!(img->flags & mode)) {
		pr_err("%s: %s on an image not open for it\n", img->name, op);
		return -EBADF;
	}
	return 0;
}

int pb_write_one(struct cr_img *img, const void *msg,
		 const ProtobufCMessageDescriptor *desc)
{
	const ProtobufCMessage *m = msg;
	uint8_t stack_buf[IMG_STACK_BUF], *buf = stack_buf;
	uint32_t len_word;
	size_t size;
	int ret;

	ret = check_io(img, O_DUMP, "pb_write_one");
	if (ret)
		return ret;
	if (m->descriptor != desc) {
		pr_err("%s: writing a %s as a %s\n", img->name,
		       m->descriptor->name, desc->name);
		return -EINVAL;
	}

	size = protobuf_c_message_get_packed_size(m);
	if (size > IMG_ENTRY_MAX) {
		pr_err("%s: %s entry of %zu bytes exceeds the %u byte limit\n",
		       img->name, desc->name, size, IMG_ENTRY_MAX);
		return -EFBIG;
	}
	if (size + sizeof(len_word) > sizeof(stack_buf)) {
		buf = malloc(size + sizeof(len_word));
		if (!buf) {
			pr_err("%s: no memory for a %zu byte entry\n",
			       img->name, size);
			return -ENOMEM;
		}
	}

	len_word = htole32(size);
	memcpy(buf, &len_word, sizeof(len_word));
	protobuf_c_message_pack(m, buf + sizeof(len_word));
	ret = img_write(img, buf, size + sizeof(len_word));

	if (buf != stack_buf)
		free(buf);
	return ret;
}

/* Read the length word of the next entry: 1, 0 at end of file, or -errno. */
static int read_entry_len(struct cr_img *img, uint32_t *len)
{
	ssize_t ret;

	ret = img_read(img, len, sizeof(*len));
	if (ret < 0) {
		errno = -ret;
		pr_perror("Can't read an entry from %s", img->name);
		return ret;
	}
	if (ret == 0)
		return 0;
	if (ret < (ssize_t)sizeof(*len)) {
		pr_err("%s: truncated entry length: %zd of %zu bytes\n",
		       img->name, ret, sizeof(*len));
		return -EIO;
	}

	*len = le32toh(*len);
	if (*len > IMG_ENTRY_MAX) {
		pr_err("%s: entry length %u exceeds the %u byte limit\n",
		       img->name, *len, IMG_ENTRY_MAX);
		return -EFBIG;
	}
	return 1;
}

/*
 * Bytes left in a regular file, or SIZE_MAX when that can't be told: used
 * to refuse a corrupt length before allocating a buffer for it.
 */
static size_t bytes_left(struct cr_img *img)
{
	struct stat st;
	off_t pos;

	if (fstat(img->fd, &st) || !S_ISREG(st.st_mode))
		return SIZE_MAX;
	pos = lseek(img->fd, 0, SEEK_CUR);
	if (pos < 0 || pos > st.st_size || pos < rbuf_held(img))
		return SIZE_MAX;
	return st.st_size - pos + rbuf_held(img);
}

int pb_read_one(struct cr_img *img, void **pmsg,
		const ProtobufCMessageDescriptor *desc)
{
	uint8_t stack_buf[IMG_STACK_BUF], *buf = stack_buf;
	ProtobufCMessage *msg;
	uint32_t len;
	int ret;

	*pmsg = NULL;
	if (img->fd < 0 && (img->flags & O_RSTR))
		return 0;	/* absent optional image: no entries */
	ret = check_io(img, O_RSTR, "pb_read_one");
	if (ret)
		return ret;

	ret = read_entry_len(img, &len);
	if (ret <= 0)
		return ret;

	if (len > sizeof(stack_buf)) {
		size_t left = bytes_left(img);

		if (len > left) {
			pr_err("%s: truncated entry: %zu of %u bytes\n",
			       img->name, left, len);
			return -EIO;
		}
		buf = malloc(len);
		if (!buf) {
			pr_err("%s: no memory for a %u byte entry\n",
			       img->name, len);
			return -ENOMEM;
		}
	}

	ret = read_exact(img, buf, len, "entry");
	if (ret)
		goto out;

	msg = protobuf_c_message_unpack(desc, NULL, len, buf);
	if (!msg) {
		pr_err("%s: can't decode a %s entry of %u bytes\n",
		       img->name, desc->name, len);
		ret = -EBADMSG;
		goto out;
	}
	*pmsg = msg;
	ret = 1;
out:
	if (buf != stack_buf)
		free(buf);
	return ret;
}

int pb_read_raw(struct cr_img *img, void *buf, size_t size, uint32_t *len)
{
	int ret;

	if (img->fd < 0 && (img->flags & O_RSTR))
		return 0;	/* absent optional image: no entries */
	ret = check_io(img, O_RSTR, "pb_read_raw");
	if (!ret)
		ret = read_entry_len(img, len);
	if (ret <= 0)
		return ret;
	if (*len > size) {
		pr_err("%s: an entry of %u bytes, where at most %zu are expected\n",
		       img->name, *len, size);
		return -EFBIG;
	}
	ret = read_exact(img, buf, *len, "entry");
	return ret ? ret : 1;
}

int pb_read_one_must(struct cr_img *img, void **pmsg,
		     const ProtobufCMessageDescriptor *desc)
{
	int ret = pb_read_one(img, pmsg, desc);

	if (ret == 0) {
		pr_err("%s: ends where a %s entry was expected\n",
		       img->name, desc->name);
		return -ENODATA;
	}
	return ret < 0 ? ret : 0;
}

void pb_free(void *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}

/* ---- raw data ----------------------------------------------------------- */

int write_img_buf(struct cr_img *img, const void *buf, size_t len)
{
	int ret = check_io(img, O_DUMP, "write_img_buf");

	if (ret)
		return ret;
	return img_write(img, buf, len);
}

int read_img_buf(struct cr_img *img, void *buf, size_t len)
{
	int ret = check_io(img, O_RSTR, "read_img_buf");

	if (ret)
		return ret;
	return read_exact(img, buf, len, "data");
}

int pb_write_image(int dfd, enum cr_img_type type, int arg, const void *msg,
		   const ProtobufCMessageDescriptor *desc)
{
	struct cr_img *img;
	int ret;

	img = open_image(dfd, type, O_DUMP, arg);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, msg, desc);
	if (close_image(img) && !ret)
		ret = -EIO;
	return ret;
}

int pb_read_image(int dfd, enum cr_img_type type, int arg, void **pmsg,
		  const ProtobufCMessageDescriptor *desc)
{
	struct cr_img *img;
	int ret;

	img = open_image(dfd, type, O_RSTR, arg);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, pmsg, desc);
	close_image(img);
	return ret;
}
