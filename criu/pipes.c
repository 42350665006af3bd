// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous pipes.
 *
 * Each open end is a PIPE entry in files.img; pipe_id (the pipe's inode
 * number) says which ends belong together. The bytes buffered in a pipe
 * and its capacity go to pipes-data.img, once per pipe, read without
 * consuming them: the pipe is opened again through /proc/PID/fd/N (which
 * gives a new reader on the same pipe, whichever end the target holds)
 * and tee(2)'d into a pipe of criu's own.
 *
 * Restore makes one pipe2() per pipe_id, refills it, and gives the first
 * entry of each end that end; a further entry of the same end (the
 * target had reopened it via /proc) gets its own description by
 * reopening /proc/self/fd/N the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "pipe.pb-c.h"
#include "pipe-data.pb-c.h"

/* Larger capacities than this in an image are taken for corruption. */
#define PIPE_SIZE_MAX	(1u << 30)

/* --- dump --------------------------------------------------------------- */

static bool pipe_data_dumped(const struct files_dump *fdump, uint32_t pipe_id)
{
	unsigned int i;

	for (i = 0; i < fdump->nr_pipe_ids; i++)
		if (fdump->pipe_ids[i] == pipe_id)
			return true;
	return false;
}

static int mark_pipe_dumped(struct files_dump *fdump, uint32_t pipe_id)
{
	uint32_t *tmp;

	tmp = realloc(fdump->pipe_ids, (fdump->nr_pipe_ids + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	tmp[fdump->nr_pipe_ids++] = pipe_id;
	fdump->pipe_ids = tmp;
	return 0;
}

/* Copy the @bytes buffered in pipe @rfd into @buf, leaving them there. */
static int peek_pipe(int rfd, int size, void *buf, size_t bytes, const char *what)
{
	size_t done = 0;
	int p[2], ret = 0;
	ssize_t n;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
		ret = -errno;
		pr_perror("%s: can't create a pipe", what);
		return ret;
	}
	/* as many slots as the source, so that one tee() takes everything */
	if (fcntl(p[1], F_SETPIPE_SZ, size) < 0) {
		ret = -errno;
		pr_perror("%s: can't size a pipe to %d", what, size);
		goto out;
	}
	n = tee(rfd, p[1], bytes, SPLICE_F_NONBLOCK);
	if (n < 0 || (size_t)n != bytes) {
		ret = n < 0 ? -errno : -EIO;
		pr_err("%s: tee copied %zd of %zu buffered bytes: %s\n", what, n,
		       bytes, n < 0 ? strerror(errno) : "short");
		goto out;
	}
	while (done < bytes) {
		n = read(p[0], (char *)buf + done, bytes - done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			pr_perror("%s: can't read the copied bytes", what);
			goto out;
		}
		done += n;
	}
out:
	close(p[0]);
	close(p[1]);
	return ret;
}

static int open_pipes_data(struct files_dump *fdump)
{
	if (fdump->pipes_data)
		return 0;
	fdump->pipes_data = open_image(fdump->dc->sess->dfd, CR_FD_PIPES_DATA, O_DUMP);
	return fdump->pipes_data ? 0 : -EIO;
}

int write_pipe_data_entry(struct cr_img *img, uint32_t pipe_id, int size,
			  const void *buf, size_t bytes)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	int ret;

	pde.pipe_id = pipe_id;
	pde.bytes = bytes;
	pde.has_size = true;
	pde.size = size;
	ret = pb_write_one(img, &pde, &pipe_data_entry__descriptor);
	if (!ret && bytes)
		ret = write_img_buf(img, buf, bytes);
	return ret;
}

int pipe_contents(const char *proc_path, int oflags, const char *what, int *size,
		  void **buf, int *bytes)
{
	int fd, ret = 0;

	*buf = NULL;
	*bytes = 0;
	fd = open(proc_path, oflags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("%s: can't open %s", what, proc_path);
		return ret;
	}
	*size = fcntl(fd, F_GETPIPE_SZ);
	if (*size < 0 || ioctl(fd, FIONREAD, bytes) < 0) {
		ret = -errno;
		pr_perror("%s: can't get its size and contents", what);
		goto out;
	}
	if (*bytes > 0) {
		*buf = malloc(*bytes);
		ret = *buf ? peek_pipe(fd, *size, *buf, *bytes, what) : -ENOMEM;
		if (ret) {
			free(*buf);
			*buf = NULL;
		}
	}
out:
	close(fd);
	return ret;
}

static int dump_pipe_data(struct files_dump *fdump, const struct fd_parms *p,
			  uint32_t pipe_id)
{
	char what[96];
	int size, bytes, ret;
	void *buf;

	snprintf(what, sizeof(what), "pipe:[%u] of pid %d", pipe_id, fdump->dc->pid);
	ret = pipe_contents(p->proc_path, O_RDONLY, what, &size, &buf, &bytes);
	if (ret)
		return ret;
	ret = open_pipes_data(fdump);
	if (!ret)
		ret = write_pipe_data_entry(fdump->pipes_data, pipe_id, size, buf, bytes);
	if (!ret)
		pr_info("%s: %d bytes buffered, capacity %d\n", what, bytes, size);
	free(buf);
	return ret;
}

static int dump_pipe_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	PipeEntry pe = PIPE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	uint32_t pipe_id = p->st.st_ino;
	int ret;

	if (!pipe_data_dumped(fdump, pipe_id)) {
		ret = dump_pipe_data(fdump, p, pipe_id);
		if (ret)
			return ret;
		ret = mark_pipe_dumped(fdump, pipe_id);
		if (ret)
			return ret;
	}
	pe.id = dump_new_file_id(fdump->dc);
	pe.pipe_id = pipe_id;
	pe.flags = p->flags;
	pe.fown = &fown;
	fe.type = FD_TYPES__PIPE;
	fe.id = pe.id;
	fe.pipe = &pe;
	ret = pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret)
		*id = pe.id;
	return ret;
}

static int pipes_dump_fini(struct files_dump *fdump)
{
	int ret = 0;

	if (fdump->pipes_data)
		ret = close_image(fdump->pipes_data);
	fdump->pipes_data = NULL;
	free(fdump->pipe_ids);
	fdump->pipe_ids = NULL;
	fdump->nr_pipe_ids = 0;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

struct pipe_end_info {
	uint32_t id;
	uint32_t pipe_id;
	uint32_t flags;
};

struct pipe_data {
	uint32_t pipe_id;
	uint32_t size;		/* capacity, 0 if not recorded */
	uint32_t bytes;
	void *buf;
};

/* The PIPE entries of files.img, collected until pipes_open() runs. */
struct pipes_rst {
	struct pipe_end_info *ends;
	unsigned int nr_ends;
};

static int collect_pipe_entry(struct rst_session *rs, const FileEntry *fe)
{
	struct pipe_end_info *tmp;
	struct pipes_rst *pr;

	if (!fe->pipe) {
		pr_err("files.img: PIPE file id %u has no pipe_entry\n", fe->id);
		return -EINVAL;
	}
	if (!rs->pipes) {
		rs->pipes = calloc(1, sizeof(*rs->pipes));
		if (!rs->pipes)
			return -ENOMEM;
	}
	pr = rs->pipes;
	tmp = realloc(pr->ends, (pr->nr_ends + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	pr->ends = tmp;
	pr->ends[pr->nr_ends++] = (struct pipe_end_info){
		.id = fe->id, .pipe_id = fe->pipe->pipe_id, .flags = fe->pipe->flags,
	};
	return 0;
}

static void free_pipe_data(struct pipe_data *pd, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		free(pd[i].buf);
	free(pd);
}

static int read_one_pipe_data(struct cr_img *img, const PipeDataEntry *pde,
			      struct pipe_data *pd)
{
	uint32_t size = pde->has_size ? pde->size : 0;

	if (size > PIPE_SIZE_MAX || pde->bytes > PIPE_SIZE_MAX ||
	    (size && pde->bytes > size)) {
		pr_err("%s: pipe %u: %u bytes in a pipe of %u is corrupt\n",
		       img_name(img), pde->pipe_id, pde->bytes, size);
		return -EINVAL;
	}
	pd->pipe_id = pde->pipe_id;
	pd->size = size;
	pd->bytes = pde->bytes;
	pd->buf = NULL;
	if (!pd->bytes)
		return 0;
	pd->buf = malloc(pd->bytes);
	if (!pd->buf)
		return -ENOMEM;
	return read_img_buf(img, pd->buf, pd->bytes);
}

static int read_pipe_data(int dfd, struct pipe_data **out, unsigned int *nr)
{
	struct pipe_data *pd = NULL, *tmp;
	PipeDataEntry *pde;
	struct cr_img *img;
	unsigned int n = 0;
	int ret;

	img = open_image(dfd, CR_FD_PIPES_DATA, O_RSTR | O_OPT);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&pde, &pipe_data_entry__descriptor)) > 0) {
		tmp = realloc(pd, (n + 1) * sizeof(*tmp));
		if (!tmp) {
			pb_free(pde);
			ret = -ENOMEM;
			break;
		}
		pd = tmp;
		ret = read_one_pipe_data(img, pde, &pd[n]);
		pb_free(pde);
		if (ret) {
			free(pd[n].buf);
			break;
		}
		n++;
	}
	close_image(img);
	if (ret < 0) {
		free_pipe_data(pd, n);
		return ret;
	}
	*out = pd;
	*nr = n;
	return 0;
}

/* Size pipe @p like the dumped one and put its bytes back in. */
static int refill_pipe(int p[2], const struct pipe_data *pd)
{
	uint32_t done = 0;
	ssize_t n;
	int ret;

	if (pd->size && fcntl(p[1], F_SETPIPE_SZ, pd->size) < 0) {
		ret = -errno;
		pr_perror("pipes-data.img: pipe %u: can't set capacity %u",
			  pd->pipe_id, pd->size);
		return ret;
	}
	while (done < pd->bytes) {
		n = write(p[1], (char *)pd->buf + done, pd->bytes - done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			pr_perror("pipes-data.img: pipe %u: can't put back %u bytes",
				  pd->pipe_id, pd->bytes);
			return ret;
		}
		done += n;
	}
	return 0;
}

/*
 * A descriptor for end @e of pipe @p: the pipe2() end itself the first
 * time, a new open of it via /proc after that.
 */
static int open_pipe_end(int p[2], bool used[2], const struct pipe_end_info *e)
{
	int acc = e->flags & O_ACCMODE;
	int end = acc == O_WRONLY ? 1 : 0;
	char path[64];
	int fd, ret;

	if (acc != O_RDWR && !used[end]) {
		used[end] = true;
		fd = fcntl(p[end], F_DUPFD, 0);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", p[end]);
		fd = open(path, acc | O_NONBLOCK);
	}
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: pipe %u: can't open an end for file id %u",
			  e->pipe_id, e->id);
		return ret;
	}
	if (fcntl(fd, F_SETFL, e->flags & O_NONBLOCK) < 0) {
		ret = -errno;
		pr_perror("files.img: pipe %u: can't set flags of file id %u",
			  e->pipe_id, e->id);
		close(fd);
		return ret;
	}
	return fd;
}

static int give_pipe_ends(struct rst_session *rs, int p[2], uint32_t pipe_id)
{
	const struct pipes_rst *pr = rs->pipes;
	bool used[2] = { false, false };
	unsigned int i;
	int fd, ret;

	for (i = 0; i < pr->nr_ends; i++) {
		if (pr->ends[i].pipe_id != pipe_id)
			continue;
		fd = open_pipe_end(p, used, &pr->ends[i]);
		if (fd < 0)
			return fd;
		fd = rst_keep_fd(rs, fd);
		if (fd < 0)
			return fd;
		ret = rst_add_file(rs, pr->ends[i].id, fd);
		if (ret)
			return ret;
		pr_debug("files.img: PIPE id %u of pipe %u open as %d\n",
			 pr->ends[i].id, pipe_id, fd);
	}
	return 0;
}

static const struct pipe_data *find_pipe_data(const struct pipe_data *pd,
					      unsigned int nr, uint32_t pipe_id)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (pd[i].pipe_id == pipe_id)
			return &pd[i];
	return NULL;
}

static int restore_one_pipe(struct rst_session *rs, uint32_t pipe_id,
			    const struct pipe_data *pd)
{
	int p[2], ret = 0;

	/* non-blocking while refilled: a misfit is an error, not a hang */
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
		ret = -errno;
		pr_perror("pipe %u: can't create a pipe", pipe_id);
		return ret;
	}
	if (pd)
		ret = refill_pipe(p, pd);
	if (!ret)
		ret = give_pipe_ends(rs, p, pipe_id);
	close(p[0]);
	close(p[1]);
	if (!ret)
		pr_info("pipe %u restored with %u bytes\n", pipe_id, pd ? pd->bytes : 0);
	return ret;
}

/* True if an earlier entry than @i is of the same pipe. */
static bool pipe_seen_before(const struct pipes_rst *pr, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (pr->ends[j].pipe_id == pr->ends[i].pipe_id)
			return true;
	return false;
}

static void pipes_rst_free(struct rst_session *rs)
{
	if (!rs->pipes)
		return;
	free(rs->pipes->ends);
	free(rs->pipes);
	rs->pipes = NULL;
}

/* Every pipe of the tree, refilled, both ends into the pre-opened set. */
static int pipes_open(struct rst_session *rs)
{
	struct pipes_rst *pr = rs->pipes;
	struct pipe_data *pd = NULL;
	unsigned int i, nr_pd = 0;
	int ret = 0;

	if (!pr)
		return 0;
	ret = read_pipe_data(rs->dfd, &pd, &nr_pd);
	if (ret)
		goto out;
	for (i = 0; i < pr->nr_ends && !ret; i++) {
		uint32_t pipe_id = pr->ends[i].pipe_id;

		if (pipe_seen_before(pr, i))
			continue;
		ret = restore_one_pipe(rs, pipe_id, find_pipe_data(pd, nr_pd, pipe_id));
	}
	free_pipe_data(pd, nr_pd);
out:
	pipes_rst_free(rs);
	return ret;
}

/* A restore that failed before the open step: the ends collected go. */
static void pipes_rst_fini(struct rst_session *rs, bool failed)
{
	pipes_rst_free(rs);
}

static bool is_pipe(struct files_dump *fdump, const struct fd_parms *p)
{
	return S_ISFIFO(p->st.st_mode) && !strncmp(p->link, "pipe:[", 6);
}

const struct fd_kind fd_kind_pipe = {
	.name = "pipe",
	.type = FD_TYPES__PIPE,
	.match = is_pipe,
	.dump = dump_pipe_fd,
	.finish = pipes_dump_fini,
	.collect = collect_pipe_entry,
	.open = pipes_open,
	.rst_fini = pipes_rst_fini,
};
