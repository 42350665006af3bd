// SPDX-License-Identifier: GPL-2.0
/*
 * What the lazy-pages daemon takes from outside before it acts on it: a
 * message of the restore (lazy_msg_check) and the addresses of a
 * userfaultfd event (lazy_event_check), refused with the value named.
 */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/socket.h>

#include "lazy-daemon.h"
#include "lazy-pages.h"
#include "unit.h"

TEST(lazy_msg)
{
	struct lazy_msg m = { .magic = LAZY_MSG_MAGIC, .type = LAZY_MSG_TASK, .pid = 42 };

	CHECK(lazy_msg_check(&m, sizeof(m), 0) == 0);
	m.type = LAZY_MSG_DONE;
	CHECK(lazy_msg_check(&m, sizeof(m), 0) == 0);

	log_reset();
	CHECK(lazy_msg_check(&m, sizeof(m) - 1, 0) == -EINVAL);
	CHECK(log_contains("a message of 15 bytes, not 16"));
	CHECK(lazy_msg_check(&m, 0, 0) == -EINVAL);
	CHECK(lazy_msg_check(&m, sizeof(m), MSG_TRUNC) == -EINVAL);
	CHECK(lazy_msg_check(&m, sizeof(m), MSG_CTRUNC) == -EINVAL);
	CHECK(log_contains("more than one descriptor"));
	m.magic = 0xdeadbeef;
	CHECK(lazy_msg_check(&m, sizeof(m), 0) == -EINVAL);
	CHECK(log_contains("bad magic 0xdeadbeef"));
	m.magic = LAZY_MSG_MAGIC;
	m.type = LAZY_MSG_READY;	/* the daemon's own, never the restore's */
	CHECK(lazy_msg_check(&m, sizeof(m), 0) == -EINVAL);
	CHECK(log_line_has("message type 3", "pid 42"));
	m.type = 0xffffffffu;
	CHECK(lazy_msg_check(&m, sizeof(m), 0) == -EINVAL);
	return 0;
}

static struct uffd_msg remap(uint64_t from, uint64_t to, uint64_t len)
{
	struct uffd_msg m = { .event = UFFD_EVENT_REMAP };

	m.arg.remap.from = from;
	m.arg.remap.to = to;
	m.arg.remap.len = len;
	return m;
}

static struct uffd_msg removed(uint8_t event, uint64_t start, uint64_t end)
{
	struct uffd_msg m = { .event = event };

	m.arg.remove.start = start;
	m.arg.remove.end = end;
	return m;
}

TEST(lazy_event)
{
	struct uffd_msg m;
	char why[160];

	m = remap(0x10000, 0x7f0000000000, 0x200000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m = remap(0x10000, 0x20000, 0);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m = remap(0x10000, LAZY_ADDR_END - 0x1000, 0x1000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);

	/* an overflowing length, a place past the end, unaligned values */
	m = remap(0x10000, 0x20000, 0xfffffffffffff000ull);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "mremap 10000 -> 20000 of 18446744073709547520 bytes, past the end"));
	m = remap(0x10000, 0xfffffffffffff000ull, 0x2000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	m = remap(LAZY_ADDR_END - 0x1000, 0x10000, 0x2000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	m = remap(0x10800, 0x20000, 0x1000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "10800 -> 20000 of 4096 bytes, not page-aligned"));
	m = remap(0x10000, 0x20000, 0x1001);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);

	m = removed(UFFD_EVENT_UNMAP, 0x10000, 0x20000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m = removed(UFFD_EVENT_REMOVE, 0x10000, 0x10000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m = removed(UFFD_EVENT_UNMAP, 0x20000, 0x10000);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "munmap 20000-10000"));
	m = removed(UFFD_EVENT_REMOVE, 0x10000, 0x10800);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "madvise(DONTNEED) 10000-10800"));
	m = removed(UFFD_EVENT_UNMAP, 0x10000, ~0ull & ~0xfffull);
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);

	m = (struct uffd_msg){ .event = UFFD_EVENT_PAGEFAULT };
	m.arg.pagefault.address = 0x10123;
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m.arg.pagefault.address = ~0ull;
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "fault at ffffffffffffffff"));
	m = (struct uffd_msg){ .event = UFFD_EVENT_FORK };
	CHECK(lazy_event_check(&m, why, sizeof(why)) == 0);
	m = (struct uffd_msg){ .event = 0x99 };
	CHECK(lazy_event_check(&m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "unexpected userfaultfd event 153"));
	return 0;
}
