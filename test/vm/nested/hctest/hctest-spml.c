// SPDX-License-Identifier: GPL-2.0
/*
 * hctest: the OoH Shadow PML hypercalls, exercised from a nested guest's
 * kernel (hypercalls need CPL 0). Everything runs at load time; each check
 * prints "hctest: PASS name" or "hctest: FAIL name: why" to the kernel
 * log, then "hctest: done, N failed". Loading succeeds either way: busybox
 * insmod retries a failed finit_module with init_module, which would run
 * every check twice.
 *
 * The guest's own writes are the probe: a page this module writes after
 * ENABLE must show up in the ring as its frame number; a page written only
 * before ENABLE must not.
 */
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <asm/io.h>
#include <asm/kvm_para.h>

#include "ooh-hypercall.h"

#define RING_ORDER	8	/* 1 MiB: header page + 65536 entries */
#define RING_ENTRIES	65536
#define NR_PROBES	16

#include "hctest.h"

int failures;

void check(bool ok, const char *name, const char *fmt, long a, long b)
{
	char why[96];

	if (ok) {
		pr_info("hctest: PASS %s\n", name);
		return;
	}
	snprintf(why, sizeof(why), fmt, a, b);
	pr_info("hctest: FAIL %s: %s\n", name, why);
	failures++;
}

static long hc0(unsigned int nr)
{
	return kvm_hypercall0(nr);
}

static long hc2(unsigned int nr, unsigned long a0, unsigned long a1)
{
	return kvm_hypercall2(nr, a0, a1);
}

struct ring {
	struct page *pages;
	unsigned int order;
	struct ooh_ring_header *hdr;
	u64 *entries;
	size_t size;
};

static int ring_alloc(struct ring *r, unsigned int order, u32 nr_entries)
{
	r->order = order;
	r->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!r->pages)
		return -ENOMEM;
	r->hdr = page_address(r->pages);
	r->entries = (u64 *)((char *)r->hdr + OOH_RING_HEADER_SIZE);
	r->size = OOH_RING_HEADER_SIZE + nr_entries * sizeof(u64);
	r->hdr->magic = OOH_RING_MAGIC;
	r->hdr->version = OOH_SPML_VERSION;
	r->hdr->nr_entries = nr_entries;
	return 0;
}

static void ring_free(struct ring *r)
{
	__free_pages(r->pages, r->order);
}

static long ring_register(struct ring *r)
{
	return hc2(KVM_HC_OOH_REGISTER_RING, page_to_phys(r->pages), r->size);
}

static u64 ring_head(struct ring *r)
{
	return smp_load_acquire(&r->hdr->head);
}

/* Is @pfn among entries [from, head)? */
static bool ring_has(struct ring *r, u64 from, unsigned long pfn)
{
	u64 head = ring_head(r), i;

	for (i = from; i < head; i++)
		if (r->entries[i & (r->hdr->nr_entries - 1)] == pfn)
			return true;
	return false;
}

static void touch(struct page *page, int value)
{
	WRITE_ONCE(*(volatile int *)page_address(page), value);
}

/* Calls that need a registered ring, before there is one. */
static void test_no_ring(void)
{
	long ret;

	ret = hc0(KVM_HC_OOH_QUERY);
	check(ret == OOH_SPML_VERSION, "query-version", "got %ld, want %ld", ret, OOH_SPML_VERSION);
	ret = hc0(KVM_HC_OOH_ENABLE);
	check(ret == -EINVAL, "enable-without-ring", "got %ld, want %ld", ret, -EINVAL);
	ret = hc2(KVM_HC_OOH_ACK, 0, 0);
	check(ret == -EINVAL, "ack-without-ring", "got %ld, want %ld", ret, -EINVAL);
	ret = hc0(KVM_HC_OOH_UNREGISTER_RING);
	check(ret == -EINVAL, "unregister-without-ring", "got %ld, want %ld", ret, -EINVAL);
}

/* The last frame of the RAM block holding @page. */
static unsigned long last_ram_pfn(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	while (page_is_ram(pfn + 1))
		pfn++;
	return pfn;
}

static void expect_reg(struct ring *r, u64 gpa, u64 size, long want, const char *name)
{
	long ret = hc2(KVM_HC_OOH_REGISTER_RING, gpa, size);

	check(ret == want, name, "got %ld, want %ld", ret, want);
	if (!ret)
		hc0(KVM_HC_OOH_UNREGISTER_RING);
}

/* Every bad registration is refused, and refused without side effects. */
static void test_bad_register(struct ring *r)
{
	u64 gpa = page_to_phys(r->pages);
	unsigned long last = last_ram_pfn(r->pages);

	expect_reg(r, 1ULL << 45, r->size, -EFAULT, "register-outside-memory");
	expect_reg(r, (u64)last << PAGE_SHIFT, 2 * PAGE_SIZE, -EFAULT, "register-past-end-of-ram");
	expect_reg(r, -4096ULL, r->size, -EFAULT, "register-wrapping-range");
	expect_reg(r, gpa + 8, r->size, -EINVAL, "register-unaligned");
	expect_reg(r, gpa, OOH_RING_HEADER_SIZE, -EINVAL, "register-no-entries");
	expect_reg(r, gpa, 64 << 20, -E2BIG, "register-too-big");
	expect_reg(r, gpa, OOH_RING_HEADER_SIZE + 8, -EINVAL, "register-size-below-nr-entries");
	r->hdr->nr_entries = 3;
	expect_reg(r, gpa, r->size, -EINVAL, "register-nr-not-power-of-two");
	r->hdr->nr_entries = RING_ENTRIES;
	r->hdr->magic = 0x12345678;
	expect_reg(r, gpa, r->size, -EINVAL, "register-bad-magic");
	r->hdr->magic = OOH_RING_MAGIC;
	r->hdr->version = OOH_SPML_VERSION + 1;
	expect_reg(r, gpa, r->size, -EINVAL, "register-bad-version");
	r->hdr->version = OOH_SPML_VERSION;
	r->hdr->flags = 0x80;
	expect_reg(r, gpa, r->size, -EINVAL, "register-bad-flags");
	r->hdr->flags = 0;
}

/* Logging, re-arming, acknowledging, disabling, with a roomy ring. */
static void test_logging(struct ring *r, struct page *written, struct page *idle)
{
	unsigned long wpfn = page_to_pfn(written), ipfn = page_to_pfn(idle);
	long ret;
	u64 mark;

	touch(idle, 1);
	touch(written, 1);
	ret = ring_register(r);
	check(ret == 0, "register", "got %ld, want %ld", ret, 0);
	ret = ring_register(r);
	check(ret == -EINVAL, "register-twice", "got %ld, want %ld", ret, -EINVAL);
	ret = hc0(KVM_HC_OOH_ENABLE);
	check(ret == 0, "enable", "got %ld, want %ld", ret, 0);
	touch(written, 2);
	check(ring_has(r, 0, wpfn), "written-page-logged", "pfn %#lx not in %ld entries", wpfn, ring_head(r));
	check(!ring_has(r, 0, ipfn), "idle-page-not-logged", "pfn %#lx in %ld entries", ipfn, ring_head(r));
	check(!ring_has(r, 0, page_to_pfn(r->pages)), "ring-not-logged", "ring pfn %#lx in %ld entries",
	      page_to_pfn(r->pages), ring_head(r));
	mark = ring_head(r);
	ret = hc2(KVM_HC_OOH_ACK, mark + 1, 0);
	check(ret == -EINVAL, "ack-beyond-head", "got %ld, want %ld", ret, -EINVAL);
	ret = hc2(KVM_HC_OOH_ACK, mark, 0);
	check(ret == 0, "ack", "got %ld, want %ld", ret, 0);
	ret = hc2(KVM_HC_OOH_ACK, mark - 1, 0);
	check(ret == -EINVAL || mark == 0, "ack-backwards", "got %ld, want %ld", ret, -EINVAL);
	touch(written, 3);
	check(ring_has(r, mark, wpfn), "rearmed-page-logged-again", "pfn %#lx not after %ld", wpfn, mark);
	check(r->hdr->overflows == 0 && !(r->hdr->flags & OOH_RING_OVERFLOW), "no-overflow",
	      "overflows %ld flags %ld", r->hdr->overflows, r->hdr->flags);
	ret = hc2(KVM_HC_OOH_ACK, ring_head(r), 0);
	ret = hc0(KVM_HC_OOH_DISABLE);
	check(ret == 0, "disable", "got %ld, want %ld", ret, 0);
	mark = ring_head(r);
	touch(idle, 4);
	touch(written, 4);
	check(ring_head(r) == mark, "disabled-logs-nothing", "head %ld, was %ld", ring_head(r), mark);
	ret = hc0(KVM_HC_OOH_UNREGISTER_RING);
	check(ret == 0, "unregister", "got %ld, want %ld", ret, 0);
	ret = hc0(KVM_HC_OOH_UNREGISTER_RING);
	check(ret == -EINVAL, "unregister-twice", "got %ld, want %ld", ret, -EINVAL);
}

/* A guest that never drains: the ring overflows, nothing else happens. */
static void test_overflow(struct page *probes)
{
	struct ring tiny;
	long ret;
	int i;

	if (ring_alloc(&tiny, 1, 4)) {
		check(false, "overflow-ring", "no memory %ld%ld", 0, 0);
		return;
	}
	ret = ring_register(&tiny);
	check(ret == 0, "overflow-register", "got %ld, want %ld", ret, 0);
	hc0(KVM_HC_OOH_ENABLE);
	for (i = 0; i < NR_PROBES; i++)
		touch(probes + i, i);
	check(tiny.hdr->flags & OOH_RING_OVERFLOW, "overflow-flag", "flags %#lx head %ld",
	      tiny.hdr->flags, ring_head(&tiny));
	check(tiny.hdr->overflows >= NR_PROBES - 4 && ring_head(&tiny) <= 4, "overflow-count",
	      "overflows %ld head %ld", tiny.hdr->overflows, ring_head(&tiny));
	/* After an overflow, ACK re-arms everything: a write is logged again. */
	tiny.hdr->flags = 0;
	ret = hc2(KVM_HC_OOH_ACK, ring_head(&tiny), 0);
	check(ret == 0, "overflow-ack", "got %ld, want %ld", ret, 0);
	tiny.hdr->tail = ring_head(&tiny);
	touch(probes, 100);
	check(ring_has(&tiny, tiny.hdr->tail, page_to_pfn(probes)) ||
	      (tiny.hdr->flags & OOH_RING_OVERFLOW), "overflow-rearms-all",
	      "pfn %#lx not logged after ack at %ld", page_to_pfn(probes), tiny.hdr->tail);
	hc0(KVM_HC_OOH_DISABLE);
	hc0(KVM_HC_OOH_UNREGISTER_RING);
	ring_free(&tiny);
}

static int __init hctest_init(void)
{
	struct page *probes;
	struct ring r;

	if (!kvm_para_available()) {
		pr_info("hctest: FAIL kvm-para: not a KVM guest\n");
		return -ENODEV;
	}
	if (ring_alloc(&r, RING_ORDER, RING_ENTRIES))
		return -ENOMEM;
	probes = alloc_pages(GFP_KERNEL | __GFP_ZERO, 5);
	if (!probes) {
		ring_free(&r);
		return -ENOMEM;
	}
	test_no_ring();
	test_bad_register(&r);
	test_logging(&r, probes + NR_PROBES, probes + NR_PROBES + 1);
	test_overflow(probes);
	test_epml(probes);
	__free_pages(probes, 5);
	ring_free(&r);
	pr_info("hctest: done, %d failed\n", failures);
	return 0;
}

static void __exit hctest_exit(void)
{
}

module_init(hctest_init);
module_exit(hctest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("OoH Shadow and Extended PML hypercall tests (nested VM tier)");
