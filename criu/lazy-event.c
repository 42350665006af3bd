// SPDX-License-Identifier: GPL-2.0
/*
 * The addresses of a userfaultfd event, checked before the daemon moves
 * or drops pending pages with them. The kernel sends page-aligned ranges
 * that do not wrap; anything else would cut ranges in the middle of a
 * page and make the count of pending pages wrong, so it ends the daemon.
 */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <stdio.h>

#include "lazy-daemon.h"
#include "vma.h"

static bool aligned(unsigned long long a)
{
	return !(a & (PAGE_SIZE - 1));
}

/* [@start, @start + @len) inside the address space, no wrap. */
static bool fits(unsigned long long start, unsigned long long len)
{
	return start <= LAZY_ADDR_END && len <= LAZY_ADDR_END - start;
}

int lazy_event_check(const struct uffd_msg *m, char *why, size_t why_len)
{
	unsigned long long a, b, len;

	switch (m->event) {
	case UFFD_EVENT_PAGEFAULT:
		a = m->arg.pagefault.address;
		if (a > LAZY_ADDR_END) {
			snprintf(why, why_len, "fault at %llx, above the user address space", a);
			return -EINVAL;
		}
		return 0;
	case UFFD_EVENT_FORK:
		return 0;
	case UFFD_EVENT_REMAP:
		a = m->arg.remap.from;
		b = m->arg.remap.to;
		len = m->arg.remap.len;
		if (!aligned(a) || !aligned(b) || !aligned(len)) {
			snprintf(why, why_len, "mremap %llx -> %llx of %llu bytes, not page-aligned",
				 a, b, len);
			return -EINVAL;
		}
		if (!fits(a, len) || !fits(b, len)) {
			snprintf(why, why_len, "mremap %llx -> %llx of %llu bytes, past the end of"
				 " the address space", a, b, len);
			return -EINVAL;
		}
		return 0;
	case UFFD_EVENT_UNMAP:
	case UFFD_EVENT_REMOVE:
		a = m->arg.remove.start;
		b = m->arg.remove.end;
		if (!aligned(a) || !aligned(b) || a > b || b > LAZY_ADDR_END) {
			snprintf(why, why_len, "%s %llx-%llx, not a page-aligned range of the"
				 " address space", m->event == UFFD_EVENT_UNMAP ? "munmap" :
				 "madvise(DONTNEED)", a, b);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(why, why_len, "unexpected userfaultfd event %u", m->event);
	return -EINVAL;
}
