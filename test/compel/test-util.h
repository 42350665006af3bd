/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMPEL_TEST_UTIL_H
#define COMPEL_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A running victim program, with pipes to its stdin and from its stdout. */
struct victim {
	pid_t pid;
	int in;		/* write end: the victim's stdin */
	int out;	/* read end: the victim's stdout */
	unsigned long counter, marker, seen, sigs;	/* its addresses */
};

extern const char *victim_path;

/* Start "victim @mode" and read its ready line. */
int victim_start(struct victim *v, const char *mode);
/* SIGKILL and reap it (if still there), close the pipes. */
void victim_stop(struct victim *v);
/* One line of its output, without the newline; -1 on timeout or EOF. */
int victim_line(struct victim *v, char *buf, size_t size, int timeout_ms);
/* The victim's exit status after it exits by itself, -1 on timeout. */
int victim_wait_exit(struct victim *v, int timeout_ms);
/* 1 when its counter grows within ~100 ms, 0 when not, -1 on error. */
int counter_advances(struct victim *v);

struct compel_ctl;
/* compel_cure() that clears *@ctl, so error paths never cure twice. */
int cure_once(struct compel_ctl **ctl);

/* State letter of /proc/PID/stat, or 0. */
char proc_state(pid_t pid);
/* Poll until the state is @want; 0 or -1 on timeout. */
int wait_state(pid_t pid, char want, int timeout_ms);
/* A hex mask line of /proc/PID/status (SigBlk, SigIgn, SigCgt...). */
int status_mask(pid_t pid, const char *key, uint64_t *mask);
void msleep(int ms);

/* Why the running test failed; printed by the runner. */
void fail_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond, ...)					\
	do {							\
		if (!(cond)) {					\
			fail_reason(__VA_ARGS__);		\
			goto out;				\
		}						\
	} while (0)

#endif /* COMPEL_TEST_UTIL_H */
