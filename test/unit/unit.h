/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UNIT_H
#define UNIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A minimal test harness: TEST(name) defines a test that registers
 * itself; it returns 0 to pass. CHECK() logs the failed condition with
 * its line and fails the test.
 */
struct unit_test {
	const char	*name;
	int		(*fn)(void);
};

void unit_register(const char *name, int (*fn)(void));

#define TEST(_name)							\
	static int test_##_name(void);					\
	__attribute__((constructor)) static void reg_##_name(void)	\
	{								\
		unit_register(#_name, test_##_name);			\
	}								\
	static int test_##_name(void)

void unit_fail(const char *file, int line, const char *cond);

#define CHECK(_cond)							\
	do {								\
		if (!(_cond)) {						\
			unit_fail(__FILE__, __LINE__, #_cond);		\
			return -1;					\
		}							\
	} while (0)

/*
 * A fresh empty directory for the running test, removed with everything
 * in it when the test ends. Returns an O_DIRECTORY descriptor owned by
 * the harness; unit_tmp_path() is its path.
 */
int unit_tmpdir(void);
const char *unit_tmp_path(void);

/* Messages logged through log.h since the test began (stub log.c). */
bool log_contains(const char *needle);
/* True if one logged line contains both strings. */
bool log_line_has(const char *a, const char *b);
void log_reset(void);

#endif /* UNIT_H */
