/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdtmtst.h - the tiny library every zdtm test links against.
 *
 * Life of a test:
 *   test_init()    parse --pidfile/--outfile (and test options), fork. It
 *                  returns 0 in the child, which goes on as the test (a
 *                  session leader unless TEST_SHELL_JOB); in the starter it
 *                  returns once the test is ready (>0) or dead (<0), and
 *                  main() returns test_init_exit(ret)
 *   ...            the test builds the state it checks
 *   test_daemon()  publish the pid: the runner may now checkpoint us
 *   test_waitsig() sleep until SIGTERM (sent after restore)
 *   ...            the test verifies its state
 *   pass() / fail() / skip()   write the verdict to the outfile
 */
#ifndef ZDTM_TST_H
#define ZDTM_TST_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* test_init() flags */
#define TEST_SHELL_JOB	0x1	/* keep the session and the terminal stdio */

/* Set by the SIGTERM handler: the runner asks us to verify and finish. */
extern volatile sig_atomic_t test_stop;

int test_init(int argc, char **argv, unsigned int flags);
/* What main() returns when test_init() returned non-zero. */
int test_init_exit(int ret);
/* 0, or a negative errno after fail(): the test must then return. */
int test_daemon(void);
void test_waitsig(void);

/* Called from the SIGTERM handler after test_stop is set (async-signal-safe). */
void test_on_stop(void (*hook)(void));

/*
 * Incremental tests (see rounds.c): fn is called from test_waitsig() once
 * per SIGUSR1 of the runner, with the round number (1, 2, ...), and must
 * finish all its writes before it returns (non-zero: failed). Call before
 * test_daemon(). After SIGTERM, test_rounds_check() returns the number of
 * rounds done, checked against the count kept on disk, or fails (< 0).
 */
int test_on_round(int (*fn)(int round));
int test_rounds(void);
int test_rounds_check(void);

/* Value of a test option "--name VALUE", or NULL. */
const char *test_opt(const char *name);
/* Numeric option: --name, else environment variable env, else def. */
long test_opt_long(const char *name, const char *env, long def);

/*
 * ZDTM_BREAK=1 in the environment: the test damages the state it checks
 * right before checking it, so that a run shows every check can fail.
 */
int test_broken(void);

/* Verdicts: the first one wins, later calls are only logged. */
void pass(void);
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int test_failed(void);

/* Log to <outfile>.log, with the pid and a timestamp. */
void test_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_perror(fmt, ...) \
	test_msg("%s:%d: " fmt ": %m", __FILE__, __LINE__, ##__VA_ARGS__)

/*
 * A pattern that depends on the seed and on the position of each byte,
 * so a page restored at the wrong place is caught as surely as a lost one.
 * datacheck() returns -1 when buf matches, else the offset of the first bad byte.
 */
void datagen(void *buf, size_t len, uint64_t seed);
ssize_t datacheck(const void *buf, size_t len, uint64_t seed);

/* Replayable pseudo-random numbers: the same state gives the same sequence. */
uint64_t test_rand(uint64_t *state);

/*
 * Whole pages for incremental tests: the content of page "key" (any stable
 * name: its index, its area and index...) at generation gen (0-254, bumped
 * each time the page is written), or zeroes for PAGE_ZERO. page_check()
 * returns 0 when the page holds exactly that.
 */
#define PAGE_ZERO	255
void page_fill(void *page, uint64_t seed, unsigned long key, int gen);
int page_check(const void *page, uint64_t seed, unsigned long key, int gen);

/* One line of /proc/self/maps. */
struct test_vma {
	unsigned long start;
	unsigned long end;
	char prot[5];		/* "rw-p" */
	unsigned long pgoff;
	unsigned long ino;
	char path[256];
};

/* The mapping containing addr; 0 on success, -ENOENT if none. */
int test_vma_find(unsigned long addr, struct test_vma *vma);
/* All mappings that overlap [start, end), up to max of them; returns the count. */
int test_vma_range(unsigned long start, unsigned long end,
		   struct test_vma *vmas, int max);
/* The first mapping whose path equals name (e.g. "[stack]"). */
int test_vma_named(const char *name, struct test_vma *vma);
/*
 * The VmFlags line of the area holding addr, as " rd wr mr ... " (each
 * mnemonic between spaces); test_vmflag() says whether one is there.
 */
int test_vmflags(unsigned long addr, char *flags, size_t len);
bool test_vmflag(const char *flags, const char *mnemonic);

/*
 * Tests of process trees (tree.c). Children never call pass()/fail(): they
 * report with tree_fail() and a non-zero exit status; the main process
 * reaps them with tree_reap(), which turns a child's failure into fail().
 */
struct tree_stat {
	char state;		/* R, S, D, T, Z... */
	pid_t ppid, pgid, sid;
};

/* Fork a child that runs fn(arg) and exits 0 if it returned 0, else 1. */
pid_t tree_fork(int (*fn)(void *), void *arg);
/* In a child: log why it fails and leave the reason for its parent. */
void tree_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* In the main process: wait for child pid; 0 if it exited 0, else fail(). */
int tree_reap(pid_t pid, const char *role);
/* SIGTERM to child pid, then tree_reap() it. */
int tree_end(pid_t pid, const char *role);
/* For a process that is not our child: fail() if it left a fail file. */
int tree_failed(pid_t pid, const char *role);
/* In a child that reaped its own child: pass a failure one level up. */
int tree_child_result(pid_t pid, int status, const char *role);
/* Fields of /proc/PID/stat. */
int tree_stat(pid_t pid, struct tree_stat *st);
/* Children of the thread-group leader pid (its own, not its threads'). */
int tree_children(pid_t pid, pid_t *kids, int max);
/*
 * A child made by clone(flags | SIGCHLD) running fn(arg); with CLONE_VM on
 * a stack of its own, and then it must keep to system calls and memory.
 */
pid_t tree_clone(unsigned long flags, int (*fn)(void *), void *arg);
/* kcmp(2): 0 when a and b share the object of that type. */
int tree_kcmp(pid_t a, pid_t b, int type, unsigned long idx1, unsigned long idx2);
/* fail() unless shared shares the test's kcmp object type and apart does not. */
int tree_check_shared(pid_t shared, pid_t apart, int type, const char *what);

/*
 * Start nr threads running fn(base + t * stride), all with SIGTERM blocked
 * (it is the waiting thread's); 0, or fail() and a negative errno.
 */
int test_threads_start(pthread_t *ids, int nr, void *(*fn)(void *), void *base, size_t stride);
/* Join them; fail() with the first non-empty reason at bad + t * stride. */
int test_threads_join(pthread_t *ids, int nr, const char *bad, size_t stride);
/*
 * Readiness: tree_sync_init() before the forks; a process whose state is
 * built calls tree_sync_post() (the others tree_sync_close()); the main
 * process waits for nr posts with tree_sync_wait(nr) before test_daemon().
 */
int tree_sync_init(void);
int tree_sync_post(void);
void tree_sync_close(void);
int tree_sync_wait(int nr);

/* lib/fds.c: move @fd to number @at (closing @fd), or fail(); 0 or -1. */
int test_move_fd(int fd, int at);
/* The text of /proc/self/fdinfo/@fd in @buf (NUL-terminated), or fail(); 0 or -1. */
int test_fdinfo(int fd, char *buf, size_t size);

#define TEST_PAGE_SIZE	4096UL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* ZDTM_TST_H */
