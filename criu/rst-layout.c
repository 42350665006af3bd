// SPDX-License-Identifier: GPL-2.0
/*
 * The address space while a task is built: the trampoline page (syscall
 * site and scratch area) at an address free in criu's layout and in
 * every dumped one, criu's own memory unmapped around it, and the
 * kernel's vdso/vvar moved to where the dumped process had them.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "log.h"
#include "pstree.h"
#include "rseq.h"
#include "rst-task.h"

static bool overlaps(unsigned long s1, unsigned long e1, unsigned long s2,
		     unsigned long e2)
{
	return s1 < e2 && s2 < e1;
}

static bool mm_range_free(const MmEntry *mm, unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; mm && i < mm->n_vmas; i++)
		if (overlaps(start, end, mm->vmas[i]->start, mm->vmas[i]->end))
			return false;
	return true;
}

static bool range_free(const struct vma_list *self, const struct pstree *t,
		       unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; i < self->nr; i++)
		if (overlaps(start, end, self->vmas[i].start, self->vmas[i].end))
			return false;
	for (i = 0; i < t->nr; i++)
		if (!mm_range_free(t->items[i]->rst->mm, start, end))
			return false;
	return true;
}

/*
 * The trampoline and, right above it, room to park the vdso while it
 * moves, in a range that is free both in criu (whose layout the tasks
 * start with) and in every dumped layout.
 */
static int pick_trampoline(const struct pstree *t, struct rst_layout *l)
{
	const struct vma_list *self = &l->self;
	unsigned long need = TRAMPOLINE_SIZE + (self->vdso_end - self->vdso_start) +
			     (self->vvar_end - self->vvar_start) + PAGE_SIZE;
	unsigned long a;

	for (a = 1UL << 32; a < (1UL << 46); a += 1UL << 28)
		if (range_free(self, t, a, a + need)) {
			l->tramp = a;
			return 0;
		}
	pr_err("No room for the restore trampoline\n");
	return -ENOMEM;
}

/* The kernel's vdso is used as it is: the dumped one must look the same. */
static int check_vdso(const struct vma_list *self, const MmEntry *mm)
{
	unsigned long vdso = 0, vdso_end = 0, vvar = 0, vvar_end = 0;
	unsigned int i;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->status & VMA_AREA_VDSO) {
			vdso = v->start;
			vdso_end = v->end;
		} else if (v->status & VMA_AREA_VVAR) {
			if (!vvar)
				vvar = v->start;
			vvar_end = v->end;
		}
	}
	if (!vdso && !vvar)
		return 0;	/* the process had unmapped them: restored without */
	if (vdso_end - vdso != self->vdso_end - self->vdso_start ||
	    vvar_end - vvar != self->vvar_end - self->vvar_start ||
	    (vvar && vdso - vvar != self->vdso_start - self->vvar_start)) {
		pr_err("The dumped vdso/vvar layout (vdso %lx-%lx, vvar %lx-%lx) differs from this kernel's (vdso %lx bytes, vvar %lx bytes): can't restore\n",
		       vdso, vdso_end, vvar, vvar_end,
		       self->vdso_end - self->vdso_start,
		       self->vvar_end - self->vvar_start);
		return -EINVAL;
	}
	return 0;
}

int rst_layout_check(const struct pstree *t, struct rst_layout *l)
{
	unsigned int i;
	int ret;

	ret = parse_smaps(getpid(), &l->self);
	for (i = 0; i < t->nr && !ret; i++)
		if (t->items[i]->rst->mm)
			ret = check_vdso(&l->self, t->items[i]->rst->mm);
	if (!ret)
		ret = pick_trampoline(t, l);
	return ret;
}

/* The root starts with criu's rseq area registered; it is about to vanish. */
static int unregister_rseq(struct rst_ctx *rc)
{
	struct rseq_config conf;
	long ret;

	ret = read_rseq_config(rc->pid, &conf);
	if (ret)
		return ret;
	if (!conf.rseq_abi_pointer)
		return 0;
	ret = rst_syscall(rc, "rseq unregister", __NR_rseq, conf.rseq_abi_pointer,
			  conf.rseq_abi_size, RSEQ_FLAG_UNREGISTER, conf.signature, 0, 0);
	return ret < 0 ? ret : 0;
}

static int setup_trampoline(struct rst_ctx *rc, unsigned long addr)
{
	long ret;

	ret = rst_syscall(rc, "mmap trampoline", __NR_mmap, addr, TRAMPOLINE_SIZE,
			  PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret < 0)
		return ret;
	if ((unsigned long)ret != addr) {
		pr_err("Trampoline mapped at %lx, not %lx\n", ret, addr);
		return -EFAULT;
	}
	ret = compel_write_mem(rc->pid, addr, compel_syscall_code,
			       COMPEL_SYSCALL_CODE_LEN);
	if (ret)
		return ret;
	ret = compel_move_site(rc->ctl, addr);
	if (ret)
		return ret;
	rst_use_trampoline(rc, addr);
	return 0;
}

void rst_use_trampoline(struct rst_ctx *rc, unsigned long tramp)
{
	rc->scratch = tramp + TRAMPOLINE_CODE_SIZE;
	rc->scratch_size = TRAMPOLINE_SIZE - TRAMPOLINE_CODE_SIZE;
	rc->scratch_used = 0;
}

static bool is_kept(const struct vma_area *vma, unsigned long tramp)
{
	return vma->start == tramp || vma_is_special(vma);
}

/* Unmap all of criu's memory in the root but the trampoline and vdso. */
static int unmap_criu(struct rst_ctx *rc, unsigned long tramp)
{
	struct vma_list child;
	unsigned long from = PAGE_SIZE;
	unsigned int i;
	long ret = 0;

	ret = parse_smaps(rc->pid, &child);
	if (ret)
		return ret;
	for (i = 0; i < child.nr && !ret; i++) {
		const struct vma_area *vma = &child.vmas[i];

		if (!is_kept(vma, tramp) || vma->status & VMA_AREA_VSYSCALL)
			continue;
		if (vma->start > from)
			ret = rst_syscall(rc, "munmap", __NR_munmap, from,
					  vma->start - from, 0, 0, 0, 0);
		from = vma->end;
	}
	if (!ret && from < (1UL << 47) - PAGE_SIZE)
		ret = rst_syscall(rc, "munmap", __NR_munmap, from,
				  (1UL << 47) - PAGE_SIZE - from, 0, 0, 0, 0);
	free_vma_list(&child);
	return ret < 0 ? ret : 0;
}

int rst_clean_layout(struct rst_ctx *rc, const struct rst_layout *l)
{
	int ret;

	ret = unregister_rseq(rc);
	if (!ret)
		ret = setup_trampoline(rc, l->tramp);
	if (!ret)
		ret = unmap_criu(rc, l->tramp);
	return ret;
}

static long mremap_fixed(struct rst_ctx *rc, unsigned long from, unsigned long len,
			 unsigned long to)
{
	long ret;

	if (from == to)
		return 0;
	ret = rst_syscall(rc, "mremap vdso", __NR_mremap, from, len, len,
			  MREMAP_MAYMOVE | MREMAP_FIXED, to, 0);
	return ret < 0 ? ret : 0;
}

/* The process had no vdso (it unmapped it): neither will the task. */
static int unmap_vdso(struct rst_ctx *rc, const struct vma_list *self)
{
	unsigned int i;
	long ret;

	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = rst_syscall(rc, "munmap vdso", __NR_munmap, v->start,
				  vma_len(v), 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Move the kernel's vvar/vdso areas from where they are in @self (criu's
 * layout for the root, the parent's for a forked child) to the dumped
 * addresses: first
 * all of them to a parking place above the trampoline, then each to its
 * place, so that no move lands on an area not yet moved.
 */
int rst_move_vdso(struct rst_ctx *rc, const struct rst_layout *l,
		  const struct vma_list *self, const MmEntry *mm)
{
	unsigned long park = l->tramp + TRAMPOLINE_SIZE;
	unsigned long base = self->vvar_start ? self->vvar_start : self->vdso_start;
	unsigned long dumped_base = 0;
	unsigned int i;
	long ret;

	for (i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i]->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)) {
			dumped_base = mm->vmas[i]->start;
			break;
		}
	if (!dumped_base)
		return unmap_vdso(rc, self);

	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = mremap_fixed(rc, v->start, vma_len(v), park + (v->start - base));
		if (ret)
			return ret;
	}
	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = mremap_fixed(rc, park + (v->start - base), vma_len(v),
				   dumped_base + (v->start - base));
		if (ret)
			return ret;
	}
	return 0;
}
