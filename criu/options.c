// SPDX-License-Identifier: GPL-2.0
/*
 * CRIU's options: one table row per option of CRIU 4.2's command line,
 * saying how it is spelled, what argument it takes and where its value
 * goes in struct cr_options. Options criu-ooh does not implement yet
 * are rows too, so that they are refused by name instead of being
 * taken for unknown ones (or, worse, accepted and ignored).
 *
 * The same table parses the configuration files: a line "NAME VALUE"
 * there is "--NAME VALUE" on the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cr_options.h"
#include "options.h"

#ifndef CRIU_OOH_GITID
#define CRIU_OOH_GITID "unknown"
#endif

struct cr_options opts;

enum opt_kind {
	OPT_BOOL,		/* bool field := true; --no-NAME clears it */
	OPT_STR,		/* const char * field := the argument */
	OPT_INT,		/* int field := the argument, a number >= 0 */
	OPT_CALL,		/* a parser of its own */
	OPT_REFUSED,		/* CRIU has it, criu-ooh does not do it yet */
};

struct opt_desc {
	const char *name;
	int short_name;		/* 0: long form only */
	int has_arg;		/* no_argument, required_argument, optional_argument */
	enum opt_kind kind;
	size_t off;		/* the field in struct cr_options */
	int (*parse)(const char *arg);
	bool negatable;		/* CRIU's BOOL_OPT: also --no-NAME */
};

#define FIELD(f)		offsetof(struct cr_options, f)
#define BOOL(n, s, f)		{ n, s, no_argument, OPT_BOOL, FIELD(f), NULL, true }
#define STR(n, s, f)		{ n, s, required_argument, OPT_STR, FIELD(f), NULL, false }
/* A switch without a --no- form (CRIU's plain no_argument flags). */
#define FLAG(n, s, f)		{ n, s, no_argument, OPT_BOOL, FIELD(f), NULL, false }
#define INT(n, s, f)		{ n, s, required_argument, OPT_INT, FIELD(f), NULL, false }
#define CALL(n, s, a, fn)	{ n, s, a, OPT_CALL, 0, fn, false }
#define REFUSED(n, s, a)	{ n, s, a, OPT_REFUSED, 0, NULL, false }
/* A refused switch whose --no-NAME form is the default, hence fine. */
#define REFUSED_BOOL(n, s)	{ n, s, no_argument, OPT_REFUSED, 0, NULL, true }

static int parse_tree(const char *arg);
static int parse_verbosity(const char *arg);
static int parse_leave_running(const char *arg);
static int parse_ooh(const char *arg);
static int parse_ooh_provider(const char *arg);
static int parse_pre_dump_mode(const char *arg);
static int parse_ghost_limit(const char *arg);
static int parse_action_script(const char *arg);
static int parse_network_lock(const char *arg);
static int parse_ext_unix_sk(const char *arg);
static int parse_manage_cgroups(const char *arg);
static int parse_close(const char *arg);
static int parse_check_all(const char *arg);
static int parse_ms(const char *arg);
static int parse_nothing(const char *arg);

static const struct opt_desc opt_table[] = {
	/* generic */
	CALL("tree", 't', required_argument, parse_tree),
	STR("images-dir", 'D', imgs_dir),
	CALL("leave-running", 'R', no_argument, parse_leave_running),
	BOOL("leave-stopped", 's', leave_stopped),
	BOOL("restore-detached", 'd', restore_detached),
	BOOL("daemon", 0, restore_detached),
	STR("pidfile", 0, pidfile),
	BOOL("shell-job", 'j', shell_job),
	CALL("ext-unix-sk", 'x', optional_argument, parse_ext_unix_sk),
	INT("timeout", 0, timeout),
	STR("address", 0, addr),
	INT("port", 0, port),
	CALL("close", 0, required_argument, parse_close),
	CALL("ghost-limit", 0, required_argument, parse_ghost_limit),
	BOOL("ghost-fiemap", 0, ghost_fiemap),
	BOOL("link-remap", 0, link_remap_ok),
	BOOL("file-locks", 'l', file_locks),
	CALL("action-script", 0, required_argument, parse_action_script),
	INT("status-fd", 0, status_fd),
	CALL("network-lock", 0, required_argument, parse_network_lock),
	BOOL("tcp-established", 0, tcp_established),
	BOOL("skip-in-flight", 0, tcp_skip_in_flight),
	BOOL("tcp-close", 0, tcp_close),
	CALL("manage-cgroups", 0, optional_argument, parse_manage_cgroups),
	BOOL("mntns-compat-mode", 0, mntns_compat_mode),
	BOOL("deprecated", 0, deprecated_ok),
	CALL("ms", 0, no_argument, parse_ms),
	/* memory */
	BOOL("track-mem", 0, track_mem),
	BOOL("lazy-pages", 0, lazy_pages),
	BOOL("page-server", 0, use_page_server),
	BOOL("auto-dedup", 0, auto_dedup),
	STR("prev-images-dir", 0, prev_images_dir),
	CALL("pre-dump-mode", 0, required_argument, parse_pre_dump_mode),
	STR("dirty-tracker", 0, dirty_tracker),
	CALL("ooh", 0, no_argument, parse_ooh),
	CALL("ooh-provider", 0, required_argument, parse_ooh_provider),
	/* TLS of the page server's connections (tls.c) */
	BOOL("tls", 0, tls),
	STR("tls-cacert", 0, tls_cacert),
	STR("tls-cacrl", 0, tls_cacrl),
	STR("tls-cert", 0, tls_cert),
	STR("tls-key", 0, tls_key),
	FLAG("tls-no-cn-verify", 0, tls_no_cn_verify),
	STR("libdir", 'L', libdir),
	/* logging */
	STR("log-file", 'o', log_file),
	BOOL("log-pid", 0, log_file_per_pid),
	CALL("verbosity", 'v', optional_argument, parse_verbosity),
	BOOL("display-stats", 0, display_stats),
	/* check */
	STR("feature", 0, feature),
	BOOL("extra", 0, check_extra_features),
	BOOL("experimental", 0, check_experimental_features),
	CALL("all", 0, no_argument, parse_check_all),
	/* configuration files: taken before the others, in pre_parse() */
	CALL("config", 0, required_argument, parse_nothing),
	CALL("no-default-config", 0, no_argument, parse_nothing),
	/* other */
	CALL("help", 'h', no_argument, NULL),
	CALL("version", 'V', no_argument, NULL),

	/* CRIU's, not implemented by criu-ooh yet */
	REFUSED_BOOL("restore-sibling", 'S'),
	REFUSED("work-dir", 'W', required_argument),
	REFUSED("root", 'r', required_argument),
	REFUSED("join-ns", 'J', required_argument),
	REFUSED("ext-mount-map", 'M', required_argument),
	REFUSED_BOOL("evasive-devices", 0),
	REFUSED("veth-pair", 0, required_argument),
	REFUSED("cpu-cap", 0, optional_argument),
	REFUSED("exec-cmd", 0, no_argument),
	REFUSED("freeze-cgroup", 0, required_argument),
	REFUSED_BOOL("weak-sysctls", 0),
	REFUSED_BOOL("stream", 0),
	REFUSED("external", 0, required_argument),
	REFUSED("inherit-fd", 0, required_argument),
	REFUSED("skip-mnt", 0, required_argument),
	REFUSED("enable-fs", 0, required_argument),
	REFUSED("enable-external-sharing", 0, no_argument),
	REFUSED("enable-external-masters", 0, no_argument),
	REFUSED("empty-ns", 0, required_argument),
	REFUSED_BOOL("force-irmap", 0),
	REFUSED("irmap-scan-path", 0, required_argument),
	REFUSED("cgroup-root", 0, required_argument),
	REFUSED("cgroup-props", 0, required_argument),
	REFUSED("cgroup-props-file", 0, required_argument),
	REFUSED("cgroup-dump-controller", 0, required_argument),
	REFUSED("cgroup-yard", 0, required_argument),
	REFUSED("lsm-profile", 0, required_argument),
	REFUSED("lsm-mount-context", 0, required_argument),
	REFUSED("file-validation", 0, required_argument),
	REFUSED_BOOL("skip-file-rwx-check", 0),
	REFUSED_BOOL("unprivileged", 0),
	REFUSED_BOOL("allow-uprobes", 0),
	REFUSED("ps-socket", 0, required_argument),
};

#define NR_OPTS		(sizeof(opt_table) / sizeof(opt_table[0]))
/* getopt's value of row i is OPT_VAL_BASE + 2 * i, of its --no- form + 1. */
#define OPT_VAL_BASE	0x1000

void init_opts(void)
{
	memset(&opts, 0, sizeof(opts));
	opts.log_level = 2;		/* warnings, as CRIU */
	opts.timeout = DEFAULT_TIMEOUT;
	opts.ghost_limit = DEFAULT_GHOST_LIMIT;
	opts.status_fd = -1;
	opts.pre_dump_mode = PRE_DUMP_READ;	/* copy once it runs again */
	opts.network_lock_method = NETWORK_LOCK_IPTABLES;
	opts.manage_cgroups = CG_MODE_IGNORE;
	if (getenv("CRIU_DEPRECATED"))
		opts.deprecated_ok = true;
}

/* --- parsers of single options ------------------------------------------ */

static int parse_number(const char *arg, long min, long max, long *out)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || val < min || val > max)
		return -EINVAL;
	*out = val;
	return 0;
}

static int parse_tree(const char *arg)
{
	long val;

	if (parse_number(arg, 1, INT_MAX, &val))
		return -EINVAL;
	opts.pid = val;
	return 0;
}

/* -v alone adds one, -vvv adds three, -vN and --verbosity=N set N. */
static int parse_verbosity(const char *arg)
{
	long val;

	if (!arg) {
		opts.log_level++;
		return 0;
	}
	if (arg[0] == 'v') {
		if (arg[strspn(arg, "v")])
			return -EINVAL;
		opts.log_level += strlen(arg) + 1;
		return 0;
	}
	if (parse_number(arg, 0, INT_MAX, &val))
		return -EINVAL;
	opts.log_level = val;
	return 0;
}

static int parse_leave_running(const char *arg)
{
	opts.leave_running = true;
	return 0;
}

static int parse_ooh(const char *arg)
{
	opts.dirty_tracker = "ooh";
	return 0;
}

/*
 * The ooh plugin takes its provider from $CRIU_OOH_PROVIDER (it has no
 * options of its own): the flag sets it, over what the environment had,
 * and means the ooh tracker as --ooh does.
 */
static int parse_ooh_provider(const char *arg)
{
	if (strcmp(arg, "auto") && strcmp(arg, "spml") && strcmp(arg, "epml"))
		return -EINVAL;
	if (setenv("CRIU_OOH_PROVIDER", arg, 1))
		return -errno;
	opts.dirty_tracker = "ooh";
	return 0;
}

static int parse_pre_dump_mode(const char *arg)
{
	if (!strcmp(arg, "splice"))
		opts.pre_dump_mode = PRE_DUMP_SPLICE;
	else if (!strcmp(arg, "read"))
		opts.pre_dump_mode = PRE_DUMP_READ;
	else
		return -EINVAL;
	return 0;
}

/* A size in bytes, with an optional K, M or G suffix. */
static int parse_ghost_limit(const char *arg)
{
	unsigned long long val;
	char *end;
	int shift = 0;

	errno = 0;
	val = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return -EINVAL;
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || val > (unsigned long long)LONG_MAX >> shift)
		return -EINVAL;
	opts.ghost_limit = (long)(val << shift);
	return 0;
}

static int parse_action_script(const char *arg)
{
	const char **s;

	s = realloc(opts.scripts, (opts.nr_scripts + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	s[opts.nr_scripts++] = arg;
	opts.scripts = s;
	return 0;
}

/* -x, --ext-unix-sk[=INO,...]: peers outside the tree allowed, all or those listed. */
static int parse_ext_unix_sk(const char *arg)
{
	const char *s = arg;
	char *end;

	while (s && *s) {
		errno = 0;
		if (strtoul(s, &end, 0) == 0 || end == s || errno || (*end && *end != ','))
			return -EINVAL;
		s = *end ? end + 1 : end;
	}
	opts.ext_unix_sk = true;
	opts.ext_unix_sk_inos = arg && *arg ? arg : NULL;
	return 0;
}

static int parse_network_lock(const char *arg)
{
	if (!strcmp(arg, "iptables"))
		opts.network_lock_method = NETWORK_LOCK_IPTABLES;
	else if (!strcmp(arg, "nftables"))
		opts.network_lock_method = NETWORK_LOCK_NFTABLES;
	else if (!strcmp(arg, "skip") || !strcmp(arg, "none"))
		opts.network_lock_method = NETWORK_LOCK_SKIP;
	else
		return -EINVAL;
	return 0;
}

/*
 * criu-ooh neither dumps nor restores cgroups: CRIU's "ignore" mode.
 * The other modes would need it to, so they are refused.
 */
static int parse_manage_cgroups(const char *arg)
{
	static const char *const modes[] = { "none", "props", "soft", "full", "strict" };
	unsigned int i;

	if (arg && !strcmp(arg, "ignore")) {
		opts.manage_cgroups = CG_MODE_IGNORE;
		return 0;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!arg || !strcmp(arg, modes[i]))
			break;
	if (i == sizeof(modes) / sizeof(modes[0]))
		return -EINVAL;
	fprintf(stderr, "criu: --manage-cgroups=%s is not supported by criu-ooh yet "
		"(only 'ignore': cgroups are not dumped or restored)\n", arg ? arg : "soft");
	return -EOPNOTSUPP;
}

/* CRIU closes the descriptor at once; so do we. */
static int parse_close(const char *arg)
{
	long fd;

	if (parse_number(arg, 0, INT_MAX, &fd))
		return -EINVAL;
	if (close(fd) && errno != EBADF) {
		fprintf(stderr, "criu: --close %ld: %s\n", fd, strerror(errno));
		return -errno;
	}
	return 0;
}

static int parse_check_all(const char *arg)
{
	opts.check_extra_features = true;
	opts.check_experimental_features = true;
	return 0;
}

static int parse_ms(const char *arg)
{
	fprintf(stderr, "criu: --ms is deprecated; see \"Check options\" of criu --help\n");
	return -EINVAL;
}

static int parse_nothing(const char *arg)
{
	return 0;
}

/* --- one option ---------------------------------------------------------- */

static void report_bad_arg(const struct opt_desc *d, const char *arg)
{
	fprintf(stderr, "criu: invalid argument for --%s: %s\n", d->name, arg ? arg : "(none)");
}

static int apply_option(const struct opt_desc *d, bool negated, const char *arg)
{
	char *base = (char *)&opts;
	long val;
	int ret;

	switch (d->kind) {
	case OPT_BOOL:
		*(bool *)(base + d->off) = !negated;
		return 0;
	case OPT_STR:
		*(const char **)(base + d->off) = arg;
		return 0;
	case OPT_INT:
		if (parse_number(arg, 0, INT_MAX, &val)) {
			report_bad_arg(d, arg);
			return -EINVAL;
		}
		*(int *)(base + d->off) = val;
		return 0;
	case OPT_REFUSED:
		if (negated)	/* the default: nothing asked for */
			return 0;
		fprintf(stderr, "criu: --%s is not supported by criu-ooh yet\n", d->name);
		return -EOPNOTSUPP;
	case OPT_CALL:
		break;
	}
	ret = d->parse(arg);
	if (ret == -EINVAL)
		report_bad_arg(d, arg);
	return ret;
}

/* --- getopt tables, built from opt_table --------------------------------- */

static struct option long_opts[2 * NR_OPTS + 1];
static char short_opts[3 * NR_OPTS + 2];

static int build_getopt_tables(void)
{
	unsigned int i, nl = 0, ns = 0;

	if (long_opts[0].name)
		return 0;
	for (i = 0; i < NR_OPTS; i++) {
		const struct opt_desc *d = &opt_table[i];

		long_opts[nl++] = (struct option){ d->name, d->has_arg, NULL,
						   OPT_VAL_BASE + 2 * i };
		if (d->negatable) {
			char *no;

			if (asprintf(&no, "no-%s", d->name) < 0) {
				fprintf(stderr, "criu: no memory for the option table\n");
				memset(long_opts, 0, sizeof(long_opts));
				return -ENOMEM;
			}
			long_opts[nl++] = (struct option){ no, no_argument, NULL,
							   OPT_VAL_BASE + 2 * i + 1 };
		}
		if (!d->short_name)
			continue;
		short_opts[ns++] = d->short_name;
		if (d->has_arg != no_argument)
			short_opts[ns++] = ':';
		if (d->has_arg == optional_argument)
			short_opts[ns++] = ':';
	}
	short_opts[ns] = '\0';
	return 0;
}

static const struct opt_desc *find_short(int c)
{
	unsigned int i;

	for (i = 0; i < NR_OPTS; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

/*
 * Run getopt over one argument vector. @where names it in errors (a
 * configuration file), or is NULL for the command line.
 */
static enum parse_result parse_vector(int argc, char **argv, const char *where)
{
	const struct opt_desc *d;
	bool negated;
	int c;

	optind = 0;	/* glibc: start over, a new vector */
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (c >= OPT_VAL_BASE) {
			d = &opt_table[(c - OPT_VAL_BASE) / 2];
			negated = (c - OPT_VAL_BASE) & 1;
		} else {
			d = find_short(c);
			negated = false;
		}
		if (!d) {
			if (where)
				fprintf(stderr, "criu: in %s\n", where);
			return PARSE_ERROR;
		}
		if (d->short_name == 'h')
			return PARSE_HELP;
		if (d->short_name == 'V')
			return PARSE_VERSION;
		if (apply_option(d, negated, optarg)) {
			if (where)
				fprintf(stderr, "criu: in %s\n", where);
			return PARSE_ERROR;
		}
	}
	if (where && optind < argc) {
		fprintf(stderr, "criu: %s: '%s' is not an option\n", where, argv[optind]);
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

/* --- configuration files ------------------------------------------------- */

struct word_vec {
	char **v;
	int nr, cap;
};

static int push_word(struct word_vec *wv, char *w)
{
	if (wv->nr + 2 > wv->cap) {
		int cap = wv->cap ? wv->cap * 2 : 16;
		char **v = realloc(wv->v, cap * sizeof(*v));

		if (!v) {
			free(w);
			return -ENOMEM;
		}
		wv->v = v;
		wv->cap = cap;
	}
	wv->v[wv->nr++] = w;
	wv->v[wv->nr] = NULL;
	return 0;
}

/*
 * One word of a line at *@p: up to white space, or a "quoted string"
 * in which \" stands for a quote. NULL at the end of the line or at a
 * comment.
 */
static char *next_word(const char **p, bool *bad)
{
	const char *s = *p;
	char *w, *o;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return NULL;
	w = o = malloc(strlen(s) + 1);
	if (!w) {
		*bad = true;
		return NULL;
	}
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1] == '"')
				s++;
			*o++ = *s;
		}
		if (*s != '"') {
			*bad = true;
			free(w);
			return NULL;
		}
		s++;
	} else {
		while (*s && !isspace((unsigned char)*s))
			*o++ = *s++;
	}
	*o = '\0';
	*p = s;
	return w;
}

static bool takes_optional_arg(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_OPTS; i++)
		if (!strcmp(opt_table[i].name, name))
			return opt_table[i].has_arg == optional_argument;
	return false;
}

/*
 * A line "NAME [VALUE...]" becomes the words "--NAME" [VALUE...]; for
 * an option whose value is optional (verbosity, manage-cgroups) getopt
 * takes it only joined, so "NAME VALUE" becomes "--NAME=VALUE".
 */
static int split_line(const char *line, struct word_vec *wv, bool *bad)
{
	char *name, *w, *opt;
	bool joined;
	int ret;

	name = next_word(&line, bad);
	if (!name)
		return *bad ? -EINVAL : 0;
	w = next_word(&line, bad);
	joined = w && takes_optional_arg(name);
	if (joined)
		ret = asprintf(&opt, "--%s=%s", name, w);
	else
		ret = asprintf(&opt, "--%s", name);
	free(name);
	if (joined) {
		free(w);
		w = next_word(&line, bad);
	}
	if (ret < 0) {
		free(w);
		return -ENOMEM;
	}
	ret = push_word(wv, opt);
	while (!ret && w) {
		ret = push_word(wv, w);
		w = ret ? NULL : next_word(&line, bad);
	}
	if (ret)
		return ret;
	return *bad ? -EINVAL : 0;
}

/*
 * Parse one configuration file. A missing default file is no error;
 * a file named by --config or $CRIU_CONFIG_FILE must exist.
 */
static enum parse_result parse_config_file(const char *path, bool must_exist)
{
	struct word_vec wv = {};
	char *line = NULL;
	size_t len = 0;
	int lineno = 0;
	bool bad = false;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return PARSE_OK;
		fprintf(stderr, "criu: can't read configuration file %s: %s\n",
			path, strerror(errno));
		return PARSE_ERROR;
	}
	line = strdup("criu");	/* argv[0], which getopt skips */
	if (!line || push_word(&wv, line))
		bad = true;
	line = NULL;
	while (!bad && getline(&line, &len, f) >= 0) {
		lineno++;
		if (split_line(line, &wv, &bad)) {
			fprintf(stderr, "criu: %s:%d: can't parse the line\n", path, lineno);
			bad = true;
		}
	}
	free(line);
	fclose(f);
	if (bad)
		return PARSE_ERROR;
	/* The words stay allocated: opts points into them. */
	return parse_vector(wv.nr, wv.v, path);
}

/*
 * Before getopt: --help wins over errors in the files, and --config or
 * --no-default-config decide which files are read at all.
 */
static bool pre_parse(int argc, char **argv, bool *no_default, const char **cfg)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
		if (!strcmp(argv[i], "--no-default-config")) {
			*no_default = true;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			*cfg = argv[i + 1];
			*no_default = true;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			*cfg = argv[i] + 9;
			*no_default = true;
		}
	}
	return false;
}

static enum parse_result parse_default_configs(void)
{
	const char *global = getenv(GLOBAL_CONFIG_ENV);
	const char *home = getenv("HOME");
	char path[PATH_MAX];
	enum parse_result ret;

	ret = parse_config_file(global ? global : GLOBAL_CONFIG_FILE, false);
	if (ret != PARSE_OK || !home)
		return ret;
	if (snprintf(path, sizeof(path), "%s/%s", home, USER_CONFIG_FILE) >= (int)sizeof(path))
		return PARSE_OK;
	return parse_config_file(path, false);
}

enum parse_result parse_options_file(const char *path)
{
	if (build_getopt_tables())
		return PARSE_ERROR;
	return parse_config_file(path, true);
}

enum parse_result parse_options(int argc, char **argv)
{
	const char *cfg = NULL, *env_cfg;
	bool no_default = false;
	enum parse_result ret;

	if (build_getopt_tables())
		return PARSE_ERROR;
	if (pre_parse(argc, argv, &no_default, &cfg))
		return PARSE_HELP;
	opts.config_file = cfg;
	opts.no_default_config = no_default;
	ret = no_default ? PARSE_OK : parse_default_configs();
	env_cfg = getenv("CRIU_CONFIG_FILE");
	if (ret == PARSE_OK && env_cfg)
		ret = parse_config_file(env_cfg, true);
	if (ret == PARSE_OK && cfg)
		ret = parse_config_file(cfg, true);
	if (ret == PARSE_OK)
		ret = parse_vector(argc, argv, NULL);
	return ret;
}

/* --- help and version ---------------------------------------------------- */

void print_version(void)
{
	printf("Version: %s\n", CRIU_INTERFACE_VERSION);
	printf("GitID: criu-ooh-%s\n", CRIU_OOH_GITID);
}

void print_usage(FILE *out)
{
	fprintf(out,
"Usage:\n"
"  criu dump|pre-dump -t PID -D DIR [<options>]\n"
"  criu restore -D DIR [<options>]\n"
"  criu lazy-pages -D DIR [<options>]\n"
"  criu page-server -D DIR [--address ADDR] [--port PORT] [<options>]\n"
"  criu track-end -t PID -D DIR\n"
"  criu check [--feature FEAT] [--extra] [--experimental] [--all]\n"
"\n"
"criu-ooh implements the command line of CRIU %s; options of CRIU that\n"
"it does not implement yet are refused with a message saying so.\n"
"Boolean options also have a --no- form (--no-shell-job).\n"
"\n"
"Commands:\n"
"  dump           checkpoint a process into a folder of images\n"
"  pre-dump       checkpoint memory only, leaving the process running\n"
"  restore        restore a process from images\n"
"  lazy-pages     serve the memory of a restore --lazy-pages\n"
"  page-server    receive the pages of a dump over TCP into DIR\n"
"  track-end      stop the tracker --track-mem left in PID (state in DIR)\n"
"  check          check that the kernel has what criu needs\n"
"\n"
"Options:\n"
"  -t|--tree PID          the process to dump\n"
"  -D|--images-dir DIR    folder of the images (must exist)\n"
"  -R|--leave-running     leave the process running after dump\n"
"  -s|--leave-stopped     leave the tree stopped after dump (resume: SIGCONT)\n"
"  -j|--shell-job         the process belongs to this shell's session\n"
"  -x|--ext-unix-sk[=INO,...]  allow unix peers outside the tree (those INOs)\n"
"  -d|--restore-detached  return once the restored process runs (--daemon)\n"
"     --pidfile FILE      write the restored pid to FILE (in DIR)\n"
"     --lazy-pages        restore: leave private anonymous memory to lazy-pages\n"
"     --timeout NUM       seconds to wait for the process to stop (10)\n"
"     --action-script F   run F at each step, see criu(8)\n"
"     --status-fd FD      write a zero byte to FD when ready to serve\n"
"     --ghost-limit SIZE  largest deleted file whose contents are dumped (1M)\n"
"     --link-remap        reach files unlinked from their path by a hard link\n"
"  -l|--file-locks        dump and restore file locks (else they are refused)\n"
"     --manage-cgroups=ignore  cgroups are neither dumped nor restored\n"
"     --network-lock M    iptables (default), nftables or skip: how the\n"
"                         connections of --tcp-established are locked\n"
"     --tcp-established   dump established TCP connections (TCP_REPAIR)\n"
"     --tcp-close         restore dumped connections closed\n"
"     --skip-in-flight    drop connections not yet accepted by listeners\n"
"     --close FD          close FD before anything else\n"
"\n"
"  -o|--log-file FILE     log to FILE (relative to DIR)\n"
"     --log-pid           the log file is FILE.PID\n"
"  -v[v...]|-vNUM|--verbosity[=NUM]  verbosity 0..4 (default 2)\n"
"     --display-stats     print the dump or restore statistics\n"
"\n"
"     --track-mem         track written pages for the next (pre-)dump\n"
"     --prev-images-dir P parent images (relative to DIR)\n"
"     --pre-dump-mode M   read (default) or splice\n"
"     --page-server       dump: send the pages to a page server at\n"
"                         --address ADDR --port PORT (other images stay in DIR)\n"
"     --address ADDR      the page server's address (page-server: the one to\n"
"                         listen on, default all)\n"
"     --port PORT         the page server's port (page-server: 0 picks one)\n"
"     --auto-dedup        page-server: free the parent's copy of each page received\n"
"     --tls               the page server's and lazy pages' connections over TLS\n"
"     --tls-cacert FILE   trust only this CA (/etc/pki/CA/cacert.pem and the system's)\n"
"     --tls-cacrl FILE    revoked certificates (/etc/pki/CA/cacrl.pem if there)\n"
"     --tls-cert FILE     this end's certificate (/etc/pki/criu/cert.pem)\n"
"     --tls-key FILE      its key (/etc/pki/criu/private/key.pem)\n"
"     --tls-no-cn-verify  do not check the name in the peer's certificate\n"
"     --dirty-tracker=T   auto|pagemap-scan|soft-dirty|none|ooh (default auto)\n"
"     --ooh               short for --dirty-tracker=ooh\n"
"  -L|--libdir DIR        load plugins from DIR\n"
"\n"
"     --feature FEAT      with check: test one feature (list: all names)\n"
"     --extra, --experimental, --all   with check: more features\n"
"     --config FILE       read FILE instead of the default configuration\n"
"     --no-default-config read no default configuration file\n"
"  -V|--version           print the version\n"
"  -h|--help              this text\n", CRIU_INTERFACE_VERSION);
}
