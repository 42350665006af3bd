/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_LOG_H
#define CRIU_LOG_H

#include <errno.h>

/* Verbosity levels of -v0..-v4, as CRIU numbers them. */
enum {
	LOG_MSG = 0,	/* always printed: results the user asked for */
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

/*
 * Open the log: @path NULL or "-" means stderr, otherwise the file is
 * created (relative paths are resolved by the caller). Messages above
 * @level are dropped. Returns 0 or -errno.
 */
int log_init(const char *path, int level);
void log_fini(void);
int log_get_level(void);
int log_get_fd(void);
/* The first error logged since the start or the last forget, or NULL. */
const char *log_first_error(void);
void log_forget_first_error(void);

void print_on_level(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A one-line result (dump statistics) shown from -v1 on, never on stderr
 * when the log is a file. */
void print_summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_msg(fmt, ...)	print_on_level(LOG_MSG, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	print_on_level(LOG_ERROR, "Error (%s:%d): " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	print_on_level(LOG_WARN, "Warn  (%s:%d): " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define pr_info(fmt, ...)	print_on_level(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	print_on_level(LOG_DEBUG, fmt, ##__VA_ARGS__)

/* pr_err() with ": strerror(errno)" appended; errno is preserved. */
#define pr_perror(fmt, ...)						\
	do {								\
		int __saved_errno = errno;				\
		pr_err(fmt ": %m\n", ##__VA_ARGS__);			\
		errno = __saved_errno;					\
	} while (0)

#endif /* CRIU_LOG_H */
