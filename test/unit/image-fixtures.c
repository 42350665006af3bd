// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "image-fixtures.h"

static void gpregs_init(UserX86RegsEntry *r)
{
	*r = (UserX86RegsEntry)USER_X86_REGS_ENTRY__INIT;
	r->ip = FX_RIP;
	r->sp = FX_RSP;
	r->ax = 0x1111;
	r->orig_ax = (uint64_t)-1;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->flags = 0x246;
	r->fs_base = 0x7f0011112222ULL;
	r->has_mode = 1;
	r->mode = USER_X86_REGS_MODE__NATIVE;
}

static void fpregs_init(struct core_fx *fx)
{
	UserX86FpregsEntry *f = &fx->fpregs;
	unsigned int i;

	*f = (UserX86FpregsEntry)USER_X86_FPREGS_ENTRY__INIT;
	f->cwd = 0x37f;
	f->mxcsr = 0x1f80;
	f->mxcsr_mask = 0xffff;
	for (i = 0; i < 32; i++)
		fx->st_space[i] = i;
	for (i = 0; i < 64; i++)
		fx->xmm_space[i] = 0x1000 + i;
	f->n_st_space = 32;
	f->st_space = fx->st_space;
	f->n_xmm_space = 64;
	f->xmm_space = fx->xmm_space;
}

static void tc_init(struct core_fx *fx)
{
	unsigned int i;

	fx->tc = (TaskCoreEntry)TASK_CORE_ENTRY__INIT;
	fx->tc.task_state = 1;
	fx->tc.blk_sigset = 0x4000;
	fx->tc.comm = FX_COMM;

	fx->rlims = (TaskRlimitsEntry)TASK_RLIMITS_ENTRY__INIT;
	for (i = 0; i < 2; i++) {
		fx->rlim[i] = (RlimitEntry)RLIMIT_ENTRY__INIT;
		fx->rlim[i].cur = 1024 * (i + 1);
		fx->rlim[i].max = (uint64_t)-1;
		fx->rlimp[i] = &fx->rlim[i];

		fx->sa[i] = (SaEntry)SA_ENTRY__INIT;
		fx->sa[i].sigaction = 0x401000 + i;
		fx->sa[i].flags = 0x4000000;
		fx->sap[i] = &fx->sa[i];
	}
	fx->rlims.n_rlimits = 2;
	fx->rlims.rlimits = fx->rlimp;
	fx->tc.rlimits = &fx->rlims;
	fx->tc.n_sigactions = 2;
	fx->tc.sigactions = fx->sap;
	fx->tc.has_oom_score_adj = 1;
	fx->tc.oom_score_adj = -17;
}

static void thread_core_init(struct core_fx *fx)
{
	fx->creds = (CredsEntry)CREDS_ENTRY__INIT;
	fx->creds.uid = 1001;
	fx->creds.euid = 1002;
	fx->groups[0] = 24;
	fx->groups[1] = 27;
	fx->groups[2] = 1003;
	fx->creds.n_groups = 3;
	fx->creds.groups = fx->groups;
	fx->caps[0] = 0xffffffff;
	fx->caps[1] = 0x1ff;
	fx->creds.n_cap_eff = 2;
	fx->creds.cap_eff = fx->caps;

	fx->thc = (ThreadCoreEntry)THREAD_CORE_ENTRY__INIT;
	fx->thc.futex_rla = 0x7f0000001000ULL;
	fx->thc.futex_rla_len = 24;
	fx->thc.has_sched_nice = 1;
	fx->thc.sched_nice = -5;
	fx->thc.creds = &fx->creds;
	fx->thc.comm = FX_COMM;
}

void core_fx_init(struct core_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	gpregs_init(&fx->gpregs);
	fpregs_init(fx);
	tc_init(fx);
	thread_core_init(fx);

	fx->ti = (ThreadInfoX86)THREAD_INFO_X86__INIT;
	fx->ti.clear_tid_addr = 0x7f0000002000ULL;
	fx->ti.gpregs = &fx->gpregs;
	fx->ti.fpregs = &fx->fpregs;

	fx->ids = (TaskKobjIdsEntry)TASK_KOBJ_IDS_ENTRY__INIT;
	fx->ids.vm_id = 1;
	fx->ids.files_id = 2;
	fx->ids.fs_id = 3;
	fx->ids.sighand_id = 4;

	fx->core = (CoreEntry)CORE_ENTRY__INIT;
	fx->core.mtype = CORE_ENTRY__MARCH__X86_64;
	fx->core.thread_info = &fx->ti;
	fx->core.tc = &fx->tc;
	fx->core.ids = &fx->ids;
	fx->core.thread_core = &fx->thc;
}

void mm_fx_init(struct mm_fx *fx)
{
	unsigned int i;

	memset(fx, 0, sizeof(*fx));
	fx->mm = (MmEntry)MM_ENTRY__INIT;
	fx->mm.mm_start_code = FX_VMA_START;
	fx->mm.mm_end_code = FX_VMA_END;
	fx->mm.mm_start_brk = 0x600000;
	fx->mm.mm_brk = 0x621000;
	fx->mm.mm_start_stack = FX_RSP;
	fx->mm.exe_file_id = 7;
	for (i = 0; i < 4; i++)
		fx->auxv[i] = 100 + i;
	fx->mm.n_mm_saved_auxv = 4;
	fx->mm.mm_saved_auxv = fx->auxv;

	for (i = 0; i < 2; i++) {
		VmaEntry *v = &fx->vma[i];

		*v = (VmaEntry)VMA_ENTRY__INIT;
		v->start = FX_VMA_START + i * 0x10000;
		v->end = FX_VMA_END + i * 0x10000;
		v->prot = 5 - 2 * i;
		v->flags = 0x22;
		v->status = 0x3;
		v->fd = i ? -1 : 7;
		fx->vmap[i] = v;
	}
	fx->mm.n_vmas = 2;
	fx->mm.vmas = fx->vmap;
	fx->mm.has_dumpable = 1;
	fx->mm.dumpable = 1;
}

void files_fx_init(struct files_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->fown = (FownEntry)FOWN_ENTRY__INIT;
	fx->fown.uid = 1001;

	fx->rf = (RegFileEntry)REG_FILE_ENTRY__INIT;
	fx->rf.id = 10;
	fx->rf.flags = 02;
	fx->rf.pos = 12345;
	fx->rf.fown = &fx->fown;
	fx->rf.name = FX_FILE_NAME;
	fx->rf.has_size = 1;
	fx->rf.size = 99999;

	fx->pe = (PipeEntry)PIPE_ENTRY__INIT;
	fx->pe.id = 11;
	fx->pe.pipe_id = 777777;
	fx->pe.flags = 0;
	fx->pe.fown = &fx->fown;

	fx->tf = (TtyFileEntry)TTY_FILE_ENTRY__INIT;
	fx->tf.id = 12;
	fx->tf.tty_info_id = 3;
	fx->tf.flags = 02;
	fx->tf.fown = &fx->fown;

	fx->reg = (FileEntry)FILE_ENTRY__INIT;
	fx->reg.type = FD_TYPES__REG;
	fx->reg.id = 10;
	fx->reg.reg = &fx->rf;

	fx->pipe = (FileEntry)FILE_ENTRY__INIT;
	fx->pipe.type = FD_TYPES__PIPE;
	fx->pipe.id = 11;
	fx->pipe.pipe = &fx->pe;

	fx->tty = (FileEntry)FILE_ENTRY__INIT;
	fx->tty.type = FD_TYPES__TTY;
	fx->tty.id = 12;
	fx->tty.tty = &fx->tf;
}

void tty_fx_init(struct tty_fx *fx)
{
	unsigned int i;

	memset(fx, 0, sizeof(*fx));
	fx->termios = (TermiosEntry)TERMIOS_ENTRY__INIT;
	fx->termios.c_iflag = 0x500;
	fx->termios.c_lflag = 0x8a3b;
	for (i = 0; i < 19; i++)
		fx->cc[i] = i;
	fx->termios.n_c_cc = 19;
	fx->termios.c_cc = fx->cc;

	fx->ws = (WinsizeEntry)WINSIZE_ENTRY__INIT;
	fx->ws.ws_row = 51;
	fx->ws.ws_col = 203;

	fx->pty = (TtyPtyEntry)TTY_PTY_ENTRY__INIT;
	fx->pty.index = 9;

	fx->info = (TtyInfoEntry)TTY_INFO_ENTRY__INIT;
	fx->info.id = 3;
	fx->info.type = TTY_TYPE__PTY;
	fx->info.sid = FX_PID;
	fx->info.pgrp = FX_PID;
	fx->info.rdev = 0x8809;
	fx->info.termios = &fx->termios;
	fx->info.winsize = &fx->ws;
	fx->info.pty = &fx->pty;
}

void inventory_fx_init(struct inventory_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->ids = (TaskKobjIdsEntry)TASK_KOBJ_IDS_ENTRY__INIT;
	fx->ids.vm_id = 1;
	fx->ids.files_id = 2;
	fx->ids.fs_id = 3;
	fx->ids.sighand_id = 4;

	fx->inv = (InventoryEntry)INVENTORY_ENTRY__INIT;
	fx->inv.img_version = 2;
	fx->inv.has_fdinfo_per_id = 1;
	fx->inv.fdinfo_per_id = 1;
	fx->inv.root_ids = &fx->ids;
	fx->inv.has_lsmtype = 1;
	fx->inv.lsmtype = LSMTYPE__NO_LSM;
	fx->inv.has_dump_uptime = 1;
	fx->inv.dump_uptime = 123456789;
}

void stats_fx_init(struct stats_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->dump = (DumpStatsEntry)DUMP_STATS_ENTRY__INIT;
	fx->dump.freezing_time = 1500;
	fx->dump.frozen_time = 25000;
	fx->dump.pages_scanned = 262144;
	fx->dump.pages_written = 2622;
	fx->dump.pages_skipped_parent = 259522;

	fx->st = (StatsEntry)STATS_ENTRY__INIT;
	fx->st.dump = &fx->dump;
}
