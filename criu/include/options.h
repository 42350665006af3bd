/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_OPTIONS_H
#define CRIU_OPTIONS_H

#include <stdio.h>

/* What parse_options() found, besides options stored in opts. */
enum parse_result {
	PARSE_OK,
	PARSE_ERROR,		/* bad or refused option; already reported */
	PARSE_HELP,		/* -h, --help */
	PARSE_VERSION,		/* -V, --version */
};

/* The CRIU version whose interface criu-ooh implements. */
#define CRIU_INTERFACE_VERSION	"4.2"

/* CRIU's configuration files, read before the command line. */
#define GLOBAL_CONFIG_FILE	"/etc/criu/default.conf"
#define USER_CONFIG_FILE	".criu/default.conf"	/* under $HOME */
/*
 * Test hook: the tests point the global file elsewhere with this
 * variable so that they never write into /etc.
 */
#define GLOBAL_CONFIG_ENV	"CRIU_OOH_GLOBAL_CONFIG"

void init_opts(void);
/*
 * Read the configuration files (/etc/criu/default.conf, then
 * $HOME/.criu/default.conf, unless --config or --no-default-config;
 * then $CRIU_CONFIG_FILE; then --config FILE), then @argv. Later
 * sources override earlier ones. On PARSE_OK, optind indexes the first
 * argument of @argv that is not an option (the command).
 */
enum parse_result parse_options(int argc, char **argv);
/* One more configuration file on top (RPC's criu_opts.config_file). */
enum parse_result parse_options_file(const char *path);
void print_usage(FILE *out);
void print_version(void);

#endif /* CRIU_OPTIONS_H */
