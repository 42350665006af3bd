// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow PML: the patched KVM host logs the guest frames written by
 * this VM into a ring in guest memory (ooh-hypercall.h). There is one
 * ring for the whole guest, shared by all sessions: each consume of
 * the ring hands every frame to every attached session, which keeps
 * the set of frames logged for it in this interval; a drain turns its
 * set into the tracked process's page addresses (ooh-rmap.c).
 *
 * The host write-protects a frame again only when the guest ACKs the
 * entries it took, so a frame is logged once per ACK. The order at an
 * interval's end is therefore: take the entries, ACK them (the frames
 * are protected again from here on), and only then report: the caller
 * reads page contents after the drain returns, so a write between the
 * take and the ACK is in the content it reads, and one after the ACK
 * is logged for the next interval.
 *
 * Losses make the interval an overflow, never a silent miss:
 *  - the host found the ring full (OOH_RING_OVERFLOW): every session;
 *    the whole guest is write-protected again (DISABLE + ENABLE),
 *    since the frames dropped were left writable;
 *  - a session's frame set hit its limit or could not grow;
 *  - a page of the guest was swapped out in the interval: it may come
 *    back into a frame filled by the disk device, outside the log;
 *  - the process lets KSM merge its pages: a merged page changes frame
 *    without a write.
 *
 * Locking: ooh_spml.lock (a mutex: hypercalls and allocations happen
 * under it) guards the ring, the list of sessions and their frame sets.
 * Sessions call in with their own mutex held, which nests outside.
 */
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/coredump.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "ooh-hypercall.h"
#include "ooh-internal.h"
#include "ooh-spml-profile.h"
#include "ooh-spml-release.h"

static unsigned int ring_entries = 16384;
module_param(ring_entries, uint, 0444);
MODULE_PARM_DESC(ring_entries, "default ring size in entries (a power of two)");

static unsigned int poll_ms = 10;
module_param(poll_ms, uint, 0644);
MODULE_PARM_DESC(poll_ms, "how often the ring is checked for filling up (ms)");

static unsigned long max_logged = 1UL << 22;
module_param(max_logged, ulong, 0644);
MODULE_PARM_DESC(max_logged, "frames a session may collect per interval before it overflows");

#define OOH_RING_MIN	512U
/*
 * The ring is one physically contiguous block (header page + slots):
 * 2^18 slots plus the header is an order-10 allocation, the largest
 * 6.1 and 6.12 both give.
 */
#define OOH_RING_MAX	(1U << 18)

static struct {
	struct mutex lock;
	struct ooh_ring_header *ring;	/* NULL: no session, nothing registered */
	u64 *slots;
	size_t ring_bytes;
	u32 nr_entries;
	struct list_head sessions;
	bool release;			/* ooh-spml-release.c: since the ring opened */
	struct delayed_work poll;
	unsigned long *events;		/* all_vm_events() scratch */
} ooh_spml;

/* A hypercall's result as an errno: KVM answers with its own numbers. */
static int ooh_kvm_err(long ret)
{
	if (ret == -KVM_ENOSYS)
		return -ENOSYS;
	if (ret < 0 && ret >= -MAX_ERRNO)
		return (int)ret;
	return ret < 0 ? -EIO : 0;
}

/*
 * A host's version for query hypercall @nr: the version, -ENODEV (not on
 * KVM), -ENOSYS (no such hypercall: no patch) or the host's error.
 */
long ooh_kvm_query(unsigned int nr)
{
	long ret;

	if (!kvm_para_available())
		return -ENODEV;
	ret = kvm_hypercall0(nr);
	if (ret == -KVM_ENOSYS)
		return -ENOSYS;
	return ret < 0 ? ooh_kvm_err(ret) : ret;
}

static int ooh_spml_probe(u32 *host_version, const char **why)
{
	long v = ooh_kvm_query(KVM_HC_OOH_QUERY);

	*host_version = v > 0 ? v : 0;
	if (v == -ENODEV) {
		*why = "no OoH-capable hypervisor (not running on KVM)";
		return -ENODEV;
	}
	if (v == -ENOSYS) {
		*why = "no OoH-capable hypervisor (KVM host without the OoH patch)";
		return -ENODEV;
	}
	if (v < 0) {
		*why = "no OoH-capable hypervisor (the host refused the OoH query)";
		return -ENODEV;
	}
	if (v != OOH_SPML_VERSION) {
		*why = "OoH host speaks another SPML version";
		return -EPROTO;
	}
	*why = "spml host available";
	return 0;
}

/* Swap-outs in the guest so far; see the header comment. */
static unsigned long ooh_spml_swapouts(void)
{
	all_vm_events(ooh_spml.events);
	return ooh_spml.events[PSWPOUT];
}

/* Record @gfn for @s; spml.lock held. */
static void ooh_spml_log(struct ooh_session *s, u64 gfn)
{
	void *old;

	if (s->lost)
		return;
	if (s->nr_logged >= s->logged_limit) {
		s->lost = true;
		return;
	}
	old = xa_store(&s->logged, gfn, xa_mk_value(0), GFP_KERNEL);
	if (xa_is_err(old)) {
		s->lost = true;
		return;
	}
	if (!old)
		s->nr_logged++;
	s->stats.entries_logged++;
}

static void ooh_spml_lose_all(void)
{
	struct ooh_session *s;

	list_for_each_entry(s, &ooh_spml.sessions, spml_node)
		s->lost = true;
}

static int ooh_spml_enable(void)
{
	u64 t0 = ktime_get_ns();
	int ret = ooh_kvm_err(kvm_hypercall0(KVM_HC_OOH_ENABLE));

	ooh_spml_prof_hcall(OOH_PROF_ENABLE, t0);

	if (ret)
		pr_err(OOH_NAME ": spml: KVM_HC_OOH_ENABLE failed: %d\n", ret);
	return ret;
}

static void ooh_spml_protect_all(void)
{
	int ret;

	ret = ooh_kvm_err(kvm_hypercall0(KVM_HC_OOH_DISABLE));
	if (ret)
		pr_warn(OOH_NAME ": spml: KVM_HC_OOH_DISABLE failed: %d\n", ret);
	ooh_spml_enable();
}

/*
 * Logging must be whole again after a loss (every session lost its
 * interval): frames whose writes were dropped are writable and would
 * not be logged again on their own, nor would released ones.
 */
static void ooh_spml_rearm(void)
{
	ooh_spml_protect_all();
	ooh_spml_release_forget();
}

/* Clear OOH_RING_OVERFLOW against the host setting it again or other flags. */
bool ooh_ring_take_overflow(struct ooh_ring_header *r)
{
	u32 old = READ_ONCE(r->flags);

	while (old & OOH_RING_OVERFLOW) {
		u32 cur = cmpxchg(&r->flags, old, old & ~OOH_RING_OVERFLOW);

		if (cur == old)
			return true;
		old = cur;
	}
	return false;
}

/*
 * Put the frames of @ra in the entries [tail, head) whose frames were
 * released; false if there were not enough of them.
 */
static bool ooh_spml_place(struct ooh_spml_rearm *ra, u64 tail, u64 head)
{
	u64 *slot;
	size_t i = 0;

	for (; tail != head && i < ra->nr; tail++) {
		slot = &ooh_spml.slots[tail & (ooh_spml.nr_entries - 1)];
		if (READ_ONCE(*slot) == OOH_SPML_NO_GFN)
			WRITE_ONCE(*slot, ra->gfns[i++]);
	}
	return i == ra->nr;
}

/*
 * Take every entry the host produced, hand it to every session, ACK.
 * With release on, the ACK leaves the frames no process maps writable
 * and re-arms those of @ra (frames a drain's walk found) instead.
 * spml.lock held.
 */
static void ooh_spml_consume(struct ooh_spml_rearm *ra)
{
	struct ooh_ring_header *r = ooh_spml.ring;
	struct ooh_session *s;
	u64 head, tail, from, gfn, t0, *slot;
	bool placed = true;
	int ret;

	ooh_spml_prof_hcall(OOH_PROF_CONSUME, ktime_get_ns());
	head = smp_load_acquire(&r->head);
	tail = READ_ONCE(r->tail);
	if (head - tail > ooh_spml.nr_entries) {
		pr_warn_ratelimited(OOH_NAME ": spml: ring head %llu tail %llu out of range\n",
				    head, tail);
		ooh_spml_lose_all();
		tail = head;
	}
	for (from = tail; tail != head; tail++) {
		slot = &ooh_spml.slots[tail & (ooh_spml.nr_entries - 1)];
		gfn = READ_ONCE(*slot);
		list_for_each_entry(s, &ooh_spml.sessions, spml_node)
			ooh_spml_log(s, gfn);
		if (!ooh_spml.release)
			continue;
		if (ooh_spml_release_foreign(gfn))
			WRITE_ONCE(*slot, OOH_SPML_NO_GFN);
		else
			ooh_spml_release_keep(gfn);
	}
	if (ra && ra->nr)
		placed = ooh_spml_place(ra, from, head);
	smp_store_release(&r->tail, head);
	t0 = ktime_get_ns();
	ret = ooh_kvm_err(kvm_hypercall1(KVM_HC_OOH_ACK, head));
	ooh_spml_prof_hcall(OOH_PROF_ACK, t0);
	if (ret) {
		pr_warn_ratelimited(OOH_NAME ": spml: KVM_HC_OOH_ACK %llu failed: %d\n",
				    head, ret);
		ooh_spml_lose_all();
		ooh_spml_rearm();
		return;
	}
	/* After the ACK: a loss up to it is seen now, not an interval late. */
	if (ooh_ring_take_overflow(r)) {
		ooh_spml_lose_all();
		ooh_spml_rearm();
	} else if (!placed && list_is_singular(&ooh_spml.sessions)) {
		/* This drain reports the walk's frames: protecting them late is enough. */
		ooh_spml_protect_all();
		ooh_spml_release_protected();
	} else if (!placed) {
		ooh_spml_lose_all();
		ooh_spml_rearm();
	}
}

/* Keep the ring from filling up between drains. */
static void ooh_spml_poll(struct work_struct *work)
{
	struct ooh_ring_header *r;

	mutex_lock(&ooh_spml.lock);
	r = ooh_spml.ring;
	if (!r) {
		mutex_unlock(&ooh_spml.lock);
		return;
	}
	if (smp_load_acquire(&r->head) - READ_ONCE(r->tail) >= ooh_spml.nr_entries / 2 ||
	    (READ_ONCE(r->flags) & OOH_RING_OVERFLOW))
		ooh_spml_consume(NULL);
	schedule_delayed_work(&ooh_spml.poll, msecs_to_jiffies(poll_ms ?: 1));
	mutex_unlock(&ooh_spml.lock);
}

static u32 ooh_spml_ring_size(u32 hint)
{
	u32 n = hint ?: ring_entries;

	n = clamp(n, OOH_RING_MIN, OOH_RING_MAX);
	return roundup_pow_of_two(n);
}

/* The first session: allocate the ring, register it, start logging. */
static int ooh_spml_open_ring(u32 hint)
{
	struct ooh_ring_header *r;
	u32 n = ooh_spml_ring_size(hint);
	size_t bytes = OOH_RING_HEADER_SIZE + (size_t)n * sizeof(u64);
	int ret;

	/* The host sees it by guest-physical address: contiguous pages. */
	r = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!r)
		return -ENOMEM;
	r->magic = OOH_RING_MAGIC;
	r->version = OOH_SPML_VERSION;
	r->nr_entries = n;
	ret = ooh_kvm_err(kvm_hypercall2(KVM_HC_OOH_REGISTER_RING,
					 virt_to_phys(r), bytes));
	if (ret) {
		pr_err(OOH_NAME ": spml: KVM_HC_OOH_REGISTER_RING (%zu bytes) failed: %d\n",
		       bytes, ret);
		free_pages_exact(r, bytes);
		return ret == -ENOSYS ? -ENODEV : ret;
	}
	ooh_spml.ring = r;
	ooh_spml.slots = (u64 *)((char *)r + OOH_RING_HEADER_SIZE);
	ooh_spml.ring_bytes = bytes;
	ooh_spml.nr_entries = n;
	ooh_spml.release = ooh_spml_release_wanted();
	ret = ooh_spml_enable();
	if (ret) {
		kvm_hypercall0(KVM_HC_OOH_UNREGISTER_RING);
		free_pages_exact(r, bytes);
		ooh_spml.ring = NULL;
		return ret;
	}
	schedule_delayed_work(&ooh_spml.poll, msecs_to_jiffies(poll_ms ?: 1));
	return 0;
}

/* The last session left: stop logging, take the ring back. */
static void ooh_spml_close_ring(void)
{
	int ret;

	ret = ooh_kvm_err(kvm_hypercall0(KVM_HC_OOH_DISABLE));
	if (ret)
		pr_warn(OOH_NAME ": spml: KVM_HC_OOH_DISABLE failed: %d\n", ret);
	ret = ooh_kvm_err(kvm_hypercall0(KVM_HC_OOH_UNREGISTER_RING));
	if (ret)
		/* The host may still write there: never give the pages back. */
		pr_err(OOH_NAME ": spml: KVM_HC_OOH_UNREGISTER_RING failed: %d, ring leaked\n",
		       ret);
	else
		free_pages_exact(ooh_spml.ring, ooh_spml.ring_bytes);
	ooh_spml.ring = NULL;
	ooh_spml.slots = NULL;
	ooh_spml_release_forget();
}

static void ooh_spml_reset(struct ooh_session *s)
{
	xa_destroy(&s->logged);
	s->nr_logged = 0;
	s->lost = false;
}

static int ooh_spml_attach(struct ooh_session *s, u32 hint)
{
	const char *why;
	u32 hv;
	int ret;

	ret = ooh_spml_probe(&hv, &why);
	if (ret)
		return ret;
	mutex_lock(&ooh_spml.lock);
	if (!ooh_spml.ring) {
		ret = ooh_spml_open_ring(hint);
		if (ret)
			goto out;
	}
	/* A stale set is walked by one session only: the others would miss. */
	if (ooh_spml_release_stale()) {
		ooh_spml_lose_all();
		ooh_spml_rearm();
	}
	ooh_spml_reset(s);
	s->logged_limit = max_logged ?: 1;
	list_add(&s->spml_node, &ooh_spml.sessions);
	s->stats.provider = OOH_PROVIDER_SPML;
out:
	mutex_unlock(&ooh_spml.lock);
	return ret;
}

/*
 * Entries up to the ACK made here may have been logged before the
 * start; they are kept: a frame logged but not yet ACKed is writable
 * without a new entry, so dropping it could lose a write made after
 * the start. Reporting a page too many is allowed.
 */
static int ooh_spml_start(struct ooh_session *s)
{
	mutex_lock(&ooh_spml.lock);
	ooh_spml_reset(s);
	s->swpout_mark = ooh_spml_swapouts();
	ooh_spml_consume(NULL);
	mutex_unlock(&ooh_spml.lock);
	return 0;
}

/* The frames logged for @s in the interval, as an array; resets the set. */
static int ooh_spml_take(struct ooh_session *s, u64 **gfnsp, size_t *nrp,
			 u32 *flags)
{
	struct ooh_spml_rearm ra = { }, rep = { };
	struct ooh_session *o;
	unsigned long gfn;
	unsigned long swp;
	size_t n = 0, i;
	u64 *gfns;
	void *e;
	int ret = 0;

	mutex_lock(&ooh_spml.lock);
	swp = ooh_spml_swapouts();
	/* Before the ACK, so that it re-arms what the walk finds. */
	if (ooh_spml.release && ooh_spml_release_walk(s->mm, &ra, &rep))
		s->lost = true;
	list_for_each_entry(o, &ooh_spml.sessions, spml_node) {
		for (i = 0; i < ra.nr; i++)
			ooh_spml_log(o, ra.gfns[i]);
		for (i = 0; i < rep.nr; i++)
			ooh_spml_log(o, rep.gfns[i]);
	}
	ooh_spml_consume(&ra);
	kvfree(ra.gfns);
	kvfree(rep.gfns);
	if (s->lost || ooh_spml_swapouts() != s->swpout_mark)
		*flags |= OOH_DRAIN_OVERFLOW;
	s->swpout_mark = swp;
	gfns = NULL;
	if (!(*flags & OOH_DRAIN_OVERFLOW) && s->nr_logged) {
		gfns = kvmalloc_array(s->nr_logged, sizeof(*gfns), GFP_KERNEL);
		if (!gfns)
			*flags |= OOH_DRAIN_OVERFLOW;
	}
	if (gfns)
		xa_for_each(&s->logged, gfn, e)
			if (n < s->nr_logged)
				gfns[n++] = gfn;
	ooh_spml_reset(s);
	mutex_unlock(&ooh_spml.lock);
	*gfnsp = gfns;
	*nrp = n;
	return ret;
}

static int ooh_spml_collect(struct ooh_session *s, struct ooh_addrs *out)
{
	size_t nr = 0;
	u8 *foreign = NULL;
	u64 *gfns, rmap0;
	int ret;

	ret = ooh_spml_take(s, &gfns, &nr, &out->flags);
	if (ret)
		return ret;
	if (test_bit(MMF_VM_MERGEABLE, &s->mm->flags))
		out->flags |= OOH_DRAIN_OVERFLOW;
	if (ooh_spml_profiling() && nr)
		foreign = kvzalloc(nr, GFP_KERNEL);
	rmap0 = s->stats.rmap_ns;
	/* The caller takes every page: no addresses needed. */
	if (!(out->flags & OOH_DRAIN_OVERFLOW) && nr &&
	    ooh_rmap_frames(s, gfns, nr, out, foreign))
		out->flags |= OOH_DRAIN_OVERFLOW;
	if (ooh_spml_profiling()) {
		mutex_lock(&ooh_spml.lock);
		ooh_spml_prof_drain(s, gfns, foreign, nr, out->nr,
				    s->stats.rmap_ns - rmap0);
		mutex_unlock(&ooh_spml.lock);
	}
	kvfree(foreign);
	kvfree(gfns);
	return 0;
}

static void ooh_spml_detach(struct ooh_session *s)
{
	mutex_lock(&ooh_spml.lock);
	list_del_init(&s->spml_node);
	ooh_spml_reset(s);
	if (list_empty(&ooh_spml.sessions) && ooh_spml.ring)
		ooh_spml_close_ring();
	mutex_unlock(&ooh_spml.lock);
}

int ooh_spml_init(void)
{
	mutex_init(&ooh_spml.lock);
	INIT_LIST_HEAD(&ooh_spml.sessions);
	INIT_DELAYED_WORK(&ooh_spml.poll, ooh_spml_poll);
	ooh_spml.events = kcalloc(NR_VM_EVENT_ITEMS, sizeof(unsigned long),
				  GFP_KERNEL);
	return ooh_spml.events ? 0 : -ENOMEM;
}

void ooh_spml_exit(void)
{
	/* No file is open (each holds the module): the ring is gone. */
	cancel_delayed_work_sync(&ooh_spml.poll);
	kfree(ooh_spml.events);
}

const struct ooh_provider_ops ooh_spml_ops = {
	.name = "spml",
	.id = OOH_PROVIDER_SPML,
	.probe = ooh_spml_probe,
	.attach = ooh_spml_attach,
	.start = ooh_spml_start,
	.collect = ooh_spml_collect,
	.detach = ooh_spml_detach,
};
