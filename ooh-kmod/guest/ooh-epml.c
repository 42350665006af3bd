// SPDX-License-Identifier: GPL-2.0
/*
 * Extended PML, as the patched KVM host emulates it with shadow paging
 * (ooh-hypercall.h, KVM_HC_OOH_EPML_*): each session registers its
 * process's page-table roots and a ring of its own; the host appends the
 * guest-virtual address of every page the process writes through its
 * page tables. No reverse mapping and no hypercall per interval: a drain
 * reads the ring, then re-arms the pages it took by cleaning their dirty
 * bits (the dirtiness goes to the struct page first, so writeback and
 * swap lose nothing) and flushing the TLB, so the next write faults into
 * the host again.
 *
 * What the host cannot see is reported another way:
 *  - writes by the kernel through other mappings of the process's pages
 *    (process_vm_writev, ptrace pokes, O_DIRECT reads, pinned buffers):
 *    kprobes on the GUP entry points record each range asked for with
 *    FOLL_WRITE, and the range is reported at every drain of the session
 *    from then on: the kernel may write through the reference it took
 *    long after the call (a pin, an asynchronous O_DIRECT read), and no
 *    hook tells when it lets go. Past OOH_EPML_MAX_RANGES ranges, the
 *    closest two merge (more pages reported, none lost);
 *  - shared, hugetlb and PFN mappings (others write them through their
 *    own page tables, or there are no dirty bits to re-arm): every page
 *    of them, at every drain;
 *  - a ring that overflowed (or a drain out of memory): OOH_DRAIN_OVERFLOW,
 *    and the whole address space is re-armed.
 *
 * Locking: the session mutex serialises a session's calls. ooh_epml_lock
 * (a spinlock, taken in kprobe handlers) guards the list of spaces and
 * their range lists; ooh_epml_mutex the kprobes' registration.
 */
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/tlbflush.h>

#include "ooh-epml.h"
#include "ooh-epml-rearm.h"
#include "ooh-hypercall.h"
#include "ooh-internal.h"

static unsigned int epml_ring_entries = 65536;
module_param(epml_ring_entries, uint, 0444);
MODULE_PARM_DESC(epml_ring_entries, "EPML ring size per session in entries (a power of two)");

#define OOH_EPML_RING_MIN	512U
#define OOH_EPML_RING_MAX	(1U << 18)	/* as SPML's: an order-10 block */

static LIST_HEAD(ooh_epml_spaces);
static DEFINE_SPINLOCK(ooh_epml_lock);
static DEFINE_MUTEX(ooh_epml_mutex);
static unsigned int ooh_epml_users;		/* under ooh_epml_mutex */

static int ooh_epml_probe(u32 *host_version, const char **why)
{
	long v = ooh_kvm_query(KVM_HC_OOH_EPML_QUERY);

	*host_version = v > 0 ? v : 0;
	if (v == -ENODEV) {
		*why = "epml: not running on KVM";
		return -ENODEV;
	}
	if (v == -ENOSYS) {
		*why = "epml: KVM host without the OoH EPML patch";
		return -ENODEV;
	}
	if (v == -EOPNOTSUPP) {
		*why = "epml: the host uses nested paging (EPML needs shadow paging: kvm_amd npt=0 / kvm_intel ept=0)";
		return -EOPNOTSUPP;
	}
	if (v < 0) {
		*why = "epml: the host refused the EPML query";
		return -ENODEV;
	}
	if (v != OOH_EPML_VERSION) {
		*why = "epml: the host speaks another EPML version";
		return -EPROTO;
	}
	*why = "epml host available";
	return 0;
}

/* --- ranges the kernel writes behind the host's back ------------------- */

static unsigned long ooh_epml_gap(const struct ooh_epml_range *r,
				  unsigned long start, unsigned long end)
{
	if (end < r->start)
		return r->start - end;
	return start > r->end ? start - r->end : 0;
}

/*
 * Add [start, end) to the list @v of *@nr ranges, into the range it
 * touches, or when the list is full into the closest one;
 * ooh_epml_lock held.
 */
static void ooh_epml_add_range(struct ooh_epml_range *v, unsigned int *nr,
			       unsigned long start, unsigned long end)
{
	struct ooh_epml_range *r, *best = NULL;
	unsigned long gap, best_gap = ULONG_MAX;
	unsigned int i;

	for (i = 0; i < *nr; i++) {
		r = &v[i];
		gap = ooh_epml_gap(r, start, end);
		if (gap < best_gap) {
			best = r;
			best_gap = gap;
		}
	}
	if (best && (!best_gap || *nr == OOH_EPML_MAX_RANGES)) {
		best->start = min(best->start, start);
		best->end = max(best->end, end);
		return;
	}
	v[(*nr)++] = (struct ooh_epml_range){ start, end };
}

/* A GUP call on @mm: record what it may write. */
static void ooh_epml_gup(struct mm_struct *mm, unsigned long start,
			 unsigned long nr_pages, unsigned int gup_flags)
{
	struct ooh_epml_space *sp;
	unsigned long flags, end;

	if (!mm || !(gup_flags & FOLL_WRITE) || !nr_pages)
		return;
	start &= PAGE_MASK;
	end = start + (nr_pages << PAGE_SHIFT);
	if (end < start)
		end = TASK_SIZE_MAX;
	spin_lock_irqsave(&ooh_epml_lock, flags);
	list_for_each_entry(sp, &ooh_epml_spaces, node)
		if (sp->mm == mm)
			ooh_epml_add_range(sp->ranges, &sp->nr_ranges, start, end);
	spin_unlock_irqrestore(&ooh_epml_lock, flags);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * A huge page faulted in maps 2 MiB of new zeroes with one write walk,
 * for the 4K page written; the frame may be the one a drop just freed,
 * which ooh-epml-huge.c's walk cannot tell from the old page. So the
 * whole huge page is reported at the next drain.
 */
static int ooh_epml_thp_fault_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)regs_get_kernel_argument(regs, 0);
	unsigned long start = vmf->address & PMD_MASK, flags;
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct ooh_epml_space *sp;

	spin_lock_irqsave(&ooh_epml_lock, flags);
	list_for_each_entry(sp, &ooh_epml_spaces, node)
		if (sp->mm == mm)
			ooh_epml_add_range(sp->fresh, &sp->nr_fresh, start,
					   start + PMD_SIZE);
	spin_unlock_irqrestore(&ooh_epml_lock, flags);
	return 0;
}

static struct kprobe ooh_epml_thp_probe = {
	.symbol_name = "do_huge_pmd_anonymous_page",
	.pre_handler = ooh_epml_thp_fault_pre,
};

static int ooh_epml_get_thp_probe(void)
{
	int ret;

	memset(&ooh_epml_thp_probe, 0, sizeof(ooh_epml_thp_probe));
	ooh_epml_thp_probe.symbol_name = "do_huge_pmd_anonymous_page";
	ooh_epml_thp_probe.pre_handler = ooh_epml_thp_fault_pre;
	ret = register_kprobe(&ooh_epml_thp_probe);
	if (ret)
		pr_err(OOH_NAME ": epml: kprobe on do_huge_pmd_anonymous_page failed: %d\n",
		       ret);
	return ret;
}

static void ooh_epml_put_thp_probe(void)
{
	unregister_kprobe(&ooh_epml_thp_probe);
}
#else
static int ooh_epml_get_thp_probe(void)
{
	return 0;
}

static void ooh_epml_put_thp_probe(void)
{
}
#endif

/*
 * The GUP entry points, with where their arguments are: mm (-1: current),
 * start, nr_pages and gup_flags, the same in 6.1 and 6.12.
 */
struct ooh_epml_gup_probe {
	struct kprobe kp;
	s8 mm, start, nr, flags;
};

static int ooh_epml_gup_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct ooh_epml_gup_probe *p = container_of(kp, struct ooh_epml_gup_probe, kp);
	struct mm_struct *mm;

	mm = p->mm < 0 ? current->mm :
	     (struct mm_struct *)regs_get_kernel_argument(regs, p->mm);
	ooh_epml_gup(mm, regs_get_kernel_argument(regs, p->start),
		     regs_get_kernel_argument(regs, p->nr),
		     regs_get_kernel_argument(regs, p->flags));
	return 0;
}

#define OOH_GUP(sym, m, s, n, f) \
	{ .kp = { .symbol_name = sym, .pre_handler = ooh_epml_gup_pre }, \
	  .mm = m, .start = s, .nr = n, .flags = f }

static struct ooh_epml_gup_probe ooh_epml_probes[] = {
	OOH_GUP("get_user_pages_remote", 0, 1, 2, 3),
	OOH_GUP("pin_user_pages_remote", 0, 1, 2, 3),
	OOH_GUP("get_user_pages", -1, 0, 1, 2),
	OOH_GUP("pin_user_pages", -1, 0, 1, 2),
	OOH_GUP("get_user_pages_fast", -1, 0, 1, 2),
	OOH_GUP("pin_user_pages_fast", -1, 0, 1, 2),
	OOH_GUP("get_user_pages_unlocked", -1, 0, 1, 3),
	OOH_GUP("pin_user_pages_unlocked", -1, 0, 1, 3),
};

static void ooh_epml_unregister_probes(unsigned int n)
{
	while (n)
		unregister_kprobe(&ooh_epml_probes[--n].kp);
}

/* The first EPML session puts the probes in, the last takes them out. */
static int ooh_epml_get_probes(void)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&ooh_epml_mutex);
	if (ooh_epml_users++)
		goto out;
	for (i = 0; i < ARRAY_SIZE(ooh_epml_probes); i++) {
		/* A kprobe can be registered once: start from a clean one. */
		struct kprobe *kp = &ooh_epml_probes[i].kp;
		const char *sym = kp->symbol_name;

		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = sym;
		kp->pre_handler = ooh_epml_gup_pre;
		ret = register_kprobe(kp);
		if (ret) {
			pr_err(OOH_NAME ": epml: kprobe on %s failed: %d\n", sym, ret);
			ooh_epml_unregister_probes(i);
			ooh_epml_users--;
			goto out;
		}
	}
	ret = ooh_epml_get_thp_probe();
	if (ret) {
		ooh_epml_unregister_probes(i);
		ooh_epml_users--;
	}
out:
	mutex_unlock(&ooh_epml_mutex);
	return ret;
}

static void ooh_epml_put_probes(void)
{
	mutex_lock(&ooh_epml_mutex);
	if (!--ooh_epml_users) {
		ooh_epml_put_thp_probe();
		ooh_epml_unregister_probes(ARRAY_SIZE(ooh_epml_probes));
	}
	mutex_unlock(&ooh_epml_mutex);
}

/* --- the ring ---------------------------------------------------------- */

static int ooh_epml_open_ring(struct ooh_epml_space *sp, u32 hint)
{
	u32 n = clamp(hint ?: epml_ring_entries, OOH_EPML_RING_MIN, OOH_EPML_RING_MAX);
	struct ooh_ring_header *r;
	u64 root, uroot = 0;
	long id;

	n = roundup_pow_of_two(n);
	sp->ring_bytes = OOH_RING_HEADER_SIZE + (size_t)n * sizeof(u64);
	r = alloc_pages_exact(sp->ring_bytes, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!r)
		return -ENOMEM;
	r->magic = OOH_EPML_RING_MAGIC;
	r->version = OOH_EPML_VERSION;
	r->nr_entries = n;
	root = __pa(sp->mm->pgd);
#ifdef CONFIG_PAGE_TABLE_ISOLATION
	/* User mode runs on the second page of the PGD. */
	if (boot_cpu_has(X86_FEATURE_PTI))
		uroot = root + PAGE_SIZE;
#endif
	id = kvm_hypercall4(KVM_HC_OOH_EPML_REGISTER, virt_to_phys(r),
			    sp->ring_bytes, root, uroot);
	if (id < 0) {
		pr_err(OOH_NAME ": epml: KVM_HC_OOH_EPML_REGISTER failed: %ld\n", id);
		free_pages_exact(r, sp->ring_bytes);
		return id == -KVM_ENOSYS ? -ENODEV : id >= -MAX_ERRNO ? (int)id : -EIO;
	}
	sp->id = id;
	sp->ring = r;
	sp->slots = (u64 *)((char *)r + OOH_RING_HEADER_SIZE);
	sp->nr_entries = n;
	return 0;
}

static void ooh_epml_close_ring(struct ooh_epml_space *sp)
{
	long ret = kvm_hypercall1(KVM_HC_OOH_EPML_UNREGISTER, sp->id);

	if (ret)
		/* The host may still write there: never give the pages back. */
		pr_err(OOH_NAME ": epml: KVM_HC_OOH_EPML_UNREGISTER %ld failed: %ld, ring leaked\n",
		       sp->id, ret);
	else
		free_pages_exact(sp->ring, sp->ring_bytes);
	sp->ring = NULL;
}

/*
 * Entries [tail, head) to @out (NULL: dropped); frees their slots.
 * Returns false if entries were lost (overflow or a bad head).
 */
static bool ooh_epml_consume(struct ooh_epml_space *sp, struct ooh_addrs *out)
{
	struct ooh_ring_header *r = sp->ring;
	u64 head = smp_load_acquire(&r->head), tail = READ_ONCE(r->tail);
	bool ok = true;

	if (head - tail > sp->nr_entries) {
		ok = false;
		tail = head;
	}
	sp->stats_entries += head - tail;
	for (; out && tail != head; tail++) {
		if (ooh_addrs_push(out, READ_ONCE(sp->slots[tail & (sp->nr_entries - 1)]))) {
			ok = false;
			break;
		}
	}
	smp_store_release(&r->tail, head);
	if (ooh_ring_take_overflow(r))
		ok = false;
	return ok;
}

/* --- attach, intervals ------------------------------------------------- */

static int ooh_epml_attach(struct ooh_session *s, u32 hint)
{
	struct ooh_epml_space *sp;
	unsigned long flags;
	const char *why;
	u32 hv;
	int ret;

	ret = ooh_epml_probe(&hv, &why);
	if (ret)
		return ret;
	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	sp->mm = s->mm;
	ret = ooh_epml_get_probes();
	if (ret)
		goto free;
	ret = ooh_epml_open_ring(sp, hint);
	if (ret)
		goto put;
	spin_lock_irqsave(&ooh_epml_lock, flags);
	list_add(&sp->node, &ooh_epml_spaces);
	spin_unlock_irqrestore(&ooh_epml_lock, flags);
	s->epml = sp;
	s->stats.provider = OOH_PROVIDER_EPML;
	return 0;
put:
	ooh_epml_put_probes();
free:
	kfree(sp);
	return ret;
}

/*
 * Drop what was logged and re-arm everything: a page logged but not
 * re-armed would take further writes unlogged.
 */
static int ooh_epml_start(struct ooh_session *s)
{
	struct ooh_epml_space *sp = s->epml;

	ooh_epml_consume(sp, NULL);
	if (ooh_epml_rearm_all(sp->mm))
		return -ENOMEM;
	return ooh_epml_huge_walk(sp->mm, &sp->huge, NULL);
}

/* The kernel-written ranges and the whole areas to @out. */
static int ooh_epml_report_ranges(struct ooh_session *s, struct ooh_addrs *out)
{
	struct ooh_epml_space *sp = s->epml;
	struct ooh_epml_range r[2 * OOH_EPML_MAX_RANGES];
	unsigned int i, n, nf;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ooh_epml_lock, flags);
	n = sp->nr_ranges;
	memcpy(r, sp->ranges, n * sizeof(r[0]));
	nf = sp->nr_fresh;
	memcpy(r + n, sp->fresh, nf * sizeof(r[0]));
	sp->nr_fresh = 0;
	spin_unlock_irqrestore(&ooh_epml_lock, flags);
	n += nf;
	for (i = 0; i < n; i++) {
		ret = ooh_addrs_push_range(out, r[i].start, r[i].end);
		if (ret)
			return ret;
	}
	for (i = 0; i < s->areas.nr; i++) {
		if (!ooh_epml_whole_area(s->areas.v[i].flags))
			continue;
		ret = ooh_addrs_push_range(out, s->areas.v[i].start, s->areas.v[i].end);
		if (ret)
			return ret;
	}
	return 0;
}

static int ooh_epml_collect(struct ooh_session *s, struct ooh_addrs *out)
{
	struct ooh_epml_space *sp = s->epml;
	u64 t0 = ktime_get_ns();
	size_t first = out->nr;
	bool ok;

	sp->stats_entries = 0;
	ok = ooh_epml_consume(sp, out);
	if (ok && ooh_epml_report_ranges(s, out))
		ok = false;
	/* Before the re-arm, which cleans the dirty bits of what it reports. */
	if (ok && ooh_epml_huge_walk(sp->mm, &sp->huge, out))
		ok = false;
	if (!ok) {
		/* Lost: every page; and what was dropped must trap again. */
		out->flags |= OOH_DRAIN_OVERFLOW;
		if (ooh_epml_rearm_all(sp->mm) ||
		    ooh_epml_huge_walk(sp->mm, &sp->huge, NULL))
			pr_warn_ratelimited(OOH_NAME ": epml: re-arming pid %d's space failed\n",
					    pid_nr(s->pid));
	} else if (ooh_epml_rearm(sp->mm, out->addrs + first, out->nr - first)) {
		out->flags |= OOH_DRAIN_OVERFLOW;
		ooh_epml_rearm_all(sp->mm);
	}
	s->stats.entries_logged += sp->stats_entries;
	s->stats.rmap_lookups += sp->stats_entries;
	s->stats.rmap_ns += ktime_get_ns() - t0;
	return 0;
}

static void ooh_epml_detach(struct ooh_session *s)
{
	struct ooh_epml_space *sp = s->epml;
	unsigned long flags;

	if (!sp)
		return;
	spin_lock_irqsave(&ooh_epml_lock, flags);
	list_del(&sp->node);
	spin_unlock_irqrestore(&ooh_epml_lock, flags);
	ooh_epml_close_ring(sp);
	ooh_epml_put_probes();
	ooh_epml_huge_free(&sp->huge);
	kfree(sp);
	s->epml = NULL;
}

const struct ooh_provider_ops ooh_epml_ops = {
	.name = "epml",
	.id = OOH_PROVIDER_EPML,
	.probe = ooh_epml_probe,
	.attach = ooh_epml_attach,
	.start = ooh_epml_start,
	.collect = ooh_epml_collect,
	.detach = ooh_epml_detach,
};
