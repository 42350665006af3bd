/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_ZERO_PAGE_H
#define CRIU_ZERO_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pagemap-bits.h"

/*
 * Is this present pagemap entry one of the kernel's zero pages (the
 * 4 KiB one, or a frame of the huge one)? An anonymous page that was
 * only ever read (or read again after MADV_DONTNEED) maps it: it holds
 * zeroes, and neither soft-dirty nor any other write tracking sees it.
 * False when the frame can't be known.
 */
bool pme_is_zero_page(uint64_t pme);

#endif /* CRIU_ZERO_PAGE_H */
