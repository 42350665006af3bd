/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MIGRATE_FAULT_H
#define CRIU_MIGRATE_FAULT_H

#include <stdbool.h>

/*
 * For the tests: CRIU_MIGRATE_FAULT=POINT makes serve stop at POINT
 * (Documentation/migrate.md lists them); true, after saying so on
 * standard error, when POINT is the one asked for.
 */
bool mig_fault(const char *point);

#endif /* CRIU_MIGRATE_FAULT_H */
