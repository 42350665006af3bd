/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCTEST_H
#define HCTEST_H

#include <linux/mm_types.h>
#include <linux/types.h>

extern int failures;

/* "hctest: PASS name", or FAIL with @fmt filled from @a and @b. */
void check(bool ok, const char *name, const char *fmt, long a, long b);

/* hctest-epml.c: the EPML hypercalls; @probes: 32 spare pages of RAM. */
void test_epml(struct page *probes);

#endif /* HCTEST_H */
