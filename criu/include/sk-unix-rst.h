/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SK_UNIX_RST_H
#define CRIU_SK_UNIX_RST_H

#include <stdbool.h>

#include "fdinfo.pb-c.h"

struct rst_session;

/* sk-unix-rst.c: the Unix fd kind's collect and open, and the cleanup after restore */
int unix_collect(struct rst_session *rs, const FileEntry *fe);
int unix_open(struct rst_session *rs);
void unix_rst_fini(struct rst_session *rs, bool failed);

#endif /* CRIU_SK_UNIX_RST_H */
