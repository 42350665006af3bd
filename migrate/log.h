/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MIGRATE_LOG_H
#define CRIU_MIGRATE_LOG_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern int mig_verbose;

#define mig_err(fmt, ...)	fprintf(stderr, "criu-migrate: Error: " fmt, ##__VA_ARGS__)
#define mig_perror(fmt, ...)	\
	fprintf(stderr, "criu-migrate: Error: " fmt ": %s\n", ##__VA_ARGS__, strerror(errno))
#define mig_info(fmt, ...)	\
	do { if (mig_verbose) fprintf(stderr, "criu-migrate: " fmt, ##__VA_ARGS__); } while (0)

#endif /* CRIU_MIGRATE_LOG_H */
