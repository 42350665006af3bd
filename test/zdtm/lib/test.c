// SPDX-License-Identifier: GPL-2.0
/*
 * test.c - command line, daemonizing, and waiting for SIGTERM.
 *
 * The runner starts a test and waits for it to exit: the process it started
 * (the "starter") forks the real test, waits until the test has written its
 * pidfile (its state is ready, it may be checkpointed now) and exits 0, or
 * exits 1 if the test died before that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

#define MAX_OPTS	16

struct test_option {
	const char *name;
	const char *value;
};

volatile sig_atomic_t test_stop;
static void (*stop_hook)(void);
static char *pidfile;
static struct test_option opts[MAX_OPTS];
static int nr_opts;

static char *abs_path(const char *path)
{
	char cwd[PATH_MAX];
	char *res;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&res, "%s/%s", cwd, path) < 0)
		return NULL;
	return res;
}

static int parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strncmp(arg, "--", 2) || i + 1 >= argc) {
			fprintf(stderr, "%s: bad argument '%s' (options are --name value)\n",
				argv[0], arg);
			return -EINVAL;
		}
		if (!strcmp(arg, "--pidfile")) {
			pidfile = abs_path(argv[++i]);
		} else if (!strcmp(arg, "--outfile")) {
			test_outfile = abs_path(argv[++i]);
		} else if (nr_opts < MAX_OPTS) {
			opts[nr_opts].name = arg + 2;
			opts[nr_opts++].value = argv[++i];
		} else {
			fprintf(stderr, "%s: too many options\n", argv[0]);
			return -E2BIG;
		}
	}
	if (!pidfile || !test_outfile) {
		fprintf(stderr, "usage: %s --pidfile FILE --outfile FILE [--option value]...\n",
			argv[0]);
		return -EINVAL;
	}
	return 0;
}

const char *test_opt(const char *name)
{
	int i;

	for (i = 0; i < nr_opts; i++)
		if (!strcmp(opts[i].name, name))
			return opts[i].value;
	return NULL;
}

long test_opt_long(const char *name, const char *env, long def)
{
	const char *val = test_opt(name);

	if (!val && env)
		val = getenv(env);
	return val ? strtol(val, NULL, 0) : def;
}

int test_broken(void)
{
	const char *val = getenv("ZDTM_BREAK");

	return val && val[0] && strcmp(val, "0");
}

void test_on_stop(void (*hook)(void))
{
	stop_hook = hook;
}

static void sigterm_handler(int sig)
{
	test_stop = 1;
	if (stop_hook)
		stop_hook();
}

/* The starter: wait until the test publishes its pid, or dies. */
static int wait_ready(pid_t child)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int status;

	for (;;) {
		pid_t ret = waitpid(child, &status, WNOHANG);

		if (ret < 0) {
			perror("waitpid");
			return -errno;
		}
		/* Ready, then finished already: the runner will see its verdict. */
		if (ret == child && !access(pidfile, F_OK))
			return 1;
		if (ret == child) {
			fprintf(stderr, "test %d died before it was ready (status 0x%x)\n",
				child, status);
			return -ECHILD;
		}
		if (!access(pidfile, F_OK))
			return 1;
		nanosleep(&tick, NULL);
	}
}

/* Detach stdio from the runner: a checkpointed test must own only files it can get back. */
static int redirect_stdio(const char *log)
{
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0) {
		perror("stdin to /dev/null");
		return -errno;
	}
	if (fd != 0)
		close(fd);
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		fprintf(stderr, "can't redirect stdout/stderr to %s: %m\n", log);
		return -errno;
	}
	if (fd > 2)
		close(fd);
	test_log_fd = 2;
	return 0;
}

/* A shell job keeps its terminal on 0-2; its log gets a descriptor of its own. */
static int open_log(const char *log)
{
	test_log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (test_log_fd < 0) {
		fprintf(stderr, "can't open %s: %m\n", log);
		test_log_fd = 2;
		return -errno;
	}
	return 0;
}

static int setup_child(unsigned int flags)
{
	struct sigaction sa = { .sa_handler = sigterm_handler, .sa_flags = SA_RESTART };
	char log[PATH_MAX];
	int ret;

	snprintf(log, sizeof(log), "%s.log", test_outfile);
	if (!(flags & TEST_SHELL_JOB) && setsid() < 0) {
		perror("setsid");
		return -errno;
	}
	ret = flags & TEST_SHELL_JOB ? open_log(log) : redirect_stdio(log);
	if (ret)
		return ret;
	if (sigaction(SIGTERM, &sa, NULL)) {
		pr_perror("sigaction SIGTERM");
		return -errno;
	}
	/* If the starter is killed (runner timeout), don't outlive it unready. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL)) {
		pr_perror("PR_SET_PDEATHSIG");
		return -errno;
	}
	test_msg("test started, pid %d, sid %d", getpid(), getsid(0));
	return 0;
}

int test_init(int argc, char **argv, unsigned int flags)
{
	pid_t child;
	int ret;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	if (unlink(pidfile) && errno != ENOENT) {
		fprintf(stderr, "unlink %s: %m\n", pidfile);
		return -errno;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		perror("fork");
		return -errno;
	}
	if (child)
		return wait_ready(child);
	return setup_child(flags);
}

int test_init_exit(int ret)
{
	return ret > 0 ? 0 : 1;
}

int test_daemon(void)
{
	char tmp[PATH_MAX];
	FILE *f;

	/* Ready: from now on the test lives on its own (and is checkpointed). */
	if (prctl(PR_SET_PDEATHSIG, 0)) {
		fail("clear PR_SET_PDEATHSIG: %m");
		return -errno;
	}
	/* Round 0 on disk tells the runner that we take rounds. */
	if (test_takes_rounds() && test_round_publish())
		return -EIO;
	snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
	f = fopen(tmp, "w");
	if (!f) {
		fail("can't publish the pid: open %s: %m", tmp);
		return -errno;
	}
	fprintf(f, "%d\n", getpid());
	if (fclose(f)) {
		fail("can't publish the pid: write %s: %m", tmp);
		return -EIO;
	}
	if (rename(tmp, pidfile)) {
		fail("can't publish the pid: rename %s: %m", tmp);
		return -errno;
	}
	test_msg("state ready, waiting for SIGTERM");
	return 0;
}

void test_waitsig(void)
{
	sigset_t block, old, wait_mask;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	if (test_takes_rounds())
		sigaddset(&block, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &block, &old)) {
		pr_perror("block SIGTERM");
		return;
	}
	/* Wait with the test's own mask, only SIGTERM (and SIGUSR1) let through. */
	wait_mask = old;
	sigdelset(&wait_mask, SIGTERM);
	if (test_takes_rounds())
		sigdelset(&wait_mask, SIGUSR1);
	while (!test_stop) {
		/* Rounds run here, not in the handler: no signal-safety limits. */
		if (test_round_pending())
			test_round_run();
		else
			sigsuspend(&wait_mask);
	}
	if (sigprocmask(SIG_SETMASK, &old, NULL))
		pr_perror("restore signal mask");
	test_msg("got SIGTERM, checking");
}
