// SPDX-License-Identifier: GPL-2.0
/*
 * The libcriu client of the RPC tier: criu-ooh's lib/c/libcriu.so.2
 * driving `criu swrk` as crun and other libcriu users do. One line per
 * test, then the counts. Usage: libcriu-test CRIU VICTIM TMPDIR
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criu.h"

static const char *criu_bin, *victim_bin, *tmp;
static char notes[512];
static int fail_action_at = -1, nr_actions;
static pid_t live_victim;	/* killed after each test, whatever happened */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("FAIL libcriu/%s: ", __func__ + 5);		\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			return -1;					\
		}							\
	} while (0)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The last counter the victim logged, -1 if none, -2 if it logged BAD. */
static long last_count(const char *log)
{
	char line[64];
	long last = -1;
	FILE *f = fopen(log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "BAD", 3)) {
			last = -2;
			break;
		}
		last = atol(line);
	}
	fclose(f);
	return last;
}

/* Wait until the victim's counter passes @after; the counter or < 0. */
static long wait_count(const char *log, long after)
{
	long c = -1;
	int i;

	for (i = 0; i < 500; i++) {
		c = last_count(log);
		if (c == -2 || c > after)
			return c;
		sleep_ms(10);
	}
	return c > after ? c : -1;
}

static pid_t start_victim(const char *log)
{
	pid_t pid = fork();
	int fd;

	if (pid == 0) {
		setsid();
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(victim_bin, victim_bin, log, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		live_victim = pid;
	if (pid > 0 && wait_count(log, 2) < 0)
		return -1;
	return pid;
}

/* Our child is reaped; a restored one is not ours to wait for (ECHILD). */
static void stop_victim(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (pid == live_victim)
		live_victim = 0;
}

static int open_dir(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY);
}

static int note_action(char *action, criu_notify_arg_t na)
{
	strncat(notes, action, sizeof(notes) - strlen(notes) - 2);
	strcat(notes, " ");
	return nr_actions++ == fail_action_at ? -1 : 0;
}

static int setup(void)
{
	if (criu_init_opts())
		return -1;
	return criu_set_service_binary(criu_bin);
}

/* A victim logging to TMP/NAME.log, and libcriu set up to dump it into TMP/NAME. */
static pid_t prepare_dump(const char *name, char *log, size_t size)
{
	pid_t pid;

	snprintf(log, size, "%s/%s.log", tmp, name);
	pid = start_victim(log);
	if (pid <= 0)
		return -1;
	if (setup()) {
		stop_victim(pid);
		return -1;
	}
	criu_set_pid(pid);
	criu_set_images_dir_fd(open_dir(name));
	return pid;
}

static int test_version(void)
{
	CHECK(!setup(), "criu_init_opts");
	/* 4.2 plus a gitid: counted as a build past 4.2, as runc counts it */
	CHECK(criu_get_version() == 40300, "version %d", criu_get_version());
	CHECK(criu_check_version(40300) == 1, "check_version(40300)");
	CHECK(criu_check_version(40400) == 0, "check_version(40400)");
	return 0;
}

static int test_check(void)
{
	struct criu_feature_check f = { .mem_track = true, .lazy_pages = true };
	int ret;

	CHECK(!setup(), "criu_init_opts");
	ret = criu_check();
	CHECK(ret == 0, "criu_check: %d errno %d", ret, errno);
	ret = criu_feature_check(&f, sizeof(f));
	CHECK(ret == 0, "criu_feature_check: %d", ret);
	CHECK(f.mem_track, "mem_track not reported (this kernel has pagemap-scan)");
	CHECK(!f.lazy_pages, "lazy_pages claimed");
	return 0;
}

static int iter_dirs[3];
static int iteration;

/* Each pre-dump goes to its own folder, the next one names it as parent. */
static int next_iteration(criu_predump_info pi)
{
	static const char *const parent[] = { NULL, "../pre1", "../pre2" };

	iteration++;
	criu_set_images_dir_fd(iter_dirs[iteration]);
	criu_set_parent_images(parent[iteration]);
	return iteration < 2;
}

static int test_dump_iters_restore(void)
{
	char log[512], img[600];
	long before, after;
	pid_t pid;
	int ret;

	snprintf(log, sizeof(log), "%s/iters.log", tmp);
	pid = start_victim(log);
	CHECK(pid > 0, "victim did not start");
	CHECK(!setup(), "criu_init_opts");
	iter_dirs[0] = open_dir("pre1");
	iter_dirs[1] = open_dir("pre2");
	iter_dirs[2] = open_dir("final");
	criu_set_pid(pid);
	criu_set_images_dir_fd(iter_dirs[0]);
	criu_set_track_mem(true);
	criu_set_log_level(4);
	criu_set_log_file("dump.log");
	criu_set_notify_cb(note_action);
	notes[0] = '\0';
	ret = criu_dump_iters(next_iteration);
	before = last_count(log);
	if (ret)
		stop_victim(pid);
	CHECK(ret == 0, "criu_dump_iters: %d errno %d", ret, errno);
	CHECK(iteration == 2, "%d iterations", iteration);
	CHECK(!strcmp(notes, "pre-dump post-dump pre-dump post-dump pre-dump post-dump "),
	      "actions: %s", notes);
	snprintf(img, sizeof(img), "%s/final/parent", tmp);
	CHECK(access(img, F_OK) == 0, "final has no parent link");
	CHECK(waitpid(pid, NULL, 0) == pid, "victim still there after the dump");

	CHECK(!setup(), "criu_init_opts");
	criu_set_images_dir_fd(iter_dirs[2]);
	criu_set_log_file("restore.log");
	criu_set_log_level(4);
	notes[0] = '\0';
	criu_set_notify_cb(note_action);
	ret = criu_restore();
	CHECK(ret == pid, "criu_restore returned %d, dumped pid %d (errno %d)", ret, pid, errno);
	CHECK(!strcmp(notes, "pre-restore post-restore pre-resume post-resume "), "actions: %s", notes);
	after = wait_count(log, before + 2);
	stop_victim(pid);
	CHECK(after > before, "restored victim does not go on (%ld then %ld)", before, after);
	return 0;
}

static int test_unsupported_setter(void)
{
	char log[512];
	pid_t pid;
	int ret;

	pid = prepare_dump("unsup", log, sizeof(log));
	CHECK(pid > 0, "victim did not start");
	criu_set_evasive_devices(true);
	ret = criu_dump();
	CHECK(ret == -EBADE && errno == EOPNOTSUPP, "criu_dump with evasive_devices: %d errno %d",
	      ret, errno);
	ret = kill(pid, 0);
	stop_victim(pid);
	CHECK(ret == 0, "victim gone after a refused dump");
	return 0;
}

static int test_notify_failure(void)
{
	char log[512];
	pid_t pid;
	int ret;

	pid = prepare_dump("nfail", log, sizeof(log));
	CHECK(pid > 0, "victim did not start");
	criu_set_notify_cb(note_action);
	nr_actions = 0;
	fail_action_at = 1;	/* post-dump */
	notes[0] = '\0';
	ret = criu_dump();
	fail_action_at = -1;
	/* As CRIU's libcriu: the handler's own error comes back. */
	CHECK(ret == -1, "criu_dump with a failing post-dump handler: %d", ret);
	ret = kill(pid, 0);
	CHECK(ret == 0, "victim gone after a failed post-dump");
	CHECK(wait_count(log, last_count(log) + 1) > 0, "victim stopped running");
	stop_victim(pid);
	return 0;
}

int main(int argc, char **argv)
{
	static int (*const tests[])(void) = {
		test_version, test_check, test_dump_iters_restore,
		test_unsupported_setter, test_notify_failure,
	};
	static const char *const names[] = {
		"version", "check", "dump_iters_restore", "unsupported_setter",
		"notify_failure",
	};
	unsigned int i, passed = 0, failed = 0;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: %s CRIU VICTIM TMPDIR\n", argv[0]);
		return 2;
	}
	criu_bin = argv[1];
	victim_bin = argv[2];
	tmp = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		live_victim = 0;
		ret = tests[i]();
		if (live_victim > 0)
			stop_victim(live_victim);
		if (ret) {
			failed++;
			continue;
		}
		printf("PASS libcriu/%s\n", names[i]);
		passed++;
	}
	criu_free_opts();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
