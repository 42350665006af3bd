// SPDX-License-Identifier: GPL-2.0
/* Task classification, seize/detach, and the PTRACE_TRACEME path. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compel.h"
#include "log-stub.h"
#include "test-util.h"
#include "tests.h"

static int error_names_pid(pid_t pid)
{
	char s[32];

	snprintf(s, sizeof(s), "%d", pid);
	return strstr(log_stub_first_error(), s) != NULL;
}

int test_dead_pid(void)
{
	enum compel_task_state st = COMPEL_TASK_ALIVE;
	pid_t pid = fork();
	int ret = -1;

	CHECK(pid >= 0, "fork: %m");
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	CHECK(!compel_task_state(pid, &st) && st == COMPEL_TASK_DEAD,
	      "state of reaped pid %d is %d", pid, st);
	ret = compel_seize(pid);
	CHECK(ret == -ESRCH, "seize of dead pid gave %d, not -ESRCH", ret);
	CHECK(error_names_pid(pid), "error does not name the pid: %s",
	      log_stub_first_error());
	ret = 0;
out:
	return ret;
}

int test_zombie(void)
{
	enum compel_task_state st = COMPEL_TASK_ALIVE;
	pid_t pid = fork();
	siginfo_t si;
	int ret = -1;

	CHECK(pid >= 0, "fork: %m");
	if (pid == 0)
		_exit(0);
	CHECK(!waitid(P_PID, pid, &si, WEXITED | WNOWAIT), "waitid: %m");
	CHECK(!compel_task_state(pid, &st) && st == COMPEL_TASK_ZOMBIE,
	      "state of zombie %d is %d", pid, st);
	ret = compel_seize(pid);
	CHECK(ret == -EPERM, "seize of zombie gave %d, not -EPERM", ret);
	ret = 0;
out:
	waitpid(pid, NULL, 0);
	return ret;
}

/* A pid with PF_KTHREAD in its stat flags, or 0. */
static pid_t find_kthread(void)
{
	unsigned long flags;
	char path[300], buf[512], *p;
	struct dirent *de;
	pid_t found = 0;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
		    (flags & 0x00200000))
			found = atoi(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

int test_kthread(void)
{
	enum compel_task_state st = COMPEL_TASK_ALIVE;
	pid_t pid = find_kthread();
	int ret = -1;

	if (!pid) {
		fprintf(stderr, "note: no kernel thread visible, only the check of pid 2 is skipped\n");
		return 0;
	}
	CHECK(!compel_task_state(pid, &st) && st == COMPEL_TASK_KTHREAD,
	      "state of kernel thread %d is %d", pid, st);
	ret = compel_seize(pid);
	CHECK(ret == -EPERM, "seize of kernel thread %d gave %d", pid, ret);
	CHECK(error_names_pid(pid), "error does not name the pid: %s",
	      log_stub_first_error());
	ret = 0;
out:
	return ret;
}

int test_alive(void)
{
	enum compel_task_state st = COMPEL_TASK_DEAD;
	struct victim v;
	int ret = -1, seized = 0;

	CHECK(!victim_start(&v, "spin"), "no victim");
	CHECK(!compel_task_state(v.pid, &st) && st == COMPEL_TASK_ALIVE,
	      "state of running victim is %d", st);
	CHECK(!compel_seize(v.pid), "seize failed");
	seized = 1;
	CHECK(counter_advances(&v) == 0, "victim runs while seized");
	CHECK(compel_seize(v.pid) == -EPERM, "second seize did not fail");
	CHECK(counter_advances(&v) == 0, "failed second seize released it");
	CHECK(!compel_detach(v.pid), "detach failed");
	seized = 0;
	CHECK(counter_advances(&v) == 1, "victim does not run after detach");
	ret = 0;
out:
	if (seized)
		compel_detach(v.pid);
	victim_stop(&v);
	return ret;
}

/* Inject one getpid() and check it; the task must be seized. */
static int inject_getpid(pid_t pid)
{
	struct compel_ctl *ctl = compel_infect(pid, 0);
	long res = 0;
	int ret = -1;

	CHECK(ctl, "infect of %d failed: %m", pid);
	CHECK(!compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0),
	      "getpid injection failed");
	CHECK(res == pid, "remote getpid gave %ld, not %d", res, pid);
	ret = 0;
out:
	if (ctl && compel_cure(ctl)) {
		fail_reason("cure failed");
		ret = -1;
	}
	return ret;
}

int test_job_stopped(void)
{
	enum compel_task_state st = COMPEL_TASK_DEAD;
	struct victim v;
	int ret = -1, seized = 0;

	CHECK(!victim_start(&v, "spin"), "no victim");
	kill(v.pid, SIGSTOP);
	CHECK(!wait_state(v.pid, 'T', 2000), "victim did not stop");
	CHECK(!compel_task_state(v.pid, &st) && st == COMPEL_TASK_STOPPED,
	      "state of stopped victim is %d", st);
	CHECK(!compel_seize(v.pid), "seize of stopped task failed");
	seized = 1;
	CHECK(!inject_getpid(v.pid), "injection failed");
	CHECK(!compel_detach(v.pid), "detach failed");
	seized = 0;
	CHECK(!wait_state(v.pid, 'T', 1000), "not job-stopped after detach");
	CHECK(counter_advances(&v) == 0, "victim runs after detach");
	kill(v.pid, SIGCONT);
	CHECK(counter_advances(&v) == 1, "victim does not run after SIGCONT");
	ret = 0;
out:
	if (seized)
		compel_detach(v.pid);
	victim_stop(&v);
	return ret;
}

static void traceme_child(int fd)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		_exit(1);
	raise(SIGSTOP);
	if (write(fd, "continued", 9) != 9)
		_exit(2);
	_exit(7);
}

int test_traceme_child(void)
{
	int p[2], status = 0, ret = -1;
	char buf[16] = "";
	pid_t pid = -1;

	CHECK(!pipe(p), "pipe: %m");
	pid = fork();
	CHECK(pid >= 0, "fork: %m");
	if (pid == 0)
		traceme_child(p[1]);
	close(p[1]);
	CHECK(!compel_wait_traceme_child(pid), "wait for traceme child failed");
	CHECK(!inject_getpid(pid), "injection failed");
	CHECK(!compel_detach(pid), "detach failed");
	CHECK(read(p[0], buf, sizeof(buf) - 1) == 9 &&
	      !strcmp(buf, "continued"), "child did not continue: \"%s\"", buf);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 7, "child status %#x", status);
	pid = 0;
	ret = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(p[0]);
	return ret;
}

static int landing_fd = -1;

/* Where the restore-style test sends its child; never returns. */
static void landing(void)
{
	if (write(landing_fd, "landed", 6) != 6)
		_exit(2);
	_exit(9);
}

/*
 * The restore path: a PTRACE_TRACEME child gets a fresh page for the
 * site, and its last call unmaps that page while it jumps elsewhere.
 */
static int last_call_and_jump(pid_t pid)
{
	struct user_regs_struct regs;
	struct compel_ctl *ctl;
	unsigned long page;
	long res = -1;
	int ret = -1;

	CHECK(!compel_get_regs(pid, &regs), "get_regs failed");
	ctl = compel_infect(pid, 0);
	CHECK(ctl, "infect failed: %m");
	if (compel_syscall(ctl, SYS_mmap, &res, 0, 4096, PROT_READ | PROT_EXEC,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ||
	    (unsigned long)res >= -4095UL || compel_move_site(ctl, res)) {
		fail_reason("no site page (%ld)", res);
		compel_cure(ctl);
		goto out;
	}
	page = res;
	regs.rip = (unsigned long)landing;
	regs.rsp = ((regs.rsp - 1024) & ~15UL) - 8;
	regs.orig_rax = -1;
	ret = compel_syscall_and_set_regs(ctl, SYS_munmap, &res, page, 4096,
					  &regs);
	CHECK(!ret && res == 0, "last munmap: %d, %ld", ret, res);
	ret = 0;
out:
	return ret;
}

int test_traceme_last_call(void)
{
	int p[2], status = 0, ret = -1;
	char buf[16] = "";
	pid_t pid = -1;

	CHECK(!pipe(p), "pipe: %m");
	landing_fd = p[1];
	pid = fork();
	CHECK(pid >= 0, "fork: %m");
	if (pid == 0)
		traceme_child(p[1]);
	close(p[1]);
	CHECK(!compel_wait_traceme_child(pid), "wait for traceme child failed");
	CHECK(!last_call_and_jump(pid), "last call failed");
	CHECK(!compel_set_sigmask(pid, 0), "set_sigmask failed");
	CHECK(!compel_detach(pid), "detach failed");
	CHECK(read(p[0], buf, sizeof(buf) - 1) == 6 && !strcmp(buf, "landed"),
	      "child did not land: \"%s\"", buf);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 9, "child status %#x", status);
	pid = -1;
	ret = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(p[0]);
	return ret;
}
