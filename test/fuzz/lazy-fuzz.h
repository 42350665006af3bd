/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input of lazy-fuzz, shared with its seed writer (lazy-seeds.c):
 * a head, then the page server's reply bytes, then the script of the
 * fake userfaultfd's answers (one byte per ioctl), then operations.
 */
#ifndef LAZY_FUZZ_H
#define LAZY_FUZZ_H

#include <stdint.h>

#include "lazy-pages.h"

struct lazy_fuzz_head {
	struct lazy_msg msg;		/* as the restore sent it */
	uint8_t msg_len;		/* recvmsg()'s count: this % 24 */
	uint8_t msg_flags;		/* 1: MSG_TRUNC, 2: MSG_CTRUNC */
	uint16_t reply_len;		/* bytes of the page server's replies */
	uint8_t script_len;		/* bytes of ioctl answers */
	uint8_t pad[3];
};				/* 24 bytes, no padding */

enum lazy_fuzz_opcode {
	LF_FAULT,			/* a: address */
	LF_REMAP,			/* a -> b, c bytes */
	LF_UNMAP,			/* a-b */
	LF_REMOVE,			/* a-b, madvise(DONTNEED) */
	LF_FORK,
	LF_PUSH,			/* a % 1024 pages at most */
	LF_EVENT,			/* event a & 0xff, b and c as its arguments */
	LF_READ,			/* as LF_EVENT, read by lazy_proc_events() */
	LF_NR
};

struct lazy_fuzz_op {
	uint8_t op;			/* % LF_NR */
	uint64_t a, b, c;
} __attribute__((packed));

/* Answers of the fake userfaultfd, one script byte each (% LFA_NR). */
enum lazy_fuzz_answer {
	LFA_OK,
	LFA_EEXIST,
	LFA_ENOENT,
	LFA_EAGAIN,
	LFA_PARTIAL,			/* UFFDIO_COPY: half of it, rounded down */
	LFA_ESRCH,
	LFA_EFAULT,
	LFA_NR
};

/*
 * The process's pending pages: local ranges from a pages file of
 * LF_LOCAL_PAGES pages, and ranges left on the source's page server.
 */
#define LF_LOCAL_PAGES	16

#endif /* LAZY_FUZZ_H */
