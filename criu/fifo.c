// SPDX-License-Identifier: GPL-2.0
/*
 * Named FIFOs.
 *
 * A FIFO descriptor is a FIFO entry in files.img pointing to a REG entry
 * with the FIFO's path (written just before it; a FIFO deleted while
 * open is a ghost of that REG entry, files-remap.c). The bytes buffered
 * in it and its capacity go to fifo-data.img once per FIFO (keyed by its
 * inode number), read without consuming them as pipes.c does for pipes.
 *
 * Restore: files-reg.c opens the REG entry read-write and non-blocking,
 * which never waits for the other end; that descriptor refills the FIFO
 * and serves every FIFO entry of it, each reopened through /proc/self/fd
 * with its own flags: with a reader and a writer already there, neither
 * a read-only nor a write-only open blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "pipe-data.pb-c.h"

/* Larger capacities or contents in an image are taken for corruption. */
#define FIFO_SIZE_MAX	(1u << 30)

/* --- dump --------------------------------------------------------------- */

static bool fifo_data_dumped(const struct files_dump *fdump, uint32_t pipe_id)
{
	unsigned int i;

	for (i = 0; i < fdump->nr_fifo_ids; i++)
		if (fdump->fifo_ids[i] == pipe_id)
			return true;
	return false;
}

/*
 * The buffered bytes, through a new reader of the FIFO: opened
 * non-blocking, it never waits for a writer, and a reader coming and
 * going changes nothing for the target's ends (a writer would: a reader
 * that never saw one would see end-of-file after it).
 */
static int dump_fifo_data(struct files_dump *fdump, const struct fd_parms *p,
			  uint32_t pipe_id)
{
	char what[PATH_MAX + 64];
	int size, bytes, ret;
	uint32_t *tmp;
	void *buf;

	snprintf(what, sizeof(what), "pid %d: fd %d: FIFO %s", fdump->dc->pid, p->fd, p->link);
	tmp = realloc(fdump->fifo_ids, (fdump->nr_fifo_ids + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	fdump->fifo_ids = tmp;
	ret = pipe_contents(p->proc_path, O_RDONLY, what, &size, &buf, &bytes);
	if (ret)
		return ret;
	if (!fdump->fifo_data) {
		fdump->fifo_data = open_image(fdump->dc->sess->dfd, CR_FD_FIFO_DATA, O_DUMP);
		if (!fdump->fifo_data)
			ret = -EIO;
	}
	if (!ret)
		ret = write_pipe_data_entry(fdump->fifo_data, pipe_id, size, buf, bytes);
	if (!ret) {
		fdump->fifo_ids[fdump->nr_fifo_ids++] = pipe_id;
		pr_info("%s: %d bytes buffered, capacity %d\n", what, bytes, size);
	}
	free(buf);
	return ret;
}

static int dump_fifo_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	FifoEntry fie = FIFO_ENTRY__INIT;
	uint32_t pipe_id = p->st.st_ino;
	int ret;

	if (!fifo_data_dumped(fdump, pipe_id)) {
		ret = dump_fifo_data(fdump, p, pipe_id);
		if (ret)
			return ret;
	}
	ret = dump_reg_of_fd(fdump, p, &fie.regf_id);
	if (ret)
		return ret;
	fie.has_regf_id = true;
	fie.id = dump_new_file_id(fdump->dc);
	fie.pipe_id = pipe_id;
	fe.type = FD_TYPES__FIFO;
	fe.id = fie.id;
	fe.fifo = &fie;
	ret = pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret)
		*id = fie.id;
	return ret;
}

static int fifo_dump_finish(struct files_dump *fdump)
{
	int ret = 0;

	if (fdump->fifo_data)
		ret = close_image(fdump->fifo_data);
	fdump->fifo_data = NULL;
	free(fdump->fifo_ids);
	fdump->fifo_ids = NULL;
	fdump->nr_fifo_ids = 0;
	return ret;
}

static bool is_fifo(struct files_dump *fdump, const struct fd_parms *p)
{
	return S_ISFIFO(p->st.st_mode) && p->link[0] == '/';
}

/* --- restore ------------------------------------------------------------ */

/* FIFOs whose bytes are back: one refill each, whatever its entries. */
struct fifos_rst {
	uint32_t *refilled;
	unsigned int nr;
};

static int read_data_of(struct cr_img *img, uint32_t pipe_id, PipeDataEntry **pde,
			void **buf)
{
	int ret;

	while ((ret = pb_read_one(img, (void **)pde, &pipe_data_entry__descriptor)) > 0) {
		if ((*pde)->bytes > FIFO_SIZE_MAX || ((*pde)->has_size &&
						      (*pde)->size > FIFO_SIZE_MAX)) {
			pr_err("%s: FIFO %u: %u bytes, capacity %u: too big\n", img_name(img),
			       (*pde)->pipe_id, (*pde)->bytes, (*pde)->size);
			ret = -EINVAL;
		} else if ((*pde)->pipe_id == pipe_id) {
			*buf = malloc((*pde)->bytes ? (*pde)->bytes : 1);
			ret = *buf ? read_img_buf(img, *buf, (*pde)->bytes) : -ENOMEM;
			if (!ret)
				return 1;
			free(*buf);
		} else if ((*pde)->bytes && lseek(img_raw_fd(img), (*pde)->bytes, SEEK_CUR) < 0) {
			ret = -errno;
			pr_perror("%s: can't skip FIFO %u's bytes", img_name(img), (*pde)->pipe_id);
		}
		pb_free(*pde);
		if (ret < 0)
			return ret;
	}
	return ret;
}

/* The dumped capacity and bytes of FIFO @pipe_id, written in through @fd. */
static int refill_fifo(struct rst_session *rs, int fd, uint32_t pipe_id)
{
	PipeDataEntry *pde = NULL;
	struct cr_img *img;
	void *buf = NULL;
	ssize_t n;
	int ret;

	img = open_image(rs->dfd, CR_FD_FIFO_DATA, O_RSTR | O_OPT);
	if (!img)
		return -EIO;
	ret = read_data_of(img, pipe_id, &pde, &buf);
	close_image(img);
	if (ret <= 0)
		return ret;	/* none: it was empty (or the image is bad) */
	ret = 0;
	if (pde->has_size && pde->size && fcntl(fd, F_SETPIPE_SZ, pde->size) < 0) {
		ret = -errno;
		pr_perror("fifo-data.img: FIFO %u: can't set capacity %u", pipe_id, pde->size);
	}
	if (!ret && pde->bytes) {
		n = write(fd, buf, pde->bytes);
		if (n != (ssize_t)pde->bytes) {
			ret = n < 0 ? -errno : -EIO;
			pr_perror("fifo-data.img: FIFO %u: can't put back %u bytes", pipe_id,
				  pde->bytes);
		}
	}
	if (!ret)
		pr_info("fifo-data.img: FIFO %u refilled with %u bytes\n", pipe_id, pde->bytes);
	free(buf);
	pb_free(pde);
	return ret;
}

static int fifo_refill_once(struct rst_session *rs, int fd, uint32_t pipe_id)
{
	struct fifos_rst *fr = rs->fifos;
	uint32_t *tmp;
	unsigned int i;
	int ret;

	if (!fr) {
		fr = calloc(1, sizeof(*fr));
		if (!fr)
			return -ENOMEM;
		rs->fifos = fr;
	}
	for (i = 0; i < fr->nr; i++)
		if (fr->refilled[i] == pipe_id)
			return 0;
	tmp = realloc(fr->refilled, (fr->nr + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	fr->refilled = tmp;
	ret = refill_fifo(rs, fd, pipe_id);
	if (!ret)
		fr->refilled[fr->nr++] = pipe_id;
	return ret;
}

static int open_fifo_entry(struct rst_session *rs, const FileEntry *fe)
{
	const FifoEntry *fie = fe->fifo;
	char path[64];
	int anchor, fd, ret;

	if (!fie || !fie->has_regf_id) {
		pr_err("files.img: FIFO file id %u has no fifo_entry or path\n", fe->id);
		return -EINVAL;
	}
	anchor = rst_file_fd(rs, fie->regf_id);
	if (anchor < 0) {
		pr_err("files.img: FIFO file id %u: its path (id %u) was not opened before it\n",
		       fe->id, fie->regf_id);
		return -EINVAL;
	}
	ret = fifo_refill_once(rs, anchor, fie->pipe_id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", anchor);
	fd = open(path, rst_reg_flags(rs, fie->regf_id));
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: can't reopen FIFO file id %u (%s)", fe->id,
			  rst_reg_path(rs, fie->regf_id));
		return ret;
	}
	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	pr_debug("files.img: FIFO id %u %s open as %d\n", fe->id,
		 rst_reg_path(rs, fie->regf_id), fd);
	return rst_add_file(rs, fe->id, fd);
}

static void fifo_rst_fini(struct rst_session *rs, bool failed)
{
	if (!rs->fifos)
		return;
	free(rs->fifos->refilled);
	free(rs->fifos);
	rs->fifos = NULL;
}

const struct fd_kind fd_kind_fifo = {
	.name = "named FIFO",
	.type = FD_TYPES__FIFO,
	.match = is_fifo,
	.dump = dump_fifo_fd,
	.finish = fifo_dump_finish,
	.collect = open_fifo_entry,
	.rst_fini = fifo_rst_fini,
};
