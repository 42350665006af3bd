// SPDX-License-Identifier: GPL-2.0
/*
 * memfd files (memfd_create(2)): open, mapped, or only mapped.
 *
 * Dump: each memfd inode of the tree, however many descriptors and
 * mappings reach it in however many tasks, is one memfd.img entry: name,
 * owner, size, seals (F_GET_SEALS) and a shmid naming its contents,
 * pagemap-shmem-<shmid>.img and a pages image of their own, as CRIU
 * keeps them. Only the extents with data are saved (SEEK_DATA), so holes
 * stay holes. Each open description, and each mapping (through
 * /proc/PID/map_files), is a MEMFD entry in files.img: flags, offset and
 * the inode's id.
 *
 * Restore makes each inode once with memfd_create(), sized, filled and
 * sealed, and opens every MEMFD entry as a new description of it through
 * /proc/self/fd: all descriptors and MAP_SHARED mappings of one inode see
 * each other's writes again, in every task.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "memfd.pb-c.h"
#include "pagemap.pb-c.h"

#define MEMFD_PAGE	4096UL
#define MEMFD_PREFIX	"/memfd:"
#define MEMFD_NAME_MAX	249		/* memfd_create()'s limit */
#define MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
			 F_SEAL_FUTURE_WRITE)
#define PE_PRESENT	(1 << 2)	/* pagemap_entry.flags: pages are here */

/* --- dump --------------------------------------------------------------- */

struct memfd_dumped {
	dev_t dev;
	ino_t ino;
	uint32_t inode_id;
};

struct memfd_dump {
	struct cr_img *img;		/* memfd.img */
	struct memfd_dumped *v;
	unsigned int nr, cap;
	uint32_t next_inode_id;
};

static struct memfd_dumped *memfd_find(struct memfd_dump *md, const struct stat *st)
{
	unsigned int i;

	for (i = 0; i < md->nr; i++)
		if (md->v[i].dev == st->st_dev && md->v[i].ino == st->st_ino)
			return &md->v[i];
	return NULL;
}

/* The extents of @fd with data, page by page, into the shmem pagemap. */
static int dump_memfd_pages(struct dump_ctx *dc, int fd, off_t size, uint32_t shmid,
			    const char *who)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	struct cr_img *pagemap, *pages;
	off_t data = 0, hole, at;
	char *buf;
	ssize_t n;
	int ret, err;

	buf = malloc(MEMFD_PAGE);
	if (!buf)
		return -ENOMEM;
	ph.pages_id = ++dc->sess->next_pages_id;
	pagemap = open_image(dc->sess->dfd, CR_FD_SHMEM_PAGEMAP, O_DUMP, (unsigned int)shmid);
	pages = open_image(dc->sess->dfd, CR_FD_PAGES, O_DUMP, ph.pages_id);
	ret = pagemap && pages ? pb_write_one(pagemap, &ph, &pagemap_head__descriptor) : -EIO;
	while (!ret && data < size) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0) {
			if (errno != ENXIO) {
				ret = -errno;
				pr_perror("%s: SEEK_DATA", who);
			}
			break;
		}
		data &= ~(MEMFD_PAGE - 1);
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			ret = -errno;
			pr_perror("%s: SEEK_HOLE", who);
			break;
		}
		hole = (hole + MEMFD_PAGE - 1) & ~(MEMFD_PAGE - 1);
		pe.vaddr = data;
		pe.nr_pages = (hole - data) / MEMFD_PAGE;
		pe.has_flags = true;
		pe.flags = PE_PRESENT;
		ret = pb_write_one(pagemap, &pe, &pagemap_entry__descriptor);
		for (at = data; !ret && at < hole; at += MEMFD_PAGE) {
			memset(buf, 0, MEMFD_PAGE);
			n = pread(fd, buf, MEMFD_PAGE, at);
			if (n < 0) {
				ret = -errno;
				pr_perror("%s: can't read the memfd at %lld", who, (long long)at);
				break;
			}
			ret = write_img_buf(pages, buf, MEMFD_PAGE);
		}
		data = hole;
	}
	err = pagemap ? close_image(pagemap) : 0;
	ret = ret ? ret : err;
	err = pages ? close_image(pages) : 0;
	free(buf);
	return ret ? ret : err;
}

/* The memfd.img entry of the inode behind @proc_path, written once. */
static int dump_memfd_inode(struct dump_ctx *dc, const char *who, const char *proc_path,
			    const char *link, const struct stat *st, uint32_t *inode_id)
{
	MemfdInodeEntry mie = MEMFD_INODE_ENTRY__INIT;
	struct memfd_dump *md = dc->sess->memfds;
	char name[MEMFD_NAME_MAX + 1];
	struct memfd_dumped *m;
	int fd, seals, ret;
	size_t len;

	m = memfd_find(md, st);
	if (m) {
		*inode_id = m->inode_id;
		return 0;
	}
	if (st->st_blksize > (blksize_t)MEMFD_PAGE) {
		pr_err("%s: %s is a hugetlb memfd: not supported\n", who, link);
		return -EOPNOTSUPP;
	}
	snprintf(name, sizeof(name), "%s", link + strlen(MEMFD_PREFIX));
	len = strlen(name);
	if (len > 10 && !strcmp(name + len - 10, " (deleted)"))
		name[len - 10] = '\0';
	fd = open(proc_path, O_RDONLY);
	if (fd < 0) {
		ret = -errno;
		pr_perror("%s: can't open the memfd through %s", who, proc_path);
		return ret;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & ~MEMFD_SEALS)) {
		ret = seals < 0 ? -errno : -EOPNOTSUPP;
		pr_err("%s: seals of %s: %s\n", who, link, seals < 0 ? strerror(errno) : "unknown");
		goto out;
	}
	if (md->nr == md->cap) {
		unsigned int cap = md->cap ? md->cap * 2 : 8;

		m = realloc(md->v, cap * sizeof(*m));
		if (!m) {
			ret = -ENOMEM;
			goto out;
		}
		md->v = m;
		md->cap = cap;
	}
	mie.name = name;
	mie.uid = st->st_uid;
	mie.gid = st->st_gid;
	mie.size = st->st_size;
	mie.inode_id = ++md->next_inode_id;
	mie.shmid = mie.inode_id;
	mie.seals = seals;
	ret = dump_memfd_pages(dc, fd, st->st_size, mie.shmid, who);
	if (!ret && !md->img) {
		md->img = open_image(dc->sess->dfd, CR_FD_MEMFD_INODE, O_DUMP);
		if (!md->img)
			ret = -EIO;
	}
	if (!ret)
		ret = pb_write_one(md->img, &mie, &memfd_inode_entry__descriptor);
	if (ret)
		goto out;
	md->v[md->nr++] = (struct memfd_dumped){
		.dev = st->st_dev, .ino = st->st_ino, .inode_id = mie.inode_id,
	};
	*inode_id = mie.inode_id;
	pr_info("%s: memfd %s, %lld bytes, seals %#x: inode %u\n", who, name,
		(long long)st->st_size, seals, (unsigned int)mie.inode_id);
out:
	close(fd);
	return ret;
}

int dump_memfd_file(struct dump_ctx *dc, const char *who, const char *proc_path,
		    const char *link, const struct stat *st, uint32_t flags, uint64_t pos,
		    uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	MemfdFileEntry mfe = MEMFD_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	if (!dc->sess->memfds) {
		dc->sess->memfds = calloc(1, sizeof(*dc->sess->memfds));
		if (!dc->sess->memfds)
			return -ENOMEM;
	}
	ret = dump_memfd_inode(dc, who, proc_path, link, st, &mfe.inode_id);
	if (ret)
		return ret;
	mfe.id = dump_new_file_id(dc);
	mfe.flags = flags;
	mfe.pos = pos;
	mfe.fown = &fown;
	fe.type = FD_TYPES__MEMFD;
	fe.id = mfe.id;
	fe.memfd = &mfe;
	ret = pb_write_one(dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret)
		*id = mfe.id;
	return ret;
}

bool is_memfd_link(const char *link)
{
	return !strncmp(link, MEMFD_PREFIX, strlen(MEMFD_PREFIX));
}

static bool is_memfd(struct files_dump *fdump, const struct fd_parms *p)
{
	return S_ISREG(p->st.st_mode) && is_memfd_link(p->link);
}

static int dump_memfd_fd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	char who[64];

	snprintf(who, sizeof(who), "pid %d: fd %d", fdump->dc->pid, p->fd);
	return dump_memfd_file(fdump->dc, who, p->proc_path, p->link, &p->st, p->flags,
			       p->pos, id);
}

static int memfd_dump_finish(struct files_dump *fdump)
{
	struct memfd_dump *md = fdump->dc->sess->memfds;
	int ret;

	if (!md || !md->img)
		return 0;
	ret = close_image(md->img);
	md->img = NULL;
	return ret;
}

static void memfd_dump_free(struct dump_session *sess)
{
	struct memfd_dump *md = sess->memfds;

	if (!md)
		return;
	if (md->img)
		close_image(md->img);
	free(md->v);
	free(md);
	sess->memfds = NULL;
}

/* --- restore ------------------------------------------------------------ */

struct memfd_made {
	uint64_t inode_id;
	int fd;				/* criu's, closed once every entry is open */
};

struct memfds_rst {
	struct memfd_made *v;
	unsigned int nr;
};

/* The shmem pagemap of @mie written back into @fd. */
static int fill_memfd(struct rst_session *rs, int fd, const MemfdInodeEntry *mie)
{
	struct cr_img *pagemap, *pages = NULL;
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	uint64_t off, len;
	char *buf;
	int ret;

	buf = malloc(MEMFD_PAGE);
	if (!buf)
		return -ENOMEM;
	pagemap = open_image(rs->dfd, CR_FD_SHMEM_PAGEMAP, O_RSTR, (unsigned int)mie->shmid);
	ret = pagemap ? pb_read_one_must(pagemap, (void **)&ph, &pagemap_head__descriptor) : -EIO;
	if (!ret) {
		pages = open_image(rs->dfd, CR_FD_PAGES, O_RSTR, ph->pages_id);
		ret = pages ? 0 : -EIO;
	}
	while (!ret && (ret = pb_read_one(pagemap, (void **)&pe,
					  &pagemap_entry__descriptor)) > 0) {
		ret = 0;
		if (pe->in_parent || pe->vaddr % MEMFD_PAGE ||
		    pe->vaddr + (uint64_t)pe->nr_pages * MEMFD_PAGE < pe->vaddr ||
		    pe->vaddr > mie->size) {
			pr_err("%s: entry %" PRIx64 "+%u pages is not within memfd %s\n",
			       img_name(pagemap), pe->vaddr, pe->nr_pages, mie->name);
			ret = -EINVAL;
		}
		for (off = pe->vaddr; !ret && off < pe->vaddr + pe->nr_pages * MEMFD_PAGE;
		     off += MEMFD_PAGE) {
			ret = read_img_buf(pages, buf, MEMFD_PAGE);
			len = mie->size - off < MEMFD_PAGE ? mie->size - off : MEMFD_PAGE;
			errno = EIO;	/* for a short write */
			if (!ret && off < mie->size && pwrite(fd, buf, len, off) != (ssize_t)len) {
				ret = -errno;
				pr_perror("Can't write memfd %s at %" PRIu64, mie->name, off);
			}
		}
		pb_free(pe);
	}
	if (ph)
		pb_free(ph);
	if (pages)
		close_image(pages);
	if (pagemap)
		close_image(pagemap);
	free(buf);
	return ret;
}

static int make_memfd(struct rst_session *rs, const MemfdInodeEntry *mie)
{
	int fd, ret;

	fd = memfd_create(mie->name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("memfd.img: can't create memfd %s", mie->name);
		return ret;
	}
	if (ftruncate(fd, mie->size) || fchown(fd, mie->uid, mie->gid)) {
		ret = -errno;
		pr_perror("memfd.img: can't size or chown memfd %s", mie->name);
		goto err;
	}
	ret = fill_memfd(rs, fd, mie);
	if (ret)
		goto err;
	/* the seals last: F_SEAL_WRITE would stop the filling */
	if (mie->seals && fcntl(fd, F_ADD_SEALS, mie->seals & MEMFD_SEALS)) {
		ret = -errno;
		pr_perror("memfd.img: can't seal memfd %s with %#x", mie->name, mie->seals);
		goto err;
	}
	pr_info("memfd.img: memfd %s (inode %" PRIu64 ", %" PRIu64 " bytes, seals %#x) made\n",
		mie->name, mie->inode_id, mie->size, mie->seals);
	return fd;
err:
	close(fd);
	return ret;
}

/* criu's descriptor of inode @inode_id, made on first use. */
static int memfd_inode_fd(struct rst_session *rs, uint32_t inode_id)
{
	struct memfds_rst *mr = rs->memfds;
	MemfdInodeEntry *mie;
	struct memfd_made *tmp;
	struct cr_img *img;
	unsigned int i;
	int ret, fd = -ENOENT;

	if (!mr) {
		mr = calloc(1, sizeof(*mr));
		if (!mr)
			return -ENOMEM;
		rs->memfds = mr;
	}
	for (i = 0; i < mr->nr; i++)
		if (mr->v[i].inode_id == inode_id)
			return mr->v[i].fd;
	tmp = realloc(mr->v, (mr->nr + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	mr->v = tmp;
	img = open_image(rs->dfd, CR_FD_MEMFD_INODE, O_RSTR);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&mie, &memfd_inode_entry__descriptor)) > 0) {
		if (mie->inode_id == inode_id)
			fd = make_memfd(rs, mie);
		pb_free(mie);
		if (fd != -ENOENT)
			break;
	}
	close_image(img);
	if (ret < 0)
		return ret;
	if (fd == -ENOENT)
		pr_err("memfd.img: no memfd inode %u\n", inode_id);
	if (fd < 0)
		return fd;
	mr->v[mr->nr++] = (struct memfd_made){ .inode_id = inode_id, .fd = fd };
	return fd;
}

static int open_memfd_entry(struct rst_session *rs, const FileEntry *fe)
{
	const MemfdFileEntry *mfe = fe->memfd;
	char path[64];
	int ifd, fd, ret;

	if (!mfe) {
		pr_err("files.img: MEMFD file id %u has no memfd_file_entry\n", fe->id);
		return -EINVAL;
	}
	ifd = memfd_inode_fd(rs, mfe->inode_id);
	if (ifd < 0)
		return ifd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ifd);
	fd = open(path, (mfe->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC)) | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: can't open MEMFD file id %u (flags 0%o)", fe->id, mfe->flags);
		return ret;
	}
	if (mfe->pos && lseek(fd, mfe->pos, SEEK_SET) != (off_t)mfe->pos) {
		ret = -errno;
		pr_perror("files.img: can't seek MEMFD file id %u to %" PRIu64, fe->id, mfe->pos);
		close(fd);
		return ret;
	}
	fd = rst_keep_fd(rs, fd);
	if (fd < 0)
		return fd;
	pr_debug("files.img: MEMFD id %u (inode %u) open as %d\n", fe->id, mfe->inode_id, fd);
	return rst_add_file(rs, fe->id, fd);
}

static void rst_memfds_free(struct rst_session *rs)
{
	struct memfds_rst *mr = rs->memfds;
	unsigned int i;

	if (!mr)
		return;
	for (i = 0; i < mr->nr; i++)
		close(mr->v[i].fd);
	free(mr->v);
	free(mr);
	rs->memfds = NULL;
}

/* Every entry is open: criu's own descriptors of the inodes go. */
static int memfds_opened(struct rst_session *rs)
{
	rst_memfds_free(rs);
	return 0;
}

static void memfd_rst_fini(struct rst_session *rs, bool failed)
{
	rst_memfds_free(rs);
}

const struct fd_kind fd_kind_memfd = {
	.name = "memfd",
	.type = FD_TYPES__MEMFD,
	.match = is_memfd,
	.dump = dump_memfd_fd,
	.finish = memfd_dump_finish,
	.collect = open_memfd_entry,
	.open = memfds_opened,
	.dump_free = memfd_dump_free,
	.rst_fini = memfd_rst_fini,
};
