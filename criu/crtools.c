// SPDX-License-Identifier: GPL-2.0
/*
 * criu's commands: the options (parsed by options.c) handed to the dump,
 * restore and check code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cr-dump.h"
#include "cr-pre-dump.h"
#include "cr-restore.h"
#include "cr-track-end.h"
#include "cr_options.h"
#include "lazy-pages.h"
#include "log.h"
#include "options.h"
#include "page-xfer.h"
#include "tls.h"
#include "plugin.h"
#include "rpc.h"
#include "tracking.h"

/* The images folder; dump also needs to write in it. */
static int open_images_dir(bool for_dump)
{
	int dfd;

	if (!opts.imgs_dir) {
		fprintf(stderr, "Error: an images folder is needed (-D DIR)\n");
		return -EINVAL;
	}
	dfd = open(opts.imgs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int err = -errno;

		fprintf(stderr, "Error: can't open images folder %s: %s\n",
			opts.imgs_dir, strerror(errno));
		return err;
	}
	if (for_dump && faccessat(dfd, ".", W_OK, AT_EACCESS)) {
		int err = -errno;

		fprintf(stderr, "Error: images folder %s is not writable: %s\n",
			opts.imgs_dir, strerror(errno));
		close(dfd);
		return err;
	}
	return dfd;
}

static int setup_log(void)
{
	char path[PATH_MAX];
	const char *dir = "";
	int n;

	if (!opts.log_file || !strcmp(opts.log_file, "-"))
		return log_init(NULL, opts.log_level);
	if (opts.log_file[0] != '/' && opts.imgs_dir)
		dir = opts.imgs_dir;
	/* --log-pid: FILE.PID, as CRIU names it */
	if (opts.log_file_per_pid)
		n = snprintf(path, sizeof(path), "%s%s%s.%d", dir, *dir ? "/" : "",
			     opts.log_file, getpid());
	else
		n = snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", opts.log_file);
	if (n >= (int)sizeof(path)) {
		fprintf(stderr, "Error: log path too long\n");
		return -ENAMETOOLONG;
	}
	return log_init(path, opts.log_level);
}

static int dump_command(bool pre_dump)
{
	int dfd, ret, lsk = -1;

	if (!opts.pid) {
		pr_err("%s needs the pid of the process: -t PID\n",
		       pre_dump ? "pre-dump" : "dump");
		return -EINVAL;
	}
	if (opts.auto_dedup) {
		pr_err("--auto-dedup on %s is not supported by criu-ooh yet "
		       "(criu page-server --auto-dedup does it)\n", pre_dump ? "pre-dump" : "dump");
		return -EINVAL;
	}
	if (opts.leave_stopped && (pre_dump || opts.leave_running)) {
		pr_err("--leave-stopped goes with dump alone, not with %s\n",
		       pre_dump ? "pre-dump (which always resumes)" : "--leave-running");
		return -EINVAL;
	}
	if (opts.dirty_tracker && !opts.track_mem)
		pr_warn("--dirty-tracker has no effect without --track-mem\n");
	dfd = open_images_dir(true);
	if (dfd < 0)
		return dfd;
	/* the port first: a dump that could not serve its pages never runs */
	if (opts.lazy_pages && !pre_dump) {
		lsk = lazy_dump_listen();
		if (lsk < 0) {
			close(dfd);
			return lsk;
		}
	}
	ret = pre_dump ? cr_pre_dump_tasks(opts.pid, dfd) : cr_dump_tasks(opts.pid, dfd, lsk);
	if (lsk >= 0)
		close(lsk);
	close(dfd);
	return ret;
}

static int track_end_command(void)
{
	int dfd, ret;

	if (!opts.pid) {
		pr_err("track-end needs the pid of the tracked process: -t PID\n");
		return -EINVAL;
	}
	/* its tracker state goes from the folder once the tracking ends */
	dfd = open_images_dir(true);
	if (dfd < 0)
		return dfd;
	ret = cr_track_end(opts.pid, dfd);
	close(dfd);
	return ret;
}

static int run_command(const char *cmd)
{
	int dfd, ret;

	ret = tls_check_options(cmd);
	if (ret)
		return ret;
	register_builtin_trackers();
	ret = load_plugins(opts.libdir);
	if (ret)
		return ret;
	if (!strcmp(cmd, "check"))
		return cr_check();
	if (!strcmp(cmd, "pre-dump"))
		return dump_command(true);
	if (!strcmp(cmd, "dump"))
		return dump_command(false);
	if (!strcmp(cmd, "page-server"))
		return cr_page_server();
	if (!strcmp(cmd, "track-end"))
		return track_end_command();
	/* restore, lazy-pages */
	dfd = open_images_dir(false);
	if (dfd < 0)
		return dfd;
	ret = strcmp(cmd, "lazy-pages") ? cr_restore_tasks(dfd) : cr_lazy_pages(dfd);
	close(dfd);
	return ret;
}

/* CRIU's commands that criu-ooh does not have yet. */
static bool refused_command(const char *cmd)
{
	static const char *const refused[] = {
		"dedup", "cpuinfo", "exec", "show",
	};
	unsigned int i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (!strcmp(cmd, refused[i])) {
			fprintf(stderr, "criu: the %s command is not supported by criu-ooh yet\n",
				cmd);
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	enum parse_result pr;
	const char *cmd;
	int ret;

	init_opts();
	/* The RPC commands take their own arguments (rpc.h). */
	if (argc == 3 && !strcmp(argv[1], "swrk"))
		return cr_swrk(argv[2]) ? 1 : 0;
	if (argc >= 2 && !strcmp(argv[1], "service"))
		return cr_service_main(argc - 1, argv + 1) ? 1 : 0;
	pr = parse_options(argc, argv);
	if (pr == PARSE_HELP) {
		print_usage(stdout);
		return 0;
	}
	if (pr == PARSE_VERSION) {
		print_version();
		return 0;
	}
	if (pr != PARSE_OK)
		return 1;
	if (optind >= argc) {
		print_usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	if (refused_command(cmd))
		return 1;
	if (strcmp(cmd, "dump") && strcmp(cmd, "pre-dump") &&
	    strcmp(cmd, "restore") && strcmp(cmd, "check") &&
	    strcmp(cmd, "page-server") && strcmp(cmd, "lazy-pages") &&
	    strcmp(cmd, "track-end")) {
		fprintf(stderr, "Error: unknown command '%s'\n", cmd);
		print_usage(stderr);
		return 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "Error: unexpected argument '%s' after %s\n", argv[optind + 1], cmd);
		return 1;
	}
	if (setup_log())
		return 1;
	ret = run_command(cmd);
	log_fini();
	if (ret < 0)
		return 1;
	return ret;
}
