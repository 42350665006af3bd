// SPDX-License-Identifier: GPL-2.0
/*
 * The frame numbers of the kernel's zero pages (the 4 KiB one and, with
 * transparent huge pages, the 2 MiB one), learnt once from memory of our
 * own that was read but never written. They are a property of the
 * running kernel, so they are kept here for the life of criu.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "zero-page.h"

#define ZP_PAGE		4096UL
#define ZP_HUGE_PAGES	512UL
#define ZP_HUGE		(ZP_HUGE_PAGES * ZP_PAGE)

static uint64_t zero_pfn;
static uint64_t huge_zero_pfn;	/* its first frame, 0: none seen */
static bool zero_pfn_known;

static uint64_t own_pfn(int pagemap, const volatile char *addr)
{
	uint64_t pme = 0;

	if (pread(pagemap, &pme, sizeof(pme), (uintptr_t)addr / ZP_PAGE * sizeof(pme)) !=
	    sizeof(pme))
		return 0;
	return (pme & PME_PRESENT) ? pme & PME_PFN_MASK : 0;
}

/* Read the second page of an aligned huge area: its frame is the zero THP's + 1. */
static void learn_huge_zero_pfn(int pagemap)
{
	volatile char *p, *h;
	uint64_t pfn;

	p = mmap(NULL, 2 * ZP_HUGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	h = (volatile char *)(((uintptr_t)p + ZP_HUGE - 1) & ~(ZP_HUGE - 1));
	if (!madvise((void *)h, ZP_HUGE, MADV_HUGEPAGE)) {
		(void)h[ZP_PAGE];
		pfn = own_pfn(pagemap, h + ZP_PAGE);
		if (pfn && pfn != zero_pfn)
			huge_zero_pfn = pfn - 1;
	}
	munmap((void *)p, 2 * ZP_HUGE);
}

static void learn_zero_pfn(void)
{
	volatile char *page;
	int fd;

	zero_pfn_known = true;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	page = mmap(NULL, ZP_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page != MAP_FAILED) {
		(void)page[0];
		zero_pfn = own_pfn(fd, page);
		munmap((void *)page, ZP_PAGE);
	}
	if (zero_pfn)
		learn_huge_zero_pfn(fd);
	else
		pr_info("The zero page's frame is not visible here\n");
	close(fd);
}

bool pme_is_zero_page(uint64_t pme)
{
	uint64_t pfn = pme & PME_PFN_MASK;

	if (!zero_pfn_known)
		learn_zero_pfn();
	if (!(pme & PME_PRESENT) || !zero_pfn)
		return false;
	return pfn == zero_pfn ||
	       (huge_zero_pfn && pfn >= huge_zero_pfn && pfn < huge_zero_pfn + ZP_HUGE_PAGES);
}
