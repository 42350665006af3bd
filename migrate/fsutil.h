/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MIGRATE_FSUTIL_H
#define CRIU_MIGRATE_FSUTIL_H

/* Remove @path and everything under it (no symlink is followed). */
int rm_tree(const char *path);
/* Remove the entries of @dfd whose names start with @prefix (files or folders). */
void rm_prefixed(int dfd, const char *dir, const char *prefix);

#endif /* CRIU_MIGRATE_FSUTIL_H */
