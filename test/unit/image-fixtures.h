/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UNIT_IMAGE_FIXTURES_H
#define UNIT_IMAGE_FIXTURES_H

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "stats.pb-c.h"
#include "tty.pb-c.h"

/*
 * Messages with recognisable values, shared by the round-trip tests and
 * the crit tests. Each fixture owns every sub-message it points to.
 */
#define FX_PID		4242
#define FX_COMM		"fixture-comm"
#define FX_RIP		0x7f00deadbeefULL
#define FX_RSP		0x7ffc12345678ULL
#define FX_VMA_START	0x400000ULL
#define FX_VMA_END	0x401000ULL
#define FX_FILE_NAME	"/tmp/fixture/file.txt"

struct core_fx {
	CoreEntry		core;
	ThreadInfoX86		ti;
	UserX86RegsEntry	gpregs;
	UserX86FpregsEntry	fpregs;
	uint32_t		st_space[32];
	uint32_t		xmm_space[64];
	TaskCoreEntry		tc;
	TaskRlimitsEntry	rlims;
	RlimitEntry		rlim[2], *rlimp[2];
	SaEntry			sa[2], *sap[2];
	TaskKobjIdsEntry	ids;
	ThreadCoreEntry		thc;
	CredsEntry		creds;
	uint32_t		groups[3];
	uint32_t		caps[2];
};
void core_fx_init(struct core_fx *fx);

struct mm_fx {
	MmEntry			mm;
	VmaEntry		vma[2], *vmap[2];
	uint64_t		auxv[4];
};
void mm_fx_init(struct mm_fx *fx);

struct files_fx {
	FileEntry		reg, pipe, tty;
	RegFileEntry		rf;
	PipeEntry		pe;
	TtyFileEntry		tf;
	FownEntry		fown;
};
void files_fx_init(struct files_fx *fx);

struct tty_fx {
	TtyInfoEntry		info;
	TermiosEntry		termios;
	uint32_t		cc[19];
	WinsizeEntry		ws;
	TtyPtyEntry		pty;
};
void tty_fx_init(struct tty_fx *fx);

struct inventory_fx {
	InventoryEntry		inv;
	TaskKobjIdsEntry	ids;
};
void inventory_fx_init(struct inventory_fx *fx);

struct stats_fx {
	StatsEntry		st;
	DumpStatsEntry		dump;
};
void stats_fx_init(struct stats_fx *fx);

#endif
