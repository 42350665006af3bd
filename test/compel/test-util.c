// SPDX-License-Identifier: GPL-2.0
/* Victim processes and /proc helpers for the compel tests. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "test-util.h"

const char *victim_path = "./victim";

void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void exec_victim(int in[2], int out[2], const char *mode)
{
	if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
		_exit(126);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	execl(victim_path, victim_path, mode, (char *)NULL);
	_exit(127);
}

static int parse_ready(struct victim *v, const char *line)
{
	if (sscanf(line, "ready counter=%lx marker=%lx seen=%lx sigs=%lx",
		   &v->counter, &v->marker, &v->seen, &v->sigs) != 4) {
		fail_reason("victim said \"%s\", not ready", line);
		return -1;
	}
	return 0;
}

int victim_start(struct victim *v, const char *mode)
{
	int in[2], out[2];
	char line[256];

	memset(v, 0, sizeof(*v));
	v->pid = -1;
	if (pipe(in) || pipe(out)) {
		fail_reason("pipe: %m");
		return -1;
	}
	v->pid = fork();
	if (v->pid < 0) {
		fail_reason("fork: %m");
		return -1;
	}
	if (v->pid == 0)
		exec_victim(in, out, mode);
	close(in[0]);
	close(out[1]);
	v->in = in[1];
	v->out = out[0];
	if (victim_line(v, line, sizeof(line), 3000)) {
		fail_reason("victim %s did not start", mode);
		return -1;
	}
	return parse_ready(v, line);
}

void victim_stop(struct victim *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
	if (v->in > 0)
		close(v->in);
	if (v->out > 0)
		close(v->out);
	v->pid = -1;
	v->in = v->out = -1;
}

int victim_line(struct victim *v, char *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = v->out, .events = POLLIN };
	size_t n = 0;
	char c;

	while (n + 1 < size) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		if (read(v->out, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

int victim_wait_exit(struct victim *v, int timeout_ms)
{
	int status, waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		pid_t ret = waitpid(v->pid, &status, WNOHANG);

		if (ret == v->pid) {
			v->pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) :
						   128 + WTERMSIG(status);
		}
		msleep(10);
	}
	return -1;
}

int counter_advances(struct victim *v)
{
	unsigned long a, b;

	if (compel_read_mem(v->pid, v->counter, &a, sizeof(a)))
		return -1;
	msleep(100);
	if (compel_read_mem(v->pid, v->counter, &b, sizeof(b)))
		return -1;
	return b != a;
}

char proc_state(pid_t pid)
{
	char path[64], buf[512], *p, state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		if (p && p[1] == ' ')
			state = p[2];
	}
	fclose(f);
	return state;
}

int wait_state(pid_t pid, char want, int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		if (proc_state(pid) == want)
			return 0;
		msleep(10);
	}
	return -1;
}

int status_mask(pid_t pid, const char *key, uint64_t *mask)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			unsigned long long m;

			if (sscanf(line + klen + 1, "%llx", &m) == 1) {
				*mask = m;
				ret = 0;
			}
			break;
		}
	}
	fclose(f);
	return ret;
}

int cure_once(struct compel_ctl **ctl)
{
	struct compel_ctl *c = *ctl;

	*ctl = NULL;
	return compel_cure(c);
}
