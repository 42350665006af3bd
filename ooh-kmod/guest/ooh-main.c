// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ooh: the misc device, its file operations and the ioctl entry
 * points. Each open file is one tracking session (ooh-session.c); this
 * file only copies arguments in and out and checks their shape.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ooh-internal.h"

/*
 * Read a size-prefixed argument. Only the size this module knows is
 * accepted: a caller built against a newer header gets -EINVAL rather
 * than having fields silently ignored.
 */
static int ooh_copy_arg(void *karg, size_t ksize, const void __user *uarg)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size != ksize)
		return -EINVAL;
	if (copy_from_user(karg, uarg, ksize))
		return -EFAULT;
	return 0;
}

static int ooh_ioc_version(void __user *uarg)
{
	struct ooh_version v;
	u32 host;
	int ret;

	ret = ooh_copy_arg(&v, sizeof(v), uarg);
	if (ret)
		return ret;
	v.abi_version = OOH_ABI_VERSION;
	v.providers = ooh_providers_available(&host);
	v.host_version = host;
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int ooh_ioc_attach(struct ooh_session *s, void __user *uarg)
{
	struct ooh_attach a;
	int ret;

	ret = ooh_copy_arg(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags || a.pid <= 0 || a.provider > OOH_PROVIDER_EPML)
		return -EINVAL;
	if (s->ops)
		return -EISCONN;
	ret = ooh_session_attach(s, &a);
	if (ret)
		return ret;
	a.provider_used = s->ops->id;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		ooh_session_detach(s);
		return -EFAULT;
	}
	return 0;
}

static int ooh_ioc_drain(struct ooh_session *s, void __user *uarg)
{
	struct ooh_drain d;
	int ret;

	ret = ooh_copy_arg(&d, sizeof(d), uarg);
	if (ret)
		return ret;
	/* flags and nr_addrs are outputs: whatever they hold is overwritten. */
	if (!d.max_addrs || !d.addrs)
		return -EINVAL;
	ret = ooh_session_drain(s, &d);
	if (ret)
		return ret;
	/*
	 * The addresses are out; a fault here loses only the counters,
	 * and the flags say nothing the next drain won't say again.
	 */
	return copy_to_user(uarg, &d, sizeof(d)) ? -EFAULT : 0;
}

static int ooh_ioc_stats(struct ooh_session *s, void __user *uarg)
{
	struct ooh_stats st;
	int ret;

	ret = ooh_copy_arg(&st, sizeof(st), uarg);
	if (ret)
		return ret;
	st = s->stats;
	st.size = sizeof(st);
	st.provider = s->ops ? s->ops->id : OOH_PROVIDER_NONE;
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long ooh_ioctl_locked(struct ooh_session *s, unsigned int cmd,
			     void __user *uarg)
{
	switch (cmd) {
	case OOH_IOC_ATTACH:
		return ooh_ioc_attach(s, uarg);
	case OOH_IOC_START:
		return ooh_session_start(s);
	case OOH_IOC_DRAIN:
		return ooh_ioc_drain(s, uarg);
	case OOH_IOC_STATS:
		return ooh_ioc_stats(s, uarg);
	case OOH_IOC_DETACH:
		if (!s->ops)
			return -ENOTCONN;
		ooh_session_detach(s);
		return 0;
	}
	return -ENOTTY;
}

static long ooh_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ooh_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (cmd == OOH_IOC_VERSION)
		return ooh_ioc_version(uarg);
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	ret = ooh_ioctl_locked(s, cmd, uarg);
	mutex_unlock(&s->lock);
	return ret;
}

static int ooh_open(struct inode *inode, struct file *file)
{
	struct ooh_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	xa_init(&s->logged);
	xa_init(&s->spml_foreign);
	INIT_LIST_HEAD(&s->node);
	INIT_LIST_HEAD(&s->spml_node);
	s->stats.size = sizeof(s->stats);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

/* The last reference to the file: whoever closes it, the session ends. */
static int ooh_release(struct inode *inode, struct file *file)
{
	struct ooh_session *s = file->private_data;

	mutex_lock(&s->lock);
	if (s->ops)
		ooh_session_detach(s);
	mutex_unlock(&s->lock);
	xa_destroy(&s->logged);
	xa_destroy(&s->spml_foreign);
	ooh_addrs_free(&s->pending);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations ooh_fops = {
	.owner = THIS_MODULE,
	.open = ooh_open,
	.release = ooh_release,
	.unlocked_ioctl = ooh_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Anyone may open it: attaching is what needs rights over the process. */
static struct miscdevice ooh_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = OOH_NAME,
	.fops = &ooh_fops,
	.mode = 0666,
};

static int __init ooh_init(void)
{
	const char *why;
	u32 hv = 0;
	int ret;

	ret = ooh_spml_init();
	if (ret)
		return ret;
	ret = misc_register(&ooh_misc);
	if (ret) {
		pr_err(OOH_NAME ": can't register /dev/%s: %d\n", OOH_NAME, ret);
		ooh_spml_exit();
		return ret;
	}
	if (ooh_spml_ops.probe(&hv, &why))
		pr_info(OOH_NAME ": /dev/%s ready, spml unavailable: %s\n",
			OOH_NAME, why);
	else
		pr_info(OOH_NAME ": /dev/%s ready, spml host version %u\n",
			OOH_NAME, hv);
	return 0;
}

static void __exit ooh_exit(void)
{
	misc_deregister(&ooh_misc);
	ooh_spml_exit();
}

module_init(ooh_init);
module_exit(ooh_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Out of Hypervisor: a process's page-modification log from the host");
