/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_LOG_H
#define OOH_LOG_H

/* criu's log, levels 1 (error) to 4 (debug); silent before init. */
void ooh_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* OOH_LOG_H */
