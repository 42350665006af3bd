/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOG_STUB_H
#define LOG_STUB_H

/* First error logged since the last reset ("" if none). */
const char *log_stub_first_error(void);
void log_stub_reset(void);
/*
 * Raise SIGKILL at the @n-th kill point from now on (0: never): each
 * log message, and before and after each ptrace() and pwrite().
 */
void log_stub_die_at(long n);
/* Kill points passed since the last log_stub_die_at(0). */
long log_stub_count(void);

#endif /* LOG_STUB_H */
