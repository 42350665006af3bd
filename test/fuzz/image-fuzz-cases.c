// SPDX-License-Identifier: GPL-2.0
#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "seccomp.pb-c.h"
#include "sk-netlink.pb-c.h"
#include "sk-packet.pb-c.h"
#include "sk-unix.pb-c.h"
#include "stats.pb-c.h"
#include "tty.pb-c.h"

#include "image-fuzz-cases.h"

/* Never reorder: the seed corpus and saved crashes start with the index. */
const struct fuzz_case fuzz_cases[] = {
	{ CR_FD_INVENTORY, 0, FUZZ_ENTRIES, &inventory_entry__descriptor },
	{ CR_FD_STATS_DUMP, 0, FUZZ_ENTRIES, &stats_entry__descriptor },
	{ CR_FD_PSTREE, 0, FUZZ_ENTRIES, &pstree_entry__descriptor },
	{ CR_FD_CORE, 1, FUZZ_ENTRIES, &core_entry__descriptor },
	{ CR_FD_IDS, 1, FUZZ_ENTRIES, &task_kobj_ids_entry__descriptor },
	{ CR_FD_MM, 1, FUZZ_ENTRIES, &mm_entry__descriptor },
	{ CR_FD_PAGEMAP, 1, FUZZ_HEAD_ENTRIES, &pagemap_entry__descriptor,
	  &pagemap_head__descriptor },
	{ CR_FD_FS, 1, FUZZ_ENTRIES, &fs_entry__descriptor },
	{ CR_FD_FILES, 0, FUZZ_ENTRIES, &file_entry__descriptor },
	{ CR_FD_FDINFO, 1, FUZZ_ENTRIES, &fdinfo_entry__descriptor },
	{ CR_FD_PIPES_DATA, 0, FUZZ_ENTRY_DATA, &pipe_data_entry__descriptor },
	{ CR_FD_TTY_INFO, 0, FUZZ_ENTRIES, &tty_info_entry__descriptor },
	{ CR_FD_STATS_RESTORE, 0, FUZZ_ENTRIES, &stats_entry__descriptor },
	{ CR_FD_PAGES, 1, FUZZ_RAW },
	{ CR_FD_SECCOMP, 0, FUZZ_ENTRIES, &seccomp_entry__descriptor },
	{ CR_FD_UNIXSK, 0, FUZZ_ENTRIES, &unix_sk_entry__descriptor },
	{ CR_FD_NETLINK_SK, 0, FUZZ_ENTRIES, &netlink_sk_entry__descriptor },
	{ CR_FD_SK_QUEUES, 0, FUZZ_PACKET_DATA, &sk_packet_entry__descriptor },
};

const unsigned int nr_fuzz_cases = sizeof(fuzz_cases) / sizeof(fuzz_cases[0]);
