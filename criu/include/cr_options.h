/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_OPTIONS_H
#define CRIU_CR_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

/* --pre-dump-mode: how a pre-dump copies pages (CRIU's names). */
enum pre_dump_mode {
	PRE_DUMP_SPLICE,		/* the target vmsplice()s them into pipes */
	PRE_DUMP_READ,			/* process_vm_readv() after it runs again */
};

/* --network-lock: how CRIU would lock a network namespace. */
enum network_lock_method {
	NETWORK_LOCK_IPTABLES,
	NETWORK_LOCK_NFTABLES,
	NETWORK_LOCK_SKIP,
};

/* --manage-cgroups: only "ignore", what criu-ooh does, is accepted. */
enum cg_mode {
	CG_MODE_IGNORE,
};

#define DEFAULT_TIMEOUT		10		/* seconds, as CRIU's */
#define DEFAULT_GHOST_LIMIT	(1 << 20)	/* bytes, as CRIU's */

/*
 * Command-line options, named and defaulted as CRIU's. Parsed from the
 * configuration files and the command line by options.c; the RPC layer
 * fills the same fields from criu_opts.
 */
struct cr_options {
	pid_t pid;			/* -t, --tree */
	const char *imgs_dir;		/* -D, --images-dir */
	const char *log_file;		/* -o, --log-file; relative to imgs_dir */
	int log_level;			/* -v0..-v4, --verbosity */
	bool log_file_per_pid;		/* --log-pid: the log is FILE.PID */
	bool shell_job;			/* -j, --shell-job */
	bool ext_unix_sk;		/* -x, --ext-unix-sk[=INO,...] */
	const char *ext_unix_sk_inos;	/* its inode list, NULL: all */
	bool leave_running;		/* -R, --leave-running */
	bool leave_stopped;		/* -s, --leave-stopped */
	bool restore_detached;		/* -d, --restore-detached, --daemon */
	const char *pidfile;		/* --pidfile; relative to imgs_dir */
	const char *feature;		/* check --feature */
	bool check_extra_features;	/* check --extra, --all */
	bool check_experimental_features; /* check --experimental, --all */
	bool track_mem;			/* --track-mem */
	const char *prev_images_dir;	/* --prev-images-dir, relative to imgs_dir */
	const char *dirty_tracker;	/* --dirty-tracker=NAME, --ooh; NULL: auto */
	const char *libdir;		/* -L, --libdir: plugins */
	int pre_dump_mode;		/* --pre-dump-mode, enum pre_dump_mode */
	int timeout;			/* --timeout: seconds to freeze the target */
	long ghost_limit;		/* --ghost-limit, bytes */
	bool ghost_fiemap;		/* --ghost-fiemap */
	bool link_remap_ok;		/* --link-remap */
	bool file_locks;		/* -l, --file-locks */
	const char **scripts;		/* --action-script, in order */
	unsigned int nr_scripts;
	int status_fd;			/* --status-fd, or -1 */
	bool display_stats;		/* --display-stats */
	bool deprecated_ok;		/* --deprecated, $CRIU_DEPRECATED */
	bool mntns_compat_mode;		/* --mntns-compat-mode */
	int network_lock_method;	/* --network-lock, enum network_lock_method */
	bool tcp_established;		/* --tcp-established */
	bool tcp_skip_in_flight;	/* --skip-in-flight */
	bool tcp_close;			/* --tcp-close */
	int manage_cgroups;		/* --manage-cgroups, enum cg_mode */
	const char *addr;		/* --address: service socket or server */
	int port;			/* --port */
	bool lazy_pages;		/* --lazy-pages */
	bool use_page_server;		/* dump: --page-server (at --address --port) */
	bool auto_dedup;		/* --auto-dedup */
	bool tls;			/* --tls: the page server's connections over TLS */
	const char *tls_cacert;		/* --tls-cacert: the only CA trusted */
	const char *tls_cacrl;		/* --tls-cacrl: revoked certificates */
	const char *tls_cert;		/* --tls-cert: this end's certificate */
	const char *tls_key;		/* --tls-key: its private key */
	bool tls_no_cn_verify;		/* --tls-no-cn-verify: the peer's name is not checked */
	const char *config_file;	/* --config */
	bool no_default_config;		/* --no-default-config */
};

extern struct cr_options opts;

/* The dumped tasks live on after a successful dump (-R or --leave-stopped). */
static inline bool dump_leaves_alive(void)
{
	return opts.leave_running || opts.leave_stopped;
}

#endif /* CRIU_CR_OPTIONS_H */
