// SPDX-License-Identifier: GPL-2.0
/*
 * Seed inputs for lazy-fuzz (layout in lazy-fuzz.h): a restore's
 * messages, the page server's replies to the daemon's GETs, and the
 * events of a process that faults, remaps, unmaps, forks, with the bad
 * cases the issue names (garbage, a wrong reply, a range outside the
 * areas, a length that overflows), one file each in @dir.
 */
#include <stdio.h>
#include <string.h>
#include <linux/userfaultfd.h>

#include "lazy-fuzz.h"
#include "page-server-proto.h"

#define PID	1234	/* lazy-fuzz's process */

static struct lazy_fuzz_head head;
static uint8_t replies[1 << 15], script[256], ops[1 << 14];
static size_t nr_replies, nr_script, nr_ops;
static int reply_pid = PID;	/* whose image the page server says it sends */

static void msg(uint32_t magic, uint32_t type, int32_t pid, uint8_t len)
{
	head.msg = (struct lazy_msg){ .magic = magic, .type = type, .pid = pid };
	head.msg_len = len;
}

/* The page server's answer to a GET of @npages at @vaddr, with their data. */
static void reply(uint32_t cmd, uint64_t vaddr, uint32_t npages, uint32_t data_pages)
{
	struct page_server_iov pi = {
		.cmd = ps_cmd_encode(cmd, 0), .nr_pages = npages, .vaddr = vaddr,
		.dst_id = ps_dst_id(PS_TYPE_PID, reply_pid),
	};

	memcpy(replies + nr_replies, &pi, sizeof(pi));
	nr_replies += sizeof(pi);
	memset(replies + nr_replies, 0x5a, data_pages * PS_PAGE_SIZE);
	nr_replies += data_pages * PS_PAGE_SIZE;
}

static void answer(enum lazy_fuzz_answer a)
{
	script[nr_script++] = a;
}

static void op(enum lazy_fuzz_opcode code, uint64_t a, uint64_t b, uint64_t c)
{
	struct lazy_fuzz_op o = { code, a, b, c };

	memcpy(ops + nr_ops, &o, sizeof(o));
	nr_ops += sizeof(o);
}

static int flush(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	int ret = 0;

	head.reply_len = nr_replies;
	head.script_len = nr_script;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(&head, sizeof(head), 1, f) != 1 ||
	    fwrite(replies, 1, nr_replies, f) != nr_replies ||
	    fwrite(script, 1, nr_script, f) != nr_script || fwrite(ops, 1, nr_ops, f) != nr_ops)
		ret = -1;
	if (!f || fclose(f) || ret) {
		perror(path);
		return -1;
	}
	memset(&head, 0, sizeof(head));
	nr_replies = nr_script = nr_ops = 0;
	return 0;
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	int ret = 0;

	/* a fault on the first range: 4 local pages and 2 from the source */
	msg(LAZY_MSG_MAGIC, LAZY_MSG_TASK, PID, sizeof(struct lazy_msg));
	reply(PS_IOV_GET, 0x14000, 2, 2);
	reply(PS_IOV_GET, 0x30000, 1, 1);
	op(LF_FAULT, 0x10123, 0, 0);
	op(LF_FAULT, 0x50000, 0, 0);	/* no pending page: a zero page */
	op(LF_PUSH, 512, 0, 0);
	op(LF_PUSH, 512, 0, 0);
	ret |= flush(d, "fault-push");

	msg(LAZY_MSG_MAGIC, LAZY_MSG_DONE, 0, sizeof(struct lazy_msg));
	reply(PS_IOV_GET, 0x30000, 1, 1);
	answer(LFA_EEXIST);
	answer(LFA_OK);
	answer(LFA_ENOENT);
	answer(LFA_PARTIAL);
	answer(LFA_EAGAIN);
	op(LF_REMAP, 0x20000, 0x80000, 0x4000);
	op(LF_UNMAP, 0x11000, 0x12000, 0);
	op(LF_REMOVE, 0x81000, 0x82000, 0);
	op(LF_FORK, 0, 0, 0);
	op(LF_FAULT, 0x82000, 0, 0);
	op(LF_FAULT, 0x10000, 0, 0);
	op(LF_READ, UFFD_EVENT_REMOVE, 0x31000, 0x32000);
	op(LF_PUSH, 3, 0, 0);
	op(LF_PUSH, 1000, 0, 0);
	ret |= flush(d, "events");

	/* a reply for other pages than asked, then one cut short */
	msg(0xdeadbeef, LAZY_MSG_TASK, PID, sizeof(struct lazy_msg));
	reply(PS_IOV_GET, 0x15000, 2, 2);
	op(LF_FAULT, 0x14000, 0, 0);
	ret |= flush(d, "wrong-reply");
	reply_pid = PID + 1;	/* the right pages of another process */
	reply(PS_IOV_GET, 0x14000, 2, 2);
	reply_pid = PID;
	op(LF_FAULT, 0x14000, 0, 0);
	ret |= flush(d, "other-pid-reply");
	msg(LAZY_MSG_MAGIC, 7, PID, 10);
	reply(PS_IOV_GET, 0x14000, 2, 1);
	op(LF_FAULT, 0x14000, 0, 0);
	ret |= flush(d, "short-reply");

	/* addresses from outside: overflowing, unaligned, reversed */
	msg(LAZY_MSG_MAGIC, LAZY_MSG_TASK, -1, sizeof(struct lazy_msg));
	head.msg_flags = 2;
	op(LF_REMAP, 0x10000, 0xfffffffffffff000ull, 0x2000);
	ret |= flush(d, "remap-overflow");
	op(LF_REMAP, 0x10000, 0x90000, 0xfffffffffffff000ull);
	ret |= flush(d, "remap-long");
	op(LF_UNMAP, 0x10800, 0x11000, 0);
	ret |= flush(d, "unmap-unaligned");
	op(LF_REMOVE, 0x20000, 0x10000, 0);
	ret |= flush(d, "remove-reversed");
	op(LF_FAULT, 0xffffffffffffffffull, 0, 0);
	ret |= flush(d, "fault-high");
	op(LF_EVENT, 0x99, 0, 0);
	ret |= flush(d, "unknown-event");

	/* found by the fuzzer: an mremap of 0 bytes moved an empty, uncounted hole */
	msg(LAZY_MSG_MAGIC, LAZY_MSG_TASK, PID, sizeof(struct lazy_msg));
	op(LF_REMAP, 0x11000, 0, 0);
	op(LF_PUSH, 512, 0, 0);
	ret |= flush(d, "remap-empty");

	/* the process exits during a fault, then a fork is queued (a bug of lazy-fuzz) */
	msg(LAZY_MSG_MAGIC, LAZY_MSG_TASK, PID, sizeof(struct lazy_msg));
	answer(LFA_ESRCH);
	op(LF_FAULT, 0x20000, 0, 0);
	op(LF_READ, UFFD_EVENT_FORK, 0, 0);
	ret |= flush(d, "gone-then-fork");

	/* found by the fuzzer: a push of at most 0 pages copied 0 bytes (EINVAL) */
	msg(LAZY_MSG_MAGIC, LAZY_MSG_TASK, PID, sizeof(struct lazy_msg));
	op(LF_PUSH, 1024, 0, 0);
	ret |= flush(d, "push-zero");
	return ret ? 1 : 0;
}
