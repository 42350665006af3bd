// SPDX-License-Identifier: GPL-2.0
/*
 * criu_opts of an RPC request -> struct cr_options: one row per field of
 * rpc.proto, naming the command-line option it stands for and either the
 * function that applies it or nothing, in which case a request that sets
 * the field is refused with an error naming it. A field counts as set
 * when the client gave it a value other than CRIU's default (a bool set
 * to false asks for nothing, as an option left off the command line).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cr_options.h"
#include "log.h"
#include "options.h"
#include "rpc.h"
#include "rpc-notify.h"

/* What the descriptors and the log file of a request resolve to. */
struct rpc_paths {
	char imgs[PATH_MAX];
	char work[PATH_MAX];
	char log[PATH_MAX];
};

static struct rpc_paths paths;

typedef int (*rpc_opt_fn)(const CriuOpts *ro, const struct rpc_peer *peer);

struct rpc_opt {
	const char *field;	/* criu_opts field */
	const char *option;	/* CRIU's command-line option */
	rpc_opt_fn apply;	/* NULL: not supported by criu-ooh yet */
	bool when_present;	/* applied when present, even at CRIU's default */
};

static int set_pid(const CriuOpts *ro, const struct rpc_peer *peer)
{
	if (ro->pid <= 0) {
		pr_err("RPC: bad pid %d\n", ro->pid);
		return -EINVAL;
	}
	opts.pid = ro->pid;
	return 0;
}

static int set_leave_running(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.leave_running = true;
	return 0;
}

static int set_leave_stopped(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.leave_stopped = true;
	return 0;
}

/* ext_unix_sk, and unix_sk_ino: the inodes it allows (all when none). */
static int set_ext_unix_sk(const CriuOpts *ro, const struct rpc_peer *peer)
{
	static char inos[4096];
	size_t i, len = 0;
	int n;

	if (!ro->ext_unix_sk && !ro->n_unix_sk_ino)
		return 0;
	inos[0] = '\0';
	for (i = 0; i < ro->n_unix_sk_ino; i++) {
		n = snprintf(inos + len, sizeof(inos) - len, "%s%u", i ? "," : "",
			     ro->unix_sk_ino[i]->inode);
		if (n < 0 || (size_t)n >= sizeof(inos) - len)
			return -E2BIG;
		len += n;
	}
	opts.ext_unix_sk = true;
	opts.ext_unix_sk_inos = len ? inos : NULL;
	return 0;
}

static int set_shell_job(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.shell_job = true;
	return 0;
}

static int set_track_mem(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.track_mem = true;
	return 0;
}

static int set_lazy_pages(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.lazy_pages = true;
	return 0;
}

static int set_parent_img(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.prev_images_dir = ro->parent_img;
	return 0;
}

static int set_notify_scripts(const CriuOpts *ro, const struct rpc_peer *peer)
{
	return rpc_notify_start(peer->sk);
}

static int set_log_level(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.log_level = ro->log_level;
	return 0;
}

static int set_timeout(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.timeout = ro->timeout;
	return 0;
}

static int set_pre_dump_mode(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.pre_dump_mode = ro->pre_dump_mode == CRIU_PRE_DUMP_MODE__VM_READ ?
			     PRE_DUMP_READ : PRE_DUMP_SPLICE;
	return 0;
}

static int set_display_stats(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.display_stats = true;
	return 0;
}

static int set_ghost_limit(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.ghost_limit = ro->ghost_limit;
	return 0;
}

/* The request's options come first; the file can only add to them here. */
static int set_file_locks(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.file_locks = ro->file_locks;
	return 0;
}

static int set_link_remap(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.link_remap_ok = ro->link_remap;
	return 0;
}

static int set_config_file(const CriuOpts *ro, const struct rpc_peer *peer)
{
	if (parse_options_file(ro->config_file) != PARSE_OK) {
		pr_err("RPC: bad configuration file %s\n", ro->config_file);
		return -EINVAL;
	}
	return 0;
}

static int set_tcp_established(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tcp_established = true;
	return 0;
}

static int set_tcp_skip_in_flight(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tcp_skip_in_flight = true;
	return 0;
}

static int set_tcp_close(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tcp_close = true;
	return 0;
}

/* ps: the page server to dump to (address, port); a connected socket (fd) is not taken. */
static int set_ps(const CriuOpts *ro, const struct rpc_peer *peer)
{
	if (ro->ps->has_fd) {
		pr_err("RPC ps.fd (a connected page server socket, --ps-socket) "
		       "is not supported by criu-ooh yet\n");
		return -EINVAL;
	}
	opts.use_page_server = true;
	opts.addr = ro->ps->address;
	if (ro->ps->has_port)
		opts.port = ro->ps->port;
	return 0;
}

/* TLS of the page server connection (tls.c checks the use and the files). */
static int set_tls(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tls = true;
	return 0;
}

static int set_tls_no_cn_verify(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tls_no_cn_verify = true;
	return 0;
}

static int set_tls_files(const CriuOpts *ro, const struct rpc_peer *peer)
{
	opts.tls_cacert = ro->tls_cacert;
	opts.tls_cacrl = ro->tls_cacrl;
	opts.tls_cert = ro->tls_cert;
	opts.tls_key = ro->tls_key;
	return 0;
}

/* Applied by rpc_setup_dirs(): listed so that they count as known. */
static int set_by_dirs(const CriuOpts *ro, const struct rpc_peer *peer)
{
	return 0;
}

static const struct rpc_opt rpc_opts[] = {
	{ "images_dir_fd",	"-D/--images-dir",	set_by_dirs },
	{ "images_dir",		"-D/--images-dir",	set_by_dirs },
	{ "pid",		"-t/--tree",		set_pid },
	{ "leave_running",	"-R/--leave-running",	set_leave_running },
	{ "leave_stopped",	"--leave-stopped",	set_leave_stopped },
	{ "ext_unix_sk",	"-x/--ext-unix-sk",	set_ext_unix_sk },
	{ "tcp_established",	"--tcp-established",	set_tcp_established },
	{ "evasive_devices",	"--evasive-devices",	NULL },
	{ "shell_job",		"-j/--shell-job",	set_shell_job },
	{ "file_locks",		"-l/--file-locks",	set_file_locks },
	{ "log_level",		"-v",			set_log_level },
	{ "log_file",		"-o/--log-file",	set_by_dirs },
	{ "ps",			"--page-server/--address/--port", set_ps },
	{ "notify_scripts",	"--action-script (RPC notifications)", set_notify_scripts },
	{ "root",		"-r/--root",		NULL },
	{ "parent_img",		"--prev-images-dir",	set_parent_img },
	{ "track_mem",		"--track-mem",		set_track_mem },
	{ "auto_dedup",		"--auto-dedup",		NULL },
	{ "work_dir_fd",	"-W/--work-dir",	set_by_dirs },
	{ "link_remap",		"--link-remap",		set_link_remap },
	{ "veths",		"--veth-pair",		NULL },
	{ "cpu_cap",		"--cpu-cap",		NULL },
	{ "force_irmap",	"--force-irmap",	NULL },
	{ "exec_cmd",		"--exec-cmd",		NULL },
	{ "ext_mnt",		"--ext-mount-map",	NULL },
	{ "manage_cgroups",	"--manage-cgroups",	NULL },
	{ "cg_root",		"--cgroup-root",	NULL },
	{ "rst_sibling",	"--restore-sibling",	NULL },
	{ "inherit_fd",		"--inherit-fd",		NULL },
	{ "auto_ext_mnt",	"--ext-mount-map auto",	NULL },
	{ "ext_sharing",	"--enable-external-sharing", NULL },
	{ "ext_masters",	"--enable-external-masters", NULL },
	{ "skip_mnt",		"--skip-mnt",		NULL },
	{ "enable_fs",		"--enable-fs",		NULL },
	{ "unix_sk_ino",	"--ext-unix-sk",	set_ext_unix_sk },
	{ "manage_cgroups_mode", "--manage-cgroups=MODE", NULL },
	{ "ghost_limit",	"--ghost-limit",	set_ghost_limit },
	{ "irmap_scan_paths",	"--irmap-scan-path",	NULL },
	{ "external",		"--external",		NULL },
	{ "empty_ns",		"--empty-ns",		NULL },
	{ "join_ns",		"-J/--join-ns",		NULL },
	{ "cgroup_props",	"--cgroup-props",	NULL },
	{ "cgroup_props_file",	"--cgroup-props-file",	NULL },
	{ "cgroup_dump_controller", "--cgroup-dump-controller", NULL },
	{ "freeze_cgroup",	"--freeze-cgroup",	NULL },
	{ "timeout",		"--timeout",		set_timeout },
	{ "tcp_skip_in_flight",	"--skip-in-flight",	set_tcp_skip_in_flight },
	{ "weak_sysctls",	"--weak-sysctls",	NULL },
	{ "lazy_pages",		"--lazy-pages",		set_lazy_pages },
	{ "status_fd",		"--status-fd",		NULL },
	{ "orphan_pts_master",	"--orphan-pts-master",	NULL },
	{ "config_file",	"--config",		set_config_file },
	{ "tcp_close",		"--tcp-close",		set_tcp_close },
	{ "lsm_profile",	"--lsm-profile",	NULL },
	{ "tls_cacert",		"--tls-cacert",		set_tls_files },
	{ "tls_cacrl",		"--tls-cacrl",		set_tls_files },
	{ "tls_cert",		"--tls-cert",		set_tls_files },
	{ "tls_key",		"--tls-key",		set_tls_files },
	{ "tls",		"--tls",		set_tls },
	{ "tls_no_cn_verify",	"--tls-no-cn-verify",	set_tls_no_cn_verify },
	{ "cgroup_yard",	"--cgroup-yard",	NULL },
	/* CRIU's default (splice) is not criu-ooh's (read): asked for, it counts */
	{ "pre_dump_mode",	"--pre-dump-mode",	set_pre_dump_mode, true },
	{ "pidfd_store_sk",	"(pidfd store socket)",	NULL },
	{ "lsm_mount_context",	"--lsm-mount-context",	NULL },
	{ "network_lock",	"--network-lock",	NULL },
	{ "mntns_compat_mode",	"--mntns-compat-mode",	NULL },
	{ "skip_file_rwx_check", "--skip-file-rwx-check", NULL },
	{ "unprivileged",	"--unprivileged",	NULL },
	{ "display_stats",	"--display-stats",	set_display_stats },
	{ "log_to_stderr",	"--log-file -",		set_by_dirs },
	{ "allow_uprobes",	"--allow-uprobes",	NULL },
	{ "ghost_fiemap",	"--ghost-fiemap",	NULL },
	{ "file_validation_method", "--file-validation", NULL },
};

static const struct rpc_opt *find_rpc_opt(const char *field)
{
	unsigned int i;

	for (i = 0; i < sizeof(rpc_opts) / sizeof(rpc_opts[0]); i++)
		if (!strcmp(rpc_opts[i].field, field))
			return &rpc_opts[i];
	return NULL;
}

/* The scalar at @p of a field of type @fd, widened for comparison. */
static long long scalar_value(const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return *(const uint32_t *)p;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		return *(const int64_t *)p;
	default:			/* int32, enums */
		return *(const int32_t *)p;
	}
}

/* Whether an optional scalar field was sent at all. */
static bool field_is_present(const CriuOpts *ro, const ProtobufCFieldDescriptor *fd)
{
	return fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
	       fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE &&
	       *(const protobuf_c_boolean *)((const char *)ro + fd->quantifier_offset);
}

/* Whether the client asked for something with this field. */
static bool field_is_used(const CriuOpts *ro, const ProtobufCFieldDescriptor *fd)
{
	const char *base = (const char *)ro;
	const void *val = base + fd->offset;
	long long def = 0;

	if (fd->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + fd->quantifier_offset) > 0;
	if (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)val != NULL;
	if (fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    !*(const protobuf_c_boolean *)(base + fd->quantifier_offset))
		return false;
	if (fd->default_value)
		def = scalar_value(fd, fd->default_value);
	return scalar_value(fd, val) != def;
}

static int apply_fields(const CriuOpts *ro, const struct rpc_peer *peer)
{
	const ProtobufCMessageDescriptor *md = &criu_opts__descriptor;
	char refused[1024] = "";
	size_t len = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &md->fields[i];
		const struct rpc_opt *o = find_rpc_opt(fd->name);

		if (!field_is_used(ro, fd) && !(o && o->when_present && field_is_present(ro, fd)))
			continue;
		if (o && o->apply) {
			ret = o->apply(ro, peer);
			if (ret)
				return ret;
			continue;
		}
		len += snprintf(refused + len, len < sizeof(refused) ? sizeof(refused) - len : 0,
				"%s%s (%s)", len ? ", " : "", fd->name,
				o ? o->option : "unknown to criu-ooh");
	}
	if (!len)
		return 0;
	pr_err("RPC: criu-ooh does not support these criu_opts fields yet: %s\n", refused);
	return -EOPNOTSUPP;
}

/* The client's descriptor @fd, as a path criu can open. */
static int peer_fd_path(char *buf, size_t size, const struct rpc_peer *peer, int fd)
{
	if (fd < 0) {
		pr_err("RPC: bad descriptor %d\n", fd);
		return -EBADF;
	}
	snprintf(buf, size, "/proc/%d/fd/%d", peer->pid, fd);
	if (access(buf, F_OK)) {
		pr_perror("RPC: descriptor %d of pid %d", fd, peer->pid);
		return -EBADF;
	}
	return 0;
}

static int log_path(const CriuOpts *ro)
{
	const char *name = ro->log_file ? ro->log_file : "criu.log";

	if (ro->has_log_to_stderr && ro->log_to_stderr && !ro->log_file)
		return 0;
	if (strchr(name, '/')) {
		pr_err("RPC: log_file %s: no folders allowed, use work_dir_fd\n", name);
		return -EINVAL;
	}
	if (!paths.work[0])
		return 0;	/* nowhere to put it: stderr */
	snprintf(paths.log, sizeof(paths.log), "%s/%s", paths.work, name);
	return 0;
}

/* Images folder, work folder (where the log goes) and the log. */
static int rpc_setup_dirs(const CriuOpts *ro, const struct rpc_peer *peer, bool need_images)
{
	int ret = 0;

	memset(&paths, 0, sizeof(paths));
	if (ro->images_dir_fd != -1)
		ret = peer_fd_path(paths.imgs, sizeof(paths.imgs), peer, ro->images_dir_fd);
	else if (ro->images_dir)
		snprintf(paths.imgs, sizeof(paths.imgs), "%s", ro->images_dir);
	if (ret)
		return ret;
	if (ro->has_work_dir_fd)
		ret = peer_fd_path(paths.work, sizeof(paths.work), peer, ro->work_dir_fd);
	else
		memcpy(paths.work, paths.imgs, sizeof(paths.work));
	if (!ret)
		ret = log_path(ro);
	if (ret)
		return ret;
	opts.log_level = ro->has_log_level ? ro->log_level : LOG_WARN;
	ret = log_init(paths.log[0] ? paths.log : NULL, opts.log_level);
	if (ret)
		return ret;
	if (paths.work[0] && chdir(paths.work)) {
		pr_perror("RPC: can't enter the work folder %s", paths.work);
		return -errno;
	}
	if (need_images && !paths.imgs[0]) {
		pr_err("RPC: the request names no images folder (images_dir_fd)\n");
		return -EINVAL;
	}
	opts.imgs_dir = paths.imgs[0] ? paths.imgs : NULL;
	return 0;
}

int rpc_setup_opts(const CriuOpts *ro, const struct rpc_peer *peer, bool need_images)
{
	int ret;

	ret = rpc_setup_dirs(ro, peer, need_images);
	if (!ret)
		ret = apply_fields(ro, peer);
	return ret;
}

/* Checked when a session starts: every field of rpc.proto has a row. */
int rpc_opts_check_table(void)
{
	const ProtobufCMessageDescriptor *md = &criu_opts__descriptor;
	unsigned int i;
	int missing = 0;

	for (i = 0; i < md->n_fields; i++)
		if (!find_rpc_opt(md->fields[i].name)) {
			fprintf(stderr, "criu_opts field %s has no row\n", md->fields[i].name);
			missing++;
		}
	return missing ? -ENOENT : 0;
}
