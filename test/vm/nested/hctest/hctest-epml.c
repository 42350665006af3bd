// SPDX-License-Identifier: GPL-2.0
/*
 * The EPML hypercalls, from the nested guest's kernel. The tracked
 * address space is insmod's own: the module maps pages into it with
 * vm_mmap() and writes them with put_user(), which goes through insmod's
 * page tables exactly as the process's own stores would. Re-arming is
 * done here as ooh.ko does it: clean the PTE's dirty bit, flush the TLB.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <asm/io.h>
#include <asm/kvm_para.h>
#include <asm/tlbflush.h>

#include "hctest.h"
#include "ooh-hypercall.h"

#define EPML_PAGES	8
#define EPML_ENTRIES	1024

struct epml_ring {
	struct ooh_ring_header *hdr;
	u64 *entries;
	size_t size;
};

static int epml_ring_alloc(struct epml_ring *r, u32 nr_entries)
{
	r->size = OOH_RING_HEADER_SIZE + nr_entries * sizeof(u64);
	r->hdr = alloc_pages_exact(r->size, GFP_KERNEL | __GFP_ZERO);
	if (!r->hdr)
		return -ENOMEM;
	r->entries = (u64 *)((char *)r->hdr + OOH_RING_HEADER_SIZE);
	r->hdr->magic = OOH_EPML_RING_MAGIC;
	r->hdr->version = OOH_EPML_VERSION;
	r->hdr->nr_entries = nr_entries;
	return 0;
}

static u64 epml_root(void)
{
	return __pa(current->mm->pgd);
}

/* The user root under PTI, 0 without. */
static u64 epml_user_root(void)
{
#ifdef CONFIG_PAGE_TABLE_ISOLATION
	if (boot_cpu_has(X86_FEATURE_PTI))
		return epml_root() + PAGE_SIZE;
#endif
	return 0;
}

static long epml_register(struct epml_ring *r, u64 root0, u64 root1)
{
	return kvm_hypercall4(KVM_HC_OOH_EPML_REGISTER, virt_to_phys(r->hdr),
			      r->size, root0, root1);
}

static long epml_unregister(long id)
{
	return kvm_hypercall1(KVM_HC_OOH_EPML_UNREGISTER, id);
}

/* How many entries of [from, head) are @addr. */
static int epml_count(struct epml_ring *r, u64 from, unsigned long addr)
{
	u64 head = smp_load_acquire(&r->hdr->head), i;
	int n = 0;

	for (i = from; i < head; i++)
		if (r->entries[i & (r->hdr->nr_entries - 1)] == addr)
			n++;
	return n;
}

static bool epml_any_kernel_entry(struct epml_ring *r)
{
	u64 head = smp_load_acquire(&r->hdr->head), i;

	for (i = 0; i < head && i < r->hdr->nr_entries; i++)
		if (r->entries[i] >> 63)
			return true;
	return false;
}

static void flush_cpu(void *unused)
{
	__flush_tlb_all();
}

/* Set or clean the dirty bit of @addr's PTE in current->mm, then flush. */
static int epml_set_dirty(unsigned long addr, bool dirty)
{
	spinlock_t *ptl;
	pte_t *ptep;
	int ret;

	mmap_read_lock(current->mm);
	ret = follow_pte(current->mm, addr, &ptep, &ptl);
	if (!ret) {
		pte_t pte = *ptep;

		set_pte_at(current->mm, addr, ptep,
			   dirty ? pte_mkdirty(pte) : pte_mkclean(pte));
		pte_unmap_unlock(ptep, ptl);
	}
	mmap_read_unlock(current->mm);
	on_each_cpu(flush_cpu, NULL, 1);
	return ret;
}

static void epml_rearm(unsigned long base, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		epml_set_dirty(base + i * PAGE_SIZE, false);
}

static void poke(unsigned long addr, int value)
{
	if (put_user(value, (int __user *)addr))
		pr_info("hctest: put_user %#lx failed\n", addr);
}

static int peek(unsigned long addr)
{
	int v = 0;

	if (get_user(v, (int __user *)addr))
		pr_info("hctest: get_user %#lx failed\n", addr);
	return v;
}

static void expect(long got, long want, const char *name)
{
	check(got == want, name, "got %ld, want %ld", got, want);
}

static void test_epml_bad(struct epml_ring *r, struct page *probes)
{
	u64 root = epml_root();
	u32 v;

	expect(kvm_hypercall4(KVM_HC_OOH_EPML_REGISTER, 1ULL << 50, r->size, root, 0),
	       -EFAULT, "epml-register-outside-ram");
	expect(kvm_hypercall4(KVM_HC_OOH_EPML_REGISTER, virt_to_phys(r->hdr) + 8,
			      r->size, root, 0), -EINVAL, "epml-register-unaligned");
	expect(epml_register(r, 0, 0), -EINVAL, "epml-register-root-zero");
	expect(epml_register(r, root + 8, 0), -EINVAL, "epml-register-root-unaligned");
	expect(epml_register(r, 1ULL << 50, 0), -EINVAL, "epml-register-root-outside-ram");
	expect(epml_register(r, root, root), -EINVAL, "epml-register-same-roots");
	v = r->hdr->version;
	r->hdr->version = OOH_SPML_VERSION + 7;
	expect(epml_register(r, root, 0), -EINVAL, "epml-register-bad-version");
	r->hdr->version = v;
	r->hdr->magic = OOH_RING_MAGIC;
	expect(epml_register(r, root, 0), -EINVAL, "epml-register-spml-magic");
	r->hdr->magic = OOH_EPML_RING_MAGIC;
	expect(epml_unregister(3), -EINVAL, "epml-unregister-unused");
	expect(epml_unregister(OOH_EPML_MAX_SPACES), -EINVAL, "epml-unregister-bad-id");
}

/* Sixteen spaces (fake roots: pages of RAM), the seventeenth refused. */
static void test_epml_full(struct epml_ring *r, struct page *probes)
{
	long ids[OOH_EPML_MAX_SPACES], ret;
	int i, n = 0, bad = 0;

	for (i = 0; i < OOH_EPML_MAX_SPACES; i++) {
		ids[i] = epml_register(r, page_to_phys(probes + i), 0);
		if (ids[i] >= 0)
			n++;
	}
	expect(n, OOH_EPML_MAX_SPACES, "epml-register-max-spaces");
	ret = epml_register(r, page_to_phys(probes + OOH_EPML_MAX_SPACES), 0);
	expect(ret, -ENOSPC, "epml-register-one-too-many");
	ret = epml_register(r, page_to_phys(probes + 1), 0);
	expect(ret, -EINVAL, "epml-register-duplicate-root");
	for (i = 0; i < OOH_EPML_MAX_SPACES; i++)
		if (ids[i] >= 0 && epml_unregister(ids[i]))
			bad++;
	expect(bad, 0, "epml-unregister-all");
	if (ret >= 0)
		epml_unregister(ret);
}

/*
 * What is logged: a page written after re-arming, once until it is
 * re-armed again; not a page only read; a page whose dirty bit software
 * set is logged at its first write all the same; no kernel addresses.
 */
static void test_epml_logging(struct epml_ring *r, unsigned long base)
{
	unsigned long p[EPML_PAGES];
	long id;
	u64 from;
	int i;

	for (i = 0; i < EPML_PAGES; i++) {
		p[i] = base + i * PAGE_SIZE;
		poke(p[i], i);		/* present and dirty before tracking */
	}
	id = epml_register(r, epml_root(), epml_user_root());
	check(id >= 0, "epml-register", "got %ld", id, 0);
	if (id < 0)
		return;
	expect(epml_register(r, epml_root(), 0), -EINVAL, "epml-register-root-twice");
	epml_rearm(base, EPML_PAGES);
	from = smp_load_acquire(&r->hdr->head);
	poke(p[0], 100);
	poke(p[2], 102);
	expect(epml_count(r, from, p[0]), 1, "epml-logs-written");
	expect(epml_count(r, from, p[2]), 1, "epml-logs-written-second");
	expect(epml_count(r, from, p[1]), 0, "epml-skips-unwritten");
	poke(p[0], 200);
	expect(epml_count(r, from, p[0]), 1, "epml-once-until-rearmed");
	epml_rearm(p[0], 1);
	poke(p[0], 300);
	expect(epml_count(r, from, p[0]), 2, "epml-logs-after-rearm");

	/* Read first: the read must not make the page writable unlogged. */
	peek(p[3]);
	expect(epml_count(r, from, p[3]), 0, "epml-read-not-logged");
	poke(p[3], 103);
	expect(epml_count(r, from, p[3]), 1, "epml-write-after-read-logged");

	/* Dirty bit set by software (as the kernel's fault paths do). */
	epml_set_dirty(p[4], true);
	peek(p[4]);
	poke(p[4], 104);
	expect(epml_count(r, from, p[4]), 1, "epml-logs-software-dirty");

	check(!epml_any_kernel_entry(r), "epml-no-kernel-addresses",
	      "a kernel-half address was logged", 0, 0);
	expect(epml_unregister(id), 0, "epml-unregister");
	from = smp_load_acquire(&r->hdr->head);
	epml_rearm(base, EPML_PAGES);
	poke(p[5], 105);
	expect(smp_load_acquire(&r->hdr->head), from, "epml-nothing-after-unregister");
	expect(epml_unregister(id), -EINVAL, "epml-unregister-twice");
}

/* A 4-entry ring that is never drained: flag, count, then resumes. */
static void test_epml_overflow(unsigned long base)
{
	struct epml_ring tiny;
	long id;

	if (epml_ring_alloc(&tiny, 4))
		return;
	id = epml_register(&tiny, epml_root(), epml_user_root());
	check(id >= 0, "epml-overflow-register", "got %ld", id, 0);
	if (id < 0)
		goto out;
	epml_rearm(base, EPML_PAGES);
	for (int i = 0; i < 6; i++)
		poke(base + i * PAGE_SIZE, 7);
	expect(READ_ONCE(tiny.hdr->head), 4, "epml-overflow-head");
	expect(READ_ONCE(tiny.hdr->overflows), 2, "epml-overflow-count");
	check(READ_ONCE(tiny.hdr->flags) & OOH_RING_OVERFLOW, "epml-overflow-flag",
	      "flags %#lx", READ_ONCE(tiny.hdr->flags), 0);
	/* A tail beyond head is not believed: still full. */
	WRITE_ONCE(tiny.hdr->tail, 1000);
	epml_rearm(base + 6 * PAGE_SIZE, 1);
	poke(base + 6 * PAGE_SIZE, 7);
	expect(READ_ONCE(tiny.hdr->head), 4, "epml-overflow-bad-tail-ignored");
	/* Consumed: appending resumes. */
	smp_store_release(&tiny.hdr->tail, 4);
	epml_rearm(base + 7 * PAGE_SIZE, 1);
	poke(base + 7 * PAGE_SIZE, 7);
	expect(READ_ONCE(tiny.hdr->head), 5, "epml-overflow-resumes");
	expect(epml_unregister(id), 0, "epml-overflow-unregister");
out:
	free_pages_exact(tiny.hdr, tiny.size);
}

/* Level 1 offers EPML only with shadow paging (npt=0); l2-tests.sh says. */
static bool epml = true;
module_param(epml, bool, 0444);
MODULE_PARM_DESC(epml, "the host offers EPML (level 1 with shadow paging)");

void test_epml(struct page *probes)
{
	struct epml_ring r;
	unsigned long base;
	long ret;

	ret = kvm_hypercall0(KVM_HC_OOH_EPML_QUERY);
	if (!epml) {
		/* nested paging: KVM never walks the guest's tables, no EPML */
		expect(ret, -EOPNOTSUPP, "epml-refused-under-nested-paging");
		return;
	}
	expect(ret, OOH_EPML_VERSION, "epml-query-version");
	if (ret != OOH_EPML_VERSION)
		return;
	if (epml_ring_alloc(&r, EPML_ENTRIES))
		return;
	base = vm_mmap(NULL, 0, EPML_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(base)) {
		check(false, "epml-mmap", "vm_mmap: %ld", (long)base, 0);
		goto out;
	}
	test_epml_bad(&r, probes);
	test_epml_full(&r, probes);
	test_epml_logging(&r, base);
	test_epml_overflow(base);
	vm_munmap(base, EPML_PAGES * PAGE_SIZE);
out:
	free_pages_exact(r.hdr, r.size);
}
