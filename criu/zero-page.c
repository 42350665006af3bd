// SPDX-License-Identifier: GPL-2.0
/*
 * The frame number of the kernel's zero page, learnt once from a page of
 * our own that was read but never written.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "zero-page.h"

static uint64_t zero_pfn;
static bool zero_pfn_known;

static void learn_zero_pfn(void)
{
	volatile char *page;
	uint64_t pme = 0;
	int fd;

	zero_pfn_known = true;
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
	(void)page[0];
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &pme, sizeof(pme), (uintptr_t)page / 4096 * sizeof(pme)) !=
		    sizeof(pme))
			pme = 0;
		close(fd);
	}
	munmap((void *)page, 4096);
	if ((pme & PME_PRESENT) && (pme & PME_PFN_MASK))
		zero_pfn = pme & PME_PFN_MASK;
	else
		pr_info("The zero page's frame is not visible here\n");
}

bool pme_is_zero_page(uint64_t pme)
{
	if (!zero_pfn_known)
		learn_zero_pfn();
	return zero_pfn && (pme & PME_PRESENT) && (pme & PME_PFN_MASK) == zero_pfn;
}
