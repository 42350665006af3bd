/* SPDX-License-Identifier: LGPL-2.1 */
#ifndef CRIU_OOH_LIBCRIU_VERSION_H
#define CRIU_OOH_LIBCRIU_VERSION_H

/* The CRIU interface this libcriu and criu-ooh implement. */
#define CRIU_VERSION		"4.2"
#define CRIU_VERSION_MAJOR	4
#define CRIU_VERSION_MINOR	2
#define CRIU_GITID		"criu-ooh-0.1"

#endif
