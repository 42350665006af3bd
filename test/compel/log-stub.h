/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOG_STUB_H
#define LOG_STUB_H

/* First error logged since the last reset ("" if none). */
const char *log_stub_first_error(void);
void log_stub_reset(void);

#endif /* LOG_STUB_H */
