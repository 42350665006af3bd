/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_RESTORE_H
#define CRIU_CR_RESTORE_H

/* `criu restore`: 0 or the restored tree's exit status, -errno on failure. */
int cr_restore_tasks(int dfd);

#endif /* CRIU_CR_RESTORE_H */
