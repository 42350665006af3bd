// SPDX-License-Identifier: GPL-2.0
/*
 * criu's command line: CRIU's commands and options, parsed here and
 * handed to the dump, restore and check code.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cr-dump.h"
#include "cr_options.h"
#include "log.h"
#include "plugin.h"
#include "rpc.h"
#include "tracking.h"

#define CRIU_OOH_VERSION	"0.1"

struct cr_options opts = {
	.pid = 0,
	.log_level = LOG_WARN,
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage:\n"
"  criu dump|pre-dump -t PID -D DIR [<options>]\n"
"  criu restore -D DIR [<options>]\n"
"  criu check [--feature FEAT]\n"
"\n"
"Commands:\n"
"  dump           checkpoint a process into a folder of images\n"
"  pre-dump       checkpoint memory only, leaving the process running\n"
"  restore        restore a process from images\n"
"  check          check that the kernel has what criu needs\n"
"\n"
"Options:\n"
"  -t|--tree PID          the process to dump\n"
"  -D|--images-dir DIR    folder of the images (must exist)\n"
"  -R|--leave-running     leave the process running after dump\n"
"  -j|--shell-job         the process belongs to this shell's session\n"
"  -d|--restore-detached  return once the restored process runs\n"
"     --pidfile FILE      write the restored pid to FILE (in DIR)\n"
"  -o|--log-file FILE     log to FILE (relative to DIR)\n"
"     --track-mem         track written pages for the next (pre-)dump\n"
"     --prev-images-dir P parent images (relative to DIR): pages unchanged\n"
"                         since them are recorded, not copied\n"
"     --dirty-tracker=T   auto|pagemap-scan|soft-dirty|none|ooh (default auto)\n"
"     --ooh               short for --dirty-tracker=ooh\n"
"  -L|--libdir DIR        load plugins from DIR\n"
"  -v[NUM]                verbosity 0..4 (default 2); -v alone adds one\n"
"     --feature FEAT      with check: test one feature\n"
"  -V|--version           print the version\n"
"  -h|--help              this text\n");
}

static int parse_verbosity(const char *arg)
{
	if (!arg)
		return opts.log_level + 1;
	if (isdigit((unsigned char)arg[0]))
		return atoi(arg);
	/* -vvv: each further 'v' adds one */
	return opts.log_level + 1 + (int)strspn(arg, "v");
}

enum {
	OPT_PIDFILE = 1000,
	OPT_FEATURE,
	OPT_TRACK_MEM,
	OPT_PREV_IMAGES_DIR,
	OPT_DIRTY_TRACKER,
	OPT_OOH,
};

static int parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "tree", required_argument, NULL, 't' },
		{ "images-dir", required_argument, NULL, 'D' },
		{ "log-file", required_argument, NULL, 'o' },
		{ "leave-running", no_argument, NULL, 'R' },
		{ "shell-job", no_argument, NULL, 'j' },
		{ "restore-detached", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "feature", required_argument, NULL, OPT_FEATURE },
		{ "track-mem", no_argument, NULL, OPT_TRACK_MEM },
		{ "prev-images-dir", required_argument, NULL, OPT_PREV_IMAGES_DIR },
		{ "dirty-tracker", required_argument, NULL, OPT_DIRTY_TRACKER },
		{ "ooh", no_argument, NULL, OPT_OOH },
		{ "libdir", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ },
	};
	char *end;
	long val;
	int c;

	while ((c = getopt_long(argc, argv, "t:D:o:v::RjdVhL:", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			val = strtol(optarg, &end, 10);
			if (errno || *end || val <= 0 || val > INT_MAX) {
				fprintf(stderr, "Error: bad pid '%s'\n", optarg);
				return -1;
			}
			opts.pid = val;
			break;
		case 'D':
			opts.imgs_dir = optarg;
			break;
		case 'o':
			opts.log_file = optarg;
			break;
		case 'v':
			opts.log_level = parse_verbosity(optarg);
			break;
		case 'R':
			opts.leave_running = true;
			break;
		case 'j':
			opts.shell_job = true;
			break;
		case 'd':
			opts.restore_detached = true;
			break;
		case OPT_PIDFILE:
			opts.pidfile = optarg;
			break;
		case OPT_FEATURE:
			opts.feature = optarg;
			break;
		case OPT_TRACK_MEM:
			opts.track_mem = true;
			break;
		case OPT_PREV_IMAGES_DIR:
			opts.prev_images_dir = optarg;
			break;
		case OPT_DIRTY_TRACKER:
			opts.dirty_tracker = optarg;
			break;
		case OPT_OOH:
			opts.dirty_tracker = "ooh";
			break;
		case 'L':
			opts.libdir = optarg;
			break;
		case 'V':
			printf("Version: %s (criu-ooh)\n", CRIU_OOH_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return 0;
}

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

	if (!opts.log_file || !strcmp(opts.log_file, "-"))
		return log_init(NULL, opts.log_level);
	if (opts.log_file[0] == '/' || !opts.imgs_dir)
		return log_init(opts.log_file, opts.log_level);
	if (snprintf(path, sizeof(path), "%s/%s", opts.imgs_dir, opts.log_file) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "Error: log path too long\n");
		return -ENAMETOOLONG;
	}
	return log_init(path, opts.log_level);
}

static int dump_command(bool pre_dump)
{
	int dfd, ret;

	if (!opts.pid) {
		pr_err("%s needs the pid of the process: -t PID\n",
		       pre_dump ? "pre-dump" : "dump");
		return -EINVAL;
	}
	if (opts.dirty_tracker && !opts.track_mem)
		pr_warn("--dirty-tracker has no effect without --track-mem\n");
	dfd = open_images_dir(true);
	if (dfd < 0)
		return dfd;
	ret = pre_dump ? cr_pre_dump_tasks(opts.pid, dfd) : cr_dump_tasks(opts.pid, dfd);
	close(dfd);
	return ret;
}

static int run_command(const char *cmd)
{
	int dfd, ret;

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
	/* restore */
	dfd = open_images_dir(false);
	if (dfd < 0)
		return dfd;
	ret = cr_restore_tasks(dfd);
	close(dfd);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int ret;

	/* The RPC commands take their own arguments (rpc.h). */
	if (argc == 3 && !strcmp(argv[1], "swrk"))
		return cr_swrk(argv[2]) ? 1 : 0;
	if (argc >= 2 && !strcmp(argv[1], "service"))
		return cr_service_main(argc - 1, argv + 1) ? 1 : 0;
	if (parse_options(argc, argv)) {
		usage(stderr);
		return 1;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "dump") && strcmp(cmd, "pre-dump") &&
	    strcmp(cmd, "restore") && strcmp(cmd, "check")) {
		fprintf(stderr, "Error: unknown command '%s'\n", cmd);
		usage(stderr);
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
