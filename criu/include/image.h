/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_IMAGE_H
#define CRIU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/*
 * Image files, named and framed as CRIU does: a 32-bit "common" or
 * "service" magic, then the image's own magic, then entries, each a
 * 32-bit little-endian length followed by a packed protobuf message.
 * pages-N.img is raw page data with no header at all.
 */
enum cr_img_type {
	CR_FD_INVENTORY,	/* inventory.img */
	CR_FD_STATS_DUMP,	/* stats-dump */
	CR_FD_STATS_RESTORE,	/* stats-restore */
	CR_FD_PSTREE,		/* pstree.img */
	CR_FD_CORE,		/* core-%d.img, tid */
	CR_FD_IDS,		/* ids-%d.img, pid */
	CR_FD_MM,		/* mm-%d.img, pid */
	CR_FD_PAGEMAP,		/* pagemap-%d.img, pid */
	CR_FD_PAGES,		/* pages-%u.img, pages_id; raw */
	CR_FD_FS,		/* fs-%d.img, pid */
	CR_FD_FILES,		/* files.img */
	CR_FD_FDINFO,		/* fdinfo-%u.img, files_id */
	CR_FD_PIPES_DATA,	/* pipes-data.img: entry then raw bytes */
	CR_FD_TTY_INFO,		/* tty-info.img */
	CR_FD_SECCOMP,		/* seccomp.img */
	CR_FD_REMAP_FPATH,	/* remap-fpath.img */
	CR_FD_GHOST_FILE,	/* ghost-file-%x.img, remap id: entry, chunks, raw */
	CR_FD_FILE_LOCKS,	/* filelocks.img */
	CR_FD_FIFO_DATA,	/* fifo-data.img: entry then raw bytes */
	CR_FD_MEMFD_INODE,	/* memfd.img */
	CR_FD_SHMEM_PAGEMAP,	/* pagemap-shmem-%u.img, shmid */
	CR_FD_TCP_STREAM,	/* tcp-stream-%x.img, socket inode; entry then raw bytes */
	CR_FD_UNIXSK,		/* unixsk.img */
	CR_FD_NETLINK_SK,	/* netlinksk.img */
	CR_FD_SK_QUEUES,	/* sk-queues.img: entry then raw bytes */
	CR_FD_PAGEMAP_SENT,	/* pagemap-sent-%d.img: what a page server got */
	CR_FD_MAX
};

/* Flags of open_image(). */
#define O_DUMP	0x1	/* create for writing, truncate */
#define O_RSTR	0x2	/* read */
#define O_OPT	0x4	/* with O_RSTR: a missing file gives an empty image */

struct cr_img;

/*
 * Open image @type in the directory @dfd; the name is formed from the
 * type's template and the variadic argument (pid, id) where it has one.
 * Reading checks the magic and reports a foreign or truncated header
 * naming the file. Returns NULL on error (already logged).
 */
struct cr_img *open_image(int dfd, enum cr_img_type type, unsigned long flags, ...);
/* Close; for written images reports a failed close. 0 or -errno. */
int close_image(struct cr_img *img);
/* True for an O_OPT image whose file does not exist. */
bool img_empty(const struct cr_img *img);
/* The file name, e.g. "core-1234.img", for messages. */
const char *img_name(const struct cr_img *img);
/* The raw descriptor, positioned where the entries read so far end. */
int img_raw_fd(struct cr_img *img);
/*
 * Collect the entries written to @img (O_DUMP) in memory and write them
 * in blocks: for images of many small entries (a pagemap). A write error
 * may then show only at close_image(), whose result must be checked.
 */
int img_buffer_writes(struct cr_img *img);

/* Write one length-framed message. 0 or -errno. */
int pb_write_one(struct cr_img *img, const void *msg,
		 const ProtobufCMessageDescriptor *desc);
/*
 * Read one message into *@pmsg (free with pb_free()).
 * Returns 1 on success, 0 at a clean end of file, -errno on a short
 * read, an oversized length or an undecodable message (logged with the
 * file name).
 */
int pb_read_one(struct cr_img *img, void **pmsg,
		const ProtobufCMessageDescriptor *desc);
/*
 * The bytes of the next entry, undecoded, into @buf of @size bytes: 1
 * with their number in *@len, 0 at end of file, or -errno (logged; an
 * entry longer than @size is -EFBIG).
 */
int pb_read_raw(struct cr_img *img, void *buf, size_t size, uint32_t *len);
/* Like pb_read_one() but end of file is an error too: 0 or -errno. */
int pb_read_one_must(struct cr_img *img, void **pmsg,
		     const ProtobufCMessageDescriptor *desc);
void pb_free(void *msg);

/*
 * Whole images of one message: create image @type (name argument @arg)
 * holding @msg; or open it and read its one message. 0 or -errno.
 */
int pb_write_image(int dfd, enum cr_img_type type, int arg, const void *msg,
		   const ProtobufCMessageDescriptor *desc);
int pb_read_image(int dfd, enum cr_img_type type, int arg, void **pmsg,
		  const ProtobufCMessageDescriptor *desc);

/* Raw data (pipe buffers after their entry, pages). 0 or -errno. */
int write_img_buf(struct cr_img *img, const void *buf, size_t len);
int read_img_buf(struct cr_img *img, void *buf, size_t len);

/*
 * Every image file created through open_image(O_DUMP) in this run is
 * remembered; images_discard() unlinks them all (a failed dump must not
 * leave images that look complete), images_forget() drops the list after
 * a successful dump.
 */
void images_discard(void);
void images_forget(void);

/* Magic numbers, from CRIU's image format. */
#define IMG_COMMON_MAGIC	0x54564319
#define IMG_SERVICE_MAGIC	0x55105940

#endif /* CRIU_IMAGE_H */
