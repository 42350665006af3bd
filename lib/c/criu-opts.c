// SPDX-License-Identifier: LGPL-2.1
/*
 * libcriu's option setters: each fills its criu_opts field of the RPC
 * request, unchanged; whether criu-ooh supports it is the service's
 * decision, which it reports by failing the request with the field named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libcriu.h"

#define G libcriu_global_opts

/* A bool option: criu_local_set_NAME(opts, val) and criu_set_NAME(val). */
#define BOOL_SETTER(name, field)						\
void criu_local_set_##name(criu_opts *o, bool val)			\
{									\
	o->rpc->has_##field = true;					\
	o->rpc->field = val;						\
}									\
void criu_set_##name(bool val)						\
{									\
	criu_local_set_##name(G, val);					\
}

/* An integer option, with has_FIELD. */
#define NUM_SETTER(name, field, type)					\
void criu_local_set_##name(criu_opts *o, type val)			\
{									\
	o->rpc->has_##field = true;					\
	o->rpc->field = val;						\
}									\
void criu_set_##name(type val)						\
{									\
	criu_local_set_##name(G, val);					\
}

/* A string option, copied. */
#define STR_SETTER(name, field)						\
int criu_local_##name(criu_opts *o, const char *val)			\
{									\
	char *copy = strdup(val);					\
									\
	if (!copy)							\
		return -ENOMEM;						\
	free(o->rpc->field);						\
	o->rpc->field = copy;						\
	return 0;							\
}									\
int criu_##name(const char *val)					\
{									\
	return criu_local_##name(G, val);				\
}

/* A repeated string option: one more element. */
#define LIST_ADDER(name, field)						\
int criu_local_##name(criu_opts *o, const char *val)			\
{									\
	return add_string(&o->rpc->field, &o->rpc->n_##field, val);	\
}									\
int criu_##name(const char *val)					\
{									\
	return criu_local_##name(G, val);				\
}

static int add_string(char ***list, size_t *nr, const char *val)
{
	char **grown, *copy = strdup(val);

	if (!copy)
		return -ENOMEM;
	grown = realloc(*list, (*nr + 1) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[(*nr)++] = copy;
	*list = grown;
	return 0;
}

/* Append @item (already filled) to a repeated message field. */
static int add_item(void ***list, size_t *nr, void *item)
{
	void **grown = realloc(*list, (*nr + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	grown[(*nr)++] = item;
	*list = grown;
	return 0;
}

BOOL_SETTER(leave_running, leave_running)
BOOL_SETTER(ext_unix_sk, ext_unix_sk)
BOOL_SETTER(tcp_established, tcp_established)
BOOL_SETTER(tcp_skip_in_flight, tcp_skip_in_flight)
BOOL_SETTER(tcp_close, tcp_close)
BOOL_SETTER(weak_sysctls, weak_sysctls)
BOOL_SETTER(evasive_devices, evasive_devices)
BOOL_SETTER(shell_job, shell_job)
BOOL_SETTER(skip_file_rwx_check, skip_file_rwx_check)
BOOL_SETTER(unprivileged, unprivileged)
BOOL_SETTER(orphan_pts_master, orphan_pts_master)
BOOL_SETTER(file_locks, file_locks)
BOOL_SETTER(track_mem, track_mem)
BOOL_SETTER(auto_dedup, auto_dedup)
BOOL_SETTER(force_irmap, force_irmap)
BOOL_SETTER(link_remap, link_remap)
BOOL_SETTER(manage_cgroups, manage_cgroups)
BOOL_SETTER(auto_ext_mnt, auto_ext_mnt)
BOOL_SETTER(ext_sharing, ext_sharing)
BOOL_SETTER(ext_masters, ext_masters)
BOOL_SETTER(mntns_compat_mode, mntns_compat_mode)

NUM_SETTER(pid, pid, int)
NUM_SETTER(work_dir_fd, work_dir_fd, int)
NUM_SETTER(log_level, log_level, int)
NUM_SETTER(cpu_cap, cpu_cap, unsigned int)
NUM_SETTER(timeout, timeout, unsigned int)
NUM_SETTER(ghost_limit, ghost_limit, unsigned int)
NUM_SETTER(pidfd_store_sk, pidfd_store_sk, int)
NUM_SETTER(empty_ns, empty_ns, int)

STR_SETTER(set_parent_images, parent_img)
STR_SETTER(set_log_file, log_file)
STR_SETTER(set_root, root)
STR_SETTER(set_freeze_cgroup, freeze_cgroup)
STR_SETTER(set_lsm_profile, lsm_profile)
STR_SETTER(set_lsm_mount_context, lsm_mount_context)
STR_SETTER(set_config_file, config_file)
STR_SETTER(add_cg_props, cgroup_props)
STR_SETTER(add_cg_props_file, cgroup_props_file)
STR_SETTER(add_cg_yard, cgroup_yard)

LIST_ADDER(add_enable_fs, enable_fs)
LIST_ADDER(add_skip_mnt, skip_mnt)
LIST_ADDER(add_irmap_path, irmap_scan_paths)
LIST_ADDER(add_external, external)
LIST_ADDER(add_cg_dump_controller, cgroup_dump_controller)

void criu_local_set_images_dir_fd(criu_opts *o, int fd)
{
	o->rpc->images_dir_fd = fd;
}

void criu_set_images_dir_fd(int fd)
{
	criu_local_set_images_dir_fd(G, fd);
}

void criu_local_set_manage_cgroups_mode(criu_opts *o, enum criu_cg_mode mode)
{
	o->rpc->has_manage_cgroups_mode = true;
	o->rpc->manage_cgroups_mode = (CriuCgMode)mode;
}

void criu_set_manage_cgroups_mode(enum criu_cg_mode mode)
{
	criu_local_set_manage_cgroups_mode(G, mode);
}

int criu_local_set_network_lock(criu_opts *o, enum criu_network_lock_method method)
{
	if (method < CRIU_NETWORK_LOCK_IPTABLES || method > CRIU_NETWORK_LOCK_SKIP)
		return -EINVAL;
	o->rpc->has_network_lock = true;
	o->rpc->network_lock = (CriuNetworkLockMethod)method;
	return 0;
}

int criu_set_network_lock(enum criu_network_lock_method method)
{
	return criu_local_set_network_lock(G, method);
}

int criu_local_set_pre_dump_mode(criu_opts *o, enum criu_pre_dump_mode mode)
{
	if (mode != CRIU_PRE_DUMP_SPLICE && mode != CRIU_PRE_DUMP_READ)
		return -EINVAL;
	o->rpc->has_pre_dump_mode = true;
	o->rpc->pre_dump_mode = (CriuPreDumpMode)mode;
	return 0;
}

int criu_set_pre_dump_mode(enum criu_pre_dump_mode mode)
{
	return criu_local_set_pre_dump_mode(G, mode);
}

int criu_local_set_exec_cmd(criu_opts *o, int argc, char *argv[])
{
	int i, ret;

	for (i = 0; i < argc; i++) {
		ret = add_string(&o->rpc->exec_cmd, &o->rpc->n_exec_cmd, argv[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int criu_set_exec_cmd(int argc, char *argv[])
{
	return criu_local_set_exec_cmd(G, argc, argv);
}

int criu_local_add_unix_sk(criu_opts *o, unsigned int inode)
{
	UnixSk *u = malloc(sizeof(*u));

	if (!u)
		return -ENOMEM;
	unix_sk__init(u);
	u->inode = inode;
	if (add_item((void ***)&o->rpc->unix_sk_ino, &o->rpc->n_unix_sk_ino, u)) {
		free(u);
		return -ENOMEM;
	}
	return 0;
}

int criu_add_unix_sk(unsigned int inode)
{
	return criu_local_add_unix_sk(G, inode);
}

/* A message with two string fields, both copied (@b may be optional). */
static int pair_strdup(char **a, const char *va, char **b, const char *vb)
{
	*a = strdup(va);
	*b = vb ? strdup(vb) : NULL;
	if (*a && (*b || !vb))
		return 0;
	free(*a);
	free(*b);
	return -ENOMEM;
}

int criu_local_add_ext_mount(criu_opts *o, const char *key, const char *val)
{
	ExtMountMap *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	ext_mount_map__init(m);
	if (pair_strdup(&m->key, key, &m->val, val) ||
	    add_item((void ***)&o->rpc->ext_mnt, &o->rpc->n_ext_mnt, m)) {
		ext_mount_map__free_unpacked(m, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_add_ext_mount(const char *key, const char *val)
{
	return criu_local_add_ext_mount(G, key, val);
}

int criu_local_add_veth_pair(criu_opts *o, const char *in, const char *out)
{
	CriuVethPair *p = malloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	criu_veth_pair__init(p);
	if (pair_strdup(&p->if_in, in, &p->if_out, out) ||
	    add_item((void ***)&o->rpc->veths, &o->rpc->n_veths, p)) {
		criu_veth_pair__free_unpacked(p, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_add_veth_pair(const char *in, const char *out)
{
	return criu_local_add_veth_pair(G, in, out);
}

int criu_local_add_cg_root(criu_opts *o, const char *ctrl, const char *path)
{
	CgroupRoot *r = malloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	cgroup_root__init(r);
	if (pair_strdup(&r->path, path, &r->ctrl, ctrl) ||
	    add_item((void ***)&o->rpc->cg_root, &o->rpc->n_cg_root, r)) {
		cgroup_root__free_unpacked(r, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_add_cg_root(const char *ctrl, const char *path)
{
	return criu_local_add_cg_root(G, ctrl, path);
}

int criu_local_add_inherit_fd(criu_opts *o, int fd, const char *key)
{
	InheritFd *i = malloc(sizeof(*i));

	if (!i)
		return -ENOMEM;
	inherit_fd__init(i);
	i->fd = fd;
	i->key = strdup(key);
	if (!i->key || add_item((void ***)&o->rpc->inherit_fd, &o->rpc->n_inherit_fd, i)) {
		inherit_fd__free_unpacked(i, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_add_inherit_fd(int fd, const char *key)
{
	return criu_local_add_inherit_fd(G, fd, key);
}

int criu_local_join_ns_add(criu_opts *o, const char *ns, const char *ns_file,
			   const char *extra_opt)
{
	JoinNamespace *j = malloc(sizeof(*j));

	if (!j)
		return -ENOMEM;
	join_namespace__init(j);
	if (pair_strdup(&j->ns, ns, &j->ns_file, ns_file) ||
	    (extra_opt && !(j->extra_opt = strdup(extra_opt))) ||
	    add_item((void ***)&o->rpc->join_ns, &o->rpc->n_join_ns, j)) {
		join_namespace__free_unpacked(j, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_join_ns_add(const char *ns, const char *ns_file, const char *extra_opt)
{
	return criu_local_join_ns_add(G, ns, ns_file, extra_opt);
}

int criu_local_set_page_server_address_port(criu_opts *o, const char *address, int port)
{
	CriuPageServerInfo *ps = o->rpc->ps;

	if (!ps) {
		ps = malloc(sizeof(*ps));
		if (!ps)
			return -ENOMEM;
		criu_page_server_info__init(ps);
		o->rpc->ps = ps;
	}
	free(ps->address);
	ps->address = address ? strdup(address) : NULL;
	if (address && !ps->address)
		return -ENOMEM;
	ps->has_port = true;
	ps->port = port;
	return 0;
}

int criu_set_page_server_address_port(const char *address, int port)
{
	return criu_local_set_page_server_address_port(G, address, port);
}

void criu_local_set_notify_cb(criu_opts *o, int (*cb)(char *action, criu_notify_arg_t na))
{
	o->notify = cb;
	o->rpc->has_notify_scripts = true;
	o->rpc->notify_scripts = true;
}

void criu_set_notify_cb(int (*cb)(char *action, criu_notify_arg_t na))
{
	criu_local_set_notify_cb(G, cb);
}

int criu_notify_pid(criu_notify_arg_t na)
{
	return na->has_pid ? na->pid : 0;
}
