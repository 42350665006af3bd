// SPDX-License-Identifier: GPL-2.0
/*
 * Seed sessions for mig-fuzz: what `criu-migrate send` sends after its
 * rounds (HELLO, then the final round's files and RESTORE), and the bad
 * inputs the issue names, each in a file of @dir. Written by the real
 * framing (the header layout of migrate/proto.h), so a change of the
 * protocol changes the seeds with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static uint8_t buf[1 << 16];
static size_t len;

static void msg(uint16_t type, const void *payload, uint32_t plen)
{
	uint8_t *h = buf + len;

	mig_put_header(h, type, plen);
	memcpy(h + MIG_HDR_SIZE, payload, plen);
	len += MIG_HDR_SIZE + plen;
}

static void hello(uint32_t flags, uint32_t port)
{
	uint8_t p[8];

	mig_put32(p, flags);
	mig_put32(p + 4, port);
	msg(MIG_HELLO, p, sizeof(p));
}

/* FILE of @size bytes named by @name_len bytes of @name (NULs too). */
static void file(const char *name, size_t name_len, uint64_t size, uint32_t mode)
{
	uint8_t p[12 + MIG_MAX_NAME + 16];

	mig_put64(p, size);
	mig_put32(p + 8, mode);
	memcpy(p + 12, name, name_len);
	msg(MIG_FILE, p, 12 + name_len);
}

static void data(const char *text)
{
	msg(MIG_DATA, text, strlen(text));
}

static int flush(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	len = 0;
	return 0;
}

#define NAME(s)	s, sizeof(s) - 1

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	int ret = 0;

	/* a good final round: two images, the inventory, RESTORE */
	hello(0, 0);
	file(NAME("core-1.img"), 5, 0644);
	data("ab");
	data("cde");
	file(NAME("empty.img"), 0, 0600);
	file(NAME("inventory.img"), 3, 0644);
	data("inv");
	msg(MIG_RESTORE, NULL, 0);
	ret |= flush(d, "good");

	hello(MIG_HELLO_LAZY, 4321);
	file(NAME("mm-1.img"), 2, 0644);
	data("mm");
	msg(MIG_RESTORE, NULL, 0);	/* no inventory */
	ret |= flush(d, "no-inventory");

	hello(0, 0);
	file(NAME("../escape.img"), 1, 0644);
	ret |= flush(d, "dotdot");
	hello(0, 0);
	file(NAME("/tmp/abs.img"), 1, 0644);
	ret |= flush(d, "absolute");
	hello(0, 0);
	file(NAME("a.img\0../../x"), 1, 0644);
	ret |= flush(d, "nul");
	hello(0, 0);
	file(NAME("link.img"), 4, 0644);
	data("evil");
	ret |= flush(d, "symlink");
	hello(0, 0);
	file(NAME("link2.img"), 4, 0644);
	data("evil");
	ret |= flush(d, "staged-symlink");
	hello(0, 0);
	file(NAME("pages-1.img"), 4, 0644);
	ret |= flush(d, "replace");
	hello(0, 0);
	file(NAME("big.img"), ~0ull, 0644);
	ret |= flush(d, "overflow");
	hello(0, 0);
	file(NAME("a.img"), 2, 04755);
	ret |= flush(d, "setuid");
	hello(0, 0);
	file(NAME("a.img"), 2, 0644);
	data("abc");
	ret |= flush(d, "past-end");
	hello(0, 0);
	file(NAME("a.img"), 8, 0644);
	data("abc");
	len -= 2;	/* truncated in the middle of DATA */
	ret |= flush(d, "truncated");
	hello(0, 0);
	file(NAME("a.img"), 8, 0644);
	msg(MIG_RESTORE, NULL, 0);
	ret |= flush(d, "restore-mid-file");
	hello(3, 0);
	ret |= flush(d, "bad-flags");
	hello(MIG_HELLO_LAZY, 70000);
	ret |= flush(d, "bad-port");
	msg(MIG_OK, NULL, 0);
	ret |= flush(d, "no-hello");
	return ret ? 1 : 0;
}
