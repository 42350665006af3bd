/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_FAULT_INJECT_H
#define CRIU_FAULT_INJECT_H

#include <stdbool.h>

/*
 * Fault injection for the failure tests: with CRIU_FAULT=N in the
 * environment, the step numbered N below fails as if a system call had
 * failed there, so a test can check what a failure at that point leaves
 * behind (the dump target must run on unchanged, restore must leave no
 * half-built process).
 */
enum fault_point {
	FI_NONE = 0,
	FI_DUMP_SEIZED = 1,		/* target stopped, nothing read yet */
	FI_DUMP_INFECTED = 2,		/* scratch page mapped inside the target */
	FI_DUMP_PAGES = 3,		/* half of the pages written */
	FI_DUMP_BEFORE_INVENTORY = 4,	/* every image but inventory.img written */
	FI_DUMP_KILLED = 5,		/* tree killed, its connections still open in criu */
	FI_PRE_DUMP_UNREADABLE = 6,	/* pre-dump: pages read after release are gone */
	FI_RESTORE_FORKED = 10,		/* child forked, still criu's copy */
	FI_RESTORE_UNMAPPED = 11,	/* criu's memory gone from the child */
	FI_RESTORE_MAPPED = 12,		/* dumped areas mapped and filled */
	FI_RESTORE_FDS = 13,		/* descriptors in place */
	FI_RESTORE_BEFORE_REGS = 14,	/* everything but the registers */
	FI_PS_KILLED = 20,		/* page server: SIGKILLed at the first pages */
	FI_PS_STALL = 21,		/* page server: stops reading at the first pages */
	FI_LAZY_SETUP = 30,		/* lazy-pages: a restore waits for the greeting */
};

bool fault_injected(enum fault_point fp);

#endif /* CRIU_FAULT_INJECT_H */
