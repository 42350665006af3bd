/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UNIT_IMAGE_UTIL_H
#define UNIT_IMAGE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write @len bytes as file @name in the test's directory: 0 or -1. */
int put_file(const char *name, const void *buf, size_t len);
/* Read at most @len bytes of @name: the count, or -1. */
ssize_t get_file(const char *name, void *buf, size_t len);
/* Size of @name in the test's directory, or -1 if it does not exist. */
off_t file_size(const char *name);
/* Cut @name down to @len bytes: 0 or -1. */
int cut_file(const char *name, off_t len);

/* Build an image by hand: the magic words (0 = none) then @len bytes. */
int put_image(const char *name, uint32_t first, uint32_t magic,
	      const void *body, size_t len);

#endif
