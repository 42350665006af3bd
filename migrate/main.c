// SPDX-License-Identifier: GPL-2.0
/* criu-migrate: the command line (criu-migrate(8)). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "send.h"
#include "serve.h"

#define DEFAULT_PORT	27200
#define DEFAULT_TIMEOUT	10
#define DEFAULT_ITERS	8

int mig_verbose;

enum { OPT_TO = 256, OPT_CRIU, OPT_TRACKER, OPT_GOAL, OPT_ITERS, OPT_DOWNTIME, OPT_LAZY,
       OPT_REPORT, OPT_KEEP, OPT_TIMEOUT, OPT_ADDRESS, OPT_PORT };

static const struct option long_opts[] = {
	{ "tree", required_argument, NULL, 't' },
	{ "images-dir", required_argument, NULL, 'D' },
	{ "to", required_argument, NULL, OPT_TO },
	{ "address", required_argument, NULL, OPT_ADDRESS },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "criu", required_argument, NULL, OPT_CRIU },
	{ "dirty-tracker", required_argument, NULL, OPT_TRACKER },
	{ "goal", required_argument, NULL, OPT_GOAL },
	{ "max-iters", required_argument, NULL, OPT_ITERS },
	{ "downtime-ms", required_argument, NULL, OPT_DOWNTIME },
	{ "lazy", no_argument, NULL, OPT_LAZY },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "keep-serving", no_argument, NULL, OPT_KEEP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ },
};

struct cli {
	const char *cmd;
	struct send_opts send;
	struct serve_opts serve;
	bool for_send, for_serve;	/* an option of one command alone was given */
	char criu_path[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage:\n"
"  criu-migrate serve -D WORKDIR [--address ADDR] [--port PORT] [--keep-serving]\n"
"                     [--criu PATH] [--timeout S] [-v]\n"
"  criu-migrate send -t PID --to ADDR [--port PORT] [--dirty-tracker NAME]\n"
"                     [--goal PCT] [--max-iters N] [--downtime-ms MS] [--lazy]\n"
"                     [-D WORKDIR] [--criu PATH] [--report FILE] [--timeout S] [-v]\n"
"See criu-migrate(8).\n");
}

static int number(const char *opt, const char *arg, long min, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *val < min || *val > max) {
		fprintf(stderr, "criu-migrate: %s takes a number from %ld to %ld, not '%s'\n",
			opt, min, max, arg);
		return -EINVAL;
	}
	return 0;
}

/* The criu beside this binary (installed), or in the build tree, or on PATH. */
static const char *default_criu(struct cli *c)
{
	static const char *const rel[] = { "criu", "../criu/criu" };
	char self[PATH_MAX - 16], *slash;
	unsigned int i;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return "criu";
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return "criu";
	*slash = 0;
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(c->criu_path, sizeof(c->criu_path), "%s/%s", self, rel[i]);
		if (!access(c->criu_path, X_OK))
			return c->criu_path;
	}
	return "criu";
}

static int parse_one(struct cli *c, int opt, const char *arg)
{
	long v;

	switch (opt) {
	case 't':
		c->for_send = true;
		if (number("-t", arg, 1, INT_MAX, &v))
			return -EINVAL;
		c->send.pid = v;
		return 0;
	case 'D':
		c->send.workdir = c->serve.workdir = arg;
		return 0;
	case 'v':
		mig_verbose = 1;
		return 0;
	case OPT_TO:
		c->for_send = true;
		c->send.to = arg;
		return 0;
	case OPT_ADDRESS:
		c->for_serve = true;
		c->serve.addr = arg;
		return 0;
	case OPT_PORT:
		if (number("--port", arg, 1, 65534, &v))
			return -EINVAL;
		c->send.port = c->serve.port = v;
		return 0;
	case OPT_CRIU:
		c->send.criu = c->serve.criu = arg;
		return 0;
	case OPT_TIMEOUT:
		if (number("--timeout", arg, 1, 3600, &v))
			return -EINVAL;
		c->send.timeout = c->serve.timeout = v;
		return 0;
	case OPT_KEEP:
		c->for_serve = true;
		c->serve.keep_serving = true;
		return 0;
	}
	return 1;	/* one of send's */
}

static int parse_send_only(struct cli *c, int opt, const char *arg)
{
	long v;

	c->for_send = true;
	switch (opt) {
	case OPT_TRACKER:
		c->send.tracker = arg;
		return 0;
	case OPT_GOAL:
		if (number("--goal", arg, 0, 100, &v))
			return -EINVAL;
		c->send.conv.goal_pct = v;
		return 0;
	case OPT_ITERS:
		if (number("--max-iters", arg, 1, MAX_ROUNDS - 1, &v))
			return -EINVAL;
		c->send.conv.max_iters = v;
		return 0;
	case OPT_DOWNTIME:
		if (number("--downtime-ms", arg, 0, INT_MAX, &v))
			return -EINVAL;
		c->send.conv.downtime_ms = v;
		return 0;
	case OPT_LAZY:
		c->send.lazy = true;
		return 0;
	case OPT_REPORT:
		c->send.report = arg;
		return 0;
	}
	return -EINVAL;
}

static int parse(struct cli *c, int argc, char **argv)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "t:D:vh", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?')
			return -EINVAL;
		ret = parse_one(c, opt, optarg);
		if (ret > 0)
			ret = parse_send_only(c, opt, optarg);
		if (ret)
			return ret;
	}
	if (optind != argc) {
		fprintf(stderr, "criu-migrate: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int check(struct cli *c)
{
	bool send = !strcmp(c->cmd, "send");

	if ((send && c->for_serve) || (!send && c->for_send)) {
		fprintf(stderr, "criu-migrate: an option given is not one of %s's\n", c->cmd);
		return -EINVAL;
	}
	if (send && (!c->send.pid || !c->send.to)) {
		fprintf(stderr, "criu-migrate: send needs -t PID and --to ADDR\n");
		return -EINVAL;
	}
	if (!send && !c->serve.workdir) {
		fprintf(stderr, "criu-migrate: serve needs -D WORKDIR\n");
		return -EINVAL;
	}
	if (!send && access(c->serve.workdir, W_OK | X_OK)) {
		fprintf(stderr, "criu-migrate: the folder %s can't be used: %s\n",
			c->serve.workdir, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = {
		.send = { .port = DEFAULT_PORT, .timeout = DEFAULT_TIMEOUT,
			  .conv = { .max_iters = DEFAULT_ITERS } },
		.serve = { .port = DEFAULT_PORT, .timeout = DEFAULT_TIMEOUT },
	};
	int ret;

	if (argc < 2 || (strcmp(argv[1], "send") && strcmp(argv[1], "serve"))) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	c.cmd = argv[1];
	if (parse(&c, argc - 1, argv + 1) || check(&c)) {
		usage(stderr);
		return 2;
	}
	if (!c.send.criu)
		c.send.criu = c.serve.criu = default_criu(&c);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(c.cmd, "send"))
		ret = migrate_send(&c.send);
	else
		ret = migrate_serve(&c.serve);
	return ret ? 1 : 0;
}
