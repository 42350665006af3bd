// SPDX-License-Identifier: GPL-2.0
/*
 * libooh: thin wrappers over the /dev/ooh ioctls, with the size fields
 * filled in and errors turned into -errno and readable reasons.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libooh.h"

static int ooh_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int ooh_open(void)
{
	int fd = open(OOH_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ooh_version(int fd, struct ooh_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ooh_ioctl(fd, OOH_IOC_VERSION, v);
}

int ooh_attach(int fd, pid_t pid, unsigned int provider, unsigned int *used)
{
	struct ooh_attach a = {
		.size = sizeof(a),
		.provider = provider,
		.pid = pid,
	};
	int ret;

	ret = ooh_ioctl(fd, OOH_IOC_ATTACH, &a);
	if (!ret && used)
		*used = a.provider_used;
	return ret;
}

int ooh_start(int fd)
{
	return ioctl(fd, OOH_IOC_START) < 0 ? -errno : 0;
}

int ooh_drain(int fd, uint64_t *addrs, size_t max, size_t *nr,
	      unsigned int *flags)
{
	struct ooh_drain d = {
		.size = sizeof(d),
		.addrs = (uintptr_t)addrs,
		.max_addrs = max,
	};
	int ret;

	ret = ooh_ioctl(fd, OOH_IOC_DRAIN, &d);
	if (ret)
		return ret;
	*nr = d.nr_addrs;
	*flags = d.flags;
	return 0;
}

int ooh_stats(int fd, struct ooh_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ooh_ioctl(fd, OOH_IOC_STATS, st);
}

int ooh_detach(int fd)
{
	return ioctl(fd, OOH_IOC_DETACH) < 0 ? -errno : 0;
}

const char *ooh_provider_name(unsigned int provider)
{
	switch (provider) {
	case OOH_PROVIDER_SPML:
		return "spml";
	case OOH_PROVIDER_EPML:
		return "epml";
	}
	return "auto";
}

int ooh_provider_wanted(unsigned int *provider)
{
	const char *e = getenv(OOH_PROVIDER_ENV);

	if (!e || !*e || !strcmp(e, "auto"))
		*provider = 0;
	else if (!strcmp(e, "epml"))
		*provider = OOH_PROVIDER_EPML;
	else if (!strcmp(e, "spml"))
		*provider = OOH_PROVIDER_SPML;
	else
		return -EINVAL;
	return 0;
}

/* Which provider a session would use, given $CRIU_OOH_PROVIDER. */
static int ooh_probe_provider(const struct ooh_version *v, char *why, size_t len)
{
	unsigned int want, use;
	char avail[32];

	snprintf(avail, sizeof(avail), "%s%s%s",
		 v->providers & (1U << OOH_PROVIDER_EPML) ? "epml" : "",
		 (v->providers & (1U << OOH_PROVIDER_EPML)) &&
		 (v->providers & (1U << OOH_PROVIDER_SPML)) ? " " : "",
		 v->providers & (1U << OOH_PROVIDER_SPML) ? "spml" : "");
	ooh_provider_wanted(&want);	/* checked by ooh_probe() */
	/* As ooh.ko's "best": SPML first (EPML only by name, for now). */
	use = want ?: (v->providers & (1U << OOH_PROVIDER_SPML)) ?
	      OOH_PROVIDER_SPML : OOH_PROVIDER_EPML;
	if (!(v->providers & (1U << use))) {
		snprintf(why, len, "provider %s asked for by %s is not available (available: %s)",
			 ooh_provider_name(use), OOH_PROVIDER_ENV, avail);
		return -EOPNOTSUPP;
	}
	snprintf(why, len, "provider %s (available: %s; host SPML version %u)",
		 ooh_provider_name(use), avail, v->host_version);
	return 0;
}

int ooh_probe(char *why, size_t len)
{
	struct ooh_version v;
	unsigned int want;
	int fd, ret;

	if (ooh_provider_wanted(&want)) {
		snprintf(why, len, "%s=%s: not epml, spml or auto", OOH_PROVIDER_ENV,
			 getenv(OOH_PROVIDER_ENV));
		return -EINVAL;
	}

	fd = ooh_open();
	if (fd < 0) {
		snprintf(why, len, "%s", ooh_strerror(OOH_OP_OPEN, fd));
		return fd == -ENOENT ? -ENODEV : fd;
	}
	ret = ooh_version(fd, &v);
	close(fd);
	if (ret) {
		snprintf(why, len, "OOH_IOC_VERSION on %s: %s", OOH_DEV_PATH,
			 strerror(-ret));
		return ret;
	}
	if (v.abi_version != OOH_ABI_VERSION) {
		snprintf(why, len, "%s speaks ABI %u, this build %u", OOH_DEV_PATH,
			 v.abi_version, OOH_ABI_VERSION);
		return -EPROTO;
	}
	if (!v.providers) {
		snprintf(why, len, "no OoH-capable hypervisor (ooh.ko loaded, no provider works)");
		return -ENODEV;
	}
	return ooh_probe_provider(&v, why, len);
}

static const char *ooh_attach_strerror(int err)
{
	switch (err) {
	case -ENODEV:
		return "no OoH-capable hypervisor";
	case -EOPNOTSUPP:
		return "provider not available (epml: the host must shadow the guest's page tables)";
	case -EPERM:
		return "not allowed to track that process (the caller must be it or ptrace it)";
	case -ESRCH:
		return "no such process, or it is exiting";
	case -EBUSY:
		return "the process is already tracked by another session";
	case -EISCONN:
		return "this session is already attached";
	case -EPROTO:
		return "the OoH host speaks another SPML version";
	}
	return NULL;
}

const char *ooh_strerror(enum ooh_op op, int err)
{
	const char *s = NULL;

	if (op == OOH_OP_OPEN && err == -ENOENT)
		return "no " OOH_DEV_PATH ": ooh.ko not loaded";
	if (op == OOH_OP_ATTACH)
		s = ooh_attach_strerror(err);
	if (!s && err == -ENOTCONN)
		s = "the session is not attached (or not started)";
	if (!s && err == -EINVAL)
		s = "bad argument (size, flags or pid)";
	return s ? s : strerror(-err);
}
